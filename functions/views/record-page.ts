import { OUTCOME_LABELS } from '../domain/outcomes.ts';
import type { ApprovalRecord } from '../usecases/record.ts';
import { utc } from './email.ts';
import { html, page } from './html.ts';

/** A project's approval record, for printing (or saving as PDF from the browser's print dialog). */
export function recordPage(record: ApprovalRecord): string {
  const { project, integrity } = record;
  const broken = integrity.firstBreak;
  return page(
    `Approval record · ${project.title}`,
    html`<div class="card">
<p class="muted">Approval record · ${record.definitionName} v${project.definition.version}</p>
<h1>${project.title}</h1>
<dl>
  <dt>Project</dt><dd class="hash">${project.projectId}</dd>
  <dt>Status</dt><dd>${project.status}${project.closeReason ? ` (${project.closeReason})` : ''}</dd>
  <dt>Requester</dt><dd>${project.requester.name} &lt;${project.requester.email}&gt;</dd>
  ${project.manager ? html`<dt>Manager</dt><dd>${project.manager.name} &lt;${project.manager.email}&gt;</dd>` : ''}
  <dt>Sponsor</dt><dd>${project.sponsorEmail}</dd>
  <dt>Submitted</dt><dd>${utc(project.submittedAt)}</dd>
  ${project.closedAt ? html`<dt>Closed</dt><dd>${utc(project.closedAt)}</dd>` : ''}
  ${project.sealedAt ? html`<dt>Trail sealed</dt><dd>${utc(project.sealedAt)}</dd>` : ''}
</dl></div>
<div class="card ${integrity.ok ? '' : 'problems'}"><h2>Integrity at ${utc(integrity.checkedAt)}</h2>
${
  integrity.ok
    ? html`<p>The project's trail verifies: ${integrity.entries} entries, hash-chained${integrity.anchor ? html`, matching anchor ${integrity.anchor.seq} of ${utc(integrity.anchor.at)}` : ' (not anchored yet)'}.</p>`
    : html`<p><strong>The trail does not verify.</strong> ${broken ? html`${broken.kind} at entry ${broken.seq}: ${broken.message}` : (integrity.anchor?.problem ?? '')}</p>`
}</div>
${record.gates.map(
  ({ gate, votes, handovers }) => html`<div class="card">
<h2>${gate.kind === 'close-out' ? 'Close-out sign-off' : `Gate ${gate.package.gate.position} of ${gate.package.gate.of}: ${gate.package.gate.name}`} <span class="muted">(instance ${gate.sequence})</span></h2>
<dl>
  <dt>Opened</dt><dd>${utc(gate.openedAt)}</dd><dt>Decide by</dt><dd>${utc(gate.dueAt)}</dd>
  <dt>Outcome</dt><dd>${gate.outcome ? OUTCOME_LABELS[gate.outcome] : gate.status}${gate.decidedBy === 'deadline' ? ' (taken at the deadline)' : ''}${gate.decidedAt ? `, ${utc(gate.decidedAt)}` : ''}</dd>
  ${gate.score ? html`<dt>Weighted score</dt><dd>${gate.score.weighted}${gate.score.threshold === undefined ? '' : ` (threshold ${gate.score.threshold})`}</dd>` : ''}
  <dt>Package signed</dt><dd class="hash">${gate.packageHash}</dd>
</dl>
${votes.length ? html`<h3>Signatures</h3><ul>${votes.map((v) => html`<li><strong>${v.name}</strong> &lt;${v.approver}&gt; · ${utc(v.at)} · ${v.meaning}${v.comment ? html`<br>“${v.comment}”` : ''}${v.weightedScore === undefined ? '' : html`<br>Weighted score ${v.weightedScore}`}${v.knockouts.length ? html`<br>Must-meet not met: ${v.knockouts.join(', ')}` : ''}${v.conditions.map((c) => html`<br>Condition: ${c.text} (due ${c.due}${c.owner ? `, ${c.owner}` : ''})`)}</li>`)}</ul>` : html`<p class="muted">No signatures.</p>`}
${handovers.length ? html`<h3>Handed over</h3><ul>${handovers.map((h) => html`<li>${h.from} → ${h.to} (${h.why}): ${h.reason}</li>`)}</ul>` : ''}
</div>`,
)}
${record.conditions.length ? html`<div class="card"><h2>Conditions</h2><ul>${record.conditions.map((c) => html`<li>${c.conditionId}: ${c.text} — ${c.state}${c.missedAt ? ' (missed)' : ''}, due ${c.due}, owner ${c.owner}${c.met ? `; met ${utc(c.met.at)} by ${c.met.by}, evidence ${c.met.evidence}` : ''}${c.waived ? `; waived ${utc(c.waived.at)} by ${c.waived.by}: ${c.waived.reason}` : ''}</li>`)}</ul></div>` : ''}
<p class="muted">Printed ${utc(record.printedAt)} by ${record.printedBy.name ?? record.printedBy.id}.</p>`,
  );
}
