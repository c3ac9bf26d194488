import * as z from 'zod/mini';
import { type Parsed, parseWith } from './validation.ts';

/** A proposal as a requester submits it at intake. */
export const proposalSchema = z.strictObject({
  title: z.string().check(z.trim(), z.minLength(3), z.maxLength(200)),
  summary: z.string().check(z.trim(), z.minLength(1), z.maxLength(4000)),
  sponsorEmail: z.email().check(z.toLowerCase()),
  estimatedCost: z.optional(z.number().check(z.gte(0), z.lte(1e12))),
  /** Which process template to run; the PMO's default when absent. */
  processId: z.optional(z.string().check(z.regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be a process id'))),
});

export type Proposal = z.infer<typeof proposalSchema>;

/** Shape first, then separation of duties: nobody sponsors (and so approves) their own proposal. */
export function parseProposal(input: unknown, requesterEmail: string): Parsed<Proposal> {
  const parsed = parseWith(proposalSchema, input);
  if (!parsed.ok) return parsed;
  if (parsed.value.sponsorEmail === requesterEmail.toLowerCase()) {
    return {
      ok: false,
      problems: [{ path: 'sponsorEmail', message: 'the sponsor must be someone other than the requester' }],
    };
  }
  return parsed;
}
