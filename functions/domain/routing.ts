import { gateIndex, type ProcessDefinition } from './definition.ts';
import type { Outcome } from './outcomes.ts';

/** The gate-review state machine's next step; `route` is what its Choice state reads. */
export type Route =
  | { route: 'open-gate'; gateId: string; sequence: number }
  | { route: 'hold'; gateId: string; sequence: number }
  | { route: 'close-out'; reason: 'completed' | 'killed' };

/**
 * Outcome semantics. Go / Conditional Go open the next gate, or close the project
 * out as completed after the last one; Recycle reopens an earlier (or the same) gate;
 * Hold parks the project on this gate; Kill closes it out.
 * Every gate instance gets the next sequence number, so a reopened gate is a new instance.
 */
export function routeAfter(
  definition: ProcessDefinition,
  current: { gateId: string; sequence: number },
  outcome: Outcome,
  recycleTo?: string,
): Route {
  const next = current.sequence + 1;
  if (gateIndex(definition, current.gateId) < 0) {
    throw new Error(`gate ${current.gateId} is not in ${definition.id} v${definition.version}`);
  }
  switch (outcome) {
    case 'go':
    case 'conditional-go': {
      const following = definition.gates[gateIndex(definition, current.gateId) + 1];
      return following
        ? { route: 'open-gate', gateId: following.id, sequence: next }
        : { route: 'close-out', reason: 'completed' };
    }
    case 'recycle':
      return { route: 'open-gate', gateId: recycleTo ?? current.gateId, sequence: next };
    case 'hold':
      return { route: 'hold', gateId: current.gateId, sequence: next };
    case 'kill':
      return { route: 'close-out', reason: 'killed' };
  }
}

/**
 * Where a gate that ends in Recycle goes back to when several approvers chose targets:
 * the earliest gate any of them named (the most conservative choice); undefined if none did.
 */
export function recycleTarget(
  definition: ProcessDefinition,
  decisions: readonly { outcome: Outcome; recycleTo?: string | undefined }[],
): string | undefined {
  const targets = decisions.flatMap((d) => (d.outcome === 'recycle' && d.recycleTo ? [d.recycleTo] : []));
  return targets.sort((a, b) => gateIndex(definition, a) - gateIndex(definition, b))[0];
}
