import { gateIndex, type ProcessDefinition, skipRuleOf } from './definition.ts';
import { evaluate, type Literal } from './expression.ts';
import type { Outcome } from './outcomes.ts';

/**
 * Where a project goes next (ADR 0006). Stage-Gate runs gate → stage → gate: a Go opens the
 * stage that leads to the next gate, and that gate opens when its deliverables are submitted
 * (or at once, for a gate that `opens: immediately`).
 */
export type Next =
  /** Work on the stage that leads to `gateId`; the gate opens on the manager's submission. */
  | { route: 'stage'; gateId: string }
  /** `gateId` opens now, as a new gate instance. */
  | { route: 'open-gate'; gateId: string }
  /** Parked at `gateId` until a PMO admin resumes it; the gate then reopens as a new instance. */
  | { route: 'hold'; gateId: string }
  | { route: 'close-out'; reason: 'completed' | 'killed' };

export interface SkippedGate {
  gateId: string;
  /** The skip rule that held, as written in the definition. */
  rule: string;
}

export interface Transition {
  next: Next;
  /** Gates passed over on the way, each with the rule that skipped it. */
  skipped: SkippedGate[];
}

export type ProposalFields = Readonly<Record<string, Literal>>;

/** Whether a gate's skip rule holds for these proposal fields; the rule's text when it does. */
export function skipReason(definition: ProcessDefinition, gateId: string, fields: ProposalFields) {
  const gate = definition.gates[gateIndex(definition, gateId)];
  const rule = gate && skipRuleOf(gate);
  return gate?.skipWhen && rule && evaluate(rule, fields) ? gate.skipWhen : undefined;
}

/** Every gate this project skips (fields are fixed at intake, so this never changes). */
export function skippedGates(definition: ProcessDefinition, fields: ProposalFields): string[] {
  return definition.gates.filter((g) => skipReason(definition, g.id, fields)).map((g) => g.id);
}

/** The first gate from `index` on that is not skipped: stage or open, or close-out when none is left. */
function enterFrom(definition: ProcessDefinition, index: number, fields: ProposalFields): Transition {
  const skipped: SkippedGate[] = [];
  for (const gate of definition.gates.slice(index)) {
    const rule = skipReason(definition, gate.id, fields);
    if (rule) {
      skipped.push({ gateId: gate.id, rule });
      continue;
    }
    const route = gate.opens === 'immediately' ? 'open-gate' : 'stage';
    return { next: { route, gateId: gate.id }, skipped };
  }
  return { next: { route: 'close-out', reason: 'completed' }, skipped };
}

/** Where a new project starts: its first gate (or the stage before it), skip rules applied. */
export function atIntake(definition: ProcessDefinition, fields: ProposalFields): Transition {
  return enterFrom(definition, 0, fields);
}

/**
 * Outcome semantics. Go / Conditional Go enter the stage before the next gate (skip rules
 * applied), or close the project out as completed after the last one; Recycle goes back to
 * the stage before the named gate, whose gate reopens as a new instance; Hold parks the
 * project on this gate; Kill closes it out.
 */
export function afterOutcome(
  definition: ProcessDefinition,
  fields: ProposalFields,
  decided: { gateId: string; outcome: Outcome; recycleTo?: string | undefined },
): Transition {
  const index = gateIndex(definition, decided.gateId);
  if (index < 0) throw new Error(`gate ${decided.gateId} is not in ${definition.id} v${definition.version}`);
  switch (decided.outcome) {
    case 'go':
    case 'conditional-go':
      return enterFrom(definition, index + 1, fields);
    case 'recycle': {
      const target = definition.gates[gateIndex(definition, decided.recycleTo ?? decided.gateId)];
      if (!target) throw new Error(`recycle target ${decided.recycleTo} is not in ${definition.id}`);
      const route = target.opens === 'immediately' ? 'open-gate' : 'stage';
      return { next: { route, gateId: target.id }, skipped: [] };
    }
    case 'hold':
      return { next: { route: 'hold', gateId: decided.gateId }, skipped: [] };
    case 'kill':
      return { next: { route: 'close-out', reason: 'killed' }, skipped: [] };
  }
}

/**
 * Where a gate that ends in Recycle goes back to when several approvers chose targets:
 * the earliest gate any of them named (the most conservative choice); undefined if none did.
 * A target `definition` lacks is ignored, never taken as the earliest: it could not be followed.
 */
export function recycleTarget(
  definition: ProcessDefinition,
  decisions: readonly { outcome: Outcome; recycleTo?: string | undefined }[],
): string | undefined {
  const targets = decisions.flatMap((d) =>
    d.outcome === 'recycle' && d.recycleTo && gateIndex(definition, d.recycleTo) >= 0 ? [d.recycleTo] : [],
  );
  return targets.sort((a, b) => gateIndex(definition, a) - gateIndex(definition, b))[0];
}
