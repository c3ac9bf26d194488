import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { GateDefinition, ProcessDefinition } from '../../functions/domain/definition.ts';
import {
  buildCloseOutPackage,
  buildGatePackage,
  type GatePackage,
  gatePackageHash,
  type PackageProject,
} from '../../functions/domain/gate-package.ts';
import { DEMO_DEFINITION } from '../../infra/local/demo.ts';
import { reverseKeys } from '../support/objects.ts';

type Submitted = NonNullable<GatePackage['submission']>;

interface Args {
  project: PackageProject;
  definition: ProcessDefinition;
  gateId: string;
  submission?: Submitted;
  sequence: number;
  openedAt: string;
  dueAt: string;
}

function baseArgs(): Args {
  return {
    project: {
      projectId: 'p-1',
      title: 'New CRM',
      summary: 'Replace the ageing CRM.',
      requester: { email: 'riley.requester@example.com' },
      manager: { email: 'morgan.manager@example.com' },
      sponsorEmail: 'sam.sponsor@example.com',
      fields: { risk: 'medium', estimatedCost: 120_000 },
    },
    definition: structuredClone(DEMO_DEFINITION),
    gateId: 'business-case',
    submission: {
      note: 'Ready for review.',
      deliverables: [
        {
          id: 'business-case',
          name: 'Business case',
          title: 'Case v3',
          link: 'https://docs.example.com/case',
        },
        { id: 'project-plan', name: 'Project plan', title: 'Plan', link: 'https://docs.example.com/plan' },
      ],
      submittedBy: 'morgan.manager@example.com',
      submittedAt: '2030-06-15T08:59:00.000Z',
    },
    sequence: 2,
    openedAt: '2030-06-15T09:00:00.000Z',
    dueAt: '2030-06-20T09:00:00.000Z',
  };
}

function gateOf(args: Args): GateDefinition {
  return args.definition.gates.find((g) => g.id === args.gateId) as GateDefinition;
}

/** Builds the package the way the gate task does: the gate is looked up in the same definition. */
function build(args: Args): GatePackage {
  return buildGatePackage({ ...args, gate: gateOf(args) });
}

function closeOutArgs(): Omit<Args, 'gateId' | 'submission'> & { reason: 'completed' | 'killed' } {
  const { gateId: _g, submission: _s, ...rest } = baseArgs();
  return { ...rest, reason: 'completed', sequence: 4 };
}

function submissionOf(a: Args): Submitted {
  return a.submission as Submitted;
}

/** Changes to something the approver is shown; each must change the version hash. */
const CHANGES: [string, (a: Args) => void][] = [
  ['the project id', (a) => (a.project.projectId = 'p-2')],
  ['the project title', (a) => (a.project.title = 'New CRM v2')],
  ['the project summary', (a) => (a.project.summary = 'Replace the CRM and the billing system.')],
  ['the requester', (a) => (a.project.requester = { email: 'someone.else@example.com' })],
  ['the manager', (a) => (a.project.manager = { email: 'other.manager@example.com' })],
  ['the manager (removed)', (a) => delete a.project.manager],
  ['the sponsor', (a) => (a.project.sponsorEmail = 'other.sponsor@example.com')],
  ['a field value', (a) => (a.project.fields = { ...a.project.fields, estimatedCost: 120_001 })],
  ['a field value (added)', (a) => (a.project.fields = { ...a.project.fields, targetDate: '2031-01-01' })],
  ['a field value (removed)', (a) => (a.project.fields = { risk: 'medium' })],
  [
    'a field label',
    (a) => ((a.definition.intake.fields[0] as { label: string }).label = 'Cost (EUR, VAT incl.)'),
  ],
  ['the order of the fields', (a) => a.definition.intake.fields.reverse()],
  [
    'a deliverable name',
    (a) => ((gateOf(a).deliverables[0] as { name: string }).name = 'Business case (revised)'),
  ],
  [
    'a deliverable required flag',
    (a) => ((gateOf(a).deliverables[2] as { required: boolean }).required = true),
  ],
  [
    'the deliverables (one added)',
    (a) => gateOf(a).deliverables.push({ id: 'market', name: 'Market study', required: false }),
  ],
  ['the deliverables (reordered)', (a) => gateOf(a).deliverables.reverse()],
  ['the ask', (a) => (gateOf(a).ask = 'Fund development?')],
  ['the gate name', (a) => (gateOf(a).name = 'Gate 2 — Development')],
  [
    'a must-meet criterion',
    (a) => ((gateOf(a).criteria.mustMeet[0] as { text: string }).text = 'Budget approved'),
  ],
  ['a should-meet weight', (a) => ((gateOf(a).criteria.shouldMeet[0] as { weight: number }).weight = 90)],
  ['the threshold', (a) => (gateOf(a).criteria.threshold = 70)],
  ['the threshold (removed)', (a) => delete gateOf(a).criteria.threshold],
  ['the e-signature requirement', (a) => (gateOf(a).esignature = true)],
  ['the definition version', (a) => (a.definition.version = 2)],
  ['the definition name', (a) => (a.definition.name = 'Lifecycle')],
  ['the number of gates', (a) => a.definition.gates.pop()],
  ['the sequence', (a) => (a.sequence = 3)],
  ['the opening time', (a) => (a.openedAt = '2030-06-15T09:00:01.000Z')],
  ['the due date', (a) => (a.dueAt = '2030-06-21T09:00:00.000Z')],
  ['the submission note', (a) => (submissionOf(a).note = 'Ready.')],
  [
    'a submitted link',
    (a) => ((submissionOf(a).deliverables[0] as { link: string }).link = 'https://evil.example/case'),
  ],
  ['a submitted title', (a) => ((submissionOf(a).deliverables[1] as { title: string }).title = 'Plan v2')],
  [
    'a submitted deliverable (added)',
    (a) =>
      submissionOf(a).deliverables.push({
        id: 'risk-register',
        name: 'Risk register',
        title: 'Risks',
        link: 'https://docs.example.com/risks',
      }),
  ],
  ['the submitted deliverables (reordered)', (a) => submissionOf(a).deliverables.reverse()],
  ['who submitted', (a) => (submissionOf(a).submittedBy = 'riley.requester@example.com')],
  ['when it was submitted', (a) => (submissionOf(a).submittedAt = '2030-06-15T08:59:01.000Z')],
  ['the submission (removed)', (a) => delete a.submission],
];

describe('buildGatePackage', () => {
  it('shows the project with its labelled fields, the gate with its place, the submission, the definition and the dates', () => {
    // Prepare
    const args = baseArgs();

    // Act
    const pkg = build(args);

    // Assess
    expect(pkg).toEqual({
      kind: 'gate',
      project: {
        id: 'p-1',
        title: 'New CRM',
        summary: 'Replace the ageing CRM.',
        requester: 'riley.requester@example.com',
        manager: 'morgan.manager@example.com',
        sponsor: 'sam.sponsor@example.com',
        fields: [
          { id: 'estimatedCost', label: 'Estimated cost (EUR)', value: 120_000 },
          { id: 'risk', label: 'Risk', value: 'medium' },
        ],
      },
      gate: {
        id: 'business-case',
        name: 'Go to development',
        ask: 'Does the business case justify funding development?',
        deliverables: DEMO_DEFINITION.gates[1]?.deliverables,
        criteria: DEMO_DEFINITION.gates[1]?.criteria,
        esignature: false,
        position: 2,
        of: 3,
      },
      submission: args.submission,
      definition: { id: 'standard', version: 1, name: 'Standard project lifecycle' },
      sequence: 2,
      openedAt: '2030-06-15T09:00:00.000Z',
      dueAt: '2030-06-20T09:00:00.000Z',
    });
  });

  it('leaves out a manager and a submission the project does not have, and fields the process does not ask', () => {
    // Prepare
    const args = baseArgs();
    delete args.project.manager;
    delete args.submission;
    args.project.fields = { risk: 'low', legacyCode: 'X-1' };

    // Act
    const pkg = build(args);

    // Assess
    expect('manager' in pkg.project).toBe(false);
    expect('submission' in pkg).toBe(false);
    expect(pkg.project.fields).toEqual([{ id: 'risk', label: 'Risk', value: 'low' }]);
  });

  it('leaves out what the approver does not sign for (approvers, rule, SLA, skip rule, how it opens)', () => {
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

describe('buildCloseOutPackage', () => {
  it.each([
    [
      'completed',
      'The project passed its last gate. Confirm the close-out checklist and sign the project off.',
    ],
    ['killed', 'The project was killed. Confirm the close-out checklist and sign the project off.'],
  ] as const)('shows a %s project, the checklist, and a place after the last gate', (reason, ask) => {
    // Prepare
    const args = { ...closeOutArgs(), reason };

    // Act
    const pkg = buildCloseOutPackage(args);

    // Assess
    expect(pkg).toEqual({
      kind: 'close-out',
      project: build(baseArgs()).project,
      gate: {
        id: 'close-out',
        name: 'Close-out sign-off',
        ask,
        deliverables: [],
        criteria: { mustMeet: [], shouldMeet: [] },
        esignature: false,
        position: 4,
        of: 3,
      },
      closeOut: { reason, checklist: DEMO_DEFINITION.closeOut.checklist },
      definition: { id: 'standard', version: 1, name: 'Standard project lifecycle' },
      sequence: 4,
      openedAt: '2030-06-15T09:00:00.000Z',
      dueAt: '2030-06-20T09:00:00.000Z',
    });
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

  it.each([
    ['a gate package with a submission', () => build(baseArgs())],
    ['a close-out package', () => buildCloseOutPackage(closeOutArgs())],
  ])('does not depend on property order for %s (e.g. after a round trip through storage)', (_name, make) => {
    // Prepare
    const pkg = make();
    const reordered = reverseKeys(JSON.parse(JSON.stringify(pkg))) as GatePackage;

    // Act
    const hashes = [gatePackageHash(pkg), gatePackageHash(reordered)];

    // Assess
    expect(JSON.stringify(reordered)).not.toBe(JSON.stringify(pkg));
    expect(hashes[1]).toBe(hashes[0]);
  });

  it('does not depend on the order of the project fields as stored', () => {
    // Prepare
    const before = baseArgs();
    const after = baseArgs();
    after.project.fields = { estimatedCost: 120_000, risk: 'medium' };

    // Act
    const hashes = [gatePackageHash(build(before)), gatePackageHash(build(after))];

    // Assess
    expect(hashes[1]).toBe(hashes[0]);
  });

  it('does not change when a part of the definition the approver is not shown changes', () => {
    // Prepare
    const before = baseArgs();
    const after = baseArgs();
    gateOf(after).sla.decideWithinHours = 240;
    gateOf(after).approvers.push({ email: 'cfo@example.com' });
    gateOf(after).rule = { kind: 'any' };
    gateOf(after).skipWhen = 'risk = "low"';
    gateOf(after).opens = 'immediately';
    after.definition.contacts.escalation = 'boss@example.com';

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

  it.each([
    ['the reason', (a: ReturnType<typeof closeOutArgs>) => (a.reason = 'killed')],
    [
      'a checklist item',
      (a: ReturnType<typeof closeOutArgs>) => (a.definition.closeOut.checklist[1] = 'Lessons shared'),
    ],
    [
      'the checklist (one added)',
      (a: ReturnType<typeof closeOutArgs>) => a.definition.closeOut.checklist.push('Archive'),
    ],
    ['the project', (a: ReturnType<typeof closeOutArgs>) => (a.project.title = 'Old CRM')],
  ])('changes for a close-out package when %s changes', (_name, change) => {
    // Prepare
    const before = closeOutArgs();
    const after = closeOutArgs();
    change(after);

    // Act
    const hashes = [
      gatePackageHash(buildCloseOutPackage(before)),
      gatePackageHash(buildCloseOutPackage(after)),
    ];

    // Assess
    expect(hashes[1]).not.toBe(hashes[0]);
  });

  it('tells a close-out sign-off from a gate review of the same project', () => {
    // Prepare
    const args = baseArgs();
    delete args.submission;

    // Act
    const hashes = [
      gatePackageHash(build(args)),
      gatePackageHash(buildCloseOutPackage({ ...closeOutArgs(), sequence: 2 })),
    ];

    // Assess
    expect(hashes[1]).not.toBe(hashes[0]);
  });

  it('property: any change to a project text changes the hash; the same text restores it', () => {
    const fieldArb = fc.constantFrom<'projectId' | 'title' | 'summary' | 'sponsorEmail'>(
      'projectId',
      'title',
      'summary',
      'sponsorEmail',
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

  it('property: any change to a submitted link or title changes the hash', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: 1 }),
        fc.constantFrom<'link' | 'title'>('link', 'title'),
        fc.string(),
        (index, key, text) => {
          // Prepare
          const original = baseArgs();
          const changed = baseArgs();
          const deliverable = submissionOf(changed).deliverables[index] as Submitted['deliverables'][number];
          const same = deliverable[key] === text;
          deliverable[key] = text;

          // Act
          const hashes = [gatePackageHash(build(original)), gatePackageHash(build(changed))];

          // Assess
          expect(hashes[1] === hashes[0]).toBe(same);
        },
      ),
      { numRuns: 200 },
    );
  });
});
