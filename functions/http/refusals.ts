import { InvalidInputError } from '../domain/errors.ts';
import type { Ports } from '../usecases/ports.ts';
import { recordRefusal } from '../usecases/refusals.ts';
import { actorOf } from './caller.ts';
import type { HttpEvent, RefusalRecorder } from './wrapper.ts';
import { requestSource } from './wrapper.ts';

const PROJECT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The project a request's path names, when it is shaped like one. */
export function pathProject(event: HttpEvent): string | undefined {
  const id = event.pathParameters?.projectId;
  return id && PROJECT_ID.test(id) ? id : undefined;
}

/** Records each refused request of a handler's routes (see usecases/refusals.ts). */
export function refusalsOf(
  ports: () => Pick<Ports, 'repository' | 'clock' | 'log'>,
  options: {
    fallbackChain: string | ((event: HttpEvent) => string);
    projectOf?: (event: HttpEvent) => Promise<string | undefined>;
  },
): RefusalRecorder {
  return async (event, error) => {
    // Reading never writes, not even a refusal: mail scanners fetch every link.
    const method = event.requestContext?.http?.method ?? 'GET';
    if (method === 'GET' || method === 'HEAD' || method === 'OPTIONS') return;
    const projectId = options.projectOf
      ? await options.projectOf(event).catch(() => undefined)
      : pathProject(event);
    await recordRefusal(ports(), {
      route: event.routeKey,
      status: error.statusCode,
      message: error.message,
      ...(error instanceof InvalidInputError ? { problems: error.problems } : {}),
      actor: actorOf(event),
      source: requestSource(event),
      ...(projectId ? { projectId } : {}),
      fallbackChain:
        typeof options.fallbackChain === 'function' ? options.fallbackChain(event) : options.fallbackChain,
    });
  };
}
