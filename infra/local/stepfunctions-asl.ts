/**
 * Definition handling for the embedded Step Functions service: checks a state
 * machine definition before anything runs, prepares the copy the library runs,
 * and builds the copy used to resume at a saved top-level state.
 *
 * The library (aws-local-stepfunctions 3) quirks handled here are measured in
 * shared/notes/local-step-functions.md.
 */
import { type RunOptions, StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';

export type TaskKind = 'invoke' | 'waitForTaskToken' | 'startExecution';

export interface TaskInfo {
  stateName: string;
  kind: TaskKind;
  resource: string;
  /** `TimeoutSeconds` of the original definition (waitForTaskToken deadline); undefined = no deadline. */
  timeoutSeconds: number | undefined;
  topLevel: boolean;
}

export interface CompiledMachine {
  name: string;
  arn: string;
  definition: Record<string, unknown>;
  /** The copy handed to the library (wait states' timeouts neutralised, see `compileMachine`). */
  runDefinition: StateMachineDefinition;
  stateMachine: StateMachine;
  tasks: Map<string, TaskInfo>;
  topLevelStates: Set<string>;
  roleArn: string;
  creationDate: number;
}

export type JsonValue = Parameters<StateMachine['run']>[0];
export type TaskHandlers = NonNullable<NonNullable<RunOptions['overrides']>['taskResourceLocalHandlers']>;

/** Name of the synthetic Pass state a resumed run starts with; reserved. */
export const RESUME_STATE = 'Tollgate.Resume';

/**
 * The library's own task timer for `.waitForTaskToken` states is set to this
 * (its maximum before Node's timer overflows, ~24.8 days): the service keeps
 * the real deadline itself so it survives restarts.
 */
const LIBRARY_WAIT_TIMEOUT_SECONDS = 2_147_483;

const SUPPORTED_RESOURCE =
  /^arn:[a-z][a-z0-9-]*:states:::(lambda:invoke|lambda:invoke\.waitForTaskToken|states:startExecution)$/;
const KIND_BY_SUFFIX: Record<string, TaskKind> = {
  'lambda:invoke': 'invoke',
  'lambda:invoke.waitForTaskToken': 'waitForTaskToken',
  'states:startExecution': 'startExecution',
};

const validDefinitions = new Set<string>();

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Checks a definition and prepares it for the library. Throws an Error naming
 * the machine and the state for: an unsupported Task Resource (anything but
 * lambda:invoke, lambda:invoke.waitForTaskToken, states:startExecution), a
 * state name used twice anywhere in the machine (AWS requires unique names; the
 * local handlers and the resume point are keyed by name), JSONata or `Assign`
 * (silently ignored or broken in the library), `TimeoutSecondsPath` on a
 * waitForTaskToken state (the deadline must be known to persist it), and
 * anything the library's own validator rejects.
 */
export function compileMachine(spec: {
  name: string;
  arn: string;
  definition: Record<string, unknown>;
}): CompiledMachine {
  const where = `State machine "${spec.name}"`;
  const runDefinition = structuredClone(spec.definition);
  const tasks = new Map<string, TaskInfo>();
  const seen = new Set<string>();
  checkGraph(where, runDefinition, true, seen, tasks, 'definition');
  // The library's execution timer is one setTimeout: past 2,147,483 s Node fires it at once.
  // A backstop that long (CDK stacks use up to a year) is dropped locally rather than misfire.
  if (
    typeof runDefinition.TimeoutSeconds === 'number' &&
    runDefinition.TimeoutSeconds > LIBRARY_WAIT_TIMEOUT_SECONDS
  ) {
    delete runDefinition.TimeoutSeconds;
  }
  const topLevelStates = new Set(Object.keys(runDefinition.States as Record<string, unknown>));

  // The library's validator costs 40-250 ms a definition: validate each distinct one once per process.
  const key = JSON.stringify(runDefinition);
  if (!validDefinitions.has(key)) {
    try {
      new StateMachine(runDefinition as unknown as StateMachineDefinition);
    } catch (error) {
      throw new Error(`${where}: ${error instanceof Error ? error.message : String(error)}`);
    }
    validDefinitions.add(key);
  }
  const stateMachine = new StateMachine(runDefinition as unknown as StateMachineDefinition, {
    validationOptions: { noValidate: true },
  });
  const account = /^arn:[^:]+:states:[^:]*:([^:]*):/.exec(spec.arn)?.[1] || '000000000000';
  const partition = /^arn:([^:]+):/.exec(spec.arn)?.[1] ?? 'aws';
  return {
    name: spec.name,
    arn: spec.arn,
    definition: spec.definition,
    runDefinition: runDefinition as unknown as StateMachineDefinition,
    stateMachine,
    tasks,
    topLevelStates,
    roleArn: `arn:${partition}:iam::${account}:role/tollgate-local-${spec.name}`.slice(0, 256),
    creationDate: Date.now(),
  };
}

function checkGraph(
  where: string,
  graph: unknown,
  topLevel: boolean,
  seen: Set<string>,
  tasks: Map<string, TaskInfo>,
  what: string,
): void {
  if (!isRecord(graph) || !isRecord(graph.States) || typeof graph.StartAt !== 'string') {
    throw new Error(`${where}: ${what} needs "StartAt" and "States"`);
  }
  if (graph.QueryLanguage !== undefined && graph.QueryLanguage !== 'JSONPath') {
    throw new Error(
      `${where}: only JSONPath is supported (${what} sets QueryLanguage ${String(graph.QueryLanguage)})`,
    );
  }
  for (const [name, state] of Object.entries(graph.States)) {
    const at = `${where}, state "${name}"`;
    if (name === RESUME_STATE) throw new Error(`${at}: the name "${RESUME_STATE}" is reserved`);
    if (seen.has(name)) throw new Error(`${at}: the name is used more than once in the machine`);
    seen.add(name);
    if (!isRecord(state)) throw new Error(`${at}: not an object`);
    if (state.QueryLanguage !== undefined && state.QueryLanguage !== 'JSONPath') {
      throw new Error(`${at}: only JSONPath is supported`);
    }
    if ('Assign' in state) throw new Error(`${at}: "Assign" (variables) is not supported locally`);
    switch (state.Type) {
      case 'Task':
        tasks.set(name, checkTask(at, name, state, topLevel));
        break;
      case 'Parallel': {
        const branches = Array.isArray(state.Branches) ? state.Branches : [];
        branches.forEach((branch, i) => {
          checkGraph(where, branch, false, seen, tasks, `branch ${i} of "${name}"`);
        });
        break;
      }
      case 'Map':
        if ('ItemReader' in state || 'ResultWriter' in state) {
          throw new Error(`${at}: distributed Map (ItemReader/ResultWriter) is not supported locally`);
        }
        checkGraph(
          where,
          state.ItemProcessor ?? state.Iterator,
          false,
          seen,
          tasks,
          `item processor of "${name}"`,
        );
        break;
      default:
        break;
    }
  }
}

function checkTask(at: string, name: string, state: Record<string, unknown>, topLevel: boolean): TaskInfo {
  const resource = state.Resource;
  const match = typeof resource === 'string' ? SUPPORTED_RESOURCE.exec(resource) : null;
  const kind = match?.[1] === undefined ? undefined : KIND_BY_SUFFIX[match[1]];
  if (typeof resource !== 'string' || kind === undefined) {
    throw new Error(
      `${at}: unsupported Task Resource ${JSON.stringify(resource)} ` +
        '(supported: arn:<partition>:states:::lambda:invoke, lambda:invoke.waitForTaskToken, states:startExecution)',
    );
  }
  let timeoutSeconds: number | undefined;
  if (kind === 'waitForTaskToken') {
    if ('TimeoutSecondsPath' in state) {
      throw new Error(
        `${at}: TimeoutSecondsPath is not supported on a waitForTaskToken task, use TimeoutSeconds`,
      );
    }
    if (state.TimeoutSeconds !== undefined) {
      if (typeof state.TimeoutSeconds !== 'number' || !(state.TimeoutSeconds > 0)) {
        throw new Error(`${at}: TimeoutSeconds must be a positive number`);
      }
      timeoutSeconds = state.TimeoutSeconds;
    }
    // The service enforces the deadline; keep the library's timer out of the way.
    state.TimeoutSeconds = LIBRARY_WAIT_TIMEOUT_SECONDS;
  }
  return { stateName: name, kind, resource, timeoutSeconds, topLevel };
}

/**
 * A copy of the run definition that starts at `stateName` with `stateInput`.
 * It begins with a synthetic Pass state that produces the saved input, so the
 * run itself can be given the original execution input: the library sets
 * `$$.Execution.Input` to the run input.
 */
export function resumeDefinition(
  definition: StateMachineDefinition,
  stateName: string,
  stateInput: unknown,
): StateMachineDefinition {
  // A Pass state treats a falsy Result as absent: wrap those values.
  const pass = stateInput
    ? { Type: 'Pass', Result: stateInput, Next: stateName }
    : { Type: 'Pass', Result: { value: stateInput }, OutputPath: '$.value', Next: stateName };
  return {
    ...definition,
    StartAt: RESUME_STATE,
    States: { ...definition.States, [RESUME_STATE]: pass },
  } as StateMachineDefinition;
}

/**
 * Runs `start` (a synchronous `StateMachine.run` call) so that the library's
 * `$$.Execution.StartTime` is `startTime`. The library overwrites the context's
 * StartTime with `new Date().toISOString()` synchronously inside `run()`,
 * before any state executes; that one call is answered with `startTime`.
 */
export function withStartTime<T>(startTime: string, start: () => T): T {
  const original = Date.prototype.toISOString;
  Date.prototype.toISOString = function toISOStringOnce(this: Date): string {
    Date.prototype.toISOString = original;
    return startTime;
  };
  try {
    return start();
  } finally {
    Date.prototype.toISOString = original;
  }
}

let statesTimeoutError: Promise<(new () => Error) | undefined> | undefined;

/**
 * The library's own `States.Timeout` error class (not exported). Rejecting a
 * task with an instance of it makes `States.TaskFailed` not match a timeout, as
 * on AWS; `States.Timeout` and `States.ALL` match either way. Found once by
 * letting a 1 ms task time out.
 */
export function loadStatesTimeoutError(): Promise<(new () => Error) | undefined> {
  statesTimeoutError ??= (async () => {
    const probe = new StateMachine(
      {
        StartAt: 'Probe',
        States: {
          Probe: {
            Type: 'Task',
            Resource: 'arn:aws:states:::lambda:invoke',
            TimeoutSeconds: 0.001,
            End: true,
          },
        },
      },
      { validationOptions: { noValidate: true } },
    );
    const { result } = probe.run(null, {
      overrides: { taskResourceLocalHandlers: { Probe: () => new Promise<never>(() => {}) } },
    });
    try {
      await result;
    } catch (error) {
      const cause = error instanceof Error ? error.cause : undefined;
      if (cause instanceof Error && cause.name === 'States.Timeout')
        return cause.constructor as new () => Error;
    }
    return undefined;
  })();
  return statesTimeoutError;
}
