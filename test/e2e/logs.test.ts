import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { linkFor, requestsMailed, submitStage, until } from '../support/flows.ts';
import { people, startTestRuntime, type TestRuntime } from '../support/runtime.ts';

let t: TestRuntime;
const written: string[] = [];

beforeAll(async () => {
  // Prepare: everything the handlers (at DEBUG) and the runtime print, captured.
  const capture = (chunk: unknown) => {
    written.push(String(chunk));
    return true;
  };
  vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  for (const method of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => capture(args.join(' ')));
  }
  t = await startTestRuntime(undefined, { logLevel: 'DEBUG', log: (line) => written.push(line) });
});
afterAll(async () => {
  vi.restoreAllMocks();
  await t?.stop();
});

describe('logs carry no secrets', () => {
  it('never log a task token or an approval link secret, across a whole gate decision', async () => {
    // Act: a proposal, its gate 1 decided from the link, a stage submitted, gate 2 opened and
    // one of its approvers reminded by the sweeper
    const { projectId, link } = await t.submit('Logged project');
    await t.decide(link, { outcome: 'go' });
    await until(t, projectId, (s) => s.status === 'in-stage', 'into stage 2');
    await submitStage(t, projectId);
    const gate2 = await linkFor(t, people.finance.email, 'Logged project', 'Gate 2 of 3');
    await requestsMailed(t, projectId, 2);
    t.clock.advanceHours(49);
    await t.runtime.sweep();
    const reminder = await linkFor(t, people.finance.email, 'Logged project', 'Gate 2 of 3', 2);
    const tokens = [
      await t.repository.readTaskToken(projectId, 1),
      await t.repository.readTaskToken(projectId, 2),
    ];
    const secrets = [link, gate2, reminder].map((l) => new URL(l).pathname.split('/').pop() as string);

    // Assess: the logs are there (so the check means something) and hold neither secret
    const logs = written.join('\n');
    expect(logs).toContain('"task":"open-gate"');
    expect(logs).toContain('GET /a/{secret}');
    for (const token of tokens) {
      expect(token && token.length > 20).toBe(true);
      expect(logs.includes(token as string)).toBe(false);
    }
    expect(logs).toContain('"task":"sweeper"');
    for (const secret of secrets) expect(logs.includes(secret)).toBe(false);
  });
});
