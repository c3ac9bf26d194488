import type { GateDefinition, ProcessDefinition } from './definition.ts';
import { canonicalJson, sha256Hex } from './trail.ts';

/** Everything an approver is shown and signs for one gate instance. */
export interface GatePackage {
  project: {
    id: string;
    title: string;
    summary: string;
    requester: string;
    sponsor: string;
    estimatedCost?: number;
  };
  gate: Pick<GateDefinition, 'id' | 'name' | 'ask' | 'deliverables' | 'criteria' | 'esignature'> & {
    position: number;
    of: number;
  };
  definition: { id: string; version: number; name: string };
  sequence: number;
  openedAt: string;
  dueAt: string;
}

export function buildGatePackage(args: {
  project: GatePackage['project'];
  definition: ProcessDefinition;
  gate: GateDefinition;
  sequence: number;
  openedAt: string;
  dueAt: string;
}): GatePackage {
  const { project, definition, gate } = args;
  return {
    project,
    gate: {
      id: gate.id,
      name: gate.name,
      ask: gate.ask,
      deliverables: gate.deliverables,
      criteria: gate.criteria,
      esignature: gate.esignature,
      position: definition.gates.indexOf(gate) + 1,
      of: definition.gates.length,
    },
    definition: { id: definition.id, version: definition.version, name: definition.name },
    sequence: args.sequence,
    openedAt: args.openedAt,
    dueAt: args.dueAt,
  };
}

/** The version hash of what the approver saw; the decision POST must carry it back. */
export function gatePackageHash(pkg: GatePackage): string {
  return sha256Hex(canonicalJson(pkg));
}
