import * as z from 'zod/mini';
import { InvalidInputError } from '../domain/errors.ts';
import { parseWith } from '../domain/validation.ts';

/** A page size from a query string: 1 to 100. */
export const pageLimit = z
  .string()
  .check(z.regex(/^(100|[1-9][0-9]?)$/, 'must be a whole number from 1 to 100'));
/** A cursor as a listing gave it out; its content is checked where it is read (the adapter). */
export const pageCursor = z.string().check(z.minLength(1), z.maxLength(2048));

/**
 * A query string checked like a body: only the keys the route knows, each of its shape, problems
 * named `(query).<key>`. Only the query's own keys are read (a `__proto__` key is just a key).
 */
export function parseQuery<T>(
  schema: z.ZodMiniType<T>,
  query: Record<string, string | undefined> | undefined,
): T {
  const own: Record<string, string> = Object.create(null);
  for (const [key, value] of Object.entries(query ?? {})) if (value !== undefined) own[key] = value;
  const parsed = parseWith(schema, { ...own });
  if (!parsed.ok)
    throw new InvalidInputError(
      'the query has problems',
      parsed.problems.map((p) => ({
        path: p.path === '(root)' ? '(query)' : `(query).${p.path}`,
        message: p.message,
      })),
    );
  return parsed.value;
}
