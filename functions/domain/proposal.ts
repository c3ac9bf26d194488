import * as z from 'zod/mini';
import type { ProcessDefinition } from './definition.ts';
import { canonicalEmail } from './email.ts';
import type { Literal } from './expression.ts';
import { parseFieldValues } from './fields.ts';
import { safeLine, safeText } from './text.ts';
import { type Parsed, type Problem, parseWith } from './validation.ts';

const email = z.email().check(z.toLowerCase(), z.maxLength(254));

/** A proposal as a requester submits it at intake, before the process's own rules. */
export const proposalSchema = z.strictObject({
  /** One line: it becomes an e-mail subject. */
  title: safeLine(3, 200),
  summary: safeText(1, 4000),
  sponsorEmail: email,
  /** The project's manager, who submits each stage's deliverables; the requester when absent. */
  managerEmail: z.optional(email),
  /** Which process template to run; the PMO's default when absent. */
  processId: z.optional(z.string().check(z.regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be a process id'))),
  /** The process's typed intake fields (number, text, choice, date), checked against its definition. */
  fields: z.optional(z.record(z.string().check(z.maxLength(64)), z.unknown())),
});

export type ProposalInput = z.infer<typeof proposalSchema>;

export interface Proposal extends Omit<ProposalInput, 'fields'> {
  fields: Record<string, Literal>;
}

export interface ProposalContext {
  requesterEmail: string;
  definition: ProcessDefinition;
  subaddressDomains: readonly string[];
}

export function parseProposalShape(input: unknown): Parsed<ProposalInput> {
  return parseWith(proposalSchema, input);
}

/**
 * The process's rules for a proposal: its typed fields, and separation of duties — the
 * requester and the project's manager never approve the project, under any alias: not as
 * its sponsor, and not as a named approver of any gate of its process.
 */
export function checkProposal(proposal: ProposalInput, context: ProposalContext): Parsed<Proposal> {
  const problems: Problem[] = [];
  const fields = parseFieldValues(context.definition.intake.fields, proposal.fields);
  if (!fields.ok) problems.push(...fields.problems);
  const canonical = (address: string) => canonicalEmail(address, context.subaddressDomains);
  const requester = canonical(context.requesterEmail);
  const manager = proposal.managerEmail === undefined ? undefined : canonical(proposal.managerEmail);
  const sponsor = canonical(proposal.sponsorEmail);
  if (sponsor === requester)
    problems.push({ path: 'sponsorEmail', message: 'the sponsor must be someone other than the requester' });
  else if (sponsor === manager)
    problems.push({
      path: 'sponsorEmail',
      message: "the sponsor must be someone other than the project's manager",
    });
  for (const gate of context.definition.gates) {
    for (const approver of gate.approvers) {
      if ('role' in approver) continue;
      const who = canonical(approver.email);
      const role =
        who === requester ? 'the requester' : who === manager ? "the project's manager" : undefined;
      if (role)
        problems.push({
          path: role === 'the requester' ? '(requester)' : 'managerEmail',
          message: `${role} approves gate "${gate.name}" of this process and may not approve their own project`,
        });
    }
  }
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, value: { ...proposal, fields: fields.ok ? fields.value : {} } };
}

/** Shape, then the process's rules. */
export function parseProposal(input: unknown, context: ProposalContext): Parsed<Proposal> {
  const shape = parseProposalShape(input);
  return shape.ok ? checkProposal(shape.value, context) : shape;
}
