import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AgendaGate, dueActions, gateAgenda } from '../../functions/domain/agenda.ts';
import type { GateDefinition, GateSla, ProcessDefinition } from '../../functions/domain/definition.ts';
import { parseDefinitionFile } from '../../functions/domain/definition-file.ts';
import { parseProcessDefinition } from '../../functions/domain/definition-schema.ts';
import { type DryRunGate, type DryRunInput, dryRun } from '../../functions/domain/dry-run.ts';

const HOUR = 3_600_000;
const START = '2030-06-15T09:00:00.000Z';
const at = (hours: number) => new Date(Date.parse(START) + hours * HOUR).toISOString();
const SPONSOR = 'sam.sponsor@example.com';
const FAY = 'fay.finance@example.com';
const PMO = 'pat.pmo@example.com';

const STANDARD = (() => {
  const parsed = parseDefinitionFile(
    readFileSync(new URL('../../definitions/standard.yaml', import.meta.url), 'utf8'),
  );
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.value;
})();

/** A fresh copy of definitions/standard.yaml, for a test to change. */
function standard(): ProcessDefinition {
  return structuredClone(STANDARD);
}

/** A proposal for the standard process; small and low-risk unless told otherwise. */
function input(change: Partial<DryRunInput> = {}, fields: Record<string, unknown> = {}): DryRunInput {
  return {
    definition: standard(),
    proposal: {
      sponsorEmail: SPONSOR,
      requesterEmail: 'rita.requester@example.com',
      fields: { estimatedCost: 20000, risk: 'low', ...fields },
    },
    startAt: START,
    ...change,
  };
}

function gatesOf(change: Partial<DryRunInput> = {}, fields: Record<string, unknown> = {}): DryRunGate[] {
  const result = dryRun(input(change, fields));
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.gates;
}

function gate(gates: readonly DryRunGate[], id: string): DryRunGate {
  const found = gates.find((g) => g.gateId === id);
  if (!found) throw new Error(`no gate ${id}`);
  return found;
}

describe('dryRun — which gates open', () => {
  it('skips the business case of a small, low-risk project, naming the rule', () => {
    // Act
    const gates = gatesOf();

    // Assess
    expect(gates.map((g) => [g.position, g.gateId, g.outcome])).toEqual([
      [1, 'scoping', 'opens'],
      [2, 'business-case', 'skipped'],
      [3, 'launch', 'opens'],
    ]);
    expect(gate(gates, 'business-case')).toEqual({
      gateId: 'business-case',
      name: 'Go to development',
      position: 2,
      outcome: 'skipped',
      skipRule: 'estimatedCost < 50000 and risk = "low"',
    });
  });

  it('opens the business case of a big project, asking the sponsor and finance, all to approve', () => {
    // Act
    const businessCase = gate(gatesOf({}, { estimatedCost: 250000, risk: 'medium' }), 'business-case');

    // Assess
    expect(businessCase).toMatchObject({
      outcome: 'opens',
      skipRule: 'estimatedCost < 50000 and risk = "low"',
      opens: 'on-submission',
      approvers: [
        { email: SPONSOR, asked: SPONSOR },
        { email: FAY, asked: FAY },
      ],
      rule: 'all must approve',
      esignature: false,
      deliverables: ['Business case', 'Project plan', 'Risk register (optional)'],
    });
  });

  it('says when nothing opens at intake, and when every gate is skipped', () => {
    // Prepare
    const definition = standard();
    for (const g of definition.gates) g.skipWhen = 'risk = "low"';

    // Act
    const result = dryRun(input({ definition }));

    // Assess
    expect(result.ok && result.gates.map((g) => g.outcome)).toEqual(['skipped', 'skipped', 'skipped']);
    expect(result.ok && result.notes).toEqual([
      'Every gate is skipped: the project goes straight to its close-out.',
    ]);
    expect(result.ok && result.closeOut).toEqual({
      checklist: ['Benefits reviewed against the business case', 'Lessons learned recorded', 'Budget closed'],
      decideWithinHours: 336,
      remindAfterHours: 120,
    });
  });
});

describe('dryRun — who is asked', () => {
  it('asks the delegate of an approver out of office on the opening day, and says why', () => {
    // Prepare
    const directory = {
      'Fay.Finance@example.com': {
        name: 'Fay Finance',
        away: { from: '2030-06-15', until: '2030-06-20', delegate: 'dan.deputy@example.com' },
      },
    };

    // Act
    const businessCase = gate(gatesOf({ directory }, { estimatedCost: 250000 }), 'business-case');

    // Assess
    expect(businessCase.approvers).toEqual([
      { email: SPONSOR, asked: SPONSOR },
      {
        email: FAY,
        name: 'Fay Finance',
        asked: 'dan.deputy@example.com',
        because: 'out of office until 2030-06-20, delegate dan.deputy@example.com',
      },
    ]);
  });

  it('asks the approver when the absence ended the day before, and the delegate on its last day', () => {
    // Prepare
    const away = (until: string) => ({
      [FAY]: { away: { from: '2030-06-01', until, delegate: 'dan.deputy@example.com' } },
    });

    // Act
    const asked = ['2030-06-14', '2030-06-15'].map(
      (until) =>
        gate(gatesOf({ directory: away(until) }, { risk: 'high' }), 'business-case').approvers?.[1]?.asked,
    );

    // Assess
    expect(asked).toEqual([FAY, 'dan.deputy@example.com']);
  });

  it('asks a delegate who is an approver already only once, and says so', () => {
    // Prepare
    const directory = { [FAY]: { away: { from: '2030-06-01', until: '2030-06-30', delegate: SPONSOR } } };

    // Act
    const result = dryRun(input({ directory }, { risk: 'high' }));

    // Assess
    if (!result.ok) throw new Error('expected a dry run');
    expect(gate(result.gates, 'business-case').approvers).toEqual([{ email: SPONSOR, asked: SPONSOR }]);
    expect(gate(result.gates, 'business-case').rule).toBe('all must approve');
    expect(result.notes).toContain(
      `Gate "business-case": ${FAY} hands over to ${SPONSOR}, who is asked already, so is not asked twice.`,
    );
  });

  it('asks the PMO in place of a requester who approves, and notes that intake refuses it', () => {
    // Prepare
    const request = input({}, { risk: 'high' });
    request.proposal.requesterEmail = 'Fay.Finance+budget@example.com';

    // Act
    const result = dryRun(request);

    // Assess
    if (!result.ok) throw new Error('expected a dry run');
    expect(gate(result.gates, 'business-case').approvers?.[1]).toEqual({
      email: FAY,
      asked: PMO,
      because: 'separation of duties: they requested the project, so the PMO is asked instead',
    });
    expect(result.notes).toContain(
      `The requester ${FAY} approves gate "business-case": intake refuses such a proposal (no one approves their own project).`,
    );
  });

  it('words each vote rule for the approvers asked', () => {
    // Prepare
    const rules: GateDefinition['rule'][] = [
      { kind: 'quorum', count: 1 },
      { kind: 'any' },
      { kind: 'sequential' },
      { kind: 'percentage', percent: 60 },
    ];

    // Act
    const worded = rules.map((rule) => {
      const definition = standard();
      (definition.gates[2] as GateDefinition).rule = rule;
      return gate(gatesOf({ definition }), 'launch').rule;
    });

    // Assess
    expect(worded).toEqual([
      '1 of 2 (quorum)',
      'any one',
      'in order (sequential)',
      '60% of approvers (2 of 2)',
    ]);
  });
});

describe('dryRun — the timeline of a gate', () => {
  it('reminds every 24 hours before the deadline, escalates at 48 as well, and decides Hold at 72', () => {
    // Act
    const scoping = gate(gatesOf(), 'scoping');

    // Assess
    expect(scoping.timeline).toEqual([
      {
        at: at(24),
        offsetHours: 24,
        what: 'reminder',
        detail: 'reminder 1 to the approvers who have not decided',
      },
      {
        at: at(48),
        offsetHours: 48,
        what: 'reminder',
        detail: 'reminder 2 to the approvers who have not decided',
      },
      { at: at(48), offsetHours: 48, what: 'escalation', detail: `${PMO} is told who has not decided` },
      { at: at(72), offsetHours: 72, what: 'deadline', detail: 'the system decides Hold' },
    ]);
  });

  it('notes that later gates count their times from their own opening', () => {
    // Act
    const result = dryRun(input());

    // Assess
    expect(result.ok && result.notes).toEqual([
      `Gate "scoping" opens at intake. Each later gate opens when its stage's deliverables are submitted (or right after the previous Go, if it opens immediately); times count from each gate's own opening, and the dates shown assume it opens at ${START}.`,
    ]);
  });
});

describe('dryRun — a proposal that does not fit', () => {
  it('names each field that is wrong, under the proposal', () => {
    // Act
    const result = dryRun(input({}, { risk: 'extreme', estimatedCost: '5', colour: 'red' }));

    // Assess
    expect(result).toEqual({
      ok: false,
      problems: [
        { path: 'proposal.fields.estimatedCost', message: 'must be a number' },
        { path: 'proposal.fields.risk', message: 'must be one of: low, medium, high' },
        {
          path: 'proposal.fields.colour',
          message: 'is not a field of this process (fields: estimatedCost, risk, targetDate)',
        },
      ],
    });
  });

  it('reports a skip rule that does not parse instead of throwing', () => {
    // Prepare
    const definition = standard();
    (definition.gates[1] as GateDefinition).skipWhen = 'estimatedCost <';

    // Act
    const result = dryRun(input({ definition }));

    // Assess
    expect(result.ok ? [] : result.problems).toEqual([
      {
        path: 'definition.gates.1.skipWhen',
        message: 'gate business-case: at column 16: expected a value after "<"',
      },
    ]);
  });
});

// ----- properties -----

/** What the sweeper would do, step by step, for a gate nobody decides (domain/agenda.ts). */
function engineTimeline(sla: GateSla): [number, string][] {
  const gate: AgendaGate = { status: 'open', openedAt: START, dueAt: at(sla.decideWithinHours), sla };
  let remindedAt: string | undefined;
  const out: [number, string][] = [];
  for (;;) {
    const request = { approver: SPONSOR, status: 'pending' as const, sentAt: START, remindedAt };
    const agenda = gateAgenda(gate, [request], [SPONSOR]);
    const now = agenda[0]?.at ?? gate.dueAt;
    for (const action of dueActions(agenda, now)) {
      out.push([(Date.parse(now) - Date.parse(START)) / HOUR, action.kind]);
      if (action.kind === 'deadline') return out;
      if (action.kind === 'remind') remindedAt = now;
      if (action.kind === 'escalate') gate.escalatedAt = now;
    }
  }
}

const slaArb = fc
  .record({
    decideWithinHours: fc.integer({ min: 1, max: 400 }),
    remindAfterHours: fc.option(fc.integer({ min: 1, max: 400 }), { nil: undefined }),
    escalateAfterHours: fc.option(fc.integer({ min: 1, max: 400 }), { nil: undefined }),
    atDeadline: fc.constantFrom('hold' as const, 'kill' as const, 'recycle' as const),
  })
  .map(({ remindAfterHours, escalateAfterHours, ...sla }) => ({
    ...sla,
    ...(remindAfterHours !== undefined && remindAfterHours < sla.decideWithinHours
      ? { remindAfterHours }
      : {}),
    ...(escalateAfterHours !== undefined && escalateAfterHours < sla.decideWithinHours
      ? { escalateAfterHours }
      : {}),
  }));

/** The standard process with gates reordered, re-timed, and skip rules and opening redrawn. */
const definitionArb = fc
  .tuple(
    fc.shuffledSubarray(standard().gates, { minLength: 1 }),
    fc.array(
      fc.tuple(slaArb, fc.boolean(), fc.constantFrom('on-submission' as const, 'immediately' as const)),
      {
        minLength: 3,
        maxLength: 3,
      },
    ),
  )
  .map(([gates, redraws]): ProcessDefinition => {
    const definition = standard();
    definition.gates = gates.map((g, i) => {
      const [sla, skip, opens] = redraws[i] as (typeof redraws)[number];
      const { skipWhen: _, ...rest } = structuredClone(g);
      return {
        ...rest,
        sla,
        opens,
        ...(skip ? { skipWhen: 'estimatedCost < 50000 and risk = "low"' } : {}),
        deliverables: g.deliverables.map((d) => ({
          ...d,
          required: d.required && opens === 'on-submission',
        })),
      };
    });
    return definition;
  });

const fieldsArb = fc.record(
  {
    estimatedCost: fc.integer({ min: 0, max: 200000 }),
    risk: fc.constantFrom('low', 'medium', 'high'),
    targetDate: fc.constantFrom('2030-12-31', '2031-06-30'),
  },
  { requiredKeys: ['estimatedCost', 'risk'] },
);

describe('dryRun — properties', () => {
  it('property: every gate appears once, in order; every timeline is sorted and ends with the deadline', () => {
    fc.assert(
      fc.property(definitionArb, fieldsArb, (definition, fields) => {
        // Prepare
        const valid = parseProcessDefinition(definition);
        expect(valid.ok ? [] : valid.problems).toEqual([]);

        // Act
        const result = dryRun({ definition, proposal: { sponsorEmail: SPONSOR, fields }, startAt: START });

        // Assess
        if (!result.ok) throw new Error(JSON.stringify(result.problems));
        expect(result.gates.map((g) => [g.gateId, g.position])).toEqual(
          definition.gates.map((g, i) => [g.id, i + 1]),
        );
        for (const g of result.gates) {
          const offsets = (g.timeline ?? []).map((t) => t.offsetHours);
          expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
          if (g.outcome === 'skipped') expect(g.timeline).toBeUndefined();
          else expect(g.timeline?.filter((t) => t.what === 'deadline')).toEqual([g.timeline?.at(-1)]);
        }
      }),
    );
  });

  it('property: the timeline is what the sweeper does for a gate nobody decides', () => {
    fc.assert(
      fc.property(slaArb, (sla) => {
        // Prepare
        const definition = standard();
        (definition.gates[0] as GateDefinition).sla = sla;
        const kinds = { reminder: 'remind', escalation: 'escalate', deadline: 'deadline' } as const;

        // Act
        const scoping = gate(gatesOf({ definition }), 'scoping');

        // Assess
        expect(scoping.timeline?.map((t) => [t.offsetHours, kinds[t.what]])).toEqual(engineTimeline(sla));
      }),
    );
  });
});
