import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  DescribeStateMachineCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type InvokeFunction,
  LocalStepFunctions,
  type MachineSpec,
  SfnApiError,
} from '../../infra/local/stepfunctions.ts';

const machineArn = (name: string) => `arn:aws:states:us-east-1:000000000000:stateMachine:${name}`;
const executionArn = (machine: string, name: string) =>
  `arn:aws:states:us-east-1:000000000000:execution:${machine}:${name}`;
const GATE = machineArn('gate-review');
const GATE_FAST = machineArn('gate-review-fast');
const CLOSE_OUT = machineArn('close-out');

/** Task lambda:invoke → Task waitForTaskToken (timeout caught) → Choice → startExecution / Succeed / Fail. */
function gateDefinition(timeoutSeconds: number): Record<string, unknown> {
  return {
    StartAt: 'Prepare',
    States: {
      Prepare: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Parameters: { FunctionName: 'prepare', 'Payload.$': '$' },
        ResultSelector: { 'result.$': '$.Payload' },
        ResultPath: '$.prepared',
        Catch: [{ ErrorEquals: ['ProposalRejected'], ResultPath: '$.error', Next: 'Rejected' }],
        Next: 'AwaitDecision',
      },
      AwaitDecision: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
        Parameters: {
          FunctionName: 'notify',
          Payload: {
            'token.$': '$$.Task.Token',
            'execution.$': '$$.Execution.Id',
            'executionInput.$': '$$.Execution.Input',
            'startTime.$': '$$.Execution.StartTime',
            'input.$': '$',
          },
        },
        TimeoutSeconds: timeoutSeconds,
        ResultPath: '$.decision',
        Catch: [{ ErrorEquals: ['States.Timeout'], ResultPath: '$.error', Next: 'TimedOut' }],
        Next: 'Route',
      },
      Route: {
        Type: 'Choice',
        Choices: [
          { Variable: '$.decision.route', StringEquals: 'go', Next: 'Approved' },
          { Variable: '$.decision.route', StringEquals: 'next', Next: 'StartCloseOut' },
        ],
        Default: 'Killed',
      },
      StartCloseOut: {
        Type: 'Task',
        Resource: 'arn:aws:states:::states:startExecution',
        Parameters: {
          StateMachineArn: CLOSE_OUT,
          'Name.$': "States.Format('{}-close-out', $$.Execution.Name)",
          Input: {
            'proposal.$': '$.proposal',
            'AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$': '$$.Execution.Id',
          },
        },
        ResultPath: '$.closeOut',
        Next: 'Approved',
      },
      Approved: { Type: 'Succeed' },
      Killed: { Type: 'Fail', Error: 'GateKilled', Cause: 'The gate was killed' },
      TimedOut: { Type: 'Pass', Result: 'timed-out', ResultPath: '$.outcome', End: true },
      Rejected: { Type: 'Pass', Result: 'rejected', ResultPath: '$.outcome', End: true },
    },
  };
}

const MACHINES: MachineSpec[] = [
  { name: 'gate-review', arn: GATE, definition: gateDefinition(60) },
  { name: 'gate-review-fast', arn: GATE_FAST, definition: gateDefinition(1) },
  {
    name: 'close-out',
    arn: CLOSE_OUT,
    definition: {
      StartAt: 'Archive',
      States: {
        Archive: {
          Type: 'Pass',
          Parameters: {
            'proposal.$': '$.proposal',
            'startedBy.$': '$.AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID',
          },
          End: true,
        },
      },
    },
  },
];

interface Call {
  functionName: string;
  payload: Record<string, unknown>;
}

/** prepare: rejects a zero budget by name. notify: decides at once (from inside) when the input says `autoRoute`. */
function testFunctions(calls: Call[], client: () => SFNClient): InvokeFunction {
  return async (functionName, payload) => {
    const p = payload as Record<string, unknown>;
    calls.push({ functionName, payload: p });
    if (functionName === 'prepare') {
      const proposal = p.proposal as { budget?: number } | undefined;
      if (proposal?.budget === 0) {
        throw Object.assign(new Error('the proposal has no budget'), { name: 'ProposalRejected' });
      }
      return { prepared: true };
    }
    if (functionName === 'notify') {
      const input = p.input as { autoRoute?: string };
      if (input.autoRoute !== undefined) {
        await client().send(
          new SendTaskSuccessCommand({
            taskToken: p.token as string,
            output: JSON.stringify({ route: input.autoRoute }),
          }),
        );
      }
      return { notified: true };
    }
    throw new Error(`unknown function ${functionName}`);
  };
}

/** Runs the service in a child process: starts one gate execution and prints the task token it is given. */
const CHILD_SERVICE = `
const { LocalStepFunctions } = await import(process.env.SFN_MODULE);
const service = await LocalStepFunctions.create({
  dataDir: process.env.SFN_DATA_DIR,
  machines: JSON.parse(process.env.SFN_MACHINES),
  invoke: async (functionName, payload) => {
    if (functionName === 'notify') {
      process.stdout.write(JSON.stringify({ token: payload.token, execution: payload.execution }) + '\\n');
    }
    return {};
  },
});
await service.handle('StartExecution', { stateMachineArn: '${GATE}', name: 'killed', input: '{"proposal":{"id":"P-K"}}' });
setInterval(() => {}, 60_000);
`;

/** The pending task tokens in the persisted execution files. */
async function persistedPendingTokens(dataDir: string): Promise<string[]> {
  const dir = join(dataDir, 'executions');
  const tokens: string[] = [];
  for (const file of (await readdir(dir).catch(() => [])).filter((f) => f.endsWith('.json'))) {
    const record = JSON.parse(await readFile(join(dir, file), 'utf8')) as { pending?: { token?: string } };
    if (record.pending?.token) tokens.push(record.pending.token);
  }
  return tokens;
}

const cleanups: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tollgate-sfn-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function startService(dataDir: string) {
  const calls: Call[] = [];
  let client: SFNClient | undefined;
  const service = await LocalStepFunctions.create({
    dataDir,
    machines: MACHINES,
    invoke: testFunctions(calls, () => {
      if (!client) throw new Error('no client yet');
      return client;
    }),
  });
  const { url } = await service.listen({ host: '127.0.0.1', port: 0 });
  const sfn = new SFNClient({
    endpoint: url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  client = sfn;
  cleanups.push(async () => {
    sfn.destroy();
    await service.close();
  });
  return { service, client: sfn, calls, url };
}

async function until<T>(
  probe: () => T | undefined | Promise<T | undefined>,
  what: string,
  ms = 3000,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function notifyCalls(calls: Call[], arn: string): Call[] {
  return calls.filter((c) => c.functionName === 'notify' && c.payload.execution === arn);
}

function tokenFor(calls: Call[], arn: string): Promise<string> {
  return until(() => notifyCalls(calls, arn)[0]?.payload.token as string | undefined, 'the task token');
}

function finished(client: SFNClient, arn: string): Promise<DescribeExecutionCommandOutput> {
  return until(async () => {
    const description = await client.send(new DescribeExecutionCommand({ executionArn: arn }));
    return description.status === 'RUNNING' ? undefined : description;
  }, `execution ${arn} to finish`);
}

async function start(
  client: SFNClient,
  stateMachineArn: string,
  name: string,
  input: unknown,
): Promise<string> {
  const started = await client.send(
    new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }),
  );
  return started.executionArn as string;
}

/** The rejection of `promise` (undefined if it resolves), taken at once so no rejection goes unhandled. */
const errorOf = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => undefined,
    (error: unknown) => error,
  );

const decide = (client: SFNClient, taskToken: string, route: string) =>
  client.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify({ route }) }));

describe('LocalStepFunctions (embedded Step Functions over HTTP)', () => {
  it('runs a gate through the SDK: start, wait for the token, SendTaskSuccess, output and history', async () => {
    // Prepare
    const { client, calls } = await startService(await tempDir());
    const input = { proposal: { id: 'P-1', budget: 10 } };

    // Act
    const started = await client.send(
      new StartExecutionCommand({ stateMachineArn: GATE, name: 'p-1', input: JSON.stringify(input) }),
    );
    const arn = started.executionArn as string;
    const token = await tokenFor(calls, arn);
    const whileWaiting = await client.send(new DescribeExecutionCommand({ executionArn: arn }));
    await client.send(
      new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify({ route: 'go', by: 'ana' }) }),
    );
    const done = await finished(client, arn);
    const history = await client.send(new GetExecutionHistoryCommand({ executionArn: arn }));
    const reversed = await client.send(
      new GetExecutionHistoryCommand({ executionArn: arn, reverseOrder: true }),
    );
    const listed = await client.send(new ListExecutionsCommand({ stateMachineArn: GATE }));

    // Assess
    expect(arn).toBe(executionArn('gate-review', 'p-1'));
    expect(started.startDate).toBeInstanceOf(Date);
    expect(whileWaiting.status).toBe('RUNNING');
    expect(token).toMatch(/^[A-Za-z0-9_-]{43,}$/);
    const notify = notifyCalls(calls, arn)[0];
    expect(notify?.payload.executionInput).toEqual(input);
    expect(notify?.payload.startTime).toBe(started.startDate?.toISOString());
    expect(done.status).toBe('SUCCEEDED');
    expect(done.stopDate).toBeInstanceOf(Date);
    expect(JSON.parse(done.output ?? '')).toEqual({
      ...input,
      prepared: { result: { prepared: true } },
      decision: { route: 'go', by: 'ana' },
    });
    const types = history.events?.map((e) => e.type);
    expect(types).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'TaskStateExited',
      'TaskStateEntered',
      'TaskStateExited',
      'ChoiceStateEntered',
      'ChoiceStateExited',
      'SucceedStateEntered',
      'SucceedStateExited',
      'ExecutionSucceeded',
    ]);
    expect(history.events?.[0]).toMatchObject({ id: 1, previousEventId: 0 });
    expect(history.events?.[0]?.timestamp).toBeInstanceOf(Date);
    expect(history.events?.[3]?.stateEnteredEventDetails?.name).toBe('AwaitDecision');
    expect(JSON.parse(history.events?.[4]?.stateExitedEventDetails?.output ?? '').decision.route).toBe('go');
    expect(reversed.events?.map((e) => e.type)).toEqual(types?.slice().reverse());
    expect(listed.executions?.map((e) => [e.name, e.status])).toEqual([['p-1', 'SUCCEEDED']]);
  });

  it('completes a task whose function calls SendTaskSuccess on its own token from inside its invocation', async () => {
    // Prepare
    const { client } = await startService(await tempDir());

    // Act
    const arn = await start(client, GATE, 'auto', { proposal: { id: 'P-2' }, autoRoute: 'go' });
    const done = await finished(client, arn);

    // Assess
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output ?? '').decision).toEqual({ route: 'go' });
  });

  it('answers bad output with InvalidOutput and keeps waiting; unknown tokens with TaskDoesNotExist', async () => {
    // Prepare
    const { client, calls } = await startService(await tempDir());
    const arn = await start(client, GATE, 'p-3', { proposal: { id: 'P-3' } });
    const token = await tokenFor(calls, arn);

    // Act
    const badOutput = await errorOf(
      client.send(new SendTaskSuccessCommand({ taskToken: token, output: '{not json' })),
    );
    const stillWaiting = await client.send(new DescribeExecutionCommand({ executionArn: arn }));
    const unknown = await errorOf(
      client.send(new SendTaskSuccessCommand({ taskToken: 'A'.repeat(43), output: '{}' })),
    );
    const heartbeat = await client.send(new SendTaskHeartbeatCommand({ taskToken: token }));
    await decide(client, token, 'go');
    const done = await finished(client, arn);

    // Assess
    expect(badOutput).toMatchObject({ name: 'InvalidOutput' });
    expect(stillWaiting.status).toBe('RUNNING');
    expect(unknown).toMatchObject({ name: 'TaskDoesNotExist' });
    expect(heartbeat.$metadata.httpStatusCode).toBe(200);
    expect(done.status).toBe('SUCCEEDED');
  });

  it('times a waiting task out into its States.Timeout Catch, and answers the late token with TaskTimedOut', async () => {
    // Prepare
    const { client, calls } = await startService(await tempDir());
    const arn = await start(client, GATE_FAST, 'slow', { proposal: { id: 'P-4' } });
    const token = await tokenFor(calls, arn);

    // Act
    const done = await finished(client, arn);
    const late = await errorOf(
      client.send(new SendTaskSuccessCommand({ taskToken: token, output: '{"route":"go"}' })),
    );
    const history = await client.send(new GetExecutionHistoryCommand({ executionArn: arn }));

    // Assess
    expect(done.status).toBe('SUCCEEDED');
    const output = JSON.parse(done.output ?? '');
    expect(output.outcome).toBe('timed-out');
    expect(output.error.Error).toBe('States.Timeout');
    expect(late).toMatchObject({ name: 'TaskTimedOut' });
    expect(history.events?.find((e) => e.type === 'TaskTimedOut')?.taskTimedOutEventDetails).toMatchObject({
      resourceType: 'lambda',
      resource: 'invoke.waitForTaskToken',
      error: 'States.Timeout',
    });
  });

  it('routes a function error to the Catch that names it', async () => {
    // Prepare
    const { client, calls } = await startService(await tempDir());

    // Act
    const arn = await start(client, GATE, 'no-budget', { proposal: { id: 'P-5', budget: 0 } });
    const done = await finished(client, arn);

    // Assess
    expect(done.status).toBe('SUCCEEDED');
    const output = JSON.parse(done.output ?? '');
    expect(output.outcome).toBe('rejected');
    expect(output.error).toEqual({ Error: 'ProposalRejected', Cause: 'the proposal has no budget' });
    expect(notifyCalls(calls, arn)).toHaveLength(0);
  });

  it('fails the execution on an uncaught SendTaskFailure and on a Fail state', async () => {
    // Prepare
    const { client, calls } = await startService(await tempDir());
    const vetoed = await start(client, GATE, 'vetoed', { proposal: { id: 'P-6' } });
    const killed = await start(client, GATE, 'killed', { proposal: { id: 'P-7' } });

    // Act
    await client.send(
      new SendTaskFailureCommand({
        taskToken: await tokenFor(calls, vetoed),
        error: 'Vetoed',
        cause: 'not now',
      }),
    );
    await decide(client, await tokenFor(calls, killed), 'kill');
    const vetoedDone = await finished(client, vetoed);
    const killedDone = await finished(client, killed);
    const history = await client.send(new GetExecutionHistoryCommand({ executionArn: vetoed }));

    // Assess
    expect(vetoedDone).toMatchObject({ status: 'FAILED', error: 'Vetoed', cause: 'not now' });
    expect(killedDone).toMatchObject({ status: 'FAILED', error: 'GateKilled', cause: 'The gate was killed' });
    expect(history.events?.map((e) => e.type).slice(-2)).toEqual(['TaskFailed', 'ExecutionFailed']);
  });

  it('starts the second machine from a startExecution task', async () => {
    // Prepare
    const { client, calls } = await startService(await tempDir());
    const parent = await start(client, GATE, 'p-8', { proposal: { id: 'P-8' } });

    // Act
    await decide(client, await tokenFor(calls, parent), 'next');
    const parentDone = await finished(client, parent);
    const child = executionArn('close-out', 'p-8-close-out');
    const childDone = await finished(client, child);
    const children = await client.send(new ListExecutionsCommand({ stateMachineArn: CLOSE_OUT }));

    // Assess
    expect(parentDone.status).toBe('SUCCEEDED');
    expect(JSON.parse(parentDone.output ?? '').closeOut).toEqual({
      ExecutionArn: child,
      StartDate: expect.any(Number),
    });
    expect(childDone.status).toBe('SUCCEEDED');
    expect(JSON.parse(childDone.output ?? '')).toEqual({ proposal: { id: 'P-8' }, startedBy: parent });
    expect(JSON.parse(childDone.input ?? '').AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID).toBe(parent);
    expect(children.executions?.map((e) => e.executionArn)).toEqual([child]);
  });

  it('applies the StartExecution rules: idempotent while running, ExecutionAlreadyExists otherwise', async () => {
    // Prepare
    const { client, calls } = await startService(await tempDir());
    const input = JSON.stringify({ proposal: { id: 'P-9' } });
    const first = await client.send(new StartExecutionCommand({ stateMachineArn: GATE, name: 'dup', input }));

    // Act
    const again = await client.send(new StartExecutionCommand({ stateMachineArn: GATE, name: 'dup', input }));
    const otherInput = await errorOf(
      client.send(new StartExecutionCommand({ stateMachineArn: GATE, name: 'dup', input: '{}' })),
    );
    await decide(client, await tokenFor(calls, first.executionArn as string), 'go');
    await finished(client, first.executionArn as string);
    const afterFinish = await errorOf(
      client.send(new StartExecutionCommand({ stateMachineArn: GATE, name: 'dup', input })),
    );
    const unknownMachine = await errorOf(
      client.send(new StartExecutionCommand({ stateMachineArn: machineArn('nope'), input })),
    );
    const badInput = await errorOf(
      client.send(new StartExecutionCommand({ stateMachineArn: GATE, input: '{oops' })),
    );
    const unknownExecution = await errorOf(
      client.send(new DescribeExecutionCommand({ executionArn: executionArn('gate-review', 'nope') })),
    );

    // Assess
    expect(again.executionArn).toBe(first.executionArn);
    expect(again.startDate).toEqual(first.startDate);
    expect(otherInput).toMatchObject({ name: 'ExecutionAlreadyExists' });
    expect(afterFinish).toMatchObject({ name: 'ExecutionAlreadyExists' });
    expect(unknownMachine).toMatchObject({ name: 'StateMachineDoesNotExist' });
    expect(badInput).toMatchObject({ name: 'InvalidExecutionInput' });
    expect(unknownExecution).toMatchObject({ name: 'ExecutionDoesNotExist' });
  });

  it('rejects an unsupported Task resource at create(), naming the machine and the (nested) state', async () => {
    // Prepare
    const dataDir = await tempDir();
    const definition = {
      StartAt: 'Fan',
      States: {
        Fan: {
          Type: 'Parallel',
          Branches: [
            {
              StartAt: 'StoreDecision',
              States: {
                StoreDecision: {
                  Type: 'Task',
                  Resource: 'arn:aws:states:::dynamodb:putItem',
                  Parameters: {},
                  End: true,
                },
              },
            },
          ],
          End: true,
        },
      },
    };

    // Act
    const created = await errorOf(
      LocalStepFunctions.create({
        dataDir,
        machines: [{ name: 'broken', arn: machineArn('broken'), definition }],
        invoke: async () => null,
      }),
    );

    // Assess
    expect(created).toBeInstanceOf(Error);
    expect((created as Error).message).toMatch(/"broken".*"StoreDecision".*dynamodb:putItem/);
  });

  it('resumes a waiting execution after a restart: same token, function invoked again, execution finishes', async () => {
    // Prepare
    const dataDir = await tempDir();
    const first = await startService(dataDir);
    const input = { proposal: { id: 'P-10', budget: 5 } };
    const arn = await start(first.client, GATE, 'restart', input);
    const token = await tokenFor(first.calls, arn);
    const startTime = notifyCalls(first.calls, arn)[0]?.payload.startTime;
    await first.service.close();

    // Act
    const second = await startService(dataDir);
    const resumed = await second.service.resume();
    const tokenAgain = await tokenFor(second.calls, arn);
    await decide(second.client, token, 'go');
    const done = await finished(second.client, arn);
    const history = await second.client.send(new GetExecutionHistoryCommand({ executionArn: arn }));

    // Assess
    expect(resumed).toBe(1);
    expect(tokenAgain).toBe(token);
    const reinvoked = notifyCalls(second.calls, arn)[0]?.payload;
    expect(reinvoked?.executionInput).toEqual(input);
    expect(reinvoked?.startTime).toBe(startTime);
    expect(second.calls.filter((c) => c.functionName === 'prepare')).toHaveLength(0);
    expect(done.status).toBe('SUCCEEDED');
    expect(done.startDate?.toISOString()).toBe(startTime);
    expect(JSON.parse(done.output ?? '')).toEqual({
      ...input,
      prepared: { result: { prepared: true } },
      decision: { route: 'go' },
    });
    const types = history.events?.map((e) => e.type) ?? [];
    expect(types.filter((t) => t === 'ExecutionStarted')).toHaveLength(1);
    expect(types.at(-1)).toBe('ExecutionSucceeded');
  });

  it('resumes an execution whose process was SIGKILLed while waiting', async () => {
    // Prepare: a child process runs the service, starts an execution and is killed once the wait is on disk.
    const dataDir = await tempDir();
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', CHILD_SERVICE], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      env: {
        ...process.env,
        SFN_MODULE: fileURLToPath(new URL('../../infra/local/stepfunctions.ts', import.meta.url)),
        SFN_DATA_DIR: dataDir,
        SFN_MACHINES: JSON.stringify(MACHINES),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    cleanups.push(async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    const lines = createInterface({ input: child.stdout });
    const [line] = (await once(lines, 'line')) as [string];
    const { token, execution: arn } = JSON.parse(line) as { token: string; execution: string };
    await until(
      async () => (await persistedPendingTokens(dataDir)).includes(token) || undefined,
      'the wait on disk',
    );
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;

    // Act
    const second = await startService(dataDir);
    const resumed = await second.service.resume();
    const tokenAgain = await tokenFor(second.calls, arn);
    await decide(second.client, token, 'go');
    const done = await finished(second.client, arn);

    // Assess
    expect(child.signalCode).toBe('SIGKILL');
    expect(resumed).toBe(1);
    expect(tokenAgain).toBe(token);
    expect(done.status).toBe('SUCCEEDED');
    // The child's prepare returned {}: the saved state input survived the kill and Prepare did not run again.
    expect(JSON.parse(done.output ?? '').prepared).toEqual({ result: {} });
    expect(second.calls.filter((c) => c.functionName === 'prepare')).toHaveLength(0);
  });

  it('takes the timeout Catch at once when the deadline passed while the service was down', async () => {
    // Prepare
    const dataDir = await tempDir();
    const first = await startService(dataDir);
    const arn = await start(first.client, GATE_FAST, 'overdue', { proposal: { id: 'P-11' } });
    const token = await tokenFor(first.calls, arn);
    await first.service.close();
    await new Promise((resolve) => setTimeout(resolve, 1100));

    // Act
    const second = await startService(dataDir);
    const resumed = await second.service.resume();
    const done = await finished(second.client, arn);
    const late = await errorOf(
      second.client.send(new SendTaskSuccessCommand({ taskToken: token, output: '{"route":"go"}' })),
    );

    // Assess
    expect(resumed).toBe(1);
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output ?? '').outcome).toBe('timed-out');
    expect(notifyCalls(second.calls, arn)).toHaveLength(0);
    expect(late).toMatchObject({ name: 'TaskTimedOut' });
  });

  it('serves StopExecution, the state machine operations and rejects unknown operations', async () => {
    // Prepare
    const { service, client, calls, url } = await startService(await tempDir());
    const arn = await start(client, GATE, 'stop-me', { proposal: { id: 'P-12' } });
    const token = await tokenFor(calls, arn);

    // Act
    await client.send(
      new StopExecutionCommand({ executionArn: arn, error: 'Withdrawn', cause: 'by the owner' }),
    );
    const stopped = await client.send(new DescribeExecutionCommand({ executionArn: arn }));
    const late = await errorOf(client.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' })));
    const aborted = await client.send(
      new ListExecutionsCommand({ stateMachineArn: GATE, statusFilter: 'ABORTED' }),
    );
    const machine = await client.send(new DescribeStateMachineCommand({ stateMachineArn: GATE }));
    const machines = await client.send(new ListStateMachinesCommand({}));
    const raw = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AWSStepFunctions.Nope' },
      body: '{}',
    });
    const inProcess = await errorOf(service.handle('Nope', {}));

    // Assess
    expect(stopped).toMatchObject({ status: 'ABORTED', error: 'Withdrawn', cause: 'by the owner' });
    expect(late).toMatchObject({ name: 'TaskTimedOut' });
    expect(aborted.executions?.map((e) => e.executionArn)).toEqual([arn]);
    expect(machine.name).toBe('gate-review');
    expect(JSON.parse(machine.definition ?? '')).toEqual(gateDefinition(60));
    expect(machines.stateMachines?.map((m) => m.name)).toEqual([
      'gate-review',
      'gate-review-fast',
      'close-out',
    ]);
    expect(raw.status).toBe(400);
    expect(raw.headers.get('content-type')).toBe('application/x-amz-json-1.0');
    expect(await raw.json()).toMatchObject({ __type: 'UnknownOperationException' });
    expect(inProcess).toBeInstanceOf(SfnApiError);
    expect(inProcess).toMatchObject({ type: 'UnknownOperationException' });
  });
});
