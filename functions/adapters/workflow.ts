// The functions' two Step Functions operations, StartExecution and SendTaskSuccess, as signed JSON
// 1.0 requests rather than through @aws-sdk/client-sfn, which would add ~22 KiB to every function
// that starts or resumes a workflow (ADR 0017, after ADR 0011). A test holds both requests to the
// client's on a loopback server; the local runtime's Step Functions API takes them as it takes the
// client's.

import type { GateTaskInput } from '../usecases/model.ts';
import { executionNames, type Workflow } from '../usecases/ports.ts';
import {
  AwsJsonApi,
  type Credentials,
  configuredEndpoint,
  dnsSuffix,
  type JsonReply,
  signerFor,
} from './aws-signed.ts';

export interface StateMachineArns {
  intake?: string | undefined;
  gateReview?: string | undefined;
  closeOut?: string | undefined;
  trailJob?: string | undefined;
}

/** A Step Functions error the calls below do not turn into an outcome. Never carries a task token. */
export class StepFunctionsError extends Error {
  constructor(
    readonly operation: string,
    /** The error's shape name (`ThrottlingException`), or `HTTP <status>`, or the network failure's name. */
    readonly type: string,
    readonly status: number | undefined,
    readonly requestId?: string,
  ) {
    super(
      `Step Functions ${operation} failed: ${type}` +
        (status === undefined ? '' : ` (HTTP ${status})`) +
        (requestId ? ` request ${requestId}` : ''),
    );
    this.name = 'StepFunctionsError';
  }
}

/** The wait is no longer there: it timed out, its execution ended, or its token was spent or malformed. */
const GONE = new Set(['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken']);

/** As the SDK's standard retry mode: 3 attempts, full jitter on 50 ms (1 s when throttled), doubling. */
const MAX_ATTEMPTS = 3;
const BASE_DELAY_MS = 50;
const THROTTLING_BASE_DELAY_MS = 1000;
const MAX_DELAY_MS = 20_000;
/** Per attempt. */
const TIMEOUT_MS = 4000;
/**
 * All attempts of one call together: no retry starts that could end past it. A resume comes after
 * the vote's own writes (up to ~5 s when the trail is contended) inside a 15 s function; a resume
 * that still fails is repaired by the sweeper (ADR 0007), so the call gives up rather than time out.
 */
const CALL_BUDGET_MS = 6000;
const THROTTLING = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'LimitExceededException',
  'ProvisionedThroughputExceededException',
]);
const TRANSIENT = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException']);
const TRANSIENT_STATUS = new Set([500, 502, 503, 504]);

export interface StepFunctionsApiOptions {
  /** Default: AWS_REGION, read at the first call. */
  region?: string;
  /** Default: AWS_ENDPOINT_URL_SFN or AWS_ENDPOINT_URL, else `https://states.<region>.amazonaws.com`. */
  endpoint?: string;
  /** Default: the SDK's default credential chain. */
  credentials?: Credentials;
  /** Default: AWS_MAX_ATTEMPTS, else 3 (the SDK's standard retry mode). */
  maxAttempts?: number;
  /** All attempts of one call together (default 6 s): no retry starts that could end past it. */
  budgetMs?: number;
  /** Tests only: how long to wait before the given retry (1, 2, …). */
  delay?: (retry: number, throttled: boolean) => number;
}

type Outcome =
  | { ok: true; body: Record<string, unknown> }
  | { ok: false; type: string; status: number; requestId: string | undefined };

/** The two operations, signed and sent as @aws-sdk/client-sfn sends them, with its retries. */
export class StepFunctionsApi {
  private api: AwsJsonApi | undefined;

  constructor(private readonly options: StepFunctionsApiOptions = {}) {}

  startExecution(stateMachineArn: string, name: string, input: string): Promise<Outcome> {
    return this.call('StartExecution', { stateMachineArn, name, input });
  }

  sendTaskSuccess(taskToken: string, output: string): Promise<Outcome> {
    return this.call('SendTaskSuccess', { taskToken, output });
  }

  /**
   * The reply, or the error type of a client error (HTTP 4xx, not throttling) for the caller to
   * map. Throttling, 500/502/503/504, timeouts and network failures are retried as the SDK retries
   * them (without its client-wide retry quota), then thrown; any other server error is thrown.
   */
  private async call(operation: string, payload: Record<string, string>): Promise<Outcome> {
    const api = this.client();
    const maxAttempts = this.options.maxAttempts ?? (Number(process.env.AWS_MAX_ATTEMPTS) || MAX_ATTEMPTS);
    const budgetMs = this.options.budgetMs ?? CALL_BUDGET_MS;
    const started = performance.now();
    for (let attempt = 1; ; attempt++) {
      const result = await attemptOnce(api, operation, payload);
      if (!('retry' in result)) return result;
      if (attempt >= maxAttempts) throw result.retry;
      const base = result.throttled ? THROTTLING_BASE_DELAY_MS : BASE_DELAY_MS;
      const wait =
        this.options.delay?.(attempt, result.throttled) ??
        Math.floor(Math.random() * Math.min(base * 2 ** (attempt - 1), MAX_DELAY_MS));
      if (performance.now() - started + wait + TIMEOUT_MS > budgetMs) throw result.retry;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }

  private client(): AwsJsonApi {
    if (this.api) return this.api;
    const region = this.options.region ?? process.env.AWS_REGION;
    if (!region) throw new Error('Step Functions: no region (AWS_REGION is not set)');
    const endpoint =
      this.options.endpoint ?? configuredEndpoint('SFN', `https://states.${region}.${dnsSuffix(region)}`);
    this.api = new AwsJsonApi(
      signerFor('states', region, { credentials: this.options.credentials }),
      endpoint,
      'application/x-amz-json-1.0',
      TIMEOUT_MS,
    );
    return this.api;
  }
}

/** One attempt: its outcome, or the failure to retry (throttling, a transient error, no answer). */
async function attemptOnce(
  api: AwsJsonApi,
  operation: string,
  payload: Record<string, string>,
): Promise<Outcome | { retry: StepFunctionsError; throttled: boolean }> {
  let reply: JsonReply;
  try {
    reply = await api.post(`AWSStepFunctions.${operation}`, payload);
  } catch (error) {
    // Signing failed (no credentials): not a Step Functions answer, and not retried.
    if (!isNetworkFailure(error)) throw error;
    // fetch failed (connection refused or reset, DNS) or timed out: the SDK retries both.
    return { retry: new StepFunctionsError(operation, networkFailure(error), undefined), throttled: false };
  }
  if (reply.ok) return { ok: true, body: reply.body };
  const { status, requestId } = reply;
  const type = reply.errorType ?? `HTTP ${status}`;
  const throttled = status === 429 || THROTTLING.has(type);
  if (throttled || TRANSIENT_STATUS.has(status) || TRANSIENT.has(type))
    return { retry: new StepFunctionsError(operation, type, status, requestId), throttled };
  // Any other server error is thrown as the SDK throws it; client errors are the caller's to map.
  if (status >= 500) throw new StepFunctionsError(operation, type, status, requestId);
  return { ok: false, type, status, requestId };
}

/** fetch's `TypeError: fetch failed` (or a body cut off), or the per-attempt timeout. */
const isNetworkFailure = (error: unknown) =>
  error instanceof TypeError ||
  (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError'));

/** A failed fetch's name and code (`TypeError: fetch failed` caused by `ECONNREFUSED`), no URL or body. */
function networkFailure(error: unknown): string {
  if (!(error instanceof Error)) return 'NetworkError';
  const code = (error.cause as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? `${error.name} ${code}` : error.name;
}

export class StepFunctionsWorkflow implements Workflow {
  constructor(
    private readonly api: StepFunctionsApi,
    private readonly arns: StateMachineArns,
  ) {}

  startIntake(name: string, input: unknown): Promise<void> {
    return this.start(this.arns.intake, name, input);
  }

  startGateReview(input: GateTaskInput): Promise<void> {
    return this.start(this.arns.gateReview, executionNames.gateReview(input), input);
  }

  startCloseOut(input: GateTaskInput): Promise<void> {
    return this.start(this.arns.closeOut, executionNames.closeOut(input), input);
  }

  startTrailJob(jobId: string): Promise<void> {
    return this.start(this.arns.trailJob, `trail-job-${jobId}`, { jobId });
  }

  async resumeGate(taskToken: string, ref: GateTaskInput): Promise<'resumed' | 'gone'> {
    // A reference only: the workflow re-reads what DynamoDB recorded before it routes.
    const outcome = await this.api.sendTaskSuccess(taskToken, JSON.stringify(ref));
    if (outcome.ok) return 'resumed';
    if (GONE.has(outcome.type)) return 'gone';
    throw new StepFunctionsError('SendTaskSuccess', outcome.type, outcome.status, outcome.requestId);
  }

  /**
   * Same name and input while running: Step Functions answers with the same execution. A
   * name already used by a closed execution means the work was started before: done.
   */
  private async start(arn: string | undefined, name: string, input: unknown): Promise<void> {
    if (!arn) throw new Error(`no state machine ARN to start ${name}`);
    const outcome = await this.api.startExecution(arn, name, JSON.stringify(input));
    if (!outcome.ok && outcome.type !== 'ExecutionAlreadyExists')
      throw new StepFunctionsError('StartExecution', outcome.type, outcome.status, outcome.requestId);
  }
}

export function workflowFromEnv(): StepFunctionsWorkflow {
  return new StepFunctionsWorkflow(new StepFunctionsApi(), {
    intake: process.env.INTAKE_STATE_MACHINE_ARN,
    gateReview: process.env.GATE_REVIEW_STATE_MACHINE_ARN,
    closeOut: process.env.CLOSE_OUT_STATE_MACHINE_ARN,
    trailJob: process.env.TRAIL_JOB_STATE_MACHINE_ARN,
  });
}
