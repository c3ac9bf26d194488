/**
 * The embedded Step Functions service of the local runtime (`npm start`).
 *
 * Runs JSONPath state machine definitions with aws-local-stepfunctions, runs
 * their Task states in-process (lambda:invoke, lambda:invoke.waitForTaskToken,
 * states:startExecution), persists every execution under
 * `<dataDir>/executions` so waiting executions survive a restart (even a
 * SIGKILL), and speaks the Step Functions JSON API so `@aws-sdk/client-sfn`
 * (tests, the bench) and the functions' signed requests (functions/adapters/workflow.ts,
 * ADR 0017) work against it unchanged. Facts about the library it relies on:
 * shared/notes/local-step-functions.md.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { ExecutionError, ExecutionTimeoutError, StateMachine } from 'aws-local-stepfunctions';
import {
  type CompiledMachine,
  compileMachine,
  isRecord,
  type JsonValue,
  loadStatesTimeoutError,
  RESUME_STATE,
  resumeDefinition,
  type TaskHandlers,
  type TaskInfo,
  withStartTime,
} from './stepfunctions-asl.ts';
import {
  appendHistory,
  historyEntryFor,
  type LibraryEvent,
  toApiEvent,
  toJsonString,
} from './stepfunctions-history.ts';
import { type ApiServer, SfnApiError, startApiServer } from './stepfunctions-http.ts';
import { type ExecutionRecord, type ExecutionStatus, ExecutionStore } from './stepfunctions-store.ts';

export { SfnApiError } from './stepfunctions-http.ts';

export type InvokeFunction = (functionName: string, payload: unknown) => Promise<unknown>;

export interface MachineSpec {
  name: string;
  arn: string;
  definition: Record<string, unknown>;
}

export interface LocalStepFunctionsOptions {
  /** Executions are persisted under join(dataDir, 'executions'). */
  dataDir: string;
  machines: MachineSpec[];
  /** Runs a Lambda handler in-process by FunctionName. */
  invoke: InvokeFunction;
  log?: (message: string, fields?: Record<string, unknown>) => void;
}

type Log = NonNullable<LocalStepFunctionsOptions['log']>;
type TaskOutcome = { output: unknown } | { error: Error };
type Finish =
  | { status: 'SUCCEEDED'; output: unknown }
  | { status: Exclude<ExecutionStatus, 'SUCCEEDED' | 'RUNNING' | 'ABORTED'>; error: string; cause: string };

/** One run of the library for an execution (a fresh start or a resume). */
interface ActiveRun {
  abort: () => void;
  /** Stopped, closed or finished: handlers refuse to start work. */
  ended: boolean;
}

interface Execution {
  record: ExecutionRecord;
  run: ActiveRun | undefined;
  /** A SendTask* for the saved token that arrived after a restart, before resume(). */
  early?: { token: string; outcome: TaskOutcome };
}

interface Waiter {
  exec: Execution;
  run: ActiveRun;
  token: string;
  stateName: string;
  deadline: number | null;
  timer: NodeJS.Timeout | undefined;
  settled: boolean;
  resolve: (output: unknown) => void;
  reject: (error: Error) => void;
}

interface ResumePoint {
  stateName: string;
  stateInput: unknown;
  token: string | undefined;
  deadline: number | null;
}

type EventLogs = ReturnType<StateMachine['run']>['eventLogs'];

const MAX_TIMER_MS = 2_000_000_000;
const MAX_INPUT_BYTES = 256 * 1024;
const NAME_FORBIDDEN = /[\s<>{}[\]?*"#%\\^|~`$&,;:/]/u;
const noop: Log = () => undefined;

/**
 * Task tokens for one run. The library reads `$$.Task.Token` through a getter
 * on `context.Task`, once per read: every entry into a state gets a fresh
 * token, reads within the same synchronous stretch (one Parameters block) get
 * the same one, and the first read of a resumed run gets the saved token.
 */
class TokenSource {
  private unconsumed: string | undefined;

  constructor(private saved: string | undefined) {}

  read(): string {
    if (this.unconsumed === undefined) {
      this.unconsumed = this.saved ?? newToken();
      this.saved = undefined;
      queueMicrotask(() => {
        this.unconsumed = undefined;
      });
    }
    return this.unconsumed;
  }

  /** The token of the task entry being handled (read by its Parameters just before). */
  take(): string {
    const token = this.unconsumed ?? this.saved ?? newToken();
    this.unconsumed = undefined;
    this.saved = undefined;
    return token;
  }
}

export class LocalStepFunctions {
  private readonly executions = new Map<string, Execution>();
  private readonly waiters = new Map<string, Waiter>();
  /** sha256(token) → execution ARN, for every token ever issued (rebuilt from disk). */
  private readonly tokenIndex = new Map<string, string>();
  private readonly log: Log;
  private server: ApiServer | undefined;
  private closed = false;

  private constructor(
    private readonly options: LocalStepFunctionsOptions,
    private readonly machines: Map<string, CompiledMachine>,
    private readonly store: ExecutionStore,
    private readonly StatesTimeoutError: (new () => Error) | undefined,
  ) {
    this.log = options.log ?? noop;
  }

  /**
   * Checks every definition (throws an Error naming the machine and the state
   * for an unsupported Task Resource, see `compileMachine`) and loads the
   * persisted executions. Nothing runs until resume() or StartExecution.
   */
  static async create(options: LocalStepFunctionsOptions): Promise<LocalStepFunctions> {
    const machines = new Map<string, CompiledMachine>();
    for (const spec of options.machines) {
      if (machines.has(spec.arn))
        throw new Error(`State machine "${spec.name}": ARN ${spec.arn} is used twice`);
      machines.set(spec.arn, compileMachine(spec));
    }
    const store = new ExecutionStore(options.dataDir, options.log ?? noop);
    const [records, StatesTimeoutError] = await Promise.all([store.load(), loadStatesTimeoutError()]);
    const service = new LocalStepFunctions(options, machines, store, StatesTimeoutError);
    for (const record of records) {
      service.executions.set(record.executionArn, { record, run: undefined });
      for (const hash of record.tokenHashes) service.tokenIndex.set(hash, record.executionArn);
    }
    return service;
  }

  /** Resumes every persisted RUNNING execution at its saved top-level state; returns how many. */
  async resume(): Promise<number> {
    this.assertOpen();
    let resumed = 0;
    for (const exec of this.executions.values()) {
      const { record } = exec;
      if (record.status !== 'RUNNING' || exec.run) continue;
      const machine = this.machines.get(record.stateMachineArn);
      if (!machine) {
        this.log('cannot resume an execution whose state machine is not defined', {
          executionArn: record.executionArn,
        });
        continue;
      }
      const current = record.current;
      if (current && !machine.topLevelStates.has(current.stateName)) {
        this.finish(exec, undefined, {
          status: 'FAILED',
          error: 'States.Runtime',
          cause: `Cannot resume at state "${current.stateName}": it is not in the definition any more`,
        });
        continue;
      }
      const pending = current && record.pending?.stateName === current.stateName ? record.pending : undefined;
      if (!pending) record.pending = undefined;
      this.launch(
        exec,
        machine,
        current && {
          stateName: current.stateName,
          stateInput: current.stateInput,
          token: pending?.token,
          deadline: pending?.deadline ?? null,
        },
      );
      this.log('execution resumed', { executionArn: record.executionArn, stateName: current?.stateName });
      resumed += 1;
    }
    return resumed;
  }

  async listen(options: { host: string; port: number }): Promise<{ url: string; port: number }> {
    this.assertOpen();
    if (this.server) throw new Error('The local Step Functions service is already listening');
    this.server = await startApiServer((operation, body) => this.handle(operation, body), this.log, options);
    this.log('step functions listening', { url: this.server.url });
    return { url: this.server.url, port: this.server.port };
  }

  /** The HTTP API, in-process. Throws SfnApiError. */
  async handle(operation: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
    if (this.closed)
      throw new SfnApiError('ServiceUnavailable', 'The local Step Functions service is closed');
    const input = isRecord(body) ? body : {};
    switch (operation) {
      case 'StartExecution':
        return this.apiStartExecution(input);
      case 'DescribeExecution':
        return describeExecution(
          this.getExecution(requireString(input, 'executionArn', 'InvalidArn')).record,
        );
      case 'ListExecutions':
        return this.apiListExecutions(input);
      case 'GetExecutionHistory':
        return this.apiGetExecutionHistory(input);
      case 'SendTaskSuccess':
        return this.apiSendTaskSuccess(input);
      case 'SendTaskFailure':
        return this.apiSendTaskFailure(input);
      case 'SendTaskHeartbeat':
        return this.apiSendTaskHeartbeat(input);
      case 'StopExecution':
        return this.apiStopExecution(input);
      case 'DescribeStateMachine':
        return this.apiDescribeStateMachine(input);
      case 'ListStateMachines':
        return {
          stateMachines: [...this.machines.values()].map((m) => ({
            stateMachineArn: m.arn,
            name: m.name,
            type: 'STANDARD',
            creationDate: m.creationDate / 1000,
          })),
        };
      default:
        throw new SfnApiError('UnknownOperationException', `Unknown operation ${operation.slice(0, 100)}`);
    }
  }

  /**
   * Stops the HTTP server, aborts the runs and rejects the pending waiters, and
   * waits for the writes in flight. Persisted executions stay RUNNING, so a new
   * instance on the same dataDir continues them with resume().
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const server = this.server;
    this.server = undefined;
    for (const exec of this.executions.values()) {
      const run = exec.run;
      if (!run) continue;
      run.ended = true;
      exec.run = undefined;
      run.abort();
    }
    for (const waiter of [...this.waiters.values()]) this.settle(waiter, { error: endedError() });
    await Promise.all([server?.close(), this.store.close()]);
  }

  // ---------------------------------------------------------------- runs

  private async startExecution(
    stateMachineArn: string,
    name: string | undefined,
    input: string,
  ): Promise<{ executionArn: string; startDate: number }> {
    const machine = this.machines.get(stateMachineArn);
    if (!machine) {
      throw new SfnApiError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${stateMachineArn}'`);
    }
    if (
      name !== undefined &&
      (name.length < 1 || name.length > 80 || NAME_FORBIDDEN.test(name) || hasControl(name))
    ) {
      throw new SfnApiError('InvalidName', `Invalid Name: '${name}'`);
    }
    if (Buffer.byteLength(input) > MAX_INPUT_BYTES) {
      throw new SfnApiError(
        'InvalidExecutionInput',
        'Invalid State Machine Execution Input: the input is too large',
      );
    }
    try {
      JSON.parse(input);
    } catch {
      throw new SfnApiError(
        'InvalidExecutionInput',
        'Invalid State Machine Execution Input: the input is not JSON',
      );
    }
    const executionName = name ?? randomUUID();
    const executionArn = executionArnFor(machine.arn, executionName);
    const existing = this.executions.get(executionArn);
    if (existing) {
      if (existing.record.status === 'RUNNING' && existing.record.input === input) {
        return { executionArn, startDate: existing.record.startDate };
      }
      throw new SfnApiError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
    }
    const record: ExecutionRecord = {
      version: 1,
      executionArn,
      stateMachineArn: machine.arn,
      name: executionName,
      input,
      startDate: Date.now(),
      status: 'RUNNING',
      tokenHashes: [],
      history: [],
    };
    appendHistory(
      record.history,
      {
        type: 'ExecutionStarted',
        details: {
          executionStartedEventDetails: {
            input,
            inputDetails: { truncated: false },
            roleArn: machine.roleArn,
          },
        },
      },
      record.startDate,
    );
    const exec: Execution = { record, run: undefined };
    this.executions.set(executionArn, exec);
    await this.store.save(record);
    // Closed meanwhile: it stays RUNNING on disk and resume() starts it.
    if (!this.closed && !exec.run && record.status === 'RUNNING') {
      this.launch(exec, machine, undefined);
      this.log('execution started', { executionArn });
    }
    return { executionArn, startDate: record.startDate };
  }

  private launch(exec: Execution, machine: CompiledMachine, resume: ResumePoint | undefined): void {
    const { record } = exec;
    const run: ActiveRun = { abort: () => undefined, ended: false };
    exec.run = run;
    const tokens = new TokenSource(resume?.token);
    const startTime = new Date(record.startDate).toISOString();
    const input = JSON.parse(record.input) as JsonValue;
    const context = {
      Execution: {
        Id: record.executionArn,
        Name: record.name,
        Input: input,
        StartTime: startTime,
        RoleArn: machine.roleArn,
      },
      StateMachine: { Id: machine.arn, Name: machine.name },
      Task: {
        get Token(): string {
          return tokens.read();
        },
      },
    };
    const handlers: TaskHandlers = {};
    for (const task of machine.tasks.values()) {
      handlers[task.stateName] = (params) =>
        this.runTask(exec, run, task, tokens, resume, isRecord(params) ? params : {}) as Promise<JsonValue>;
    }
    let execution: ReturnType<StateMachine['run']>;
    try {
      const stateMachine = resume
        ? new StateMachine(resumeDefinition(machine.runDefinition, resume.stateName, resume.stateInput), {
            validationOptions: { noValidate: true },
          })
        : machine.stateMachine;
      // The run input is the original input ($$.Execution.Input); a resume
      // reaches the saved state's input through the synthetic first state.
      execution = withStartTime(startTime, () =>
        stateMachine.run(input, {
          context,
          overrides: { taskResourceLocalHandlers: handlers },
          noThrowOnAbort: true,
        }),
      );
    } catch (error) {
      this.finish(exec, run, failureOf(error));
      return;
    }
    run.abort = execution.abort;
    const consumed = this.consume(exec, run, machine, execution.eventLogs);
    execution.result
      .then(
        (output) => consumed.then(() => this.finish(exec, run, { status: 'SUCCEEDED', output })),
        (error: unknown) => consumed.then(() => this.finish(exec, run, failureOf(error))),
      )
      .catch((error: unknown) => {
        this.log('execution bookkeeping failed', { executionArn: record.executionArn, error: String(error) });
      });
  }

  private async consume(
    exec: Execution,
    run: ActiveRun,
    machine: CompiledMachine,
    events: EventLogs,
  ): Promise<void> {
    try {
      for await (const event of events) {
        if (run.ended) return;
        this.onEvent(exec, machine, event);
      }
    } catch (error) {
      this.log('reading execution events failed', {
        executionArn: exec.record.executionArn,
        error: String(error),
      });
    }
  }

  private onEvent(exec: Execution, machine: CompiledMachine, event: LibraryEvent): void {
    if ('state' in event && event.state.name === RESUME_STATE) return;
    const { record } = exec;
    // State names are unique in a machine (checked), and Map iterations carry
    // an index: a top-level name without index is a top-level state.
    if (
      event.type === 'StateEntered' &&
      event.index === undefined &&
      machine.topLevelStates.has(event.state.name)
    ) {
      record.current = { stateName: event.state.name, stateInput: event.state.input };
      if (record.pending && record.pending.stateName !== event.state.name) record.pending = undefined;
    }
    const entry = historyEntryFor(event, machine.tasks);
    if (entry) appendHistory(record.history, entry, event.timestamp);
    void this.store.save(record);
  }

  private finish(exec: Execution, run: ActiveRun | undefined, outcome: Finish): void {
    if (this.closed || exec.run !== run || run?.ended) return;
    exec.run = undefined;
    if (run) {
      run.ended = true;
      this.dropWaiters(run);
    }
    const { record } = exec;
    if (record.status !== 'RUNNING') return;
    record.status = outcome.status;
    record.stopDate = Date.now();
    record.current = undefined;
    record.pending = undefined;
    if (outcome.status === 'SUCCEEDED') {
      record.output = toJsonString(outcome.output);
      appendHistory(record.history, {
        type: 'ExecutionSucceeded',
        details: {
          executionSucceededEventDetails: { output: record.output, outputDetails: { truncated: false } },
        },
      });
    } else {
      record.error = outcome.error;
      record.cause = outcome.cause;
      const failure = { error: outcome.error, cause: outcome.cause };
      appendHistory(
        record.history,
        outcome.status === 'TIMED_OUT'
          ? { type: 'ExecutionTimedOut', details: { executionTimedOutEventDetails: failure } }
          : { type: 'ExecutionFailed', details: { executionFailedEventDetails: failure } },
      );
    }
    void this.store.save(record);
    this.log(`execution ${outcome.status.toLowerCase().replace('_', ' ')}`, {
      executionArn: record.executionArn,
      ...(outcome.status === 'SUCCEEDED' ? {} : { error: outcome.error }),
    });
  }

  // ---------------------------------------------------------------- tasks

  private runTask(
    exec: Execution,
    run: ActiveRun,
    task: TaskInfo,
    tokens: TokenSource,
    resume: ResumePoint | undefined,
    params: Record<string, unknown>,
  ): Promise<unknown> {
    if (run.ended) return Promise.reject(endedError());
    switch (task.kind) {
      case 'invoke':
        return this.invokeTask(params);
      case 'startExecution':
        return this.startExecutionTask(params);
      case 'waitForTaskToken':
        return this.waitTask(exec, run, task, tokens.take(), resume, params);
    }
  }

  private async invokeTask(params: Record<string, unknown>): Promise<unknown> {
    const functionName = functionNameOf(params);
    try {
      const result = await this.options.invoke(functionName, params.Payload);
      return { StatusCode: 200, ExecutedVersion: '$LATEST', Payload: toJson(result) };
    } catch (error) {
      throw taskError(error);
    }
  }

  private async startExecutionTask(params: Record<string, unknown>): Promise<unknown> {
    const stateMachineArn = params.StateMachineArn;
    if (typeof stateMachineArn !== 'string')
      throw namedError('States.Runtime', 'StateMachineArn must be a string');
    const raw = params.Input;
    // An object is sent as JSON as given (an AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID field included).
    const input = raw === undefined ? '{}' : typeof raw === 'string' ? raw : toJsonString(raw);
    const name = typeof params.Name === 'string' ? params.Name : undefined;
    try {
      const started = await this.startExecution(stateMachineArn, name, input);
      return { ExecutionArn: started.executionArn, StartDate: started.startDate };
    } catch (error) {
      if (error instanceof SfnApiError)
        throw namedError(`StepFunctions.${error.type}Exception`, error.message);
      throw taskError(error);
    }
  }

  /**
   * Registers the waiter for the token (and persists it as the pending task),
   * then invokes the function: it may call SendTaskSuccess on the token from
   * inside its invocation. On a resume into this state the token and deadline
   * are the saved ones and the function is invoked again (handlers are
   * idempotent), unless the deadline already passed.
   */
  private waitTask(
    exec: Execution,
    run: ActiveRun,
    task: TaskInfo,
    token: string,
    resume: ResumePoint | undefined,
    params: Record<string, unknown>,
  ): Promise<unknown> {
    const { record } = exec;
    const resumed = resume?.token !== undefined && resume.token === token;
    let deadline: number | null = null;
    if (resumed) deadline = resume.deadline;
    else if (task.timeoutSeconds !== undefined) deadline = Date.now() + task.timeoutSeconds * 1000;
    return new Promise<unknown>((resolve, reject) => {
      const waiter: Waiter = {
        exec,
        run,
        token,
        stateName: task.stateName,
        deadline,
        timer: undefined,
        settled: false,
        resolve,
        reject,
      };
      this.waiters.set(token, waiter);
      const hash = hashToken(token);
      if (!this.tokenIndex.has(hash)) {
        this.tokenIndex.set(hash, record.executionArn);
        record.tokenHashes.push(hash);
      }
      if (task.topLevel) record.pending = { token, stateName: task.stateName, deadline };
      // The library reports StateEntered just after calling the handler: let
      // that event set `current` first, then persist (the notes' advice).
      setImmediate(() => void this.store.save(record));
      this.log('task waiting for its token', {
        executionArn: record.executionArn,
        stateName: task.stateName,
      });

      const early = exec.early;
      if (early && early.token === token) {
        exec.early = undefined;
        this.settle(waiter, early.outcome);
        return;
      }
      if (deadline !== null && deadline <= Date.now()) {
        this.timeOut(waiter);
        return;
      }
      this.arm(waiter);
      let invoked: Promise<unknown>;
      try {
        invoked = Promise.resolve(this.options.invoke(functionNameOf(params), params.Payload));
      } catch (error) {
        invoked = Promise.reject(error);
      }
      invoked.then(undefined, (error: unknown) => this.settle(waiter, { error: taskError(error) }));
    });
  }

  private arm(waiter: Waiter): void {
    if (waiter.settled || waiter.deadline === null) return;
    const remaining = waiter.deadline - Date.now();
    if (remaining <= 0) {
      this.timeOut(waiter);
      return;
    }
    waiter.timer = setTimeout(() => this.arm(waiter), Math.min(remaining, MAX_TIMER_MS));
  }

  private timeOut(waiter: Waiter): void {
    const error = this.StatesTimeoutError
      ? new this.StatesTimeoutError()
      : namedError('States.Timeout', 'States.Timeout');
    this.settle(waiter, { error });
    this.log('task timed out', {
      executionArn: waiter.exec.record.executionArn,
      stateName: waiter.stateName,
    });
  }

  private settle(waiter: Waiter, outcome: TaskOutcome): void {
    if (waiter.settled) return;
    waiter.settled = true;
    clearTimeout(waiter.timer);
    this.waiters.delete(waiter.token);
    const { record } = waiter.exec;
    if (!this.closed && record.pending?.token === waiter.token) {
      record.pending = undefined;
      void this.store.save(record);
    }
    if ('output' in outcome) waiter.resolve(outcome.output);
    else waiter.reject(outcome.error);
  }

  /** Rejects the waiters of a run that ended (stopped, finished): clears their timers and the library's. */
  private dropWaiters(run: ActiveRun): void {
    for (const waiter of [...this.waiters.values()]) {
      if (waiter.run === run) this.settle(waiter, { error: endedError() });
    }
  }

  /** Completes the task waiting for `token`; throws TaskDoesNotExist / TaskTimedOut as AWS does. */
  private deliver(token: string, outcome: TaskOutcome): void {
    const waiter = this.waiters.get(token);
    if (waiter) {
      this.settle(waiter, outcome);
      this.log('output' in outcome ? 'task token succeeded' : 'task token failed', {
        executionArn: waiter.exec.record.executionArn,
        stateName: waiter.stateName,
      });
      return;
    }
    const exec = this.executionForToken(token);
    if (this.awaitsResume(exec, token)) {
      exec.early = { token, outcome };
      return;
    }
    throw taskTimedOut();
  }

  private executionForToken(token: string): Execution {
    const executionArn = this.tokenIndex.get(hashToken(token));
    const exec = executionArn === undefined ? undefined : this.executions.get(executionArn);
    if (!exec) throw new SfnApiError('TaskDoesNotExist', 'Task Does Not Exist: the task token is not known');
    return exec;
  }

  /** The token is the saved pending token of an execution loaded from disk and not resumed yet. */
  private awaitsResume(exec: Execution, token: string): boolean {
    return exec.record.status === 'RUNNING' && !exec.run && exec.record.pending?.token === token;
  }

  // ---------------------------------------------------------------- API

  private async apiStartExecution(body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const stateMachineArn = requireString(body, 'stateMachineArn', 'InvalidArn');
    const name = optionalString(body, 'name');
    const input = optionalString(body, 'input') ?? '{}';
    const started = await this.startExecution(stateMachineArn, name, input);
    return { executionArn: started.executionArn, startDate: started.startDate / 1000 };
  }

  private apiListExecutions(body: Record<string, unknown>): Record<string, unknown> {
    const stateMachineArn = optionalString(body, 'stateMachineArn');
    if (stateMachineArn !== undefined && !this.machines.has(stateMachineArn)) {
      throw new SfnApiError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${stateMachineArn}'`);
    }
    const statusFilter = optionalString(body, 'statusFilter');
    const records = [...this.executions.values()]
      .map((exec) => exec.record)
      .filter((r) => stateMachineArn === undefined || r.stateMachineArn === stateMachineArn)
      .filter((r) => statusFilter === undefined || r.status === statusFilter)
      .reverse()
      .sort((a, b) => b.startDate - a.startDate);
    const page = paginate(records, body);
    return {
      executions: page.items.map((r) => ({
        executionArn: r.executionArn,
        stateMachineArn: r.stateMachineArn,
        name: r.name,
        status: r.status,
        startDate: r.startDate / 1000,
        ...(r.stopDate === undefined ? {} : { stopDate: r.stopDate / 1000 }),
      })),
      ...(page.nextToken === undefined ? {} : { nextToken: page.nextToken }),
    };
  }

  private apiGetExecutionHistory(body: Record<string, unknown>): Record<string, unknown> {
    const exec = this.getExecution(requireString(body, 'executionArn', 'InvalidArn'));
    const includeData = body.includeExecutionData !== false;
    const events = exec.record.history.map((event) => toApiEvent(event, includeData));
    if (body.reverseOrder === true) events.reverse();
    const page = paginate(events, body);
    return { events: page.items, ...(page.nextToken === undefined ? {} : { nextToken: page.nextToken }) };
  }

  private apiSendTaskSuccess(body: Record<string, unknown>): Record<string, unknown> {
    const token = requireToken(body);
    const text = requireString(body, 'output', 'InvalidOutput');
    let output: unknown;
    try {
      output = JSON.parse(text);
    } catch {
      throw new SfnApiError('InvalidOutput', 'Invalid Output: the output is not valid JSON');
    }
    this.deliver(token, { output });
    return {};
  }

  private apiSendTaskFailure(body: Record<string, unknown>): Record<string, unknown> {
    const token = requireToken(body);
    const error = optionalString(body, 'error');
    const cause = optionalString(body, 'cause');
    this.deliver(token, { error: namedError(error ?? 'States.TaskFailed', cause ?? '') });
    return {};
  }

  private apiSendTaskHeartbeat(body: Record<string, unknown>): Record<string, unknown> {
    const token = requireToken(body);
    if (this.waiters.has(token)) return {};
    const exec = this.executionForToken(token);
    if (this.awaitsResume(exec, token)) return {};
    throw taskTimedOut();
  }

  private async apiStopExecution(body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const exec = this.getExecution(requireString(body, 'executionArn', 'InvalidArn'));
    const { record } = exec;
    if (record.status !== 'RUNNING') return { stopDate: (record.stopDate ?? Date.now()) / 1000 };
    const error = optionalString(body, 'error');
    const cause = optionalString(body, 'cause');
    const run = exec.run;
    exec.run = undefined;
    record.status = 'ABORTED';
    record.stopDate = Date.now();
    record.error = error;
    record.cause = cause;
    record.current = undefined;
    record.pending = undefined;
    appendHistory(record.history, {
      type: 'ExecutionAborted',
      details: {
        executionAbortedEventDetails: {
          ...(error === undefined ? {} : { error }),
          ...(cause === undefined ? {} : { cause }),
        },
      },
    });
    if (run) {
      run.ended = true;
      run.abort();
      this.dropWaiters(run);
    }
    await this.store.save(record);
    this.log('execution stopped', { executionArn: record.executionArn });
    return { stopDate: record.stopDate / 1000 };
  }

  private apiDescribeStateMachine(body: Record<string, unknown>): Record<string, unknown> {
    const arn = requireString(body, 'stateMachineArn', 'InvalidArn');
    const machine = this.machines.get(arn);
    if (!machine) throw new SfnApiError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
    return {
      stateMachineArn: machine.arn,
      name: machine.name,
      status: 'ACTIVE',
      definition: JSON.stringify(machine.definition),
      roleArn: machine.roleArn,
      type: 'STANDARD',
      creationDate: machine.creationDate / 1000,
    };
  }

  private getExecution(executionArn: string): Execution {
    const exec = this.executions.get(executionArn);
    if (!exec) throw new SfnApiError('ExecutionDoesNotExist', `Execution Does Not Exist: '${executionArn}'`);
    return exec;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('The local Step Functions service is closed');
  }
}

// ------------------------------------------------------------------ helpers

function newToken(): string {
  return randomBytes(32).toString('base64url');
}

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

function executionArnFor(stateMachineArn: string, name: string): string {
  const match = /^(arn:[^:]+:states:[^:]*:[^:]*:)stateMachine:(.+)$/.exec(stateMachineArn);
  return match?.[1] !== undefined && match[2] !== undefined
    ? `${match[1]}execution:${match[2]}:${name}`
    : `${stateMachineArn}:${name}`;
}

function hasControl(text: string): boolean {
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) return true;
  }
  return false;
}

function describeExecution(record: ExecutionRecord): Record<string, unknown> {
  return {
    executionArn: record.executionArn,
    stateMachineArn: record.stateMachineArn,
    name: record.name,
    status: record.status,
    startDate: record.startDate / 1000,
    ...(record.stopDate === undefined ? {} : { stopDate: record.stopDate / 1000 }),
    input: record.input,
    inputDetails: { included: true },
    ...(record.output === undefined ? {} : { output: record.output, outputDetails: { included: true } }),
    ...(record.error === undefined ? {} : { error: record.error }),
    ...(record.cause === undefined ? {} : { cause: record.cause }),
    redriveCount: 0,
  };
}

function paginate<T>(items: T[], body: Record<string, unknown>): { items: T[]; nextToken?: string } {
  let offset = 0;
  if (typeof body.nextToken === 'string' && body.nextToken !== '') {
    offset = Number.parseInt(Buffer.from(body.nextToken, 'base64url').toString('utf8'), 10);
    if (!Number.isSafeInteger(offset) || offset < 0)
      throw new SfnApiError('InvalidToken', 'Invalid nextToken');
  }
  const max = typeof body.maxResults === 'number' && body.maxResults > 0 ? body.maxResults : items.length;
  const page = items.slice(offset, offset + max);
  const next = offset + page.length;
  return next < items.length
    ? { items: page, nextToken: Buffer.from(String(next)).toString('base64url') }
    : { items: page };
}

function optionalString(body: Record<string, unknown>, key: string): string | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new SfnApiError('ValidationException', `${key} must be a string`);
  return value;
}

function requireString(body: Record<string, unknown>, key: string, type: string): string {
  const value = optionalString(body, key);
  if (value === undefined || value === '') throw new SfnApiError(type, `${key} is required`);
  return value;
}

function requireToken(body: Record<string, unknown>): string {
  const token = requireString(body, 'taskToken', 'InvalidToken');
  if (token.length > 2048) throw new SfnApiError('InvalidToken', 'Invalid Token: too long');
  return token;
}

function taskTimedOut(): SfnApiError {
  return new SfnApiError('TaskTimedOut', 'Task Timed Out: the task is no longer waiting for this token');
}

function functionNameOf(params: Record<string, unknown>): string {
  if (typeof params.FunctionName !== 'string') {
    throw namedError('States.Runtime', 'The task Parameters have no FunctionName string');
  }
  return params.FunctionName;
}

function namedError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

/** The task failure for a thrown value: same name (so Catch matches it) and message. */
function taskError(error: unknown): Error {
  if (error instanceof Error) return namedError(error.name || 'Error', error.message);
  if (isRecord(error)) {
    return namedError(
      typeof error.name === 'string' ? error.name : 'Error',
      typeof error.message === 'string' ? error.message : toJsonString(error),
    );
  }
  return namedError('Error', String(error));
}

function endedError(): Error {
  return namedError('Tollgate.RunEnded', 'The run was stopped or the service closed');
}

/** As Lambda returns it: JSON-serialised (undefined → null). */
function toJson(value: unknown): unknown {
  const text = JSON.stringify(value);
  return text === undefined ? null : JSON.parse(text);
}

function failureOf(error: unknown): Finish {
  if (error instanceof ExecutionTimeoutError) {
    return {
      status: 'TIMED_OUT',
      error: 'States.Timeout',
      cause: 'The execution exceeded its TimeoutSeconds',
    };
  }
  const cause = error instanceof ExecutionError ? error.cause : error;
  if (cause instanceof Error) return { status: 'FAILED', error: cause.name, cause: cause.message };
  return { status: 'FAILED', error: 'States.Runtime', cause: String(cause) };
}
