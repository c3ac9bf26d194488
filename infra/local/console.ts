import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { OUTCOME_LABELS, type Outcome } from '../../functions/domain/outcomes.ts';
import { type Html, html, page } from '../../functions/views/html.ts';
import type { LocalIssuer, LocalPerson } from './auth.ts';
import { DEMO_DEFINITION, DEMO_PEOPLE, DEMO_REGULATED_DEFINITION } from './demo.ts';
import { isLoopback, isSameOrigin } from './loopback.ts';
import type { SentEmail } from './ses-local.ts';

interface ConsoleOptions {
  appUrl: string;
  inboxUrl: string;
  issuer: LocalIssuer;
  outbox: () => Promise<SentEmail[]>;
  /** Where trail exports are written; served under /local/exports (what S3 presigned links are on AWS). */
  exportsDir: string;
  /** Moving the handlers' clock forward, then sweeping: to see reminders and deadlines act. */
  timeTravel?: {
    clock: { now(): Date; advance(ms: number): void; offsetHours: number };
    sweep: () => Promise<unknown>;
  };
  /**
   * false (`--no-sign-in`): only export downloads are served; no token, no page that acts as a demo
   * person, no mail links. Default true, and then only to peers on this machine.
   */
  signIn?: boolean;
  /** Enrols a person for e-signatures (password + TOTP); what their authenticator app needs. */
  enrolSigner?: (email: string, password: string) => Promise<{ otpauthUri: string; secret: string }>;
}

const PEOPLE: LocalPerson[] = Object.values(DEMO_PEOPLE);
/** Export files: `<job uuid>.csv|.jsonl|.manifest.json`, nothing else (no path can be smuggled in). */
const EXPORT_FILE =
  /^\/local\/exports\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.(?:csv|jsonl|manifest\.json))$/;
const MAX_FORM_BYTES = 64 * 1024;

// biome-ignore lint/suspicious/noExplicitAny: the API's status view, read loosely for display
type StatusView = Record<string, any>;

/** A request the console will not act on: a 4xx naming what is wrong. */
class Refusal extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const FORM_TYPE = 'application/x-www-form-urlencoded';
const TOKEN_USAGE = 'send {"email": "<a demo person>"} as application/json';

/**
 * Local-only pages under `/` and `/local/`: who the demo people are, a proposal form, a
 * project's page (stage checklist and submission, conditions, gates, hold and resume), every
 * mail sent (across restarts), and `POST /local/token` for a demo person's token. Every form
 * signs in as the demo person who may do it and calls the real API. None of this exists on
 * AWS, where Cognito signs people in.
 */
export function localConsole(options: ConsoleOptions) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    // Only the console's own paths, as sent: `URL` folds `..` and `%2e%2e`, which belong to the API.
    // A target that does not parse (`http://[`) is not the console's either.
    const rawPath = (req.url ?? '/').split('?')[0] ?? '/';
    const url = URL.parse(req.url ?? '/', options.appUrl);
    if (url === null || rawPath !== url.pathname) return false;
    const send = (
      status: number,
      body: string,
      type = 'text/html; charset=utf-8',
      extra: Record<string, string> = {},
    ) => {
      res.writeHead(status, {
        'content-type': type,
        'cache-control': 'no-store',
        'x-frame-options': 'DENY',
        ...extra,
      });
      res.end(req.method === 'HEAD' ? undefined : body);
      return true;
    };
    const exported = url.pathname.match(EXPORT_FILE);
    if (!exported && url.pathname !== '/' && !url.pathname.startsWith('/local/')) return false;
    // Export files are what presigned S3 links are on AWS: served to whoever holds the link.
    // Everything else here signs in as a demo person or shows mail links: this machine only.
    if (!exported) {
      if (options.signIn === false) return false;
      if (!isLoopback(req.socket.remoteAddress))
        return send(
          403,
          JSON.stringify({ message: 'the local console answers only on this machine (loopback)' }),
          'application/json',
        );
      if (req.method === 'POST' && !isSameOrigin(req))
        return send(
          403,
          JSON.stringify({ message: 'cross-site form posts are refused: the Origin is not this server' }),
          'application/json',
        );
    }
    const redirect = (to: string) => send(303, '', 'text/plain', { location: to });
    const api = async (as: LocalPerson, method: string, path: string, body?: unknown) => {
      const response = await fetch(`${options.appUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${await options.issuer.sign(as)}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: response.status, body: (await response.json().catch(() => ({}))) as StatusView };
    };
    /** Starts a trail job as `as` and waits (bounded) for it to finish. */
    const runJob = async (as: LocalPerson, path: string, body?: unknown): Promise<StatusView> => {
      const started = await api(as, 'POST', path, body ?? {});
      if (started.status !== 202) return { status: 'failed', error: started.body.message };
      for (let i = 0; i < 200; i++) {
        const job = await api(as, 'GET', `/trail/jobs/${started.body.jobId}`);
        if (job.body.status !== 'running') return job.body;
        await new Promise((r) => setTimeout(r, 50));
      }
      return { status: 'failed', error: 'the job is still running: try again shortly' };
    };
    const refused = (status: number, answer: StatusView, back: string) =>
      send(
        status,
        page(
          'Not done',
          html`<div class="card problems"><h1>${answer.message ?? 'Not done'}</h1><ul>${(answer.problems ?? []).map((p: { path: string; message: string }) => html`<li><strong>${p.path}</strong>: ${p.message}</li>`)}</ul><p><a href="${back}">Back</a></p></div>`,
        ),
      );

    try {
      if (req.method === 'GET' && url.pathname === '/') return send(200, homePage(options));
      if (req.method === 'GET' && url.pathname === '/local/outbox')
        return send(200, outboxPage(await options.outbox()));
      if (req.method === 'GET' && exported?.[1]) {
        const name = exported[1];
        const body = await readFile(join(options.exportsDir, name)).catch(() => undefined);
        if (!body) return send(404, JSON.stringify({ message: 'no such export file' }), 'application/json');
        const type = name.endsWith('.csv')
          ? 'text/csv; charset=utf-8'
          : name.endsWith('.json')
            ? 'application/json'
            : 'application/x-ndjson';
        res.writeHead(200, {
          'content-type': type,
          'cache-control': 'no-store',
          'content-disposition': `attachment; filename="${name}"`,
        });
        res.end(body);
        return true;
      }
      if (req.method === 'POST' && url.pathname === '/local/token') {
        const email = tokenRequest(await readBody(req, 'application/json'));
        const person = PEOPLE.find((p) => p.email === email);
        if (!person) return send(404, JSON.stringify({ message: 'not a demo person' }), 'application/json');
        return send(200, JSON.stringify({ token: await options.issuer.sign(person) }), 'application/json');
      }
      if (req.method === 'POST' && url.pathname === '/local/clock' && options.timeTravel) {
        const form = await readForm(req);
        const hours = Number(form.get('hours'));
        if (!Number.isInteger(hours) || hours < 1 || hours > 24 * 30)
          return send(
            400,
            page(
              'Not done',
              html`<div class="card problems"><h1>hours must be a whole number from 1 to 720</h1></div>`,
            ),
          );
        options.timeTravel.clock.advance(hours * 3_600_000);
        await options.timeTravel.sweep();
        const back = form.get('back') ?? '/';
        return redirect(/^\/(local\/projects\/[0-9a-f-]{36})?$/.test(back) ? back : '/');
      }
      if (req.method === 'POST' && url.pathname === '/local/proposals') {
        const form = await readForm(req);
        const cost = form.get('estimatedCost');
        const manager = form.get('managerEmail');
        const processId = form.get('processId');
        const answer = await api(DEMO_PEOPLE.requester, 'POST', '/proposals', {
          ...(processId ? { processId } : {}),
          title: form.get('title') ?? '',
          summary: form.get('summary') ?? '',
          sponsorEmail: form.get('sponsorEmail') ?? '',
          ...(manager ? { managerEmail: manager } : {}),
          fields: {
            ...(cost ? { estimatedCost: Number(cost) } : {}),
            risk: form.get('risk') ?? '',
            targetDate: form.get('targetDate') ?? '',
          },
        });
        if (answer.status === 202) return redirect(`/local/projects/${answer.body.projectId}`);
        return refused(answer.status, answer.body, '/');
      }
      if (req.method === 'POST' && url.pathname === '/local/signers' && options.enrolSigner) {
        const form = await readForm(req);
        const email = (form.get('email') ?? '').trim().toLowerCase();
        const password = form.get('password') ?? '';
        const person = PEOPLE.find((p) => p.email === email);
        if (!person)
          return refused(
            400,
            {
              message: 'enrol one of the demo people',
              problems: [{ path: 'email', message: 'is not a demo person' }],
            },
            '/',
          );
        try {
          const enrolled = await options.enrolSigner(email, password);
          return send(200, enrolledPage(person, enrolled));
        } catch (error) {
          if (!(error instanceof RangeError)) throw error;
          return refused(
            400,
            { message: 'not enrolled', problems: [{ path: 'password', message: error.message }] },
            '/',
          );
        }
      }
      if (req.method === 'POST' && url.pathname === '/local/verify') {
        await readForm(req); // no fields, but the same rules as every form
        const job = await runJob(DEMO_PEOPLE.compliance, '/trail/verifications');
        return send(200, verificationPage(job));
      }
      const route = url.pathname.match(
        /^\/local\/projects\/([0-9a-f-]{36})(?:\/(submissions|resume|export|record|conditions\/([0-9]{1,4}-[0-9]{1,2})\/met))?$/,
      );
      if (!route) return false;
      const [, projectId, action, conditionId] = route;
      const here = `/local/projects/${projectId}`;
      if (req.method === 'GET' && action === 'record') {
        const response = await fetch(`${options.appUrl}/projects/${projectId}/record`, {
          headers: { authorization: `Bearer ${await options.issuer.sign(DEMO_PEOPLE.compliance)}` },
        });
        return send(response.status, await response.text());
      }
      if (req.method === 'POST' && action === 'export') {
        const format = (await readForm(req)).get('format') === 'csv' ? 'csv' : 'jsonl';
        const job = await runJob(DEMO_PEOPLE.compliance, '/trail/exports', { format, projectId });
        return job.links
          ? redirect(String(job.links.data))
          : refused(500, { message: job.error ?? 'the export did not finish' }, here);
      }
      if (req.method === 'GET' && !action) {
        const answer = await api(DEMO_PEOPLE.pmoAdmin, 'GET', `/projects/${projectId}`);
        if (answer.status !== 200) return refused(answer.status, answer.body, '/');
        return send(200, projectPage(answer.body, options));
      }
      if (req.method !== 'POST' || !action) return false;
      const form = await readForm(req);
      const status = (await api(DEMO_PEOPLE.pmoAdmin, 'GET', `/projects/${projectId}`)).body;
      const manager = PEOPLE.find((p) => p.email === status.manager) ?? DEMO_PEOPLE.requester;
      let answer: { status: number; body: StatusView };
      if (action === 'submissions') {
        const deliverables = ((status.stage?.checklist ?? []) as { id: string }[]).flatMap((d) => {
          const title = form.get(`title-${d.id}`)?.trim();
          const link = form.get(`link-${d.id}`)?.trim();
          return title || link ? [{ id: d.id, title: title ?? '', link: link ?? '' }] : [];
        });
        answer = await api(manager, 'POST', `/projects/${projectId}/submissions`, {
          note: form.get('note') ?? '',
          deliverables,
        });
      } else if (action === 'resume') {
        answer = await api(DEMO_PEOPLE.pmoAdmin, 'POST', `/projects/${projectId}/resume`, {
          reason: form.get('reason') ?? '',
        });
      } else {
        const condition = (status.conditions ?? []).find(
          (c: { conditionId: string }) => c.conditionId === conditionId,
        );
        const owner = PEOPLE.find((p) => p.email === condition?.owner) ?? DEMO_PEOPLE.pmoAdmin;
        answer = await api(owner, 'POST', `/projects/${projectId}/conditions/${conditionId}/met`, {
          evidence: form.get('evidence') ?? '',
          note: form.get('note') ?? '',
        });
      }
      return answer.status < 300 ? redirect(here) : refused(answer.status, answer.body, here);
    } catch (error) {
      if (!(error instanceof Refusal)) throw error;
      // The rest of a refused upload is read and dropped, and the connection not reused.
      req.resume();
      const extra: Record<string, string> = error.status === 413 ? { connection: 'close' } : {};
      if (url.pathname === '/local/token')
        return send(error.status, JSON.stringify({ message: error.message }), 'application/json', extra);
      return send(
        error.status,
        page('Not done', html`<div class="card problems"><h1>${error.message}</h1></div>`),
        undefined,
        extra,
      );
    }
  };
}

/** Local only: move the clock forward and let the sweeper act (reminders, escalations, deadlines). */
function timeCard(options: ConsoleOptions, back: string): Html | string {
  const travel = options.timeTravel;
  if (!travel) return '';
  const ahead = travel.clock.offsetHours;
  return html`<div class="card"><h2>Time (local only)</h2>
<p>Handlers see ${travel.clock.now().toISOString().slice(0, 16).replace('T', ' ')} UTC${ahead ? ` (${ahead} h ahead of the wall clock)` : ''}. Move it forward and the sweeper runs at once: reminders, escalations and deadlines act as they would when that time comes.</p>
${[1, 24, 72].map((hours) => html`<form method="post" action="/local/clock"><input type="hidden" name="hours" value="${hours}"><input type="hidden" name="back" value="${back}"><button type="submit">+${hours === 1 ? '1 hour' : `${hours / 24} day${hours > 24 ? 's' : ''}`}</button></form>`)}
</div>`;
}

/** After enrolment: the key for the authenticator app, shown once (it is not shown again). */
function enrolledPage(person: LocalPerson, enrolled: { otpauthUri: string; secret: string }): string {
  return page(
    'Enrolled for e-signatures',
    html`<div class="card"><h1>${person.name} can sign</h1>
<p>Add this key to an authenticator app (any TOTP app: "enter a setup key"), as a time-based key:</p>
<p class="hash">${enrolled.secret.replace(/(.{4})/g, '$1 ').trim()}</p>
<p class="muted">Or as a link an app can open: <span class="hash">${enrolled.otpauthUri}</span></p>
<p>The key is shown only now. Enrolling again replaces the password and the key.</p>
<p><a href="/">Home</a></p></div>`,
  );
}

function homePage(options: ConsoleOptions): string {
  const [cost, risk, target] = DEMO_DEFINITION.intake.fields;
  return page(
    'tollgate (local)',
    html`<div class="card"><h1>tollgate, running locally</h1>
<p>Stage-gate approvals: a proposal comes in, each gate's approvers get an e-mail, open its link and decide; between gates the team works on a stage and submits its deliverables.</p>
<p><a href="${options.inboxUrl}">SES inbox</a> (mail of this run) · <a href="/local/outbox">All mail sent</a> (kept across restarts) · <a href="/console">PMO console</a> (processes, what is pending, people)</p></div>
<div class="card"><h2>Demo people</h2><ul>${PEOPLE.map((p) => html`<li><strong>${p.name}</strong> &lt;${p.email}&gt; — ${p.groups.join(', ') || 'approver (no account: decides from e-mail links)'}</li>`)}</ul>
<p class="muted">For the API: <code>curl -s -X POST ${options.appUrl}/local/token -H 'content-type: application/json' -d '{"email":"${DEMO_PEOPLE.requester.email}"}'</code> gives a bearer token.</p></div>
<form class="card" method="post" action="/local/proposals"><h2>Submit a proposal as Riley Requester</h2>
<label for="processId">Process</label><select id="processId" name="processId"><option value="${DEMO_DEFINITION.id}">${DEMO_DEFINITION.name}</option><option value="${DEMO_REGULATED_DEFINITION.id}">${DEMO_REGULATED_DEFINITION.name} (every gate e-signed)</option></select>
<label for="title">Title</label><input id="title" name="title" value="Customer portal refresh" required maxlength="200">
<label for="summary">Summary</label><textarea id="summary" name="summary" rows="3" required maxlength="4000">Replace the legacy portal with a self-service one.</textarea>
<label for="sponsorEmail">Sponsor</label><input id="sponsorEmail" name="sponsorEmail" value="${DEMO_PEOPLE.sponsor.email}" required>
<label for="managerEmail">Project manager <span class="muted">(optional; submits the stages)</span></label><input id="managerEmail" name="managerEmail" value="${DEMO_PEOPLE.manager.email}">
<label for="estimatedCost">${cost?.label ?? 'Estimated cost'}</label><input id="estimatedCost" name="estimatedCost" type="number" min="0" value="250000">
<label for="risk">${risk?.label ?? 'Risk'}</label><select id="risk" name="risk"><option>low</option><option selected>medium</option><option>high</option></select>
<label for="targetDate">${target?.label ?? 'Target date'} <span class="muted">(optional)</span></label><input id="targetDate" name="targetDate" type="date">
<p class="muted">Small, low-risk projects (under 50,000 and low risk) skip the business case gate.</p>
<button type="submit">Submit proposal</button></form>
${
  options.enrolSigner
    ? html`<form class="card" method="post" action="/local/signers"><h2>Sign-in for e-signatures</h2>
<p class="muted">Gates of the regulated process ask the approver for a password and a code from an authenticator app (any TOTP app) before they sign. Choose a password for a demo person; the next page shows the key to add to their app.</p>
<label for="signer-email">Person</label><select id="signer-email" name="email">${PEOPLE.map((p) => html`<option value="${p.email}">${p.name}</option>`)}</select>
<label for="signer-password">Password <span class="muted">(12 characters or more)</span></label><input id="signer-password" name="password" type="password" autocomplete="new-password" minlength="12" maxlength="200" required>
<button type="submit">Enrol</button></form>`
    : ''
}
<form class="card" method="post" action="/local/verify"><h2>Verify the whole trail</h2>
<p class="muted">Every chain, entry by entry, against its head and the latest anchor (as Casey Compliance).</p>
<button type="submit">Verify</button></form>
${timeCard(options, '/')}`,
  );
}

const outcome = (o: string | undefined) => (o ? (OUTCOME_LABELS[o as Outcome] ?? o) : '');

function projectPage(status: StatusView, options: ConsoleOptions): string {
  const id = status.projectId as string;
  const gate = status.currentGate;
  const parts: (Html | string)[] = [
    html`<div class="card"><h1>${status.title}</h1>
<dl><dt>Status</dt><dd>${status.status}${status.closeReason ? ` (${status.closeReason})` : ''}</dd>
<dt>Process</dt><dd>${status.definition?.name} v${status.definition?.version}</dd>
<dt>Requester</dt><dd>${status.requester}</dd><dt>Manager</dt><dd>${status.manager}</dd><dt>Sponsor</dt><dd>${status.sponsorEmail}</dd></dl>
<p><a href="/local/projects/${id}">Refresh</a> · <a href="${options.inboxUrl}">Open the inbox</a> · <a href="/local/outbox">All mail sent</a> · <a href="/">Home</a></p></div>`,
  ];
  if (status.stage) {
    const checklist = status.stage.checklist as { id: string; name: string; required: boolean }[];
    parts.push(html`<form class="card" method="post" action="/local/projects/${id}/submissions">
<h2>Stage ${status.stage.position}: preparing for ${status.stage.gateName}</h2>
<p class="muted">Submitted as the project's manager. The gate opens when this is submitted${status.actions?.submit ? '' : ' (not possible now: open conditions must be met or waived first)'}.</p>
${checklist.map((d) => html`<fieldset><legend>${d.name}${d.required ? '' : ' (optional)'}</legend><label for="title-${d.id}">Title</label><input id="title-${d.id}" name="title-${d.id}" maxlength="200" ${d.required ? 'required' : ''}><label for="link-${d.id}">Link</label><input id="link-${d.id}" name="link-${d.id}" type="url" maxlength="2000" ${d.required ? 'required' : ''}></fieldset>`)}
<label for="note">Note</label><textarea id="note" name="note" rows="2" maxlength="2000"></textarea>
<button type="submit">Submit deliverables</button></form>`);
  }
  if (gate) {
    parts.push(html`<div class="card"><h2>${gate.kind === 'close-out' ? 'Close-out sign-off' : `Gate: ${gate.name}`} (instance ${gate.sequence})</h2>
<dl><dt>State</dt><dd>${gate.status}${gate.outcome ? `: ${outcome(gate.outcome)}` : ''}</dd><dt>Decide by</dt><dd>${gate.dueAt}</dd></dl>
<ul>${(gate.approvers ?? []).map((a: StatusView) => html`<li>${a.name} &lt;${a.email}&gt;: ${a.status}${a.mailedAt ? '' : ' (mail not sent yet)'}${a.handedFrom ? ` — from ${a.handedFrom.approver} (${a.handedFrom.why})` : ''}</li>`)}</ul></div>`);
  }
  if (status.hold) {
    parts.push(html`<form class="card problems" method="post" action="/local/projects/${id}/resume"><h2>On hold (${status.hold.cause})</h2>
<p>A PMO admin resumes it with a reason (done here as Pat PMO).</p><label for="reason">Reason</label><input id="reason" name="reason" required maxlength="1000"><button type="submit">Resume</button></form>`);
  }
  for (const c of status.conditions ?? []) {
    parts.push(html`<div class="card"><h2>Condition ${c.conditionId}: ${c.state}${c.missedAt ? ' (missed)' : ''}</h2><p>${c.text}</p><p class="muted">Owner ${c.owner} · due ${c.due}</p>
${c.state === 'open' ? html`<form method="post" action="/local/projects/${id}/conditions/${c.conditionId}/met"><label for="evidence-${c.conditionId}">Evidence link</label><input id="evidence-${c.conditionId}" name="evidence" type="url" required maxlength="2000"><label for="note-${c.conditionId}">Note</label><input id="note-${c.conditionId}" name="note" maxlength="2000"><button type="submit">Mark met (as the owner)</button></form>` : ''}</div>`);
  }
  parts.push(html`<div class="card"><h2>Gates so far</h2><ol>${(status.gates ?? []).map((g: StatusView) => html`<li>${g.name}: ${g.status}${g.outcome ? ` — ${outcome(g.outcome)}` : ''}${g.decidedBy === 'deadline' ? ' (at the deadline)' : ''}</li>`)}</ol>
${(status.skipped ?? []).length ? html`<p class="muted">Skipped: ${(status.skipped as StatusView[]).map((s) => `${s.name} (${s.rule})`).join('; ')}</p>` : ''}</div>`);
  parts.push(html`<div class="card"><h2>Compliance (as Casey Compliance)</h2>
<p><a href="/local/projects/${id}/record">Approval record</a> (printable, with each signature and the trail's integrity)</p>
${['csv', 'jsonl'].map((format) => html`<form method="post" action="/local/projects/${id}/export"><input type="hidden" name="format" value="${format}"><button type="submit">Export the trail as ${format === 'csv' ? 'CSV' : 'JSON Lines'}</button></form>`)}
<p class="muted">Each export comes with a signed manifest (<code>&lt;id&gt;.manifest.json</code> next to it); <code>npm run tollgate -- trail verify-export</code> checks it offline.</p></div>`);
  parts.push(timeCard(options, `/local/projects/${id}`));
  return page(String(status.title ?? 'Project'), html`${parts}`);
}

function verificationPage(job: StatusView): string {
  const v = job.verification as StatusView | undefined;
  const broken = v?.firstBreak as StatusView | undefined;
  return page(
    'Trail verification',
    html`<div class="card ${v?.ok ? '' : 'problems'}"><h1>${v ? (v.ok ? 'The trail verifies' : 'The trail does not verify') : 'Verification did not finish'}</h1>
${v ? html`<p>${v.chains} chains, ${v.entries} entries${v.anchor ? `, against anchor ${v.anchor.seq} (${v.anchor.at})${v.anchor.ok ? '' : `: ${v.anchor.problem}`}` : ', no anchor yet'}.</p>` : html`<p>${job.error ?? ''}</p>`}
${broken ? html`<p><strong>${broken.kind}</strong> in ${broken.chain} at entry ${broken.seq}: ${broken.message}</p>${broken.expected ? html`<p class="hash">expected ${broken.expected}<br>found ${broken.found ?? '(nothing)'}</p>` : ''}` : ''}
<p><a href="/">Home</a></p></div>`,
  );
}

function outboxPage(mails: SentEmail[]): string {
  return page(
    'All mail sent',
    html`<div class="card"><h1>All mail sent</h1><p class="muted">Newest first. Links work until used, replaced or expired.</p></div>
${[...mails].reverse().map(
  (
    m,
  ) => html`<div class="card"><h2>${m.subject}</h2><p class="muted">To ${m.destination.to.join(', ')} · ${new Date(m.at * 1000).toISOString()}</p>
<ul>${(m.body.text ?? '').match(/https?:\/\/\S+\/a\/\S+/g)?.map((link) => html`<li><a href="${link}">${link.replace(/\/a\/.*/, '/a/…')}</a></li>`) ?? ''}</ul></div>`,
)}`,
  );
}

/** The e-mail of a `POST /local/token` body, or a 400 naming what is wrong with it. */
function tokenRequest(text: string): string {
  if (text.trim() === '') throw new Refusal(400, `the body is empty: ${TOKEN_USAGE}`);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new Refusal(400, `the body is not JSON: ${TOKEN_USAGE}`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    const found = body === null ? 'null' : Array.isArray(body) ? 'an array' : `a ${typeof body}`;
    throw new Refusal(400, `the body must be a JSON object, not ${found}: ${TOKEN_USAGE}`);
  }
  const { email } = body as { email?: unknown };
  if (typeof email !== 'string') throw new Refusal(400, `email must be a string: ${TOKEN_USAGE}`);
  return email;
}

/** A console form's fields; the forms post url-encoded (a body-less post is an empty form). */
async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  return new URLSearchParams(await readBody(req, FORM_TYPE));
}

/**
 * The body as text, refused with a 4xx when its type is not `type` (a missing type is taken as
 * `type`: curl without -H) or it is over 64 KiB, declared or sent.
 */
async function readBody(req: IncomingMessage, type: string): Promise<string> {
  const sent = req.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
  if (sent !== undefined && sent !== '' && sent !== type)
    throw new Refusal(415, `this takes ${type}, not ${sent.slice(0, 100)}`);
  const tooLarge = new Refusal(413, `the body is over the ${MAX_FORM_BYTES / 1024} KiB this takes`);
  if (Number(req.headers['content-length'] ?? '0') > MAX_FORM_BYTES) throw tooLarge;
  const chunks: Buffer[] = [];
  let size = 0;
  // Not destroyed on leaving the loop early: the socket must stay up to carry the 413.
  for await (const chunk of req.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_FORM_BYTES) throw tooLarge;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
