import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { GateDefinition, ProcessDefinition } from '../../functions/domain/definition.ts';
import { buildGatePackage, type GatePackage, gatePackageHash } from '../../functions/domain/gate-package.ts';
import { DEMO_DEFINITION } from '../../infra/local/demo.ts';
import { reverseKeys } from '../support/objects.ts';

interface Args {
  project: GatePackage['project'];
  definition: ProcessDefinition;
  gateId: string;
  sequence: number;
  openedAt: string;
  dueAt: string;
}

function baseArgs(): Args {
  return {
    project: {
      id: 'p-1',
      title: 'New CRM',
      summary: 'Replace the ageing CRM.',
      requester: 'riley.requester@example.com',
      sponsor: 'sam.sponsor@example.com',
      estimatedCost: 120_000,
    },
    definition: structuredClone(DEMO_DEFINITION),
    gateId: 'business-case',
    sequence: 2,
    openedAt: '2030-06-15T09:00:00.000Z',
    dueAt: '2030-06-20T09:00:00.000Z',
  };
}

/** Builds the package the way the gate task does: the gate is looked up in the same definition. */
function build(args: Args): GatePackage {
  const gate = args.definition.gates.find((g) => g.id === args.gateId) as GateDefinition;
  return buildGatePackage({ ...args, gate });
}

function gateOf(args: Args): GateDefinition {
  return args.definition.gates.find((g) => g.id === args.gateId) as GateDefinition;
}

/** Changes to something the approver is shown; each must change the version hash. */
const CHANGES: [string, (a: Args) => void][] = [
  ['the project title', (a) => (a.project.title = 'New CRM v2')],
  ['the project summary', (a) => (a.project.summary = 'Replace the CRM and the billing system.')],
  ['the requester', (a) => (a.project.requester = 'someone.else@example.com')],
  ['the sponsor', (a) => (a.project.sponsor = 'other.sponsor@example.com')],
  ['the estimated cost', (a) => (a.project.estimatedCost = 120_001)],
  ['the estimated cost (removed)', (a) => delete a.project.estimatedCost],
  ['a deliverable', (a) => (gateOf(a).deliverables[0] = 'Business case (revised)')],
  ['the deliverables (one added)', (a) => gateOf(a).deliverables.push('Market study')],
  ['the deliverables (reordered)', (a) => gateOf(a).deliverables.reverse()],
  ['the ask', (a) => (gateOf(a).ask = 'Fund development?')],
  ['the gate name', (a) => (gateOf(a).name = 'Gate 2 — Development')],
  [
    'a must-meet criterion',
    (a) => ((gateOf(a).criteria.mustMeet[0] as { text: string }).text = 'Budget approved'),
  ],
  ['a should-meet weight', (a) => ((gateOf(a).criteria.shouldMeet[0] as { weight: number }).weight = 90)],
  ['the threshold', (a) => (gateOf(a).criteria.threshold = 70)],
  ['the e-signature requirement', (a) => (gateOf(a).esignature = true)],
  ['the definition version', (a) => (a.definition.version = 2)],
  ['the definition name', (a) => (a.definition.name = 'Lifecycle')],
  ['the number of gates', (a) => a.definition.gates.pop()],
  ['the sequence', (a) => (a.sequence = 3)],
  ['the opening time', (a) => (a.openedAt = '2030-06-15T09:00:01.000Z')],
  ['the due date', (a) => (a.dueAt = '2030-06-21T09:00:00.000Z')],
];

describe('buildGatePackage', () => {
  it('shows the project, the gate with its place in the process, the definition and the dates', () => {
    // Prepare
    const args = baseArgs();

    // Act
    const pkg = build(args);

    // Assess
    expect(pkg).toEqual({
      project: args.project,
      gate: {
        id: 'business-case',
        name: 'Go to development',
        ask: 'Does the business case justify funding development?',
        deliverables: ['Business case', 'Project plan', 'Risk register'],
        criteria: DEMO_DEFINITION.gates[1]?.criteria,
        esignature: false,
        position: 2,
        of: 3,
      },
      definition: { id: 'standard', version: 1, name: 'Standard project lifecycle' },
      sequence: 2,
      openedAt: '2030-06-15T09:00:00.000Z',
      dueAt: '2030-06-20T09:00:00.000Z',
    });
  });

  it('leaves out what the approver does not sign for (approvers, rule, SLA)', () => {
    // Prepare
    const args = baseArgs();

    // Act
    const pkg = build(args);

    // Assess
    expect(Object.keys(pkg.gate).sort()).toEqual(
      ['ask', 'criteria', 'deliverables', 'esignature', 'id', 'name', 'of', 'position'].sort(),
    );
  });
});

describe('gatePackageHash', () => {
  it('is 64 hex and the same for equal content built twice', () => {
    // Prepare
    const first = build(baseArgs());
    const second = build(baseArgs());

    // Act
    const hashes = [gatePackageHash(first), gatePackageHash(second)];

    // Assess
    expect(hashes[0]).toMatch(/^[0-9a-f]{64}$/);
    expect(hashes[1]).toBe(hashes[0]);
  });

  it('does not depend on property order (e.g. after a round trip through storage)', () => {
    // Prepare
    const pkg = build(baseArgs());
    const reordered = reverseKeys(JSON.parse(JSON.stringify(pkg))) as GatePackage;

    // Act
    const hashes = [gatePackageHash(pkg), gatePackageHash(reordered)];

    // Assess
    expect(JSON.stringify(reordered)).not.toBe(JSON.stringify(pkg));
    expect(hashes[1]).toBe(hashes[0]);
  });

  it('does not change when a part of the definition the approver is not shown changes', () => {
    // Prepare
    const before = baseArgs();
    const after = baseArgs();
    gateOf(after).sla.decideWithinHours = 240;
    gateOf(after).approvers.push({ email: 'cfo@example.com' });

    // Act
    const hashes = [gatePackageHash(build(before)), gatePackageHash(build(after))];

    // Assess
    expect(hashes[1]).toBe(hashes[0]);
  });

  it.each(CHANGES)('changes when %s changes', (_name, change) => {
    // Prepare
    const before = baseArgs();
    const after = baseArgs();
    change(after);

    // Act
    const hashBefore = gatePackageHash(build(before));
    const hashAfter = gatePackageHash(build(after));

    // Assess
    expect(hashAfter).not.toBe(hashBefore);
  });

  it('property: any change to a project text changes the hash; the same text restores it', () => {
    const fieldArb = fc.constantFrom<'id' | 'title' | 'summary' | 'requester' | 'sponsor'>(
      'id',
      'title',
      'summary',
      'requester',
      'sponsor',
    );
    fc.assert(
      fc.property(fieldArb, fc.string(), (field, text) => {
        // Prepare
        const original = baseArgs();
        const changed = baseArgs();
        changed.project[field] = text;
        const same = text === original.project[field];

        // Act
        const hashes = [gatePackageHash(build(original)), gatePackageHash(build(changed))];

        // Assess
        expect(hashes[1] === hashes[0]).toBe(same);
      }),
      { numRuns: 200 },
    );
  });
});
