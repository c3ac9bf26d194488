import type { GatePackage } from '../domain/gate-package.ts';
import type { ConditionRecord } from '../usecases/model.ts';
import type { Mail, MailKind } from '../usecases/ports.ts';
import { esc } from './html.ts';

export const utc = (iso: string) => `${iso.slice(0, 16).replace('T', ' ')} UTC`;

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
    subject: `${prefix}${what}: ${pkg.project.title} — ${label}, by ${utc(pkg.dueAt)}`,
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
    subject: `Escalation: ${pkg.project.title} — ${gateLabel(pkg)} is waiting`,
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
  condition?: Pick<ConditionRecord, 'text' | 'due' | 'owner'>;
  at: string;
}): Mail {
  const why =
    args.cause === 'condition' && args.condition
      ? `the condition "${args.condition.text}" (owner ${args.condition.owner}) was not met by ${args.condition.due}`
      : `nobody decided ${args.gateName ? `"${args.gateName}" ` : 'the gate '}by its deadline`;
  const text = `"${args.title}" was put on hold on ${utc(args.at)}: ${why}. A PMO admin can resume it, with a reason.`;
  return {
    to: args.to,
    subject: `On hold: ${args.title}`,
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
    subject: `Closed out: ${args.title}`,
    text,
    html: `<!doctype html><html><body style="${BODY}"><p>${esc(text)}</p></body></html>`,
  };
}
