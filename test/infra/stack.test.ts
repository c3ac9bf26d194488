import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { TABLE_KEYS } from '../../functions/adapters/keys.ts';
import { HANDLERS, HTTP_ROUTES } from '../../functions/handlers.ts';
import { buildApp } from '../../infra/app.ts';

type Resource = { Type: string; Properties: Record<string, unknown>; Metadata?: Record<string, unknown> };
type Statement = { Effect: string; Action: string | string[]; Resource: unknown };

let template: Template;
let resources: Record<string, Resource>;

beforeAll(() => {
  // Prepare: the same app `cdk synth` builds, with cdk-nag on and bundling skipped.
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const { stack } = buildApp(app);
  app.synth(); // throws if cdk-nag finds anything not acknowledged with a reason
  template = Template.fromStack(stack);
  resources = template.toJSON().Resources as Record<string, Resource>;
});

const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const functionIdOf = (handler: string) =>
  ofType('AWS::Lambda::Function').find(([, r]) => r.Metadata?.['tollgate:handler'] === handler)?.[0];
const statementsOf = (functionId: string): Statement[] => {
  const fn = resources[functionId];
  if (!fn) throw new Error(`no function ${functionId}`);
  const role = (fn.Properties.Role as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0];
  return ofType('AWS::IAM::Policy')
    .filter(([, p]) => JSON.stringify(p.Properties.Roles).includes(role))
    .flatMap(([, p]) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
};
const actionsOf = (functionId: string) => statementsOf(functionId).flatMap((s) => [s.Action].flat());

describe('the table', () => {
  it('is one on-demand table with PITR, deletion protection and the two GSIs', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      DeletionProtectionEnabled: true,
      KeySchema: [
        { AttributeName: TABLE_KEYS.partitionKey, KeyType: 'HASH' },
        { AttributeName: TABLE_KEYS.sortKey, KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: TABLE_KEYS.indexes.map((i) => Match.objectLike({ IndexName: i.name })),
    });
  });
});

describe('the functions', () => {
  it('builds one function per registered handler: Node 22 on arm64, traced, with its log group', () => {
    const functions = ofType('AWS::Lambda::Function');
    expect(functions.map(([, r]) => r.Metadata?.['tollgate:handler']).sort()).toEqual(
      Object.keys(HANDLERS).sort(),
    );
    for (const [, fn] of functions) {
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        LoggingConfig: { LogGroup: expect.anything() },
      });
    }
  });

  it('grants no wildcard action and no wildcard resource on data, anywhere', () => {
    for (const [, policy] of ofType('AWS::IAM::Policy')) {
      for (const s of (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement) {
        const actions = [s.Action].flat();
        expect(actions).not.toContain('*');
        const onData = actions.some((a) => /^(dynamodb|states|ses):/.test(a));
        if (onData) expect(s.Resource).not.toBe('*');
      }
    }
  });

  it('gives each function only the grants its use case needs', () => {
    const projectApi = functionIdOf('project-api') as string;
    const approvals = functionIdOf('approval-pages') as string;
    const recordProposal = functionIdOf('record-proposal') as string;
    expect(actionsOf(projectApi)).toContain('states:StartExecution');
    expect(actionsOf(projectApi).filter((a) => /dynamodb:(Put|Update|Delete|BatchWrite)/.test(a))).toEqual(
      [],
    );
    expect(actionsOf(projectApi)).not.toContain('ses:SendEmail');
    expect(actionsOf(approvals)).toEqual(expect.arrayContaining(['states:SendTaskSuccess', 'ses:SendEmail']));
    expect(actionsOf(approvals)).not.toContain('states:StartExecution');
    expect(actionsOf(recordProposal)).not.toContain('ses:SendEmail');
    expect(actionsOf(recordProposal).some((a) => a.startsWith('states:'))).toBe(false);
    const mailers = ofType('AWS::Lambda::Function')
      .filter(([id]) => actionsOf(id).includes('ses:SendEmail'))
      .map(([, r]) => r.Metadata?.['tollgate:handler'])
      .sort();
    expect(mailers).toEqual(['approval-pages', 'close-project', 'open-gate']);
  });
});

describe('the HTTP API', () => {
  it('serves every registered route; approval routes are public, the rest behind the JWT authorizer', () => {
    const routes = ofType('AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties);
    expect(routes.map((r) => r.RouteKey).sort()).toEqual(HTTP_ROUTES.map((r) => r.routeKey).sort());
    for (const route of HTTP_ROUTES) {
      const found = routes.find((r) => r.RouteKey === route.routeKey);
      expect(found?.AuthorizationType).toBe(route.auth === 'jwt' ? 'JWT' : 'NONE');
    }
  });

  it('throttles and logs access by route template, never by path (paths carry link secrets)', () => {
    const [, stage] = ofType('AWS::ApiGatewayV2::Stage')[0] as [string, Resource];
    expect(stage.Properties.DefaultRouteSettings).toMatchObject({ ThrottlingRateLimit: 20 });
    const format = (stage.Properties.AccessLogSettings as { Format: string }).Format;
    expect(format).toContain('$context.routeKey');
    expect(format).not.toMatch(/\$context\.(path|http\.path|resourcePath)/);
  });
});

describe('the state machines', () => {
  const definitionOf = (workflow: string) => {
    const found = ofType('AWS::StepFunctions::StateMachine').find(
      ([, r]) => r.Metadata?.['tollgate:workflow'] === workflow,
    );
    const body = found?.[1].Properties.DefinitionString as { 'Fn::Join': [string, unknown[]] };
    // CloudFormation tokens (ARNs, partition) sit inside JSON strings: a placeholder keeps it JSON.
    const text = body['Fn::Join'][1].map((p) => (typeof p === 'string' ? p : 'TOKEN')).join('');
    return JSON.parse(text) as {
      StartAt: string;
      States: Record<string, Record<string, unknown>>;
    };
  };

  it('are three Standard machines, logged without execution data (inputs carry task tokens)', () => {
    const machines = ofType('AWS::StepFunctions::StateMachine');
    expect(machines.map(([, r]) => r.Metadata?.['tollgate:workflow']).sort()).toEqual([
      'close-out',
      'gate-review',
      'intake',
    ]);
    for (const [, machine] of machines) {
      expect(machine.Properties.StateMachineType).toBe('STANDARD');
      expect(machine.Properties.LoggingConfiguration).toMatchObject({
        IncludeExecutionData: false,
        Level: 'ALL',
      });
      expect(machine.Properties.TracingConfiguration).toEqual({ Enabled: true });
    }
  });

  it('give every Task a timeout, and every wait for a task token a timeout Catch and a catch-all', () => {
    for (const workflow of ['intake', 'gate-review', 'close-out']) {
      const definition = definitionOf(workflow);
      expect(JSON.stringify(definition)).not.toContain('JSONata');
      for (const [name, state] of Object.entries(definition.States)) {
        if (state.Type !== 'Task') continue;
        expect(state.TimeoutSeconds, `${workflow}.${name}`).toBeGreaterThan(0);
        if (String(state.Resource).endsWith('.waitForTaskToken')) {
          const catches = state.Catch as { ErrorEquals: string[]; Next: string }[];
          expect(
            catches.map((c) => c.ErrorEquals[0]),
            `${workflow}.${name}`,
          ).toEqual(['States.Timeout', 'States.ALL']);
          // The token goes to the function that stores it, and nowhere else.
          expect(JSON.stringify(state.Parameters)).toContain('"taskToken.$":"$$.Task.Token"');
        }
      }
    }
  });

  it('routes the gate review on the decision: next gate, hold, close-out, and fails on anything else', () => {
    const review = definitionOf('gate-review');
    expect(review.StartAt).toBe('OpenGate');
    expect(review.States.OpenGate).toMatchObject({
      Resource: expect.stringContaining('lambda:invoke.waitForTaskToken'),
      Next: 'FollowDecision',
    });
    expect(((review.States.OpenGate?.Catch ?? []) as { Next: string }[]).map((c) => c.Next)).toEqual([
      'ExpireGate',
      'GateReviewFailed',
    ]);
    expect(review.States.ExpireGate?.Next).toBe('FollowDecision');
    const choice = review.States.FollowDecision as {
      Choices: { StringEquals: string; Next: string }[];
      Default: string;
    };
    expect(choice.Choices.map((c) => [c.StringEquals, c.Next])).toEqual([
      ['open-gate', 'NextGate'],
      ['hold', 'ParkOnHold'],
      ['close-out', 'StartCloseOut'],
    ]);
    expect(choice.Default).toBe('UnknownRoute');
    expect(review.States.NextGate).toMatchObject({
      Type: 'Pass',
      Next: 'OpenGate',
      Parameters: { gate: { 'gateId.$': '$.result.next.gateId', 'sequence.$': '$.result.next.sequence' } },
    });
    expect(review.States.ParkOnHold?.Next).toBe('NextGate');
  });

  it('has intake record the proposal, then start the gate review', () => {
    const intake = definitionOf('intake');
    expect(intake.StartAt).toBe('RecordProposal');
    expect(intake.States.RecordProposal?.Next).toBe('StartGateReview');
    expect(intake.States.StartGateReview?.Resource).toContain('states:startExecution');
    expect(((intake.States.RecordProposal?.Catch ?? []) as { Next: string }[])[0]?.Next).toBe(
      'ProposalRejected',
    );
  });
});
