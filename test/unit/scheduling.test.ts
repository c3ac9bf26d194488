import { describe, expect, it } from 'vitest';
import type { ApprovalRequest, GateInstance } from '../../functions/usecases/model.ts';
import { nextLook, SENDING_GRACE_MS } from '../../functions/usecases/scheduling.ts';

const OPENED = '2026-11-26T10:00:00.000Z';
const gate = {
  projectId: 'p',
  sequence: 2,
  gateId: 'business-case',
  status: 'open',
  approvers: ['a@example.com', 'b@example.com'],
  rule: { kind: 'all' },
  sla: { remindAfterHours: 24 },
  openedAt: OPENED,
  dueAt: '2026-11-29T10:00:00.000Z',
  version: 0,
} as unknown as GateInstance;
const request = (approver: string, extra: Partial<ApprovalRequest> = {}): ApprovalRequest => ({
  projectId: 'p',
  sequence: 2,
  approver,
  name: approver,
  status: 'pending',
  dueAt: gate.dueAt,
  ...extra,
});

describe('nextLook: when the sweeper looks at an instance next', () => {
  it('is at once for an unsent request, and after the grace while the workflow is mailing', () => {
    // Prepare
    const requests = [request('a@example.com', { sentAt: OPENED }), request('b@example.com')];
    const nudgedAt = '2026-11-26T12:00:00.000Z';

    // Act
    const alone = nextLook(gate, requests, []);
    const nudged = nextLook(gate, requests, [], nudgedAt);

    // Assess
    expect(alone).toBe(OPENED);
    expect(nudged).toBe(new Date(Date.parse(nudgedAt) + SENDING_GRACE_MS).toISOString());
  });

  it('never delays a reminder or the deadline for the grace', () => {
    // Prepare: both mailed; a's reminder falls inside the grace
    const requests = [
      request('a@example.com', { sentAt: '2026-11-25T10:01:00.000Z' }),
      request('b@example.com', { sentAt: OPENED }),
    ];
    const sendingAt = '2026-11-26T10:00:00.000Z';

    // Act
    const at = nextLook(
      { ...gate, openedAt: '2026-11-25T10:00:00.000Z' } as GateInstance,
      requests,
      [],
      sendingAt,
    );

    // Assess
    expect(at).toBe('2026-11-26T10:01:00.000Z');
  });
});
