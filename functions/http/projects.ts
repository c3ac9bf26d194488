import { once } from '../adapters/environment.ts';
import { CHAINS } from '../domain/trail.ts';
import { requireRole } from '../usecases/caller.ts';
import { markConditionMet } from '../usecases/conditions.ts';
import { submitProposal } from '../usecases/intake.ts';
import { projectStatus } from '../usecases/projects.ts';
import { submitStage } from '../usecases/submissions.ts';
import { callerOf } from './caller.ts';
import { pathParameter } from './paths.ts';
import { type HttpPorts, httpPortsFromEnv } from './ports.ts';
import { refusalsOf } from './refusals.ts';
import { type HttpEvent, httpFunction, json, jsonBody, requestSource } from './wrapper.ts';

/**
 * Requester routes, behind the JWT authorizer: submit a proposal, see where a project
 * stands, submit a stage's deliverables, mark a condition met.
 */
export function projectRoutes(ports: () => HttpPorts) {
  return httpFunction(
    [
      {
        method: 'POST',
        path: '/proposals',
        handler: async (event: HttpEvent) => {
          const caller = callerOf(event);
          requireRole(caller, 'requester');
          const { projectId, replayed } = await submitProposal(ports(), {
            caller,
            body: jsonBody(event),
            source: requestSource(event),
            idempotencyKey: event.headers?.['idempotency-key'],
          });
          return json(
            202,
            { projectId, status: 'submitted', href: `/projects/${projectId}` },
            { location: `/projects/${projectId}`, ...(replayed ? { 'idempotent-replayed': 'true' } : {}) },
          );
        },
      },
      {
        method: 'GET',
        path: '/projects/{projectId}',
        handler: async (event: HttpEvent) => {
          const caller = callerOf(event);
          return json(200, await projectStatus(ports(), caller, pathParameter(event, 'projectId')));
        },
      },
      {
        method: 'POST',
        path: '/projects/{projectId}/submissions',
        handler: async (event: HttpEvent) => {
          const caller = callerOf(event);
          const projectId = pathParameter(event, 'projectId');
          const gate = await submitStage(ports(), caller, {
            projectId,
            body: jsonBody(event),
            source: requestSource(event),
          });
          return json(202, { ...gate, status: 'in-review', href: `/projects/${projectId}` });
        },
      },
      {
        method: 'POST',
        path: '/projects/{projectId}/conditions/{conditionId}/met',
        handler: async (event: HttpEvent) => {
          const caller = callerOf(event);
          const condition = await markConditionMet(ports(), caller, {
            projectId: pathParameter(event, 'projectId'),
            conditionId: pathParameter(event, 'conditionId'),
            body: jsonBody(event),
            source: requestSource(event),
          });
          return json(200, condition);
        },
      },
    ],
    'json',
    refusalsOf(ports, {
      fallbackChain: (event) => (event.routeKey === 'POST /proposals' ? CHAINS.intake : CHAINS.access),
    }),
  );
}

export const handler = projectRoutes(once(httpPortsFromEnv));
