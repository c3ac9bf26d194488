import * as z from 'zod/mini';
import { proposalSchema } from '../domain/proposal.ts';
import { parseWith } from '../domain/validation.ts';

/** Task inputs come from our own state machines, and are still parsed at the edge. */
const gateRef = z.strictObject({ gateId: z.string(), sequence: z.int().check(z.gte(1)) });

export const schemas = {
  intake: z.object({
    projectId: z.uuid(),
    proposal: proposalSchema,
    requester: z.object({ email: z.email(), name: z.string() }),
    submittedAt: z.iso.datetime(),
    source: z.object({ ip: z.string(), userAgent: z.string() }),
  }),
  gate: z.object({ projectId: z.uuid(), gate: gateRef }),
  waitingGate: z.object({ projectId: z.uuid(), gate: gateRef, taskToken: z.string().check(z.minLength(1)) }),
  hold: z.object({
    projectId: z.uuid(),
    gate: gateRef,
    decidedSequence: z.int().check(z.gte(1)),
    taskToken: z.string().check(z.minLength(1)),
  }),
  closeOut: z.object({ projectId: z.uuid(), reason: z.string().check(z.minLength(1)) }),
};

export class TaskInputError extends Error {
  override readonly name = 'TaskInputError';
}

export function parseTaskInput<T>(schema: z.ZodMiniType<T>, input: unknown): T {
  const parsed = parseWith(schema, input);
  if (!parsed.ok) throw new TaskInputError(parsed.problems.map((p) => `${p.path}: ${p.message}`).join('; '));
  return parsed.value;
}
