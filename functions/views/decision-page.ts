import { recycleChoices } from '../domain/decision.ts';
import { skippedGates } from '../domain/lifecycle.ts';
import { OUTCOME_LABELS, OUTCOME_MEANINGS, OUTCOMES } from '../domain/outcomes.ts';
import type { Problem } from '../domain/validation.ts';
import type { DecisionReceipt, DecisionView } from '../usecases/decisions.ts';
import type { GateInstance } from '../usecases/model.ts';
import { utc } from './email.ts';
import { type Html, html, page } from './html.ts';

export const CONDITION_ROWS = 3;
const REQUEST_STATES: Record<string, string> = {
  pending: 'not decided yet',
  decided: 'decided',
  delegated: 'handed on',
  reassigned: 'reassigned',
  closed: 'closed',
};

/** The page behind an approval link: exactly what the approver signs, and the form to decide. */
export function decisionPage(
  view: DecisionView,
  options: {
    problems?: Problem[];
    notice?: string;
    /** Set on a gate that asks for an e-signature: whether a signing session is open. */
    signing?: { inSession: boolean };
    /** The project's earlier gate instances and how they were decided. */
    earlier?: GateInstance[];
  } = {},
): string {
  const { gate, definition } = view;
  const pkg = gate.package;
  const closeOut = pkg.kind === 'close-out';
  const problems = options.problems ?? [];
  const { mustMeet, shouldMeet, threshold } = pkg.gate.criteria;
  const others = view.requests.filter((r) => r.approver !== view.approver);
  // Recycle goes back to this gate or one before it the project went through, in the version it
  // was opened with (the view's): the same choices the decision accepts.
  const earlier = closeOut
    ? []
    : recycleChoices({
        definition,
        gateId: pkg.gate.id,
        skipped: skippedGates(definition, view.project.fields),
      });
  const heading = closeOut ? 'Close-out sign-off' : `Gate ${pkg.gate.position} of ${pkg.gate.of}`;
  return page(
    `${pkg.gate.name} · ${pkg.project.title}`,
    html`
${options.notice ? html`<div class="card problems"><p>${options.notice}</p></div>` : ''}
${problems.length ? html`<div class="card problems" role="alert"><h2>Please fix</h2><ul>${problems.map((p) => html`<li><strong>${p.path}</strong>: ${p.message}</li>`)}</ul></div>` : ''}
<div class="card">
  <p class="muted">${heading} · ${pkg.definition.name} v${pkg.definition.version}</p>
  <h1>${pkg.gate.name}: ${pkg.project.title}</h1>
  <p>${pkg.gate.ask}</p>
  <dl>
    <dt>Decide by</dt><dd>${utc(gate.dueAt)}</dd>
    <dt>Requester</dt><dd>${pkg.project.requester}</dd>
    ${pkg.project.manager ? html`<dt>Project manager</dt><dd>${pkg.project.manager}</dd>` : ''}
    <dt>Sponsor</dt><dd>${pkg.project.sponsor}</dd>
    ${pkg.project.fields.map((f) => html`<dt>${f.label}</dt><dd>${typeof f.value === 'number' ? f.value.toLocaleString('en-US') : f.value}</dd>`)}
    <dt>Deciding as</dt><dd>${view.approverName} &lt;${view.approver}&gt;</dd>
    ${others.length ? html`<dt>Also deciding</dt><dd>${others.map((r) => html`${r.name} (${REQUEST_STATES[r.status] ?? r.status})<br>`)}</dd><dt>Rule</dt><dd>${ruleText(gate.rule)}</dd>` : ''}
  </dl>
  <h2>Summary</h2><p>${pkg.project.summary}</p>
  ${submissionPart(view)}
  ${earlierPart(options.earlier ?? [])}
  ${closeOut ? '' : html`<h2>Deliverables checklist</h2><ul>${pkg.gate.deliverables.map((d) => html`<li>${d.name}${d.required ? '' : html` <span class="muted">(optional)</span>`}</li>`)}</ul>`}
</div>
<form class="card" method="post">
  <input type="hidden" name="packageHash" value="${gate.packageHash}">
  ${closeOut ? signOffFields(view) : gateFields({ mustMeet, shouldMeet, threshold, earlier })}
  <label for="comment">Comment <span class="muted">${closeOut ? '(optional)' : '(required for anything but Go, and to go on under the score threshold)'}</span></label>
  <textarea id="comment" name="comment" rows="4" maxlength="4000"></textarea>
  ${options.signing ? signatureFields(view, options.signing, '') : ''}
  <button type="submit">${closeOut ? 'Sign off' : options.signing ? 'Sign my decision' : 'Record my decision'}</button>
  <p class="muted">You are signing the version shown on this page: <span class="hash">${gate.packageHash}</span></p>
</form>
<form class="card" method="post">
  <input type="hidden" name="intent" value="delegate">
  <h2>Hand this decision to someone else</h2>
  <p class="muted">They get their own link; yours stops working. The project's requester and manager cannot take it.</p>
  <label for="delegateTo">Their e-mail</label><input id="delegateTo" name="delegateTo" type="email" maxlength="254" required>
  <label for="delegateReason">Why</label><input id="delegateReason" name="delegateReason" maxlength="1000" required>
  ${options.signing ? signatureFields(view, options.signing, 'delegate-') : ''}
  <button type="submit">Delegate</button>
</form>`,
  );
}

/**
 * The e-signature's components (21 CFR Part 11 §11.200): password and a one-time code, or the
 * password alone later in a signing session. Works without script; password managers and
 * authenticator autofill recognise the fields.
 */
function signatureFields(view: DecisionView, signing: { inSession: boolean }, prefix: string): Html {
  return html`<fieldset><legend>Your electronic signature</legend>
  <p class="muted">This gate asks for an e-signature: a decision signed here is legally binding, as your handwritten signature.${signing.inSession ? ' You signed earlier in this session: your password is enough.' : ''}</p>
  <input type="hidden" name="username" autocomplete="username" value="${view.approver}">
  <label for="${prefix}password">Password</label><input id="${prefix}password" name="password" type="password" autocomplete="current-password" maxlength="200" required>
  ${signing.inSession ? '' : html`<label for="${prefix}code">6-digit code from your authenticator app</label><input id="${prefix}code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6" required>`}
  </fieldset>`;
}

/** Earlier gate decisions, with their conditions: part of what the approver decides on. */
function earlierPart(gates: GateInstance[]): Html | string {
  if (gates.length === 0) return '';
  return html`<h2>Earlier gate decisions</h2>
<ul>${gates.map((g) => html`<li><strong>${g.package.gate.name}</strong>: ${g.outcome ? OUTCOME_LABELS[g.outcome] : g.status}${g.decidedAt ? html` <span class="muted">on ${utc(g.decidedAt)}${g.decidedBy === 'deadline' ? ' (deadline outcome)' : ''}</span>` : ''}${g.conditions?.length ? html`<br>Conditions: ${g.conditions.map((c) => html`${c.text} (due ${c.due})<br>`)}` : ''}</li>`)}</ul>`;
}

function submissionPart(view: DecisionView): Html | string {
  const submission = view.gate.package.submission;
  if (!submission) return '';
  return html`<h2>Submitted deliverables</h2>
<ul>${submission.deliverables.map((d) => html`<li><strong>${d.name}</strong>: <a href="${d.link}" rel="noreferrer noopener">${d.title}</a></li>`)}</ul>
${submission.note ? html`<p><strong>Note:</strong> ${submission.note}</p>` : ''}
<p class="muted">Submitted by ${submission.submittedBy} on ${utc(submission.submittedAt)}</p>`;
}

function gateFields(c: {
  mustMeet: DecisionView['gate']['package']['gate']['criteria']['mustMeet'];
  shouldMeet: DecisionView['gate']['package']['gate']['criteria']['shouldMeet'];
  threshold: number | undefined;
  earlier: DecisionView['definition']['gates'];
}): Html {
  return html`
  ${c.mustMeet.length ? html`<fieldset><legend>Must-meet criteria <span class="muted">(a "no" rules out Go and Conditional Go)</span></legend>${c.mustMeet.map((m) => html`<p>${m.text}</p><label class="outcome"><input type="radio" name="mustMeet-${m.id}" value="yes" required><span>Yes</span></label><label class="outcome"><input type="radio" name="mustMeet-${m.id}" value="no"><span>No</span></label>`)}</fieldset>` : ''}
  ${c.shouldMeet.length ? html`<fieldset><legend>Should-meet criteria <span class="muted">(0–10 each, weighted${c.threshold === undefined ? '' : `; threshold ${c.threshold} of 100`})</span></legend>${c.shouldMeet.map((s) => html`<label for="score-${s.id}">${s.text} <span class="muted">(weight ${s.weight})</span></label><input id="score-${s.id}" name="score-${s.id}" type="number" min="0" max="10" step="1">`)}</fieldset>` : ''}
  <fieldset><legend>Your decision</legend>
  ${OUTCOMES.map((o) => html`<label class="outcome"><input type="radio" name="outcome" value="${o}" required><span><strong>${OUTCOME_LABELS[o]}</strong><br><span class="muted">${OUTCOME_MEANINGS[o]}</span></span></label>`)}
  </fieldset>
  <fieldset><legend>Conditions <span class="muted">(Conditional Go only; owner defaults to the project manager)</span></legend>
  ${Array.from({ length: CONDITION_ROWS }, (_, i) => html`<label for="condition-${i}">Condition ${i + 1}</label><input id="condition-${i}" name="condition-${i}" maxlength="500"><label for="condition-${i}-due">Due</label><input id="condition-${i}-due" name="condition-${i}-due" type="date"><label for="condition-${i}-owner">Owner (e-mail)</label><input id="condition-${i}-owner" name="condition-${i}-owner" type="email" maxlength="254">`)}
  </fieldset>
  <label for="recycleTo">Recycle to <span class="muted">(Recycle only: the stage before this gate is worked again)</span></label>
  <select id="recycleTo" name="recycleTo"><option value="">—</option>${c.earlier.map((g) => html`<option value="${g.id}">${g.name}</option>`)}</select>`;
}

function signOffFields(view: DecisionView): Html {
  const checklist = view.gate.package.closeOut?.checklist ?? [];
  return html`<input type="hidden" name="outcome" value="go">
  <p>The project ${view.gate.package.closeOut?.reason === 'killed' ? 'was killed' : 'passed its last gate'}. Confirm each item to sign it off.</p>
  <fieldset><legend>Close-out checklist</legend>${checklist.map((item, i) => html`<label class="outcome"><input type="checkbox" name="check-${i}" value="yes" required><span>${item}</span></label>`)}</fieldset>`;
}

function ruleText(rule: DecisionView['gate']['rule']): string {
  switch (rule.kind) {
    case 'all':
      return 'everyone must approve';
    case 'any':
      return 'the first decision decides';
    case 'quorum':
      return `${rule.count} approvals decide`;
    case 'percentage':
      return `${rule.percent}% of approvers must approve`;
    case 'sequential':
      return 'each in turn, in order';
  }
}

const SIGNED_WITH: Record<DecisionReceipt['signature']['method'], string> = {
  link: 'your approval link',
  'password+code': 'e-signature: password and authenticator code',
  'password (session)': 'e-signature: password, in a signing session',
};

export function receiptPage(receipt: DecisionReceipt): string {
  const signOff = receipt.kind === 'close-out';
  return page(
    signOff ? 'Signed off' : 'Decision recorded',
    html`<div class="card"><h1>${signOff ? 'Project signed off' : 'Decision recorded'}</h1>
<dl>
  <dt>Project</dt><dd>${receipt.projectTitle}</dd>
  <dt>Gate</dt><dd>${receipt.gateName}</dd>
  <dt>Your decision</dt><dd>${signOff ? 'Signed off' : OUTCOME_LABELS[receipt.outcome]}</dd>
  ${receipt.weightedScore === undefined ? '' : html`<dt>Your weighted score</dt><dd>${receipt.weightedScore} of 100</dd>`}
  <dt>Signed by</dt><dd>${receipt.signature.name} &lt;${receipt.approver}&gt;</dd>
  <dt>Signed at</dt><dd>${utc(receipt.signature.at)}</dd>
  <dt>Meaning</dt><dd>${receipt.signature.meaning}</dd>
  <dt>Signed with</dt><dd>${SIGNED_WITH[receipt.signature.method]}</dd>
  ${signOff ? '' : html`<dt>Gate outcome</dt><dd>${receipt.gateOutcome ? OUTCOME_LABELS[receipt.gateOutcome] : 'Waiting for the other approvers'}</dd>`}
</dl>
<p class="muted">Version signed: <span class="hash">${receipt.packageHash}</span></p>
<p class="muted">Keep this page as your receipt. The link you used no longer works.</p></div>`,
  );
}

export function delegatedPage(handed: { to: string; toName: string }): string {
  return page(
    'Decision handed on',
    html`<div class="card"><h1>Decision handed on</h1><p>${handed.toName} &lt;${handed.to}&gt; has been asked to decide instead, with their own link.</p>
<p class="muted">Your link no longer works. The hand-over is recorded in the project's trail.</p></div>`,
  );
}

/** Turns the posted form fields into the decision shape the domain validates. */
export function decisionFromForm(form: URLSearchParams): Record<string, unknown> {
  const conditions: { text: string; due: string; owner?: string }[] = [];
  for (let i = 0; i < CONDITION_ROWS; i++) {
    const text = form.get(`condition-${i}`)?.trim() ?? '';
    const due = form.get(`condition-${i}-due`) ?? '';
    const owner = form.get(`condition-${i}-owner`)?.trim() ?? '';
    if (text || due) conditions.push({ text, due, ...(owner ? { owner } : {}) });
  }
  const scores: Record<string, number> = {};
  const mustMeet: Record<string, string> = {};
  const checklist: number[] = [];
  for (const [name, value] of form) {
    if (name.startsWith('score-') && value.trim() !== '') scores[name.slice(6)] = Number(value);
    if (name.startsWith('mustMeet-')) mustMeet[name.slice(9)] = value;
    if (name.startsWith('check-') && value === 'yes') checklist.push(Number(name.slice(6)));
  }
  const recycleTo = form.get('recycleTo') || undefined;
  const comment = form.get('comment') ?? undefined;
  return {
    outcome: form.get('outcome') ?? undefined,
    ...(comment ? { comment } : {}),
    packageHash: form.get('packageHash') ?? undefined,
    ...(conditions.length ? { conditions } : {}),
    ...(recycleTo ? { recycleTo } : {}),
    ...(Object.keys(scores).length ? { scores } : {}),
    ...(Object.keys(mustMeet).length ? { mustMeet } : {}),
    ...(checklist.length ? { checklist } : {}),
  };
}
