import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type AgendaAction,
  type AgendaGate,
  type AgendaRequest,
  conditionMissedAt,
  dueActions,
  gateAgenda,
  MAIL_RETRY_BASE_MS,
  MAIL_RETRY_MAX_MS,
  mailRetryAt,
  nextAgendaAt,
  RESUME_GRACE_MS,
  type Scheduled,
} from '../../functions/domain/agenda.ts';

const HOUR = 3_600_000;
const OPENED = '2030-06-15T09:00:00.000Z';
const at = (hours: number, from = OPENED) => new Date(Date.parse(from) + hours * HOUR).toISOString();
const ANA = 'ana@example.com';
const BEN = 'ben@example.com';

/** Open for 72 hours, reminders every 24, escalation at 48 (the demo's idea screen). */
function openGate(change: Partial<AgendaGate> = {}): AgendaGate {
  return {
    status: 'open',
    openedAt: OPENED,
    dueAt: at(72),
    sla: { remindAfterHours: 24, escalateAfterHours: 48 },
    ...change,
  };
}

function sent(approver: string, change: Partial<AgendaRequest> = {}): AgendaRequest {
  return { approver, status: 'pending', sentAt: at(0.01), ...change };
}

function kinds(agenda: readonly Scheduled[]): string[] {
  return agenda.map((s) =>
    'approver' in s.action ? `${s.action.kind}:${s.action.approver}` : s.action.kind,
  );
}

describe('gateAgenda — an open gate', () => {
  it('reminds at once when a PMO admin asked, until a mail after the ask answers it', () => {
    // Prepare: Ana was mailed, reminded at 24 h, and a PMO admin asked for another at 30 h; Ben is unsent
    const asked = sent(ANA, { remindedAt: at(24), remindAskedAt: at(30) });
    const answered = sent(ANA, { remindedAt: at(30.5), remindAskedAt: at(30) });
    const unsent: AgendaRequest = { approver: BEN, status: 'pending', remindAskedAt: at(30) };

    // Act
    const owed = gateAgenda(openGate(), [asked, unsent], [ANA, BEN]);
    const done = gateAgenda(openGate(), [answered], [ANA]);

    // Assess: the ask is due now; once reminded after it, the SLA's rhythm resumes from that mail
    expect(owed.slice(0, 2)).toEqual([
      { at: at(0), action: { kind: 'send', approver: BEN } },
      { at: at(30), action: { kind: 'remind', approver: ANA } },
    ]);
    expect(done[0]).toEqual({ at: at(48), action: { kind: 'escalate' } });
    expect(done).toContainEqual({ at: at(54.5), action: { kind: 'remind', approver: ANA } });
  });

  it('schedules the reminders, the escalation and the deadline, earliest first', () => {
    // Prepare
    const requests = [sent(ANA), sent(BEN, { sentAt: at(2) })];

    // Act
    const agenda = gateAgenda(openGate(), requests, [ANA, BEN]);

    // Assess
    expect(agenda).toEqual([
      { at: at(24.01), action: { kind: 'remind', approver: ANA } },
      { at: at(26), action: { kind: 'remind', approver: BEN } },
      { at: at(48), action: { kind: 'escalate' } },
      { at: at(72), action: { kind: 'deadline' } },
    ]);
  });

  it('sends an unsent request at once, or at its retry time after a failed send', () => {
    // Prepare
    const requests: AgendaRequest[] = [
      { approver: ANA, status: 'pending' },
      { approver: BEN, status: 'pending', retryAt: at(0.5) },
    ];

    // Act
    const agenda = gateAgenda(openGate(), requests, [ANA, BEN]);

    // Assess
    expect(agenda.slice(0, 2)).toEqual([
      { at: OPENED, action: { kind: 'send', approver: ANA } },
      { at: at(0.5), action: { kind: 'send', approver: BEN } },
    ]);
    expect(kinds(agenda)).toEqual([`send:${ANA}`, `send:${BEN}`, 'escalate', 'deadline']);
  });

  it('reminds again one interval after the last reminder, not after the first mail', () => {
    // Prepare
    const requests = [sent(ANA, { remindedAt: at(30) })];

    // Act
    const agenda = gateAgenda(openGate(), requests, [ANA]);

    // Assess
    expect(agenda).toEqual([
      { at: at(48), action: { kind: 'escalate' } },
      { at: at(54), action: { kind: 'remind', approver: ANA } },
      { at: at(72), action: { kind: 'deadline' } },
    ]);
  });

  it.each([
    ['at the deadline', 48, 24],
    ['after the deadline', 60, 24],
  ])('sends no reminder that would fall %s', (_name, remindedAt, every) => {
    // Prepare
    const gate = openGate({ sla: { remindAfterHours: every } });
    const requests = [sent(ANA, { remindedAt: at(remindedAt) })];

    // Act
    const agenda = gateAgenda(gate, requests, [ANA]);

    // Assess
    expect(kinds(agenda)).toEqual(['deadline']);
  });

  it('sends no reminders when the gate has no reminder interval', () => {
    // Prepare
    const gate = openGate({ sla: {} });

    // Act
    const agenda = gateAgenda(gate, [sent(ANA)], [ANA]);

    // Assess
    expect(kinds(agenda)).toEqual(['deadline']);
  });

  it.each(['decided', 'closed', 'delegated', 'reassigned'] as const)(
    'leaves a %s request alone',
    (status) => {
      // Prepare
      const requests: AgendaRequest[] = [
        { approver: ANA, status },
        { approver: BEN, status, sentAt: at(0) },
      ];

      // Act
      const agenda = gateAgenda(openGate(), requests, [ANA, BEN]);

      // Assess
      expect(kinds(agenda)).toEqual(['escalate', 'deadline']);
    },
  );

  it('neither sends to nor reminds an approver the rule is not waiting for (later in a sequential chain)', () => {
    // Prepare
    const requests: AgendaRequest[] = [sent(ANA), { approver: BEN, status: 'pending' }];

    // Act
    const agenda = gateAgenda(openGate(), requests, [ANA]);

    // Assess
    expect(kinds(agenda)).toEqual([`remind:${ANA}`, 'escalate', 'deadline']);
  });

  it('escalates once: not again after it happened', () => {
    // Prepare
    const gate = openGate({ escalatedAt: at(48) });

    // Act
    const agenda = gateAgenda(gate, [sent(ANA, { remindedAt: at(24) })], [ANA]);

    // Assess
    expect(kinds(agenda)).toEqual([`remind:${ANA}`, 'deadline']);
  });

  it.each([
    ['at the deadline', 72],
    ['with no escalation time', undefined],
  ])('does not escalate %s', (_name, escalateAfterHours) => {
    // Prepare
    const gate = openGate({ sla: { escalateAfterHours } });

    // Act
    const agenda = gateAgenda(gate, [sent(ANA)], [ANA]);

    // Assess
    expect(kinds(agenda)).toEqual(['deadline']);
  });

  it('does not escalate when nobody is awaited', () => {
    // Prepare
    const gate = openGate();

    // Act
    const agenda = gateAgenda(gate, [], []);

    // Assess
    expect(agenda).toEqual([{ at: at(72), action: { kind: 'deadline' } }]);
  });
});

describe('gateAgenda — a gate that is no longer open', () => {
  it.each(['decided', 'expired'] as const)(
    'resumes a %s gate the workflow has not followed yet, after a grace period',
    (status) => {
      // Prepare
      const gate = openGate({ status, decidedAt: at(5) });

      // Act
      const agenda = gateAgenda(gate, [sent(ANA)], [ANA]);

      // Assess
      expect(agenda).toEqual([
        { at: new Date(Date.parse(at(5)) + RESUME_GRACE_MS).toISOString(), action: { kind: 'resume' } },
      ]);
      expect(RESUME_GRACE_MS).toBe(2 * 60_000);
    },
  );

  it('schedules nothing once the workflow has followed the decision', () => {
    // Prepare
    const gate = openGate({ status: 'decided', decidedAt: at(5), appliedAt: at(5.01) });

    // Act
    const agenda = gateAgenda(gate, [sent(ANA)], [ANA]);

    // Assess
    expect(agenda).toEqual([]);
    expect(nextAgendaAt(agenda)).toBeUndefined();
  });
});

describe('dueActions / nextAgendaAt', () => {
  const agenda = gateAgenda(openGate(), [sent(ANA), sent(BEN, { sentAt: at(2) })], [ANA, BEN]);

  it('lists nothing before the first action is due', () => {
    // Prepare
    const now = at(24);

    // Act
    const due = dueActions(agenda, now);

    // Assess
    expect(due).toEqual([]);
    expect(nextAgendaAt(agenda)).toBe(at(24.01));
  });

  it('lists every action due by now, the one due exactly now included', () => {
    // Prepare
    const now = at(48);

    // Act
    const due = dueActions(agenda, now);

    // Assess
    expect(due).toEqual<AgendaAction[]>([
      { kind: 'remind', approver: ANA },
      { kind: 'remind', approver: BEN },
      { kind: 'escalate' },
    ]);
  });

  it('a deadline that is due makes every other action moot', () => {
    // Prepare
    const now = at(100);

    // Act
    const due = dueActions(agenda, now);

    // Assess
    expect(due).toEqual([{ kind: 'deadline' }]);
  });
});

describe('gateAgenda — a sweeper run against it', () => {
  /** Ticks through a gate's life like the sweeper, acting on what is due; returns what happened when. */
  function sweep(gate: AgendaGate, approvers: readonly string[], stepMinutes: number) {
    const requests = new Map<string, AgendaRequest>(
      approvers.map((a) => [a, { approver: a, status: 'pending' }]),
    );
    const log: { at: string; action: AgendaAction }[] = [];
    let current = gate;
    for (let t = Date.parse(gate.openedAt); ; t += stepMinutes * 60_000) {
      const now = new Date(t).toISOString();
      const due = dueActions(gateAgenda(current, [...requests.values()], approvers), now);
      for (const action of due) {
        log.push({ at: now, action });
        if (action.kind === 'send')
          requests.set(action.approver, { approver: action.approver, status: 'pending', sentAt: now });
        if (action.kind === 'remind') {
          const request = requests.get(action.approver) as AgendaRequest;
          requests.set(action.approver, { ...request, remindedAt: now });
        }
        if (action.kind === 'escalate') current = { ...current, escalatedAt: now };
      }
      if (due.some((a) => a.kind === 'deadline')) return log;
    }
  }

  it('property: reminders at most once per interval, all before the deadline; one escalation; the deadline last', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 200 }).chain((deadline) =>
          fc.record({
            deadline: fc.constant(deadline),
            remind: fc.option(fc.integer({ min: 1, max: deadline - 1 }), { nil: undefined }),
            escalate: fc.option(fc.integer({ min: 1, max: deadline - 1 }), { nil: undefined }),
            step: fc.integer({ min: 5, max: 300 }),
            approvers: fc.integer({ min: 1, max: 3 }),
          }),
        ),
        ({ deadline, remind, escalate, step, approvers }) => {
          // Prepare
          const gate = openGate({
            dueAt: at(deadline),
            sla: { remindAfterHours: remind, escalateAfterHours: escalate },
          });
          const people = [ANA, BEN, 'cy@example.com'].slice(0, approvers);

          // Act
          const log = sweep(gate, people, step);

          // Assess
          const last = log.at(-1);
          expect(last?.action).toEqual({ kind: 'deadline' });
          expect(last && last.at >= gate.dueAt).toBe(true);
          expect(log.filter((e) => e.action.kind === 'deadline')).toHaveLength(1);
          const escalations = log.filter((e) => e.action.kind === 'escalate');
          expect(escalations.length).toBeLessThanOrEqual(1);
          if (escalate === undefined) expect(escalations).toHaveLength(0);
          for (const e of escalations) expect(e.at >= at(escalate ?? 0)).toBe(true);
          for (const person of people) {
            const mails = log.filter((e) => 'approver' in e.action && e.action.approver === person);
            expect(mails[0]?.action.kind).toBe('send');
            expect(mails.filter((e) => e.action.kind === 'send')).toHaveLength(1);
            const reminders = mails.filter((e) => e.action.kind === 'remind');
            if (remind === undefined) expect(reminders).toHaveLength(0);
            mails.slice(1).forEach((e, i) => {
              const previous = mails[i]?.at as string;
              expect(Date.parse(e.at) - Date.parse(previous)).toBeGreaterThanOrEqual((remind ?? 0) * HOUR);
              expect(e.at < gate.dueAt).toBe(true);
            });
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('mailRetryAt', () => {
  it.each([
    [0, 1],
    [1, 1],
    [2, 2],
    [3, 4],
    [6, 32],
    [7, 60],
    [50, 60],
    [5000, 60],
  ])('after %i failed attempts waits %i minutes', (attempts, minutes) => {
    // Prepare
    const now = OPENED;

    // Act
    const retry = mailRetryAt(now, attempts);

    // Assess
    expect(Date.parse(retry) - Date.parse(now)).toBe(minutes * 60_000);
  });

  it('property: waits at least a minute, at most an hour, and never less after more failures', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000 }), (attempts) => {
        // Prepare
        const now = OPENED;

        // Act
        const wait = Date.parse(mailRetryAt(now, attempts)) - Date.parse(now);
        const next = Date.parse(mailRetryAt(now, attempts + 1)) - Date.parse(now);

        // Assess
        expect(wait).toBeGreaterThanOrEqual(MAIL_RETRY_BASE_MS);
        expect(wait).toBeLessThanOrEqual(MAIL_RETRY_MAX_MS);
        expect(next).toBeGreaterThanOrEqual(wait);
      }),
      { numRuns: 200 },
    );
  });
});

describe('conditionMissedAt', () => {
  it('misses a condition at the very end of its due day, UTC', () => {
    // Prepare
    const due = '2030-06-20';

    // Act
    const missedAt = conditionMissedAt(due);

    // Assess
    expect(missedAt).toBe('2030-06-20T23:59:59.999Z');
    expect(new Date(missedAt).toISOString()).toBe(missedAt);
  });
});
