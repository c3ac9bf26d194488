import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { GateDefinition } from '../../functions/domain/definition.ts';
import {
  buildCloseOutPackage,
  buildGatePackage,
  type GatePackage,
  signatureMeaning,
} from '../../functions/domain/gate-package.ts';
import { textProblem } from '../../functions/domain/text.ts';
import type { Mail } from '../../functions/usecases/ports.ts';
import {
  closeOutEmail,
  decisionRequestEmail,
  escalationEmail,
  holdEmail,
  receiptEmail,
  subjectLine,
} from '../../functions/views/email.ts';
import { DEMO_DEFINITION } from '../../infra/local/demo.ts';

const DUE = '2030-06-20T09:00:00.000Z';
const LINK = `https://approvals.example.com/a/${'A'.repeat(43)}`;

function gatePackage(title = 'New CRM'): GatePackage {
  const definition = structuredClone(DEMO_DEFINITION);
  return buildGatePackage({
    project: {
      projectId: 'p-1',
      title,
      summary: 'Replace the ageing CRM.',
      requester: { email: 'riley.requester@example.com' },
      sponsorEmail: 'sam.sponsor@example.com',
      fields: { risk: 'medium', estimatedCost: 120_000 },
    },
    definition,
    gate: definition.gates.find((g) => g.id === 'business-case') as GateDefinition,
    submission: {
      note: 'Ready for review.',
      deliverables: [
        {
          id: 'business-case',
          name: 'Business case',
          title: 'Case v3',
          link: 'https://docs.example.com/case',
        },
      ],
      submittedBy: 'riley.requester@example.com',
      submittedAt: '2030-06-15T08:59:00.000Z',
    },
    sequence: 2,
    openedAt: '2030-06-15T09:00:00.000Z',
    dueAt: DUE,
  });
}

function closeOutPackage(): GatePackage {
  return buildCloseOutPackage({
    project: {
      projectId: 'p-1',
      title: 'New CRM',
      summary: 'Replace the ageing CRM.',
      requester: { email: 'riley.requester@example.com' },
      sponsorEmail: 'sam.sponsor@example.com',
      fields: { risk: 'medium', estimatedCost: 120_000 },
    },
    definition: structuredClone(DEMO_DEFINITION),
    reason: 'completed',
    sequence: 4,
    openedAt: '2030-07-01T09:00:00.000Z',
    dueAt: DUE,
  });
}

const signedAt = '2030-06-16T10:11:12.345Z';

/** One mail of every kind the platform sends, built from `pkg` and `title`. */
function everyKind(pkg: GatePackage, title: string): Record<string, Mail> {
  const decision = { outcome: 'go' as const, comment: '', conditions: [], weightedScore: 80 };
  return {
    request: decisionRequestEmail({ to: 'sam@example.com', name: 'Sam', pkg, link: LINK, kind: 'request' }),
    reminder: decisionRequestEmail({ to: 'sam@example.com', name: 'Sam', pkg, link: LINK, kind: 'reminder' }),
    escalation: escalationEmail({
      to: 'pmo@example.com',
      pkg,
      awaiting: [{ email: 'sam@example.com', name: 'Sam' }],
    }),
    'hold (deadline)': holdEmail({
      to: 'pmo@example.com',
      title,
      cause: 'deadline',
      gateName: pkg.gate.name,
      dueAt: DUE,
      at: DUE,
    }),
    'hold (condition)': holdEmail({
      to: 'pmo@example.com',
      title,
      cause: 'condition',
      condition: { text: 'Security review', due: '2030-07-01', owner: 'riley@example.com' },
      at: DUE,
    }),
    closed: closeOutEmail({ to: 'sam@example.com', title, reason: 'completed', at: DUE, signOff: 'Signed.' }),
    receipt: receiptEmail({
      to: 'sam@example.com',
      pkg,
      packageHash: 'a'.repeat(64),
      decision,
      signature: { name: 'Sam Sponsor', at: signedAt, meaning: signatureMeaning(pkg, 'go') },
    }),
  };
}

describe('the mails', () => {
  it.each(Object.entries(everyKind(gatePackage(), 'New CRM')))(
    '%s: a one-line safe subject naming the project, HTML with inline CSS and a plain-text alternative',
    (_kind, mail) => {
      // Prepare — the mail

      // Act
      const problem = textProblem(mail.subject, { oneLine: true });

      // Assess
      expect(problem).toBeUndefined();
      expect(mail.subject).toContain('New CRM');
      expect(mail.text.length).toBeGreaterThan(20);
      expect(mail.text).not.toMatch(/<\/?(p|a|br|ul|li|h2|table|tr|td|html|body)\b/i);
      expect(mail.html).toMatch(/^<!doctype html><html><body style="[^"]+">/);
      expect(mail.html).not.toMatch(/<style|<link|<script/i);
    },
  );

  it('names the gate and the deadline in the subject of every mail about a gate awaiting a decision', () => {
    // Prepare
    const mails = everyKind(gatePackage(), 'New CRM');

    // Act
    const subjects = ['request', 'reminder', 'escalation', 'hold (deadline)'].map((k) => mails[k]?.subject);

    // Assess
    expect(subjects).toEqual([
      'Decision needed: New CRM — Gate 2 of 3: Go to development, by 2030-06-20 09:00 UTC',
      'Reminder: Decision needed: New CRM — Gate 2 of 3: Go to development, by 2030-06-20 09:00 UTC',
      'Escalation: New CRM — Gate 2 of 3: Go to development is waiting, deadline 2030-06-20 09:00 UTC',
      'On hold: New CRM — Go to development was not decided by 2030-06-20 09:00 UTC',
    ]);
    expect(mails['hold (condition)']?.subject).toBe(
      'On hold: New CRM — a condition due 2030-07-01 was not met',
    );
  });

  it('gives an approval request one clear button, to the link, which the text carries too', () => {
    // Prepare
    const mail = decisionRequestEmail({
      to: 'sam@example.com',
      name: 'Sam',
      pkg: gatePackage(),
      link: LINK,
      kind: 'request',
    });

    // Act
    const anchors = [...mail.html.matchAll(/<a\b[^>]*href="([^"]+)"[^>]*>([^<]*)<\/a>/g)];

    // Assess
    expect(anchors.map((a) => [a[1], a[2]])).toEqual([[LINK, 'Open the decision page']]);
    expect(mail.text).toContain(LINK);
    expect(mail.text).toContain('Decide by: 2030-06-20 09:00 UTC');
  });

  it('puts the signature manifestation, the outcome, project, gate and package hash on the receipt', () => {
    // Prepare
    const pkg = gatePackage();

    // Act
    const mail = receiptEmail({
      to: 'sam@example.com',
      pkg,
      packageHash: 'b'.repeat(64),
      decision: {
        outcome: 'conditional-go',
        comment: 'Fine, on one condition.',
        conditions: [{ text: 'Security review', due: '2030-07-01' }],
      },
      signature: { name: 'Sam Sponsor', at: signedAt, meaning: signatureMeaning(pkg, 'conditional-go') },
      gateOutcome: 'conditional-go',
    });

    // Assess
    expect(mail.subject).toBe(
      'Receipt: your decision (Conditional Go) on New CRM, Gate 2 of 3: Go to development',
    );
    for (const line of [
      'Signed by: Sam Sponsor <sam@example.com>',
      'Signed at: 2030-06-16 10:11:12 UTC',
      'Meaning: Approved with conditions: Gate 2 Go to development, Conditional Go',
      'Project: New CRM',
      'Gate: Gate 2 of 3: Go to development',
      'Your decision: Conditional Go',
      'Your comment: Fine, on one condition.',
      'Condition 1: Security review (due 2030-07-01)',
      'Gate outcome: Conditional Go',
      `Version signed: ${'b'.repeat(64)}`,
    ])
      expect(mail.text).toContain(line);
    expect(mail.html).toContain('2030-06-16 10:11:12 UTC');
    expect(mail.html).not.toContain('<a ');
  });

  it('says a receipt is waiting for the others while the gate is open, and signs a close-out off', () => {
    // Prepare
    const pkg = closeOutPackage();
    const decision = { outcome: 'go' as const, comment: '', conditions: [] };

    // Act
    const open = receiptEmail({
      to: 'sam@example.com',
      pkg: gatePackage(),
      packageHash: 'c'.repeat(64),
      decision,
      signature: { name: 'Sam', at: signedAt, meaning: 'Go: Gate 2 Go to development' },
    });
    const signOff = receiptEmail({
      to: 'sam@example.com',
      pkg,
      packageHash: 'c'.repeat(64),
      decision,
      signature: { name: 'Sam', at: signedAt, meaning: signatureMeaning(pkg, 'go') },
    });

    // Assess
    expect(open.text).toContain('Gate outcome: Waiting for the other approvers');
    expect(signOff.subject).toBe('Receipt: your sign-off of New CRM, Close-out sign-off');
    expect(signOff.text).toContain('Meaning: Signed off: close-out');
    expect(signOff.text).not.toContain('Gate outcome');
  });

  it('escapes what people typed in the HTML', () => {
    // Prepare
    const title = 'CRM <script>alert(1)</script> & "more"';

    // Act
    const mails = Object.values(everyKind(gatePackage(title), title));

    // Assess
    for (const mail of mails) {
      expect(mail.html).not.toContain('<script>');
      expect(mail.html).toContain('CRM &lt;script&gt;');
    }
  });

  it('property: a subject is one line of well-formed text without controls or direction overrides, whatever the title', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (title) => {
        // Prepare
        const mails = Object.values(everyKind(gatePackage(title), title));

        // Act
        const problems = mails.map((m) => textProblem(m.subject, { oneLine: true }));

        // Assess
        expect(problems.filter(Boolean)).toEqual([]);
        for (const mail of mails) expect(Array.from(mail.subject).length).toBeLessThanOrEqual(200);
      }),
      { numRuns: 100 },
    );
  });

  it('keeps a subject as it is when there is nothing to clean', () => {
    expect(subjectLine('On hold: New CRM — Gate 2')).toBe('On hold: New CRM — Gate 2');
    expect(subjectLine('Two\nlines\u202E and\ttabs')).toBe('Two lines and tabs');
  });
});
