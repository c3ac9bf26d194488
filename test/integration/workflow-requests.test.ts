import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SendTaskSuccessCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { Sha256 } from '@smithy/core/checksum';
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { jsonErrorType } from '../../functions/adapters/aws-signed.ts';
import {
  StepFunctionsApi,
  type StepFunctionsApiOptions,
  StepFunctionsWorkflow,
} from '../../functions/adapters/workflow.ts';
import { executionNames } from '../../functions/usecases/ports.ts';
import { SfnApiError, startApiServer } from '../../infra/local/stepfunctions-http.ts';

// The functions start and resume workflows without @aws-sdk/client-sfn (ADR 0017). AWS cannot run
// here, so each request is held against what the client itself sends for the same call on a
// loopback server, and each error against what the client makes of the same reply.

const credentials = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  sessionToken: 'session/token+with=odd&chars',
};
const region = 'eu-west-1';
const arns = {
  intake: 'arn:aws:states:eu-west-1:111122223333:stateMachine:tollgate-intake',
  gateReview: 'arn:aws:states:eu-west-1:111122223333:stateMachine:tollgate-gate-review',
  closeOut: 'arn:aws:states:eu-west-1:111122223333:stateMachine:tollgate-close-out',
  trailJob: 'arn:aws:states:eu-west-1:111122223333:stateMachine:tollgate-trail-job',
};
const ref = { projectId: 'p-1', gate: { gateId: 'g1', sequence: 2 } };
/** Task tokens are long opaque strings; this one must never show up in an error. */
const taskToken = `AQCEAAAAKgAAAAMAAAAAAAAAAd${'x'.repeat(300)}+/=`;
/** Headers the SDK adds about itself (and signs): its user agent and its retry bookkeeping. */
const SDK_OWN = new Set(['x-amz-user-agent', 'amz-sdk-invocation-id', 'amz-sdk-request']);

type Seen = { method: string; url: string; headers: IncomingMessage['headers']; body: string };
type Reply = { status: number; body?: unknown; headers?: Record<string, string> };

const seen: Seen[] = [];
/** What the server answers, in order; the last one for every request after. */
let replies: Reply[] = [{ status: 200, body: {} }];
let server: Server;
let endpoint: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      const reply = (replies.length > 1 ? replies.shift() : replies[0]) as Reply;
      res.writeHead(reply.status, { 'content-type': 'application/x-amz-json-1.0', ...reply.headers });
      res.end(typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body ?? {}));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
afterEach(() => {
  vi.unstubAllEnvs();
  seen.length = 0;
  replies = [{ status: 200, body: {} }];
});

const sdk = () => new SFNClient({ region, credentials, endpoint, maxAttempts: 1 });
const ours = (options: StepFunctionsApiOptions = {}) =>
  new StepFunctionsWorkflow(
    new StepFunctionsApi({ region, credentials, endpoint, delay: () => 0, ...options }),
    arns,
  );

const signedHeaders = (request: Seen) =>
  (/SignedHeaders=([^,]+)/.exec(String(request.headers.authorization))?.[1]?.split(';') ?? []).filter(
    (h) => !SDK_OWN.has(h),
  );
const scope = (request: Seen) => /Credential=([^,]+)/.exec(String(request.headers.authorization))?.[1];

/** Re-signs what the server received with the headers it says it signed: any header changed in flight breaks it. */
async function signatureHolds(request: Seen): Promise<boolean> {
  const authorization = String(request.headers.authorization);
  const names = /SignedHeaders=([^,]+)/.exec(authorization)?.[1]?.split(';') ?? [];
  const amzDate = String(request.headers['x-amz-date']);
  const date = new Date(
    `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
  );
  const url = new URL(endpoint);
  const again = await new SignatureV4({ service: 'states', region, credentials, sha256: Sha256 }).sign(
    {
      method: request.method,
      protocol: url.protocol,
      hostname: url.hostname,
      port: Number(url.port),
      path: request.url,
      query: {},
      headers: Object.fromEntries(names.map((h) => [h, String(request.headers[h])])),
      body: request.body,
    },
    { signingDate: date },
  );
  return again.headers.authorization === authorization;
}

function expectSameRequest(theirs: Seen, mine: Seen, target: string): void {
  expect(mine.method).toBe('POST');
  expect(mine.method).toBe(theirs.method);
  expect(mine.url).toBe(theirs.url);
  expect(mine.headers['x-amz-target']).toBe(target);
  for (const header of ['host', 'content-type', 'x-amz-target', 'x-amz-security-token', 'content-length'])
    expect(mine.headers[header], header).toBe(theirs.headers[header]);
  expect(mine.headers['content-type']).toBe('application/x-amz-json-1.0');
  expect(JSON.parse(mine.body)).toEqual(JSON.parse(theirs.body));
  expect(scope(mine)).toBe(scope(theirs));
  expect(scope(mine)).toMatch(/^AKIDEXAMPLE\/\d{8}\/eu-west-1\/states\/aws4_request$/);
  expect(signedHeaders(mine)).toEqual(signedHeaders(theirs));
}

describe('StepFunctionsWorkflow requests', () => {
  it('starts an execution with the request the SFN client sends, signed', async () => {
    // Act
    await sdk().send(
      new StartExecutionCommand({
        stateMachineArn: arns.gateReview,
        name: executionNames.gateReview(ref),
        input: JSON.stringify(ref),
      }),
    );
    await ours().startGateReview(ref);
    // Assess
    const [theirs, mine] = seen;
    if (!theirs || !mine) throw new Error('the server saw fewer than two requests');
    expectSameRequest(theirs, mine, 'AWSStepFunctions.StartExecution');
    expect(JSON.parse(mine.body)).toEqual({
      stateMachineArn: arns.gateReview,
      name: executionNames.gateReview(ref),
      input: JSON.stringify(ref),
    });
    expect(await signatureHolds(theirs)).toBe(true); // the check itself accepts a real SDK request
    expect(await signatureHolds(mine)).toBe(true);
  });

  it('resumes a wait with the request the SFN client sends, signed', async () => {
    // Act
    await sdk().send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(ref) }));
    const outcome = await ours().resumeGate(taskToken, ref);
    // Assess
    expect(outcome).toBe('resumed');
    const [theirs, mine] = seen;
    if (!theirs || !mine) throw new Error('the server saw fewer than two requests');
    expectSameRequest(theirs, mine, 'AWSStepFunctions.SendTaskSuccess');
    expect(JSON.parse(mine.body)).toEqual({ taskToken, output: JSON.stringify(ref) });
    expect(await signatureHolds(mine)).toBe(true);
  });

  it('names the executions as before: intake by its name, trail jobs by their id', async () => {
    await ours().startIntake('intake-abc', { a: 1 });
    await ours().startTrailJob('job-9');
    expect(seen.map((s) => JSON.parse(s.body))).toEqual([
      { stateMachineArn: arns.intake, name: 'intake-abc', input: '{"a":1}' },
      { stateMachineArn: arns.trailJob, name: 'trail-job-job-9', input: '{"jobId":"job-9"}' },
    ]);
  });

  it('goes where AWS_ENDPOINT_URL_SFN (else AWS_ENDPOINT_URL) says, in AWS_REGION', async () => {
    // Prepare
    vi.stubEnv('AWS_REGION', 'eu-central-1');
    vi.stubEnv('AWS_ENDPOINT_URL', 'http://127.0.0.1:9');
    vi.stubEnv('AWS_ENDPOINT_URL_SFN', endpoint);
    // Act
    await new StepFunctionsWorkflow(new StepFunctionsApi({ credentials }), arns).startCloseOut(ref);
    // Assess
    expect(seen).toHaveLength(1);
    expect(scope(seen[0] as Seen)).toMatch(/\/eu-central-1\/states\/aws4_request$/);
  });

  it('needs a region, and asks for it only when it calls', async () => {
    vi.stubEnv('AWS_REGION', '');
    const workflow = new StepFunctionsWorkflow(new StepFunctionsApi({ credentials, endpoint }), arns);
    await expect(workflow.startCloseOut(ref)).rejects.toThrow('no region');
    expect(seen).toHaveLength(0);
  });
});

describe('StepFunctionsWorkflow errors', () => {
  const namespaced = (type: string) => `com.amazonaws.swf.service.v2.model#${type}`;
  const error = (type: string, status = 400): Reply => ({
    status,
    body: { __type: namespaced(type), message: `${type}: ${taskToken}` },
  });

  it.each([
    ['a namespaced __type', error('ExecutionAlreadyExists')],
    [
      'the x-amzn-errortype header',
      {
        status: 400,
        headers: {
          'x-amzn-errortype':
            'ExecutionAlreadyExists:http://internal.amazon.com/coral/com.amazonaws.swf.service.v2.model/',
        },
        body: { message: 'Execution Already Exists' },
      },
    ],
  ])('takes ExecutionAlreadyExists (%s) as started before, as the SDK names it', async (_, reply) => {
    // Prepare
    replies = [reply];
    // Act + Assess
    await expect(ours().startGateReview(ref)).resolves.toBeUndefined();
    await expect(
      sdk().send(new StartExecutionCommand({ stateMachineArn: arns.gateReview, name: 'n', input: '{}' })),
    ).rejects.toMatchObject({ name: 'ExecutionAlreadyExists' });
    expect(seen).toHaveLength(2); // not retried
  });

  it.each(['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken'])(
    'takes %s as a wait that is gone',
    async (type) => {
      // Prepare
      replies = [error(type)];
      // Act + Assess
      expect(await ours().resumeGate(taskToken, ref)).toBe('gone');
      await expect(sdk().send(new SendTaskSuccessCommand({ taskToken, output: '{}' }))).rejects.toMatchObject(
        {
          name: type,
        },
      );
      expect(seen).toHaveLength(2);
    },
  );

  it('throws any other client error at once, with its type and status and without the token', async () => {
    // Prepare
    replies = [error('InvalidOutput')];
    // Act
    const thrown = await ours()
      .resumeGate(taskToken, ref)
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    // Assess
    expect(thrown).toBeInstanceOf(Error);
    expect((thrown as Error).name).toBe('StepFunctionsError');
    expect((thrown as Error).message).toBe('Step Functions SendTaskSuccess failed: InvalidOutput (HTTP 400)');
    expect(JSON.stringify(thrown)).not.toContain(taskToken.slice(0, 40));
    expect(seen).toHaveLength(1);
    replies = [error('StateMachineDoesNotExist')];
    await expect(ours().startIntake('n', {})).rejects.toThrow(
      'Step Functions StartExecution failed: StateMachineDoesNotExist (HTTP 400)',
    );
  });

  it.each([
    ['a 500', error('InternalFailure', 500), 'InternalFailure (HTTP 500)'],
    ['a 503 without a type', { status: 503, body: 'busy' }, 'HTTP 503 (HTTP 503)'],
    ['throttling', error('ThrottlingException'), 'ThrottlingException (HTTP 400)'],
    ['a 429', { status: 429, body: {} }, 'HTTP 429 (HTTP 429)'],
  ])('retries %s as the SDK does (3 attempts), then throws', async (_, reply, reason) => {
    // Prepare
    replies = [reply];
    // Act + Assess
    const thrown = await ours()
      .resumeGate(taskToken, ref)
      .catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(Error);
    expect((thrown as Error).message).toBe(`Step Functions SendTaskSuccess failed: ${reason}`);
    expect((thrown as Error).message).not.toContain(taskToken.slice(0, 40));
    expect(seen).toHaveLength(3);
    // The SDK client gives up on the same reply too
    seen.length = 0;
    await expect(
      new SFNClient({
        region,
        credentials,
        endpoint,
        retryStrategy: new ConfiguredRetryStrategy(3, 0),
      }).send(new SendTaskSuccessCommand({ taskToken, output: '{}' })),
    ).rejects.toBeInstanceOf(Error);
    expect(seen).toHaveLength(3);
  });

  it('gets through when a retry succeeds, waiting longer after throttling', async () => {
    // Prepare
    replies = [error('ThrottlingException'), error('InternalFailure', 500), { status: 200, body: {} }];
    const delays: [number, boolean][] = [];
    // Act
    const outcome = await ours({
      delay: (retry, throttled) => {
        delays.push([retry, throttled]);
        return 0;
      },
    }).resumeGate(taskToken, ref);
    // Assess
    expect(outcome).toBe('resumed');
    expect(seen).toHaveLength(3);
    expect(delays).toEqual([
      [1, true],
      [2, false],
    ]);
  });

  it('starts no retry that could end past the call budget: a resume gives up for the sweeper to repair', async () => {
    // Prepare: failures that would be retried, and a budget shorter than one more attempt's timeout
    replies = [error('InternalFailure', 500), error('InternalFailure', 500), { status: 200, body: {} }];
    // Act
    const resumed = ours({ budgetMs: 1000 }).resumeGate(taskToken, ref);
    // Assess
    await expect(resumed).rejects.toThrow('InternalFailure (HTTP 500)');
    expect(seen).toHaveLength(1);
  });

  it('does not retry any other server error', async () => {
    replies = [error('NotImplemented', 501)];
    await expect(ours().startIntake('n', {})).rejects.toThrow('NotImplemented (HTTP 501)');
    expect(seen).toHaveLength(1);
  });

  it('retries when nothing answers, then throws the network failure', async () => {
    // Prepare: a port nothing listens on
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    let attempts = 0;
    // Act + Assess
    await expect(
      ours({
        endpoint: `http://127.0.0.1:${port}`,
        delay: () => {
          attempts++;
          return 0;
        },
      }).startIntake('n', {}),
    ).rejects.toThrow('Step Functions StartExecution failed: TypeError ECONNREFUSED');
    expect(attempts).toBe(2);
  });

  it('reads the error type as the SDK does', () => {
    expect(jsonErrorType(null, { __type: namespaced('TaskTimedOut') })).toBe('TaskTimedOut');
    expect(jsonErrorType('InvalidToken:http://internal.amazon.com/coral/x/', {})).toBe('InvalidToken');
    expect(jsonErrorType('InvalidToken', { __type: namespaced('TaskTimedOut') })).toBe('InvalidToken');
    expect(jsonErrorType(null, { code: 'ThrottlingException' })).toBe('ThrottlingException');
    expect(jsonErrorType('A,B', {})).toBe('A');
    expect(jsonErrorType(null, {})).toBeUndefined();
  });
});

describe('the local runtime Step Functions API', () => {
  it('takes these requests as it takes the SDK client’s, and its errors map the same', async () => {
    // Prepare: its HTTP front (infra/local/stepfunctions-http.ts) over a stand-in service
    const calls: [string, Record<string, unknown>][] = [];
    const api = await startApiServer(
      async (operation, body) => {
        calls.push([operation, body]);
        if (operation === 'StartExecution' && body.name === 'again')
          throw new SfnApiError('ExecutionAlreadyExists', 'Execution Already Exists');
        if (operation === 'SendTaskSuccess' && body.taskToken === 'late')
          throw new SfnApiError('TaskTimedOut', 'Task Timed Out');
        if (operation === 'SendTaskSuccess' && body.taskToken === 'unknown')
          throw new SfnApiError('TaskDoesNotExist', 'Task Does Not Exist');
        if (operation === 'StartExecution' && body.name === 'broken') throw new Error('boom');
        return operation === 'StartExecution' ? { executionArn: 'arn:x', startDate: 0 } : {};
      },
      () => {},
      { host: '127.0.0.1', port: 0 },
    );
    try {
      const workflow = ours({ endpoint: api.url });
      // Act + Assess
      await workflow.startIntake('first', { a: 1 });
      await workflow.startIntake('again', { a: 1 });
      expect(await workflow.resumeGate('live', ref)).toBe('resumed');
      expect(await workflow.resumeGate('late', ref)).toBe('gone');
      expect(await workflow.resumeGate('unknown', ref)).toBe('gone');
      await expect(workflow.startIntake('broken', {})).rejects.toThrow('InternalFailure (HTTP 500)');
      expect(calls.slice(0, 5)).toEqual([
        ['StartExecution', { stateMachineArn: arns.intake, name: 'first', input: '{"a":1}' }],
        ['StartExecution', { stateMachineArn: arns.intake, name: 'again', input: '{"a":1}' }],
        ['SendTaskSuccess', { taskToken: 'live', output: JSON.stringify(ref) }],
        ['SendTaskSuccess', { taskToken: 'late', output: JSON.stringify(ref) }],
        ['SendTaskSuccess', { taskToken: 'unknown', output: JSON.stringify(ref) }],
      ]);
      expect(calls).toHaveLength(8); // the 500 was tried three times
    } finally {
      await api.close();
    }
  });
});
