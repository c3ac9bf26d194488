import type { GatePackage } from '../domain/gate-package.ts';
import type { Mail } from '../usecases/ports.ts';
import { esc } from './html.ts';

const utc = (iso: string) => `${iso.slice(0, 16).replace('T', ' ')} UTC`;

/** The one e-mail an approver gets per gate: what is asked, by when, and the button. */
export function decisionRequestEmail(args: { to: string; pkg: GatePackage; link: string }): Mail {
  const { pkg, link } = args;
  const gateLabel = `Gate ${pkg.gate.position} of ${pkg.gate.of}: ${pkg.gate.name}`;
  const criteria = [
    ...pkg.gate.criteria.mustMeet.map((c) => `Must meet: ${c.text}`),
    ...pkg.gate.criteria.shouldMeet.map((c) => `Should meet (weight ${c.weight}): ${c.text}`),
  ];
  const text = [
    `Your decision is needed on "${pkg.project.title}".`,
    '',
    gateLabel,
    pkg.gate.ask,
    '',
    `Decide by: ${utc(pkg.dueAt)}`,
    `Requested by: ${pkg.project.requester}`,
    '',
    'Deliverables:',
    ...pkg.gate.deliverables.map((d) => `  - ${d}`),
    '',
    'Criteria:',
    ...criteria.map((c) => `  - ${c}`),
    '',
    'Open the decision page (the link is for you alone, works once, and expires):',
    link,
    '',
    'Opening the page does not decide anything; you decide on the page.',
  ].join('\n');
  const list = (items: string[]) => `<ul>${items.map((i) => `<li>${esc(i)}</li>`).join('')}</ul>`;
  const html = `<!doctype html><html><body style="font-family:system-ui,sans-serif;line-height:1.5;color:#1d2330;max-width:36rem;margin:0 auto;padding:12px">
<p>Your decision is needed on <strong>${esc(pkg.project.title)}</strong>.</p>
<h2 style="font-size:18px;margin:8px 0">${esc(gateLabel)}</h2>
<p>${esc(pkg.gate.ask)}</p>
<p><strong>Decide by:</strong> ${esc(utc(pkg.dueAt))}<br><strong>Requested by:</strong> ${esc(pkg.project.requester)}</p>
<p><strong>Deliverables</strong></p>${list(pkg.gate.deliverables)}
<p><strong>Criteria</strong></p>${list(criteria)}
<p><a href="${esc(link)}" style="display:inline-block;background:#1a56db;color:#fff;padding:12px 20px;border-radius:6px;text-decoration:none">Open the decision page</a></p>
<p style="color:#5a6372;font-size:13px">This link is for you alone, works once and expires. Opening it does not decide anything.</p>
</body></html>`;
  return { to: args.to, subject: `Decision needed: ${pkg.project.title} — ${gateLabel}`, text, html };
}

/** Sent to requester and sponsor when a project is closed out. */
export function closeOutEmail(args: { to: string; title: string; reason: string; at: string }): Mail {
  const why = args.reason === 'completed' ? 'passed its last gate' : `was closed (${args.reason})`;
  const text = `"${args.title}" ${why} on ${utc(args.at)}. Its approval trail is kept for compliance.`;
  return {
    to: args.to,
    subject: `Closed out: ${args.title}`,
    text,
    html: `<!doctype html><html><body style="font-family:system-ui,sans-serif"><p>${esc(text)}</p></body></html>`,
  };
}
