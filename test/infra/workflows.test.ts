import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../infra/app.ts';
import { HANDLER_METADATA } from '../../infra/constructs/tollgate-function.ts';
import { WORKFLOW_METADATA } from '../../workflows/standard-state-machine.ts';

type Resource = { Type: string; Properties: Record<string, unknown>; Metadata?: Record<string, unknown> };
type Catcher = { ErrorEquals: string[]; Next: string; ResultPath?: string | null };
type Rule = { Variable?: string; StringEquals?: string; Next: string; [operator: string]: unknown };
type State = {
  Type: string;
  Next?: string;
  Default?: string;
  Choices?: Rule[];
  Catch?: Catcher[];
  Retry?: { ErrorEquals: string[] }[];
  Resource?: string;
  Parameters?: Record<string, unknown>;
  ResultSelector?: Record<string, unknown>;
  ResultPath?: string | null;
  TimeoutSeconds?: number;
  [field: string]: unknown;
};
type Definition = {
  StartAt: string;
  States: Record<string, State>;
  TimeoutSeconds?: number;
  [field: string]: unknown;
};

const WORKFLOWS = ['intake', 'gate-review', 'close-out', 'trail-job'] as const;
const ONE_YEAR = 365 * 24 * 60 * 60;

let resources: Record<string, Resource>;
const machines: Record<string, { id: string; definition: Definition }> = {};

beforeAll(() => {
  // Prepare: the deployed app (cdk-nag is test/infra/stack.test.ts's business), synthesized once;
  // every token in a definition resolved to a readable name: `function:<handler>`,
  // `stateMachine:<workflow>`, the partition to `aws`.
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const { stack } = buildApp(app, { nag: false });
  resources = Template.fromStack(stack).toJSON().Resources as Record<string, Resource>;
  const resolve = (part: unknown): string => {
    if (typeof part === 'string') return part;
    const token = part as { Ref?: string; 'Fn::GetAtt'?: [string, string] };
    if (token.Ref === 'AWS::Partition') return 'aws';
    const metadata = resources[token.Ref ?? token['Fn::GetAtt']?.[0] ?? '']?.Metadata ?? {};
    if (typeof metadata[HANDLER_METADATA] === 'string') return `function:${metadata[HANDLER_METADATA]}`;
    if (typeof metadata[WORKFLOW_METADATA] === 'string') return `stateMachine:${metadata[WORKFLOW_METADATA]}`;
    throw new Error(`unexpected token in a definition: ${JSON.stringify(part)}`);
  };
  for (const [id, r] of Object.entries(resources)) {
    if (r.Type !== 'AWS::StepFunctions::StateMachine') continue;
    const body = r.Properties.DefinitionString as string | { 'Fn::Join': [string, unknown[]] };
    const text = typeof body === 'string' ? body : body['Fn::Join'][1].map(resolve).join(body['Fn::Join'][0]);
    machines[String(r.Metadata?.[WORKFLOW_METADATA])] = { id, definition: JSON.parse(text) as Definition };
  }
});

const definitionOf = (workflow: string): Definition => {
  const machine = machines[workflow];
  if (!machine) throw new Error(`no ${workflow} state machine`);
  return machine.definition;
};
const stateOf = (workflow: string, name: string): State => {
  const state = definitionOf(workflow).States[name];
  if (!state) throw new Error(`no state ${name} in ${workflow}`);
  return state;
};
const tasksOf = (workflow: string) =>
  Object.entries(definitionOf(workflow).States).filter(([, s]) => s.Type === 'Task');
const waitsOf = (workflow: string) =>
  tasksOf(workflow).filter(([, s]) => String(s.Resource).endsWith('.waitForTaskToken'));
/** Every transition out of a state: Next, a Choice rule or its Default, a Catch. */
const transitionsOf = (state: State) => [
  ...(state.Next ? [{ to: state.Next, via: 'Next' as unknown }] : []),
  ...(state.Choices ?? []).map((rule) => ({ to: rule.Next, via: rule as unknown })),
  ...(state.Default ? [{ to: state.Default, via: 'Default' as unknown }] : []),
  ...(state.Catch ?? []).map((c) => ({ to: c.Next, via: c as unknown })),
];
const reachableFrom = (workflow: string, start: string): Set<string> => {
  const seen = new Set<string>();
  const queue = [start];
  while (queue.length) {
    const name = queue.shift() as string;
    for (const { to } of transitionsOf(stateOf(workflow, name)))
      if (!seen.has(to)) {
        seen.add(to);
        queue.push(to);
      }
  }
  return seen;
};
/** Every key and string anywhere in a definition, for what must appear nowhere. */
const walk = (
  value: unknown,
  visit: (key: string | undefined, value: unknown) => void,
  key?: string,
): void => {
  visit(key, value);
  if (Array.isArray(value)) for (const item of value) walk(item, visit);
  else if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) walk(v, visit, k);
};
/** The statements of every IAM policy attached to a state machine's role. */
const roleStatementsOf = (workflow: string) => {
  const machine = resources[machines[workflow]?.id ?? ''] as Resource;
  const role = (machine.Properties.RoleArn as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0];
  return Object.values(resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy')
    .filter((p) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === role))
    .flatMap(
      (p) =>
        (p.Properties.PolicyDocument as { Statement: { Action: string | string[]; Resource: unknown }[] })
          .Statement,
    );
};
const startableBy = (workflow: string) =>
  roleStatementsOf(workflow)
    .filter((s) => [s.Action].flat().includes('states:StartExecution'))
    .flatMap((s) => [s.Resource].flat() as { Ref: string }[])
    .map((r) => resources[r.Ref]?.Metadata?.[WORKFLOW_METADATA])
    .sort();

describe('every state machine', () => {
  it('is rendered for intake, gate review, close-out and the trail job', () => {
    expect(Object.keys(machines).sort()).toEqual([...WORKFLOWS].sort());
  });

  it('ends its executions well within the one-year limit of a Standard execution', () => {
    for (const workflow of WORKFLOWS) {
      const definition = definitionOf(workflow);
      expect(definition.TimeoutSeconds, workflow).toBeGreaterThan(0);
      expect(definition.TimeoutSeconds, workflow).toBeLessThanOrEqual(ONE_YEAR);
      // Other executions are started, never waited on: a `.sync` would add their lives to this one.
      for (const [name, task] of tasksOf(workflow))
        expect(task.Resource, `${workflow}.${name}`).not.toMatch(/\.sync/);
      for (const [name, state] of Object.entries(definition.States))
        expect(['Task', 'Choice', 'Pass', 'Succeed', 'Fail'], `${workflow}.${name}`).toContain(state.Type);
    }
    expect(definitionOf('intake').TimeoutSeconds).toBeLessThanOrEqual(15 * 60);
  });

  it('gives every Task a timeout', () => {
    for (const workflow of WORKFLOWS)
      for (const [name, task] of tasksOf(workflow)) {
        expect(task.TimeoutSeconds, `${workflow}.${name}`).toBeGreaterThan(0);
        expect(task.TimeoutSeconds, `${workflow}.${name}`).toBeLessThanOrEqual(24 * 60 * 60);
      }
  });

  it('catches a timeout, then everything else, on every wait for a task token', () => {
    let waits = 0;
    for (const workflow of WORKFLOWS)
      for (const [name, task] of waitsOf(workflow)) {
        waits += 1;
        const catches = task.Catch ?? [];
        expect(catches[0]?.ErrorEquals, `${workflow}.${name}`).toEqual(['States.Timeout']);
        expect(catches.at(-1)?.ErrorEquals, `${workflow}.${name}`).toEqual(['States.ALL']);
        // Into the trail first, then the Fail (test/infra/trail.test.ts).
        expect(catches.at(-1)?.Next, `${workflow}.${name}`).toBe('RecordFailure');
        expect(stateOf(workflow, stateOf(workflow, 'RecordFailure').Next ?? '').Type).toBe('Fail');
        // The token goes to the function that stores it, and nowhere else.
        expect(JSON.stringify(task.Parameters)).toContain('"taskToken.$":"$$.Task.Token"');
      }
    expect(waits).toBe(2); // the gate wait, in gate review and in close-out
  });

  it('uses JSONPath only: no JSONata, no Assign or variables (the local runner ignores them)', () => {
    for (const workflow of WORKFLOWS) {
      walk(definitionOf(workflow), (key, value) => {
        expect(['Assign', 'Arguments', 'Output'], `${workflow}: ${key}`).not.toContain(key);
        if (key === 'QueryLanguage') expect(value, workflow).toBe('JSONPath');
        if (typeof value === 'string') {
          expect(value, workflow).not.toMatch(/^\{%/);
          expect(value, workflow).not.toMatch(/^\$(?!\$|\.|$)/); // `$name`: a variable
        }
      });
    }
  });

  it('catches by name only errors whose names survive minification (test/infra/error-names.test.ts)', () => {
    const named = new Set<string>();
    for (const workflow of WORKFLOWS)
      for (const state of Object.values(definitionOf(workflow).States))
        for (const rule of [...(state.Catch ?? []), ...(state.Retry ?? [])])
          for (const error of rule.ErrorEquals)
            if (!/^(States|Lambda|StepFunctions)\./.test(error)) named.add(error);
    expect(
      [...named].every((e) => ['ProposalRejectedError', 'TaskInputError', 'GateTaskError'].includes(e)),
    ).toBe(true);
  });

  it('routes on `$.next.route` only, which ApplyDecision or RecordProposal set', () => {
    for (const workflow of WORKFLOWS)
      for (const [name, state] of Object.entries(definitionOf(workflow).States)) {
        if (state.Type !== 'Choice') continue;
        for (const rule of state.Choices ?? [])
          expect(Object.keys(rule).sort(), `${workflow}.${name}`).toEqual([
            'Next',
            'StringEquals',
            'Variable',
          ]);
        expect(new Set((state.Choices ?? []).map((r) => r.Variable)), `${workflow}.${name}`).toEqual(
          new Set(['$.next.route']),
        );
      }
  });
});

describe('the gate wait, in gate review and close-out', () => {
  const waiting = ['gate-review', 'close-out'];

  it('opens the gate with its task token and discards whatever the resume sends', () => {
    for (const workflow of waiting) {
      expect(definitionOf(workflow).StartAt).toBe('OpenGate');
      const openGate = stateOf(workflow, 'OpenGate');
      expect(openGate).toMatchObject({
        Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
        Parameters: { FunctionName: 'function:open-gate' },
        ResultPath: null,
        Next: 'ApplyDecision',
      });
      expect(openGate.OutputPath, workflow).toBeUndefined();
      expect(openGate.ResultSelector, workflow).toBeUndefined();
      expect(openGate.Catch?.[0]).toMatchObject({ Next: 'ExpireGate', ResultPath: null });
      expect(stateOf(workflow, 'ExpireGate')).toMatchObject({
        Parameters: { FunctionName: 'function:expire-gate' },
        ResultPath: null,
        Next: 'ApplyDecision',
      });
    }
  });

  it("takes route, gate and executionName from ApplyDecision's Payload into `$.next`", () => {
    for (const workflow of waiting) {
      const applyDecision = stateOf(workflow, 'ApplyDecision');
      expect(applyDecision).toMatchObject({
        Resource: 'arn:aws:states:::lambda:invoke',
        Parameters: { FunctionName: 'function:apply-decision' },
        ResultPath: '$.next',
        Next: 'StillOpen',
      });
      expect(applyDecision.ResultSelector, workflow).toEqual({
        'route.$': '$.Payload.route',
        'gate.$': '$.Payload.gate',
        'executionName.$': '$.Payload.executionName',
      });
    }
  });

  it('waits again only on the same gate, and only when ApplyDecision says it is still open', () => {
    for (const workflow of waiting) {
      const states = definitionOf(workflow).States;
      // The only way back into a wait: StillOpen, when `$.next.route` is "wait".
      const intoWait = Object.entries(states).flatMap(([from, state]) =>
        transitionsOf(state)
          .filter((t) => t.to === 'OpenGate')
          .map((t) => ({ from, via: t.via })),
      );
      expect(intoWait, workflow).toEqual([
        { from: 'StillOpen', via: { Variable: '$.next.route', StringEquals: 'wait', Next: 'OpenGate' } },
      ]);
      expect(waitsOf(workflow).map(([name]) => name)).toEqual(['OpenGate']);
      // Nothing on that loop touches `$.gate`: the wait it comes back to is the same gate's.
      const onLoop = [...reachableFrom(workflow, 'OpenGate')].filter((name) =>
        reachableFrom(workflow, name).has('OpenGate'),
      );
      expect(onLoop.sort(), workflow).toEqual(['ApplyDecision', 'ExpireGate', 'OpenGate', 'StillOpen']);
      for (const name of onLoop) {
        const state = stateOf(workflow, name);
        expect([undefined, null, '$.next'], `${workflow}.${name}`).toContain(state.ResultPath);
        expect(state.InputPath ?? state.OutputPath, `${workflow}.${name}`).toBeUndefined();
        for (const c of state.Catch ?? [])
          if (onLoop.includes(c.Next)) expect(c.ResultPath, `${workflow}.${name}`).toBeNull();
      }
    }
  });
});

describe('the gate review', () => {
  it('follows a decision by ending: the next gate is a fresh execution, a close-out its own machine', () => {
    const route = stateOf('gate-review', 'FollowRoute');
    expect(stateOf('gate-review', 'StillOpen').Default).toBe('DecisionFollowed');
    expect(stateOf('gate-review', 'DecisionFollowed')).toEqual({ Type: 'Pass', Next: 'FollowRoute' });
    expect(route.Choices?.map((c) => [c.StringEquals, c.Next])).toEqual([
      ['open-gate', 'StartNextGateReview'],
      ['close-out', 'StartCloseOut'],
    ]);
    expect(stateOf('gate-review', route.Default ?? '').Type).toBe('Succeed');
    // No decision leads back into a wait in this execution.
    for (const start of ['StartNextGateReview', 'StartCloseOut', route.Default ?? ''])
      expect(reachableFrom('gate-review', start).has('OpenGate'), start).toBe(false);
  });

  it("starts the next gate's review as a new execution of itself, named by ApplyDecision", () => {
    const start = stateOf('gate-review', 'StartNextGateReview');
    expect(start).toMatchObject({
      Type: 'Task',
      Resource: 'arn:aws:states:::states:startExecution',
      Parameters: {
        'StateMachineArn.$': '$$.StateMachine.Id',
        'Name.$': '$.next.executionName',
        Input: { 'projectId.$': '$.projectId', 'gate.$': '$.next.gate' },
      },
      ResultPath: null,
    });
    expect(start.Parameters?.StateMachineArn).toBeUndefined();
    // Started before (a redelivered step): done. Anything else: the execution fails, loudly.
    expect(start.Catch?.map((c) => c.ErrorEquals)).toEqual([
      ['StepFunctions.ExecutionAlreadyExistsException'],
      ['States.ALL'],
    ]);
    expect(stateOf('gate-review', start.Catch?.[0]?.Next ?? '').Type).toBe('Succeed');
    expect(start.Catch?.[1]?.Next).toBe('RecordFailure');
    expect(stateOf('gate-review', stateOf('gate-review', 'RecordFailure').Next ?? '').Type).toBe('Fail');
    expect(stateOf('gate-review', start.Next ?? '').Type).toBe('Succeed');
  });

  it('starts the close-out under the name ApplyDecision gives it', () => {
    const start = stateOf('gate-review', 'StartCloseOut');
    expect(start).toMatchObject({
      Resource: 'arn:aws:states:::states:startExecution',
      Parameters: { StateMachineArn: 'stateMachine:close-out', 'Name.$': '$.next.executionName' },
      ResultPath: null,
    });
    expect(start.Catch?.[0]?.ErrorEquals).toEqual(['StepFunctions.ExecutionAlreadyExistsException']);
  });
});

describe("the state machines' IAM", () => {
  it('lets the gate review start only itself and the close-out; the intake both; the close-out and trail job none', () => {
    expect(startableBy('gate-review')).toEqual(['close-out', 'gate-review']);
    expect(startableBy('intake')).toEqual(['close-out', 'gate-review']);
    expect(startableBy('close-out')).toEqual([]);
    expect(startableBy('trail-job')).toEqual([]);
  });

  it('lets a machine invoke only the functions its tasks name (and their versions)', () => {
    const named = (workflow: string) =>
      [
        ...new Set(
          tasksOf(workflow)
            .map(([, task]) => task.Parameters?.FunctionName)
            .filter((f): f is string => typeof f === 'string'),
        ),
      ].sort();
    const invocable = (workflow: string) =>
      [
        ...new Set(
          roleStatementsOf(workflow)
            .filter((s) => [s.Action].flat().some((a) => a.startsWith('lambda:')))
            .flatMap((s) => {
              expect([s.Action].flat(), workflow).toEqual(['lambda:InvokeFunction']);
              return [s.Resource].flat();
            })
            .map((r) => {
              // `<fn>.Arn`, or `<fn>.Arn:*` (its versions and aliases)
              const token = r as { 'Fn::GetAtt'?: [string]; 'Fn::Join'?: [string, unknown[]] };
              const join = token['Fn::Join'];
              if (join) expect(join[1].slice(1), workflow).toEqual([':*']);
              const arn = (join ? join[1][0] : token) as { 'Fn::GetAtt': [string] };
              return `function:${resources[arn['Fn::GetAtt'][0]]?.Metadata?.[HANDLER_METADATA]}`;
            }),
        ),
      ].sort();
    expect(named('intake')).toEqual(['function:record-proposal']);
    expect(named('trail-job')).toEqual(['function:trail-job']);
    expect(named('close-out')).toContain('function:anchor-trail');
    expect(named('gate-review')).not.toContain('function:anchor-trail');
    for (const workflow of WORKFLOWS) expect(invocable(workflow), workflow).toEqual(named(workflow));
  });

  it('grants a machine no Step Functions action but StartExecution, and nothing on "*" but logs and X-Ray', () => {
    for (const workflow of WORKFLOWS)
      for (const s of roleStatementsOf(workflow)) {
        const actions = [s.Action].flat();
        for (const action of actions.filter((a) => a.startsWith('states:')))
          expect(action, workflow).toBe('states:StartExecution');
        if (s.Resource === '*')
          for (const action of actions) expect(action, workflow).toMatch(/^(logs|xray):/);
      }
  });
});

describe('intake', () => {
  it('records the proposal, then starts where the project starts (a gate review or the close-out)', () => {
    const intake = definitionOf('intake');
    expect(intake.StartAt).toBe('RecordProposal');
    const record = stateOf('intake', 'RecordProposal');
    expect(record).toMatchObject({
      Parameters: { FunctionName: 'function:record-proposal' },
      ResultPath: '$.next',
    });
    expect(record.ResultSelector).toEqual(stateOf('gate-review', 'ApplyDecision').ResultSelector);
    expect(record.Catch?.[0]).toMatchObject({
      ErrorEquals: ['ProposalRejectedError', 'TaskInputError'],
      Next: 'ProposalRejected',
    });
    const where = stateOf('intake', record.Next ?? '');
    expect(where.Choices?.map((c) => [c.StringEquals, c.Next])).toEqual([
      ['open-gate', 'StartGateReview'],
      ['close-out', 'StartCloseOut'],
    ]);
    expect(stateOf('intake', 'StartGateReview').Parameters).toMatchObject({
      StateMachineArn: 'stateMachine:gate-review',
      'Name.$': '$.next.executionName',
    });
    expect(stateOf('intake', 'StartCloseOut').Parameters).toMatchObject({
      StateMachineArn: 'stateMachine:close-out',
      'Name.$': '$.next.executionName',
    });
  });
});
