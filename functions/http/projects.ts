import { repositoryFromEnv } from '../adapters/dynamodb.ts';
import { once, systemClock } from '../adapters/environment.ts';
import { workflowFromEnv } from '../adapters/workflow.ts';
import { submitProposal } from '../usecases/intake.ts';
import type { Ports } from '../usecases/ports.ts';
import { projectStatus } from '../usecases/projects.ts';
import { callerOf, requireRole } from './caller.ts';
import { type HttpEvent, httpFunction, json, jsonBody, requestSource } from './wrapper.ts';

type ProjectPorts = Pick<Ports, 'repository' | 'workflow' | 'clock'>;

/** Requester routes, behind the JWT authorizer: submit a proposal, see where a project stands. */
export function projectRoutes(ports: () => ProjectPorts) {
  return httpFunction(
    [
      {
        method: 'POST',
        path: '/proposals',
        handler: async (event: HttpEvent) => {
          const caller = callerOf(event);
          requireRole(caller, 'requester');
          const { projectId } = await submitProposal(ports(), {
            requester: { email: caller.email, name: caller.name },
            body: jsonBody(event),
            source: requestSource(event),
          });
          return json(
            202,
            { projectId, status: 'submitted', href: `/projects/${projectId}` },
            { location: `/projects/${projectId}` },
          );
        },
      },
      {
        method: 'GET',
        path: '/projects/{projectId}',
        handler: async (event: HttpEvent) =>
          json(200, await projectStatus(ports(), callerOf(event), event.pathParameters?.projectId ?? '')),
      },
    ],
    'json',
  );
}

export const handler = projectRoutes(
  once(() => ({ repository: repositoryFromEnv(), workflow: workflowFromEnv(), clock: systemClock })),
);
