import { once } from '../adapters/environment.ts';
import { CHAINS } from '../domain/trail.ts';
import { cancelProject, extendDeadline, holdProject, remindApprovers } from '../usecases/admin-actions.ts';
import { type Caller, requireRole } from '../usecases/caller.ts';
import { waiveCondition } from '../usecases/conditions.ts';
import { reassign } from '../usecases/delegation.ts';
import { resumeProject } from '../usecases/holds.ts';
import { pendingView } from '../usecases/pending.ts';
import { listPeople, putPerson, setAway, setBack, showPerson } from '../usecases/people.ts';
import { callerOf } from './caller.ts';
import { pathParameter } from './paths.ts';
import { type HttpPorts, httpPortsFromEnv } from './ports.ts';
import { refusalsOf } from './refusals.ts';
import {
  type HttpEvent,
  type HttpResult,
  type HttpRoute,
  httpFunction,
  json,
  jsonBody,
  requestSource,
} from './wrapper.ts';

/**
 * PMO admin routes, behind the JWT authorizer: the people directory, the pending view, and
 * actions on reviews in flight, each with a reason. The role is checked before anything is read;
 * the use cases do the rest.
 */
export function adminRoutes(ports: () => HttpPorts) {
  const route = (
    method: HttpRoute['method'],
    path: string,
    run: (event: HttpEvent, caller: Caller) => Promise<HttpResult>,
  ): HttpRoute => ({
    method,
    path,
    handler: async (event: HttpEvent) => {
      const caller = callerOf(event);
      requireRole(caller, 'pmo-admin');
      return run(event, caller);
    },
  });
  const project = (event: HttpEvent) => ({
    projectId: pathParameter(event, 'projectId'),
    body: jsonBody(event),
    source: requestSource(event),
  });
  const gate = (event: HttpEvent) => ({
    projectId: pathParameter(event, 'projectId'),
    sequence: Number(pathParameter(event, 'sequence')),
    body: jsonBody(event),
    source: requestSource(event),
  });
  const person = (event: HttpEvent) => ({
    email: pathParameter(event, 'email'),
    body: jsonBody(event),
    source: requestSource(event),
  });
  const query = (event: HttpEvent) => ({ query: event.queryStringParameters });

  return httpFunction(
    [
      route('GET', '/people', async (e, c) => json(200, await listPeople(ports(), c, query(e)))),
      route('GET', '/people/{email}', async (e, c) =>
        json(200, await showPerson(ports(), c, { email: pathParameter(e, 'email') })),
      ),
      route('PUT', '/people/{email}', async (e, c) => {
        const { created, person: entry } = await putPerson(ports(), c, person(e));
        return json(created ? 201 : 200, entry);
      }),
      route('PUT', '/people/{email}/away', async (e, c) => json(200, await setAway(ports(), c, person(e)))),
      route('POST', '/people/{email}/back', async (e, c) => json(200, await setBack(ports(), c, person(e)))),
      route('GET', '/pending', async (e, c) => json(200, await pendingView(ports(), c, query(e)))),
      route('POST', '/projects/{projectId}/hold', async (e, c) =>
        json(200, await holdProject(ports(), c, project(e))),
      ),
      route('POST', '/projects/{projectId}/resume', async (e, c) =>
        json(202, await resumeProject(ports(), c, project(e))),
      ),
      route('POST', '/projects/{projectId}/cancel', async (e, c) =>
        json(200, await cancelProject(ports(), c, project(e))),
      ),
      route('POST', '/projects/{projectId}/conditions/{conditionId}/waive', async (e, c) => {
        const args = {
          projectId: pathParameter(e, 'projectId'),
          conditionId: pathParameter(e, 'conditionId'),
          body: jsonBody(e),
          source: requestSource(e),
        };
        return json(200, await waiveCondition(ports(), c, args));
      }),
      route('POST', '/projects/{projectId}/gates/{sequence}/reassign', async (e, c) =>
        json(200, await reassign(ports(), c, gate(e))),
      ),
      route('POST', '/projects/{projectId}/gates/{sequence}/remind', async (e, c) =>
        json(202, await remindApprovers(ports(), c, gate(e))),
      ),
      route('POST', '/projects/{projectId}/gates/{sequence}/extend', async (e, c) =>
        json(200, await extendDeadline(ports(), c, gate(e))),
      ),
    ],
    'json',
    refusalsOf(ports, { fallbackChain: CHAINS.access }),
  );
}

export const handler = adminRoutes(once(httpPortsFromEnv));
