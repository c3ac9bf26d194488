import type { Decision } from '../domain/decision.ts';
import type { GatePackage } from '../domain/gate-package.ts';
import { OUTCOME_LABELS, type Outcome } from '../domain/outcomes.ts';
import type { ConditionRecord } from '../usecases/model.ts';
import type { Mail, MailKind } from '../usecases/ports.ts';
import { esc } from './html.ts';

export const utc = (iso: string) => `${iso.slice(0, 16).replace('T', ' ')} UTC`;
/** Date and time to the second, for a signature. */
export const utcSeconds = (iso: string) => `${iso.slice(0, 19).replace('T', ' ')} UTC`;

const SUBJECT_MAX = 200;

/**
 * A subject is one header line. Text is checked at every edge already; this keeps anything that
 * slips through (a line break, a control, a direction override, a lone surrogate) from breaking
 * the header or reordering what the reader sees, and keeps it short enough for a phone.
 */
export function subjectLine(text: string): string {
  const wellFormed = (text as string & { toWellFormed(): string }).toWellFormed();
  const flat = wellFormed
    .replace(/[\p{Cc}\u2028\u2029\u202a-\u202e\u2066-\u2069]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  const chars = Array.from(flat);
  return chars.length > SUBJECT_MAX ? `${chars.slice(0, SUBJECT_MAX - 1).join('')}…` : flat;
}

const BODY =
  'font-family:system-ui,sans-serif;line-height:1.5;color:#1d2330;max-width:36rem;margin:0 auto;padding:12px';
const BUTTON =
  'display:inline-block;background:#1a56db;color:#fff;padding:12px 20px;border-radius:6px;text-decoration:none';
const MUTED = 'color:#5a6372;font-size:13px';

function gateLabel(pkg: GatePackage): string {
  return pkg.kind === 'close-out'
    ? 'Close-out sign-off'
    : `Gate ${pkg.gate.position} of ${pkg.gate.of}: ${pkg.gate.name}`;
}

const list = (items: string[]) => `<ul>${items.map((i) => `<li>${esc(i)}</li>`).join('')}</ul>`;

/** The mail an approver gets per gate instance (and each reminder): what is asked, by when, and the button. */
export function decisionRequestEmail(args: {
  to: string;
  name: string;
  pkg: GatePackage;
  link: string;
  kind: MailKind;
  handedFrom?: { approver: string; why: string; reason: string };
}): Mail {
  const { pkg, link } = args;
  const label = gateLabel(pkg);
  const closeOut = pkg.kind === 'close-out';
  const criteria = [
    ...pkg.gate.criteria.mustMeet.map((c) => `Must meet: ${c.text}`),
    ...pkg.gate.criteria.shouldMeet.map((c) => `Should meet (weight ${c.weight}): ${c.text}`),
  ];
  const submitted = (pkg.submission?.deliverables ?? []).map((d) => `${d.name}: ${d.title} — ${d.link}`);
  const handed = args.handedFrom
    ? `${args.handedFrom.approver} handed this decision to you (${args.handedFrom.why}): ${args.handedFrom.reason}`
    : '';
  const opening =
    args.kind === 'reminder' ? 'A reminder: your decision is still needed' : 'Your decision is needed';
  const verb = closeOut ? 'sign-off' : 'decision';
  const text = [
    `Hello ${args.name},`,
    '',
    `${opening} on "${pkg.project.title}".`,
    ...(handed ? ['', handed] : []),
    '',
    label,
    pkg.gate.ask,
    '',
    `Decide by: ${utc(pkg.dueAt)}`,
    `Requested by: ${pkg.project.requester}`,
    ...(submitted.length ? ['', 'Submitted deliverables:', ...submitted.map((d) => `  - ${d}`)] : []),
    ...(pkg.submission?.note ? ['', `Note from the project: ${pkg.submission.note}`] : []),
    ...(criteria.length ? ['', 'Criteria:', ...criteria.map((c) => `  - ${c}`)] : []),
    ...(pkg.closeOut ? ['', 'Close-out checklist:', ...pkg.closeOut.checklist.map((c) => `  - ${c}`)] : []),
    '',
    `Open the ${verb} page (the link is for you alone, works once, and expires):`,
    link,
    '',
    'Opening the page does not decide anything; you decide on the page.',
    ...(args.kind === 'reminder' ? ['Any earlier link for this gate no longer works.'] : []),
  ].join('\n');
  const html = `<!doctype html><html><body style="${BODY}">
<p>Hello ${esc(args.name)},</p>
<p>${esc(opening)} on <strong>${esc(pkg.project.title)}</strong>.</p>
${handed ? `<p>${esc(handed)}</p>` : ''}
<h2 style="font-size:18px;margin:8px 0">${esc(label)}</h2>
<p>${esc(pkg.gate.ask)}</p>
<p><strong>Decide by:</strong> ${esc(utc(pkg.dueAt))}<br><strong>Requested by:</strong> ${esc(pkg.project.requester)}</p>
${submitted.length ? `<p><strong>Submitted deliverables</strong></p>${list(submitted)}` : ''}
${pkg.submission?.note ? `<p><strong>Note from the project:</strong> ${esc(pkg.submission.note)}</p>` : ''}
${criteria.length ? `<p><strong>Criteria</strong></p>${list(criteria)}` : ''}
${pkg.closeOut ? `<p><strong>Close-out checklist</strong></p>${list(pkg.closeOut.checklist)}` : ''}
<p><a href="${esc(link)}" style="${BUTTON}">Open the ${verb} page</a></p>
<p style="${MUTED}">This link is for you alone, works once and expires. Opening it does not decide anything.${args.kind === 'reminder' ? ' Any earlier link for this gate no longer works.' : ''}</p>
</body></html>`;
  const prefix = args.kind === 'reminder' ? 'Reminder: ' : '';
  const what = closeOut ? 'Sign-off needed' : 'Decision needed';
  return {
    to: args.to,
    subject: subjectLine(`${prefix}${what}: ${pkg.project.title} — ${label}, by ${utc(pkg.dueAt)}`),
    text,
    html,
  };
}

/** To the escalation contact: a gate is past its escalation time and these people have not decided. */
export function escalationEmail(args: {
  to: string;
  pkg: GatePackage;
  awaiting: { email: string; name: string }[];
}): Mail {
  const { pkg } = args;
  const who = args.awaiting.map((a) => `${a.name} <${a.email}>`);
  const text = [
    `"${pkg.project.title}" is waiting for a decision at ${gateLabel(pkg)}.`,
    `Deadline: ${utc(pkg.dueAt)}.`,
    '',
    'Not decided yet:',
    ...who.map((w) => `  - ${w}`),
    '',
    'Remind them, or reassign the decision in tollgate.',
  ].join('\n');
  return {
    to: args.to,
    subject: subjectLine(
      `Escalation: ${pkg.project.title} — ${gateLabel(pkg)} is waiting, deadline ${utc(pkg.dueAt)}`,
    ),
    text,
    html: `<!doctype html><html><body style="${BODY}"><p>${esc(`"${pkg.project.title}" is waiting for a decision at ${gateLabel(pkg)}.`)}</p>
<p><strong>Deadline:</strong> ${esc(utc(pkg.dueAt))}</p><p><strong>Not decided yet</strong></p>${list(who)}
<p style="${MUTED}">Remind them, or reassign the decision in tollgate.</p></body></html>`,
  };
}

/** To the PMO (and a condition's owner): the system put a project on hold. */
export function holdEmail(args: {
  to: string;
  title: string;
  cause: 'deadline' | 'condition';
  gateName?: string;
  /** The deadline nobody decided by (a deadline's hold). */
  dueAt?: string;
  condition?: Pick<ConditionRecord, 'text' | 'due' | 'owner'>;
  at: string;
}): Mail {
  const byCondition = args.cause === 'condition' && args.condition;
  const why = byCondition
    ? `the condition "${args.condition?.text}" (owner ${args.condition?.owner}) was not met by ${args.condition?.due}`
    : `nobody decided ${args.gateName ? `"${args.gateName}" ` : 'the gate '}by its deadline${args.dueAt ? ` (${utc(args.dueAt)})` : ''}`;
  const text = `"${args.title}" was put on hold on ${utc(args.at)}: ${why}. A PMO admin can resume it, with a reason.`;
  const what = byCondition
    ? `a condition due ${args.condition?.due} was not met`
    : `${args.gateName ?? 'the gate'} was not decided${args.dueAt ? ` by ${utc(args.dueAt)}` : ''}`;
  return {
    to: args.to,
    subject: subjectLine(`On hold: ${args.title} — ${what}`),
    text,
    html: `<!doctype html><html><body style="${BODY}"><p>${esc(text)}</p></body></html>`,
  };
}

/** To requester, manager and sponsor when a project is closed out. */
export function closeOutEmail(args: {
  to: string;
  title: string;
  reason: string;
  at: string;
  signOff: string;
}): Mail {
  const why = args.reason === 'completed' ? 'passed its last gate' : `was closed (${args.reason})`;
  const text = `"${args.title}" ${why} and was closed out on ${utc(args.at)}. ${args.signOff} Its approval trail is sealed and kept for compliance.`;
  return {
    to: args.to,
    subject: subjectLine(`Closed out: ${args.title}`),
    text,
    html: `<!doctype html><html><body style="${BODY}"><p>${esc(text)}</p></body></html>`,
  };
}

/** To requester, manager, sponsor and the approvers still asked when a PMO admin cancels a project. */
export function cancelledEmail(args: {
  to: string;
  title: string;
  reason: string;
  by: string;
  at: string;
}): Mail {
  const what = `"${args.title}" was cancelled by ${args.by} on ${utc(args.at)}.`;
  const after =
    'Nothing more is decided on it: any decision link for it no longer works. Its approval trail is sealed and kept for compliance.';
  return {
    to: args.to,
    subject: subjectLine(`Cancelled: ${args.title}`),
    text: [what, '', `Reason: ${args.reason}`, '', after].join('\n'),
    html: `<!doctype html><html><body style="${BODY}"><p>${esc(what)}</p>
<p style="white-space:pre-line"><strong>Reason:</strong> ${esc(args.reason)}</p><p style="${MUTED}">${esc(after)}</p></body></html>`,
  };
}

/**
 * To an approver once their decision is recorded: what they signed, with the signature
 * manifestation as the trail records it (printed name, UTC date and time, meaning).
 */
export function receiptEmail(args: {
  to: string;
  pkg: GatePackage;
  packageHash: string;
  decision: Pick<Decision, 'outcome' | 'comment' | 'conditions' | 'weightedScore'>;
  signature: { name: string; at: string; meaning: string; method?: string };
  /** The gate's result, once it is settled. */
  gateOutcome?: Outcome;
}): Mail {
  const { pkg, decision, signature } = args;
  const label = gateLabel(pkg);
  const closeOut = pkg.kind === 'close-out';
  const yours = closeOut ? 'Signed off' : OUTCOME_LABELS[decision.outcome];
  const rows: [string, string][] = [
    ['Signed by', `${signature.name} <${args.to}>`],
    ['Signed at', utcSeconds(signature.at)],
    ['Meaning', signature.meaning],
    ...(signature.method && signature.method !== 'link'
      ? [['Signed with', `e-signature (${signature.method})`] as [string, string]]
      : []),
    ['Project', pkg.project.title],
    ['Gate', label],
    [closeOut ? 'Your sign-off' : 'Your decision', yours],
    ...(decision.comment ? [['Your comment', decision.comment] as [string, string]] : []),
    ...decision.conditions.map(
      (c, i) =>
        [`Condition ${i + 1}`, `${c.text} (due ${c.due}${c.owner ? `, ${c.owner}` : ''})`] as [
          string,
          string,
        ],
    ),
    ...(decision.weightedScore === undefined
      ? []
      : [['Your weighted score', `${decision.weightedScore} of 100`] as [string, string]]),
    ...(closeOut
      ? []
      : [
          [
            'Gate outcome',
            args.gateOutcome ? OUTCOME_LABELS[args.gateOutcome] : 'Waiting for the other approvers',
          ] as [string, string],
        ]),
    ['Version signed', args.packageHash],
  ];
  const opening = `Your ${closeOut ? 'sign-off' : 'decision'} on "${pkg.project.title}" is recorded. Keep this mail as your receipt.`;
  const text = [
    `Hello ${signature.name},`,
    '',
    opening,
    '',
    ...rows.map(([k, v]) => `${k}: ${v}`),
    '',
    'There is nothing more to do: the link you used no longer works.',
  ].join('\n');
  const cell = 'padding:4px 12px 4px 0;vertical-align:top';
  const html = `<!doctype html><html><body style="${BODY}">
<p>Hello ${esc(signature.name)},</p>
<p>${esc(opening)}</p>
<table style="border-collapse:collapse;font-size:15px">${rows
    .map(
      ([k, v]) =>
        `<tr><th style="${cell};text-align:left;font-weight:600">${esc(k)}</th><td style="${cell};word-break:break-all">${esc(v)}</td></tr>`,
    )
    .join('')}</table>
<p style="${MUTED}">There is nothing more to do: the link you used no longer works.</p>
</body></html>`;
  const what = closeOut ? 'your sign-off of' : `your decision (${yours}) on`;
  return { to: args.to, subject: subjectLine(`Receipt: ${what} ${pkg.project.title}, ${label}`), text, html };
}
