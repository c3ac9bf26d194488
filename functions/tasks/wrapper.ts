import middy from '@middy/core';
import { log } from '../logger.ts';

/**
 * The one task handler wrapper. Step Functions passes the task's Payload as the event;
 * a thrown error's `name` is what a Catch matches. Logs carry ids only (never the token).
 */
export function taskFunction<I, O>(name: string, run: (input: I) => Promise<O>) {
  return middy<I, O>().handler(async (input: I) => {
    const started = Date.now();
    try {
      const output = await run(input);
      log.info('task done', { task: name, ms: Date.now() - started, ...ids(input) });
      return output;
    } catch (error) {
      log.error('task failed', {
        task: name,
        ...ids(input),
        error: error instanceof Error ? { name: error.name, message: error.message } : String(error),
      });
      throw error;
    }
  });
}

function ids(input: unknown): Record<string, unknown> {
  const i = (input ?? {}) as { projectId?: unknown; gate?: { sequence?: unknown } };
  return { projectId: i.projectId, sequence: i.gate?.sequence };
}
