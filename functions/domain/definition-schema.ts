import * as z from 'zod/mini';
import { CLOSE_OUT_GATE_ID, MAX_DECIDE_WITHIN_HOURS } from './definition.ts';
import { checkExpression, formatExpressionError, parseExpression } from './expression.ts';
import { fieldSpecProblems, fieldSpecSchema } from './fields.ts';
import { safeLine, safeText } from './text.ts';
import { type Parsed, type Problem, parseWith } from './validation.ts';

/*
 * The schema of a process definition and its validation, used where definitions are
 * published or checked. Kept apart from definition.ts (the helpers every handler uses) so
 * that a handler which only reads definitions does not bundle the schema.
 */

const slug = z
  .string()
  .check(z.regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lower-case letters, digits and dashes'));
const email = z.email().check(z.toLowerCase());

const criterion = z.strictObject({ id: slug, text: safeLine(1, 500) });
const weightedCriterion = z.strictObject({
  id: slug,
  text: safeLine(1, 500),
  weight: z.number().check(z.gt(0), z.lte(100)),
});

/** Who must decide a gate: the project's sponsor, or a named person. */
const approver = z.union([
  z.strictObject({ role: z.literal('sponsor') }),
  z.strictObject({ email, name: z.optional(safeLine(1, 200)) }),
]);

/** How the approvers' votes combine into the gate's outcome (see rules.ts, docs/vote-rules.md). */
const voteRule = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('all') }),
  z.strictObject({ kind: z.literal('any') }),
  z.strictObject({ kind: z.literal('quorum'), count: z.int().check(z.gte(1)) }),
  z.strictObject({ kind: z.literal('percentage'), percent: z.number().check(z.gt(0), z.lte(100)) }),
  z.strictObject({ kind: z.literal('sequential') }),
]);

const hours = (max: number) => z.int().check(z.gte(1), z.lte(max));

const sla = z.strictObject({
  decideWithinHours: hours(MAX_DECIDE_WITHIN_HOURS),
  /** Reminders to whoever has not decided, every this many hours (each with a fresh link). */
  remindAfterHours: z.optional(hours(MAX_DECIDE_WITHIN_HOURS)),
  /** When the escalation contact is told who has not decided (once). */
  escalateAfterHours: z.optional(hours(MAX_DECIDE_WITHIN_HOURS)),
  /** The outcome taken as a system decision when nobody decided by the deadline. */
  atDeadline: z.enum(['hold', 'kill', 'recycle']),
});

const deliverable = z.strictObject({
  id: slug,
  name: safeLine(1, 200),
  required: z._default(z.boolean(), true),
});

const gate = z.strictObject({
  id: slug,
  name: safeLine(1, 120),
  ask: safeText(1, 1000),
  /**
   * `on-submission`: the stage before the gate is work, and the gate opens when the project's
   * manager submits its deliverables. `immediately`: no stage work; the gate opens straight
   * after the previous gate's Go (or from intake, for the first gate).
   */
  opens: z._default(z.enum(['on-submission', 'immediately']), 'on-submission'),
  /** A rule over the proposal's fields; when it holds, the gate is skipped (and recorded so). */
  skipWhen: z.optional(safeLine(1, 500)),
  deliverables: z.array(deliverable).check(z.maxLength(30)),
  criteria: z.strictObject({
    mustMeet: z.array(criterion).check(z.maxLength(20)),
    shouldMeet: z.array(weightedCriterion).check(z.maxLength(20)),
    /** Weighted score (0–100) under which going on needs a comment. */
    threshold: z.optional(z.number().check(z.gte(0), z.lte(100))),
  }),
  approvers: z.array(approver).check(z.minLength(1), z.maxLength(20)),
  rule: voteRule,
  sla,
  esignature: z.boolean(),
});

export const processDefinitionSchema = z.strictObject({
  id: slug,
  version: z.int().check(z.gte(1)),
  name: safeLine(1, 200),
  contacts: z.strictObject({
    /** Told when a project is put on hold by the system (a missed condition, a deadline). */
    pmo: email,
    /** Told when a gate passes its escalation time; the PMO when absent. */
    escalation: z.optional(email),
  }),
  intake: z.strictObject({ fields: z.array(fieldSpecSchema).check(z.maxLength(30)) }),
  gates: z.array(gate).check(z.minLength(1), z.maxLength(20)),
  closeOut: z.strictObject({
    /** What the sponsor confirms when signing the project off. */
    checklist: z.array(safeLine(1, 300)).check(z.minLength(1), z.maxLength(20)),
    sla: z.strictObject({
      decideWithinHours: hours(MAX_DECIDE_WITHIN_HOURS),
      remindAfterHours: z.optional(hours(MAX_DECIDE_WITHIN_HOURS)),
    }),
  }),
});

export type ProcessDefinition = z.infer<typeof processDefinitionSchema>;
export type GateDefinition = ProcessDefinition['gates'][number];
export type ApproverSpec = GateDefinition['approvers'][number];
export type VoteRule = GateDefinition['rule'];
export type GateSla = GateDefinition['sla'];

/** Validates a process definition: shape first, then the rules that span fields. */
export function parseProcessDefinition(input: unknown): Parsed<ProcessDefinition> {
  const parsed = parseWith(processDefinitionSchema, input);
  if (!parsed.ok) return parsed;
  const definition = parsed.value;
  const problems: Problem[] = fieldSpecProblems(definition.intake.fields).map((p) => ({
    ...p,
    path: `intake.fields.${p.path}`,
  }));
  const seenGates = new Set<string>();
  definition.gates.forEach((g, i) => {
    const at = (path: string, message: string) => problems.push({ path: `gates.${i}.${path}`, message });
    if (g.id === CLOSE_OUT_GATE_ID) at('id', `"${CLOSE_OUT_GATE_ID}" is reserved for the close-out sign-off`);
    if (seenGates.has(g.id)) at('id', `gate id "${g.id}" is used twice`);
    seenGates.add(g.id);
    duplicates([...g.criteria.mustMeet, ...g.criteria.shouldMeet].map((c) => c.id)).forEach((id) => {
      at('criteria', `criterion id "${id}" is used twice`);
    });
    duplicates(g.deliverables.map((d) => d.id)).forEach((id) => {
      at('deliverables', `deliverable id "${id}" is used twice`);
    });
    const approverKeys = g.approvers.map((a) => ('role' in a ? `role:${a.role}` : a.email));
    approverKeys.forEach((key, j) => {
      if (approverKeys.indexOf(key) !== j)
        at(`approvers.${j}`, `${key.replace('role:', 'the ')} is listed twice`);
    });
    if (g.rule.kind === 'quorum' && g.rule.count > g.approvers.length) {
      at('rule.count', `quorum of ${g.rule.count} cannot be reached with ${g.approvers.length} approver(s)`);
    }
    for (const key of ['remindAfterHours', 'escalateAfterHours'] as const) {
      const value = g.sla[key];
      if (value !== undefined && value >= g.sla.decideWithinHours)
        at(`sla.${key}`, 'must be before the deadline');
    }
    if (g.opens === 'immediately' && g.deliverables.some((d) => d.required)) {
      at(
        'deliverables',
        'a gate that opens immediately has no stage before it: nothing can be submitted for it',
      );
    }
    if (g.criteria.threshold !== undefined && g.criteria.shouldMeet.length === 0) {
      at('criteria.threshold', 'needs should-meet criteria to score');
    }
    if (g.skipWhen !== undefined) {
      const rule = parseExpression(g.skipWhen);
      if (!rule.ok) at('skipWhen', formatExpressionError(rule.error));
      else
        for (const message of checkExpression(rule.expr, definition.intake.fields)) at('skipWhen', message);
    }
  });
  const { closeOut } = definition;
  if (
    closeOut.sla.remindAfterHours !== undefined &&
    closeOut.sla.remindAfterHours >= closeOut.sla.decideWithinHours
  ) {
    problems.push({ path: 'closeOut.sla.remindAfterHours', message: 'must be before the deadline' });
  }
  return problems.length > 0 ? { ok: false, problems } : parsed;
}

function duplicates(ids: readonly string[]): string[] {
  return [...new Set(ids.filter((id, i) => ids.indexOf(id) !== i))];
}
