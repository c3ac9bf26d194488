import type { GateDefinition, ProcessDefinition } from './definition.ts';
import type { Literal } from './expression.ts';
import { OUTCOME_LABELS, type Outcome } from './outcomes.ts';
import type { SubmittedDeliverable } from './submission.ts';
import { canonicalJson, sha256Hex } from './trail.ts';

/** Everything an approver is shown and signs for one gate instance. */
export interface GatePackage {
  /** A gate review, or the sponsor's close-out sign-off. */
  kind: 'gate' | 'close-out';
  project: {
    id: string;
    title: string;
    summary: string;
    requester: string;
    manager?: string;
    sponsor: string;
    /** The proposal's typed fields, labelled as the definition names them. */
    fields: { id: string; label: string; value: Literal }[];
  };
  gate: Pick<GateDefinition, 'id' | 'name' | 'ask' | 'deliverables' | 'criteria' | 'esignature'> & {
    position: number;
    of: number;
  };
  /** What the project's manager submitted to open this gate. */
  submission?: {
    note: string;
    deliverables: SubmittedDeliverable[];
    submittedBy: string;
    submittedAt: string;
  };
  /** For the close-out sign-off: why the project closes and what the sponsor confirms. */
  closeOut?: { reason: 'completed' | 'killed'; checklist: string[] };
  definition: { id: string; version: number; name: string };
  sequence: number;
  openedAt: string;
  dueAt: string;
}

export interface PackageProject {
  projectId: string;
  title: string;
  summary: string;
  requester: { email: string };
  manager?: { email: string } | undefined;
  sponsorEmail: string;
  fields: Readonly<Record<string, Literal>>;
}

function projectPart(project: PackageProject, definition: ProcessDefinition): GatePackage['project'] {
  return {
    id: project.projectId,
    title: project.title,
    summary: project.summary,
    requester: project.requester.email,
    ...(project.manager ? { manager: project.manager.email } : {}),
    sponsor: project.sponsorEmail,
    fields: definition.intake.fields.flatMap((f) => {
      const value = project.fields[f.id];
      return value === undefined ? [] : [{ id: f.id, label: f.label, value }];
    }),
  };
}

export function buildGatePackage(args: {
  project: PackageProject;
  definition: ProcessDefinition;
  gate: GateDefinition;
  submission?: GatePackage['submission'] | undefined;
  sequence: number;
  openedAt: string;
  dueAt: string;
}): GatePackage {
  const { definition, gate } = args;
  return {
    kind: 'gate',
    project: projectPart(args.project, definition),
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
    ...(args.submission ? { submission: args.submission } : {}),
    definition: { id: definition.id, version: definition.version, name: definition.name },
    sequence: args.sequence,
    openedAt: args.openedAt,
    dueAt: args.dueAt,
  };
}

/** The sponsor's close-out sign-off, shown and signed like a gate. */
export function buildCloseOutPackage(args: {
  project: PackageProject;
  definition: ProcessDefinition;
  reason: 'completed' | 'killed';
  sequence: number;
  openedAt: string;
  dueAt: string;
}): GatePackage {
  const { definition } = args;
  const outcome = args.reason === 'completed' ? 'passed its last gate' : 'was killed';
  return {
    kind: 'close-out',
    project: projectPart(args.project, definition),
    gate: {
      id: 'close-out',
      name: 'Close-out sign-off',
      ask: `The project ${outcome}. Confirm the close-out checklist and sign the project off.`,
      deliverables: [],
      criteria: { mustMeet: [], shouldMeet: [] },
      esignature: false,
      position: definition.gates.length + 1,
      of: definition.gates.length,
    },
    closeOut: { reason: args.reason, checklist: definition.closeOut.checklist },
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

/** What each outcome means as a signature, in words an auditor reads without the glossary. */
const SIGNATURE_VERBS: Record<Outcome, string> = {
  go: 'Approved',
  'conditional-go': 'Approved with conditions',
  hold: 'Put on hold',
  recycle: 'Sent back',
  kill: 'Rejected',
};

/**
 * What a signature on this package means, as printed with it (21 CFR Part 11 §11.50): e.g.
 * "Approved: Gate 2 Go to development, Go", or for the close-out "Signed off: close-out".
 */
export function signatureMeaning(pkg: Pick<GatePackage, 'kind' | 'gate'>, outcome: Outcome): string {
  return pkg.kind === 'close-out'
    ? 'Signed off: close-out'
    : `${SIGNATURE_VERBS[outcome]}: Gate ${pkg.gate.position} ${pkg.gate.name}, ${OUTCOME_LABELS[outcome]}`;
}
