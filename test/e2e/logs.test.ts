import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
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
    // Act: a proposal, its gate 1 decided from the link, gate 2 opened
    const { projectId, link } = await t.submit('Logged project');
    await t.decide(link, { outcome: 'go' });
    await t.mailTo(people.sponsor.email, 1, 'Logged project — Gate 2 of 3');
    const tokens = [
      await t.repository.readTaskToken(projectId, 1),
      await t.repository.readTaskToken(projectId, 2),
    ];
    const secret = new URL(link).pathname.split('/').pop() as string;

    // Assess: the logs are there (so the check means something) and hold neither secret
    const logs = written.join('\n');
    expect(logs).toContain('"task":"open-gate"');
    expect(logs).toContain('GET /a/{secret}');
    for (const token of tokens) {
      expect(token && token.length > 20).toBe(true);
      expect(logs.includes(token as string)).toBe(false);
    }
    expect(logs.includes(secret)).toBe(false);
  });
});
