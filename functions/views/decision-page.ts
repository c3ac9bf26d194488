import { OUTCOME_LABELS, OUTCOME_MEANINGS, OUTCOMES } from '../domain/outcomes.ts';
import type { Problem } from '../domain/validation.ts';
import type { DecisionReceipt, DecisionView } from '../usecases/decisions.ts';
import { html, page } from './html.ts';

const utc = (iso: string) => `${iso.slice(0, 16).replace('T', ' ')} UTC`;
const CONDITION_ROWS = 3;

/** The page behind an approval link: exactly what the approver signs, and the form to decide. */
export function decisionPage(
  view: DecisionView,
  options: { problems?: Problem[]; notice?: string } = {},
): string {
  const { gate, definition } = view;
  const pkg = gate.package;
  const earlier = definition.gates.slice(0, pkg.gate.position);
  const criteria = [
    ...pkg.gate.criteria.mustMeet.map((c) => ({ ...c, kind: 'Must meet' })),
    ...pkg.gate.criteria.shouldMeet.map((c) => ({ ...c, kind: `Should meet · weight ${c.weight}` })),
  ];
  const problems = options.problems ?? [];
  return page(
    `${pkg.gate.name} · ${pkg.project.title}`,
    html`
${options.notice ? html`<div class="card problems"><p>${options.notice}</p></div>` : ''}
${problems.length ? html`<div class="card problems" role="alert"><h2>Please fix</h2><ul>${problems.map((p) => html`<li><strong>${p.path}</strong>: ${p.message}</li>`)}</ul></div>` : ''}
<div class="card">
  <p class="muted">Gate ${pkg.gate.position} of ${pkg.gate.of} · ${pkg.definition.name} v${pkg.definition.version}</p>
  <h1>${pkg.gate.name}: ${pkg.project.title}</h1>
  <p>${pkg.gate.ask}</p>
  <dl>
    <dt>Decide by</dt><dd>${utc(pkg.dueAt)}</dd>
    <dt>Requester</dt><dd>${pkg.project.requester}</dd>
    <dt>Sponsor</dt><dd>${pkg.project.sponsor}</dd>
    ${pkg.project.estimatedCost === undefined ? '' : html`<dt>Estimated cost</dt><dd>${pkg.project.estimatedCost.toLocaleString('en-US')}</dd>`}
    <dt>Deciding as</dt><dd>${view.approver}</dd>
  </dl>
  <h2>Summary</h2><p>${pkg.project.summary}</p>
  <h2>Deliverables</h2><ul>${pkg.gate.deliverables.map((d) => html`<li>${d}</li>`)}</ul>
  <h2>Criteria</h2><ul>${criteria.map((c) => html`<li>${c.text} <span class="muted">(${c.kind})</span></li>`)}</ul>
</div>
<form class="card" method="post">
  <input type="hidden" name="packageHash" value="${gate.packageHash}">
  <fieldset><legend>Your decision</legend>
  ${OUTCOMES.map(
    (o) =>
      html`<label class="outcome"><input type="radio" name="outcome" value="${o}" required><span><strong>${OUTCOME_LABELS[o]}</strong><br><span class="muted">${OUTCOME_MEANINGS[o]}</span></span></label>`,
  )}
  </fieldset>
  <label for="comment">Comment <span class="muted">(required for anything but Go)</span></label>
  <textarea id="comment" name="comment" rows="4" maxlength="4000"></textarea>
  <fieldset><legend>Conditions <span class="muted">(Conditional Go only)</span></legend>
  ${Array.from({ length: CONDITION_ROWS }, (_, i) => html`<label for="condition-${i}">Condition ${i + 1}</label><input id="condition-${i}" name="condition-${i}" maxlength="500"><label for="condition-${i}-due">Due</label><input id="condition-${i}-due" name="condition-${i}-due" type="date">`)}
  </fieldset>
  <label for="recycleTo">Recycle to <span class="muted">(Recycle only)</span></label>
  <select id="recycleTo" name="recycleTo"><option value="">—</option>${earlier.map((g) => html`<option value="${g.id}">${g.name}</option>`)}</select>
  ${criteria.length ? html`<fieldset><legend>Scores <span class="muted">(0–10, optional)</span></legend>${criteria.map((c) => html`<label for="score-${c.id}">${c.text}</label><input id="score-${c.id}" name="score-${c.id}" type="number" min="0" max="10">`)}</fieldset>` : ''}
  <button type="submit">Record my decision</button>
  <p class="muted">You are signing the version shown on this page: <span class="hash">${gate.packageHash}</span></p>
</form>`,
  );
}

export function receiptPage(receipt: DecisionReceipt): string {
  return page(
    'Decision recorded',
    html`<div class="card"><h1>Decision recorded</h1>
<dl>
  <dt>Project</dt><dd>${receipt.projectTitle}</dd>
  <dt>Gate</dt><dd>${receipt.gateName}</dd>
  <dt>Your decision</dt><dd>${OUTCOME_LABELS[receipt.outcome]}</dd>
  <dt>By</dt><dd>${receipt.approver}</dd>
  <dt>Recorded at</dt><dd>${utc(receipt.recordedAt)}</dd>
  <dt>Gate outcome</dt><dd>${receipt.gateOutcome ? OUTCOME_LABELS[receipt.gateOutcome] : 'Waiting for the other approvers'}</dd>
</dl>
<p class="muted">Version signed: <span class="hash">${receipt.packageHash}</span></p>
<p class="muted">Keep this page as your receipt. The link you used no longer works.</p></div>`,
  );
}

/** Turns the posted form fields into the decision shape the domain validates. */
export function decisionFromForm(form: URLSearchParams): Record<string, unknown> {
  const conditions: { text: string; due: string }[] = [];
  for (let i = 0; i < CONDITION_ROWS; i++) {
    const text = form.get(`condition-${i}`)?.trim() ?? '';
    const due = form.get(`condition-${i}-due`) ?? '';
    if (text || due) conditions.push({ text, due });
  }
  const scores: Record<string, number> = {};
  for (const [name, value] of form) {
    if (name.startsWith('score-') && value.trim() !== '') scores[name.slice(6)] = Number(value);
  }
  const recycleTo = form.get('recycleTo') || undefined;
  return {
    outcome: form.get('outcome') ?? undefined,
    comment: form.get('comment') ?? undefined,
    packageHash: form.get('packageHash') ?? undefined,
    ...(conditions.length ? { conditions } : {}),
    ...(recycleTo ? { recycleTo } : {}),
    ...(Object.keys(scores).length ? { scores } : {}),
  };
}
