import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO_PEOPLE } from './demo.ts';
import { type LocalRuntime, startLocalRuntime } from './runtime.ts';
import { readSesStore, type SentEmail } from './ses-local.ts';

/**
 * `npm run smoke`: a fresh local runtime in a temporary directory, the thin path walked
 * over HTTP as a requester and a sponsor would (through all three gates to close-out),
 * then stopped. Last line: `smoke ok: <n> emails, <n> decisions, <seconds>s`.
 */
const started = Date.now();
const dataDir = mkdtempSync(join(tmpdir(), 'tollgate-smoke-'));
let runtime: LocalRuntime | undefined;
let decisions = 0;

function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

async function mailAbout(subject: string): Promise<SentEmail> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const found = (await readSesStore((runtime as LocalRuntime).inboxUrl)).find((m) =>
      m.subject.includes(subject),
    );
    if (found) return found;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no e-mail about "${subject}" within 20 s`);
}

async function decideGo(mail: SentEmail): Promise<void> {
  const link = mail.body.html?.match(/href="([^"]+\/a\/[^"]+)"/)?.[1];
  check(link, `no decision link in "${mail.subject}"`);
  const page = await fetch(link);
  const html = await page.text();
  check(page.status === 200, `decision page answered ${page.status}`);
  const packageHash = html.match(/name="packageHash" value="([0-9a-f]{64})"/)?.[1];
  check(packageHash, 'the decision page shows no package hash');
  const posted = await fetch(link, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ outcome: 'go', packageHash }).toString(),
  });
  check(posted.status === 200, `decision POST answered ${posted.status}`);
  decisions++;
  check((await fetch(link)).status === 410, 'a used link still works');
}

try {
  runtime = await startLocalRuntime({
    dataDir,
    port: 0,
    inboxPort: 0,
    logLevel: 'ERROR',
    cacheDir: join(tmpdir(), 'tollgate-smoke-machines'),
  });
  console.log(`runtime up in ${((Date.now() - started) / 1000).toFixed(1)}s at ${runtime.appUrl}`);
  const token = await runtime.issuer.sign(DEMO_PEOPLE.requester);
  const title = `Smoke ${new Date().toISOString()}`;
  const submitted = await fetch(`${runtime.appUrl}/proposals`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ title, summary: 'Smoke test proposal.', sponsorEmail: DEMO_PEOPLE.sponsor.email }),
  });
  check(submitted.status === 202, `POST /proposals answered ${submitted.status}`);
  const { projectId } = (await submitted.json()) as { projectId: string };
  console.log(`proposal ${projectId} submitted`);

  for (const gate of [1, 2, 3]) {
    const mail = await mailAbout(`${title} — Gate ${gate} of 3`);
    await decideGo(mail);
    console.log(`gate ${gate}: Go`);
  }
  await mailAbout(`Closed out: ${title}`);
  const status = (await (
    await fetch(`${runtime.appUrl}/projects/${projectId}`, { headers: { authorization: `Bearer ${token}` } })
  ).json()) as { status?: string; closeReason?: string };
  check(
    status.status === 'closed' && status.closeReason === 'completed',
    `project ended ${JSON.stringify(status)}`,
  );
  const emails = (await readSesStore(runtime.inboxUrl)).length;
  await runtime.stop();
  runtime = undefined;
  console.log(
    `smoke ok: ${emails} emails, ${decisions} decisions, ${((Date.now() - started) / 1000).toFixed(1)}s`,
  );
} catch (error) {
  console.error(`smoke failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  await runtime?.stop().catch(() => undefined);
  rmSync(dataDir, { recursive: true, force: true });
}
