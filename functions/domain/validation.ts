import { en } from 'zod/locales';
import * as z from 'zod/mini';

// zod/mini ships without messages; English ones make every 4xx name what is wrong.
z.config(en());

/** One thing wrong with an input, named by its path (`gates.1.approvers`). */
export interface Problem {
  path: string;
  message: string;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; problems: Problem[] };

export function parseWith<T>(schema: z.ZodMiniType<T>, input: unknown): Parsed<T> {
  const result = schema.safeParse(input);
  if (result.success) return { ok: true, value: result.data };
  return {
    ok: false,
    problems: result.error.issues.map((issue) => ({
      path: issue.path.map(String).join('.') || '(root)',
      message: issue.message,
    })),
  };
}
