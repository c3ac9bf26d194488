import * as z from 'zod/mini';
import { OUTCOMES } from './outcomes.ts';
import { type Parsed, type Problem, parseWith } from './validation.ts';

const slug = z
  .string()
  .check(z.regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lower-case letters, digits and dashes'));
const text = (max: number) => z.string().check(z.trim(), z.minLength(1), z.maxLength(max));

const criterion = z.strictObject({ id: slug, text: text(500) });
const weightedCriterion = z.strictObject({
  id: slug,
  text: text(500),
  weight: z.number().check(z.gt(0), z.lte(100)),
});

/** Who must decide a gate: the project's sponsor, or a named person. */
const approver = z.union([
  z.strictObject({ role: z.literal('sponsor') }),
  z.strictObject({ email: z.email().check(z.toLowerCase()), name: z.optional(text(200)) }),
]);

/** How the approvers' votes combine into the gate's outcome (see rules.ts). */
const voteRule = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('all') }),
  z.strictObject({ kind: z.literal('any') }),
  z.strictObject({ kind: z.literal('quorum'), count: z.int().check(z.gte(1)) }),
  z.strictObject({ kind: z.literal('percentage'), percent: z.number().check(z.gt(0), z.lte(100)) }),
  z.strictObject({ kind: z.literal('sequential') }),
]);

const sla = z.strictObject({
  decideWithinHours: z.int().check(z.gte(1), z.lte(24 * 365)),
  remindAfterHours: z.optional(z.int().check(z.gte(1))),
  /** The outcome taken when nobody decided by the deadline. */
  atDeadline: z.enum(['hold', 'kill', 'recycle']),
});

const gate = z.strictObject({
  id: slug,
  name: text(120),
  ask: text(1000),
  deliverables: z.array(text(300)),
  criteria: z.strictObject({
    mustMeet: z.array(criterion),
    shouldMeet: z.array(weightedCriterion),
    threshold: z.optional(z.number().check(z.gte(0), z.lte(100))),
  }),
  approvers: z.array(approver).check(z.minLength(1)),
  rule: voteRule,
  sla,
  esignature: z.boolean(),
});

export const processDefinitionSchema = z.strictObject({
  id: slug,
  version: z.int().check(z.gte(1)),
  name: text(200),
  gates: z.array(gate).check(z.minLength(1), z.maxLength(20)),
});

export type ProcessDefinition = z.infer<typeof processDefinitionSchema>;
export type GateDefinition = ProcessDefinition['gates'][number];
export type ApproverSpec = GateDefinition['approvers'][number];
export type VoteRule = GateDefinition['rule'];

/** Validates a process definition: shape first, then the rules that span fields. */
export function parseProcessDefinition(input: unknown): Parsed<ProcessDefinition> {
  const parsed = parseWith(processDefinitionSchema, input);
  if (!parsed.ok) return parsed;
  const problems: Problem[] = [];
  const seenGates = new Set<string>();
  parsed.value.gates.forEach((g, i) => {
    if (seenGates.has(g.id))
      problems.push({ path: `gates.${i}.id`, message: `gate id "${g.id}" is used twice` });
    seenGates.add(g.id);
    const ids = new Set<string>();
    [...g.criteria.mustMeet, ...g.criteria.shouldMeet].forEach((c, j) => {
      if (ids.has(c.id))
        problems.push({
          path: `gates.${i}.criteria`,
          message: `criterion id "${c.id}" is used twice (#${j})`,
        });
      ids.add(c.id);
    });
    const approverKeys = g.approvers.map((a) => ('role' in a ? `role:${a.role}` : a.email));
    approverKeys.forEach((key, j) => {
      if (approverKeys.indexOf(key) !== j) {
        problems.push({
          path: `gates.${i}.approvers.${j}`,
          message: `${key.replace('role:', 'the ')} is listed twice`,
        });
      }
    });
    if (g.rule.kind === 'quorum' && g.rule.count > g.approvers.length) {
      problems.push({
        path: `gates.${i}.rule.count`,
        message: `quorum of ${g.rule.count} cannot be reached with ${g.approvers.length} approver(s)`,
      });
    }
    if (g.sla.remindAfterHours !== undefined && g.sla.remindAfterHours >= g.sla.decideWithinHours) {
      problems.push({ path: `gates.${i}.sla.remindAfterHours`, message: 'must be before the deadline' });
    }
  });
  return problems.length > 0 ? { ok: false, problems } : parsed;
}

export function gateIndex(definition: ProcessDefinition, gateId: string): number {
  return definition.gates.findIndex((g) => g.id === gateId);
}

export function findGate(definition: ProcessDefinition, gateId: string): GateDefinition | undefined {
  return definition.gates.find((g) => g.id === gateId);
}

/** Resolves a gate's approver specs to e-mail addresses for one project, in order, without repeats. */
export function resolveApprovers(gate: GateDefinition, project: { sponsorEmail: string }): string[] {
  const emails = gate.approvers.map((a) => ('role' in a ? project.sponsorEmail : a.email));
  return [...new Set(emails)];
}

export const DEADLINE_OUTCOMES = OUTCOMES.filter((o) => o === 'hold' || o === 'kill' || o === 'recycle');
