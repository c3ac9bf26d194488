import { once } from '../adapters/environment.ts';
import { CHAINS } from '../domain/trail.ts';
import { requireRole } from '../usecases/caller.ts';
import { waiveCondition } from '../usecases/conditions.ts';
import { reassign } from '../usecases/delegation.ts';
import { resumeProject } from '../usecases/holds.ts';
import { callerOf } from './caller.ts';
import { pathParameter } from './paths.ts';
import { type HttpPorts, httpPortsFromEnv } from './ports.ts';
import { refusalsOf } from './refusals.ts';
import { type HttpEvent, httpFunction, json, jsonBody, requestSource } from './wrapper.ts';

/** PMO admin routes, behind the JWT authorizer: act on reviews in flight, each with a reason. */
export function adminRoutes(ports: () => HttpPorts) {
  /** The role is checked before anything is read. */
  const admin = (event: HttpEvent) => {
    const caller = callerOf(event);
    requireRole(caller, 'pmo-admin');
    return caller;
  };
  return httpFunction(
    [
      {
        method: 'POST',
        path: '/projects/{projectId}/resume',
        handler: async (event: HttpEvent) => {
          const caller = admin(event);
          const resumed = await resumeProject(ports(), caller, {
            projectId: pathParameter(event, 'projectId'),
            body: jsonBody(event),
            source: requestSource(event),
          });
          return json(202, resumed);
        },
      },
      {
        method: 'POST',
        path: '/projects/{projectId}/conditions/{conditionId}/waive',
        handler: async (event: HttpEvent) => {
          const caller = admin(event);
          const condition = await waiveCondition(ports(), caller, {
            projectId: pathParameter(event, 'projectId'),
            conditionId: pathParameter(event, 'conditionId'),
            body: jsonBody(event),
            source: requestSource(event),
          });
          return json(200, condition);
        },
      },
      {
        method: 'POST',
        path: '/projects/{projectId}/gates/{sequence}/reassign',
        handler: async (event: HttpEvent) => {
          const caller = admin(event);
          const handed = await reassign(ports(), caller, {
            projectId: pathParameter(event, 'projectId'),
            sequence: Number(pathParameter(event, 'sequence')),
            body: jsonBody(event),
            source: requestSource(event),
          });
          return json(200, handed);
        },
      },
    ],
    'json',
    refusalsOf(ports, { fallbackChain: CHAINS.access }),
  );
}

export const handler = adminRoutes(once(httpPortsFromEnv));
