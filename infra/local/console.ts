import type { IncomingMessage, ServerResponse } from 'node:http';
import { html, page } from '../../functions/views/html.ts';
import type { LocalIssuer, LocalPerson } from './auth.ts';
import { DEMO_PEOPLE } from './demo.ts';
import type { SentEmail } from './ses-local.ts';

interface ConsoleOptions {
  appUrl: string;
  inboxUrl: string;
  issuer: LocalIssuer;
  outbox: () => Promise<SentEmail[]>;
}

const PEOPLE: LocalPerson[] = Object.values(DEMO_PEOPLE);

interface ProjectView {
  title?: string;
  status?: string;
  closeReason?: string;
  sponsorEmail?: string;
  currentGate?: { name: string; status: string; outcome?: string; dueAt: string } | null;
}

/**
 * Local-only pages under `/` and `/local/`: who the demo people are, a proposal form
 * that signs in as the requester and calls the real API, a project's status, every mail
 * sent (across restarts), and `POST /local/token` to get a token for a demo person.
 * None of this exists on AWS, where Cognito signs people in.
 */
export function localConsole(options: ConsoleOptions) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const url = new URL(req.url ?? '/', options.appUrl);
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
      res.end(body);
      return true;
    };
    if (req.method === 'GET' && url.pathname === '/') return send(200, homePage(options));
    if (req.method === 'GET' && url.pathname === '/local/outbox')
      return send(200, outboxPage(await options.outbox()));
    if (req.method === 'POST' && url.pathname === '/local/token') {
      const body = JSON.parse((await readBody(req)) || '{}') as { email?: string };
      const person = PEOPLE.find((p) => p.email === body.email);
      if (!person) return send(404, JSON.stringify({ message: 'not a demo person' }), 'application/json');
      return send(200, JSON.stringify({ token: await options.issuer.sign(person) }), 'application/json');
    }
    if (req.method === 'POST' && url.pathname === '/local/proposals') {
      const form = new URLSearchParams(await readBody(req));
      const token = await options.issuer.sign(DEMO_PEOPLE.requester);
      const cost = form.get('estimatedCost');
      const response = await fetch(`${options.appUrl}/proposals`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          title: form.get('title') ?? '',
          summary: form.get('summary') ?? '',
          sponsorEmail: form.get('sponsorEmail') ?? '',
          ...(cost ? { estimatedCost: Number(cost) } : {}),
        }),
      });
      const answer = (await response.json()) as {
        projectId?: string;
        message?: string;
        problems?: { path: string; message: string }[];
      };
      if (response.status === 202 && answer.projectId) {
        return send(303, '', 'text/plain', { location: `/local/projects/${answer.projectId}` });
      }
      return send(
        response.status,
        page(
          'Proposal not submitted',
          html`<div class="card problems"><h1>${answer.message ?? 'Not submitted'}</h1><ul>${(answer.problems ?? []).map((p) => html`<li><strong>${p.path}</strong>: ${p.message}</li>`)}</ul><p><a href="/">Back</a></p></div>`,
        ),
      );
    }
    const project = url.pathname.match(/^\/local\/projects\/([0-9a-f-]{36})$/);
    if (req.method === 'GET' && project) {
      const token = await options.issuer.sign(DEMO_PEOPLE.requester);
      const response = await fetch(`${options.appUrl}/projects/${project[1]}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      const status = (await response.json()) as ProjectView;
      const gate = status.currentGate;
      return send(
        200,
        page(
          'Project',
          html`<div class="card"><h1>${status.title ?? 'Project'}</h1>
<dl><dt>Status</dt><dd>${status.status ?? response.status}${status.closeReason ? ` (${status.closeReason})` : ''}</dd>
${gate ? html`<dt>Current gate</dt><dd>${gate.name} — ${gate.status}${gate.outcome ? `: ${gate.outcome}` : ''}</dd><dt>Decide by</dt><dd>${gate.dueAt}</dd>` : ''}
<dt>Sponsor</dt><dd>${status.sponsorEmail ?? ''}</dd></dl>
<p><a href="/local/projects/${project[1]}">Refresh</a> · <a href="${options.inboxUrl}">Open the inbox</a> · <a href="/local/outbox">All mail sent</a> · <a href="/">Home</a></p></div>
<div class="card"><p class="muted">As Riley Requester gets it from <code>GET /projects/${project[1]}</code>:</p><pre>${JSON.stringify(status, null, 2)}</pre></div>`,
        ),
      );
    }
    return false;
  };
}

function homePage(options: ConsoleOptions): string {
  return page(
    'tollgate (local)',
    html`<div class="card"><h1>tollgate, running locally</h1>
<p>Stage-gate approvals: a proposal comes in, each gate's approvers get an e-mail, open its link and decide.</p>
<p><a href="${options.inboxUrl}">SES inbox</a> (mail of this run) · <a href="/local/outbox">All mail sent</a> (kept across restarts)</p></div>
<div class="card"><h2>Demo people</h2><ul>${PEOPLE.map((p) => html`<li><strong>${p.name}</strong> &lt;${p.email}&gt; — ${p.groups.join(', ') || 'sponsor (no account: decides from e-mail links)'}</li>`)}</ul>
<p class="muted">For the API: <code>curl -s -X POST ${options.appUrl}/local/token -d '{"email":"${DEMO_PEOPLE.requester.email}"}'</code> gives a bearer token.</p></div>
<form class="card" method="post" action="/local/proposals"><h2>Submit a proposal as Riley Requester</h2>
<label for="title">Title</label><input id="title" name="title" value="Customer portal refresh" required>
<label for="summary">Summary</label><textarea id="summary" name="summary" rows="3" required>Replace the legacy portal with a self-service one.</textarea>
<label for="sponsorEmail">Sponsor</label><input id="sponsorEmail" name="sponsorEmail" value="${DEMO_PEOPLE.sponsor.email}" required>
<label for="estimatedCost">Estimated cost</label><input id="estimatedCost" name="estimatedCost" type="number" min="0" value="250000">
<button type="submit">Submit proposal</button></form>`,
  );
}

function outboxPage(mails: SentEmail[]): string {
  return page(
    'All mail sent',
    html`<div class="card"><h1>All mail sent</h1><p class="muted">Newest first. Links work until used or expired.</p></div>
${[...mails].reverse().map(
  (
    m,
  ) => html`<div class="card"><h2>${m.subject}</h2><p class="muted">To ${m.destination.to.join(', ')} · ${new Date(m.at * 1000).toISOString()}</p>
<ul>${(m.body.text ?? '').match(/https?:\/\/\S+/g)?.map((link) => html`<li><a href="${link}">${link.replace(/\/a\/.*/, '/a/…')}</a></li>`) ?? ''}</ul></div>`,
)}`,
  );
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 64 * 1024) throw new Error('body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
