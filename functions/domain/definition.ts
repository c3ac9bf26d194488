import type { Expr } from './expression.ts';
import { formatExpressionError, parseExpression } from './expression.ts';
import { OUTCOMES } from './outcomes.ts';

/*
 * What handlers need of a process definition, without its schema (definition-schema.ts
 * validates; this module reads). Types only come from the schema, so no validator is bundled.
 */
export type {
  ApproverSpec,
  GateDefinition,
  GateSla,
  ProcessDefinition,
  VoteRule,
} from './definition-schema.ts';

import type { GateDefinition, ProcessDefinition } from './definition-schema.ts';

/** The gate id the close-out sign-off uses; no gate of a definition may take it. */
export const CLOSE_OUT_GATE_ID = 'close-out';

/** Gate deadlines stay far below the one-year life of a Standard execution (ADR 0006). */
export const MAX_DECIDE_WITHIN_HOURS = 180 * 24;

export function gateIndex(definition: ProcessDefinition, gateId: string): number {
  return definition.gates.findIndex((g) => g.id === gateId);
}

export function findGate(definition: ProcessDefinition, gateId: string): GateDefinition | undefined {
  return definition.gates.find((g) => g.id === gateId);
}

/** A gate's skip rule, parsed (definitions are validated when published, so it parses). */
export function skipRuleOf(gate: GateDefinition): Expr | undefined {
  if (gate.skipWhen === undefined) return undefined;
  const rule = parseExpression(gate.skipWhen);
  if (!rule.ok) throw new Error(`gate ${gate.id}: ${formatExpressionError(rule.error)}`);
  return rule.expr;
}

/** Resolves a gate's approver specs to e-mail addresses for one project, in order, without repeats. */
export function resolveApprovers(gate: GateDefinition, project: { sponsorEmail: string }): string[] {
  const emails = gate.approvers.map((a) => ('role' in a ? project.sponsorEmail : a.email));
  return [...new Set(emails)];
}

export const DEADLINE_OUTCOMES = OUTCOMES.filter((o) => o === 'hold' || o === 'kill' || o === 'recycle');
