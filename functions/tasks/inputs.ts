import * as z from 'zod/mini';
import { parseWith } from '../domain/validation.ts';

/** Task inputs come from our own state machines, and are still parsed at the edge. */
const gateRef = z.strictObject({
  gateId: z.string().check(z.maxLength(64)),
  sequence: z.int().check(z.gte(1)),
});
const person = z.object({ email: z.email(), name: z.string(), sub: z.optional(z.string()) });

export const schemas = {
  intake: z.object({
    projectId: z.uuid(),
    /** Checked in full by the use case against the process it pins. */
    proposal: z.object({
      title: z.string(),
      summary: z.string(),
      sponsorEmail: z.email(),
      managerEmail: z.optional(z.email()),
      processId: z.optional(z.string()),
      fields: z.record(z.string(), z.union([z.number(), z.string()])),
    }),
    requester: person,
    submittedAt: z.iso.datetime(),
    source: z.object({ ip: z.string(), userAgent: z.string() }),
  }),
  gate: z.object({ projectId: z.uuid(), gate: gateRef }),
  waitingGate: z.object({ projectId: z.uuid(), gate: gateRef, taskToken: z.string().check(z.minLength(1)) }),
};

export class TaskInputError extends Error {
  override readonly name = 'TaskInputError';
}

export function parseTaskInput<T>(schema: z.ZodMiniType<T>, input: unknown): T {
  const parsed = parseWith(schema, input);
  if (!parsed.ok) throw new TaskInputError(parsed.problems.map((p) => `${p.path}: ${p.message}`).join('; '));
  return parsed.value;
}
