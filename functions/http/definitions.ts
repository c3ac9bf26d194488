import { definitionsRepositoryFromEnv } from '../adapters/dynamodb/repository.ts';
import { once, settingsFromEnv, systemClock } from '../adapters/environment.ts';
import { CHAINS } from '../domain/trail.ts';
import { log } from '../logger.ts';
import { requireRole } from '../usecases/caller.ts';
import { publishDraft, saveDraft, startDraft } from '../usecases/definition-drafts.ts';
import {
  DEFINITION_READERS,
  diffProcess,
  dryRunProcess,
  listProcesses,
  showDraft,
  showProcess,
  showVersion,
  validateProcess,
} from '../usecases/definitions.ts';
import { migrateProjects } from '../usecases/migration.ts';
import type { DefinitionsRepository, Ports } from '../usecases/ports.ts';
import { callerOf } from './caller.ts';
import { pathParameter } from './paths.ts';
import { refusalsOf } from './refusals.ts';
import { type HttpEvent, httpFunction, json, jsonBody, requestSource } from './wrapper.ts';

/** The definitions API reads and writes the table only: no workflow, no mail. */
export type DefinitionPorts = Pick<Ports, 'clock' | 'settings' | 'log'> & {
  repository: DefinitionsRepository;
};

/**
 * Process definitions, behind the JWT authorizer: list, show, diff, drafts, validate, dry-run,
 * publish and migrate. Each use case checks the role first; path parameters are checked for
 * shape before anything is read.
 */
export function definitionRoutes(ports: () => DefinitionPorts) {
  const id = (event: HttpEvent) => pathParameter(event, 'definitionId');
  /** The role is checked before anything else (the use cases check it again). */
  const reader = (event: HttpEvent) => {
    const caller = callerOf(event);
    requireRole(caller, ...DEFINITION_READERS);
    return caller;
  };
  /** Writes: the PMO admin, then the process, the body and where it came from. */
  const write = (event: HttpEvent) => {
    const caller = callerOf(event);
    requireRole(caller, 'pmo-admin');
    return { caller, args: { id: id(event), body: jsonBody(event), source: requestSource(event) } };
  };
  return httpFunction(
    [
      {
        method: 'GET',
        path: '/definitions',
        handler: async (event: HttpEvent) => json(200, await listProcesses(ports(), reader(event))),
      },
      {
        method: 'GET',
        path: '/definitions/{definitionId}',
        handler: async (event: HttpEvent) => {
          const caller = reader(event);
          return json(200, await showProcess(ports(), caller, id(event)));
        },
      },
      {
        method: 'GET',
        path: '/definitions/{definitionId}/versions/{version}',
        handler: async (event: HttpEvent) => {
          const caller = reader(event);
          const version = Number(pathParameter(event, 'version'));
          return json(200, await showVersion(ports(), caller, id(event), version));
        },
      },
      {
        method: 'GET',
        path: '/definitions/{definitionId}/diff',
        handler: async (event: HttpEvent) => {
          const caller = reader(event);
          const query = event.queryStringParameters ?? {};
          return json(200, await diffProcess(ports(), caller, id(event), query));
        },
      },
      {
        method: 'GET',
        path: '/definitions/{definitionId}/draft',
        handler: async (event: HttpEvent) => {
          const caller = reader(event);
          return json(200, await showDraft(ports(), caller, id(event)));
        },
      },
      {
        method: 'PUT',
        path: '/definitions/{definitionId}/draft',
        handler: async (event: HttpEvent) => {
          const { caller, args } = write(event);
          return json(200, await saveDraft(ports(), caller, args));
        },
      },
      {
        method: 'POST',
        path: '/definitions/{definitionId}/draft',
        handler: async (event: HttpEvent) => {
          const { caller, args } = write(event);
          return json(201, await startDraft(ports(), caller, args));
        },
      },
      {
        method: 'POST',
        path: '/definitions/validate',
        handler: async (event: HttpEvent) => {
          const caller = reader(event);
          return json(200, validateProcess(caller, jsonBody(event)));
        },
      },
      {
        method: 'POST',
        path: '/definitions/dry-run',
        handler: async (event: HttpEvent) => {
          const caller = reader(event);
          return json(200, await dryRunProcess(ports(), caller, jsonBody(event)));
        },
      },
      {
        method: 'POST',
        path: '/definitions/{definitionId}/publish',
        handler: async (event: HttpEvent) => {
          const { caller, args } = write(event);
          return json(201, await publishDraft(ports(), caller, args));
        },
      },
      {
        method: 'POST',
        path: '/definitions/{definitionId}/migrations',
        handler: async (event: HttpEvent) => {
          const { caller, args } = write(event);
          return json(200, await migrateProjects(ports(), caller, args));
        },
      },
    ],
    'json',
    refusalsOf(ports, { fallbackChain: CHAINS.access }),
  );
}

export const handler = definitionRoutes(
  once(() => ({
    repository: definitionsRepositoryFromEnv(),
    clock: systemClock,
    settings: settingsFromEnv(),
    log,
  })),
);
