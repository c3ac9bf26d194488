import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { TABLE_KEYS } from '../../functions/adapters/keys.ts';
import { HANDLERS, HTTP_ROUTES } from '../../functions/handlers.ts';
import { METRICS_NAMESPACE } from '../../functions/logger.ts';
import { buildApp } from '../../infra/app.ts';
import { ACCEPTED_FINDINGS } from '../../infra/nag-acknowledgements.ts';

type Resource = { Type: string; Properties: Record<string, unknown>; Metadata?: Record<string, unknown> };
type Statement = {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Principal?: unknown;
  Condition?: unknown;
};
type NagReport = { pluginReports: { suppressedViolations?: { ruleName: string }[] }[] };

let template: Template;
let resources: Record<string, Resource>;
let nagReport: NagReport;

beforeAll(() => {
  // Prepare: the same app `cdk synth` builds, with cdk-nag on and bundling skipped.
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const { stack } = buildApp(app);
  const assembly = app.synth(); // throws if cdk-nag finds anything not acknowledged with a reason
  nagReport = JSON.parse(readFileSync(join(assembly.directory, 'validation-report.json'), 'utf8'));
  template = Template.fromStack(stack);
  resources = template.toJSON().Resources as Record<string, Resource>;
});

const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const functionIdOf = (handler: string) =>
  ofType('AWS::Lambda::Function').find(([, r]) => r.Metadata?.['tollgate:handler'] === handler)?.[0];
const machineIdOf = (workflow: string) =>
  ofType('AWS::StepFunctions::StateMachine').find(
    ([, r]) => r.Metadata?.['tollgate:workflow'] === workflow,
  )?.[0];
const statementsOf = (functionId: string): Statement[] => {
  const fn = resources[functionId];
  if (!fn) throw new Error(`no function ${functionId}`);
  const role = (fn.Properties.Role as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0];
  return ofType('AWS::IAM::Policy')
    .filter(([, p]) => JSON.stringify(p.Properties.Roles).includes(role))
    .flatMap(([, p]) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
};
const actionsOf = (functionId: string) => statementsOf(functionId).flatMap((s) => [s.Action].flat());
/** The workflows a function may start executions of, by the state machines' metadata. */
const startsOf = (handler: string) =>
  statementsOf(functionIdOf(handler) as string)
    .filter((s) => [s.Action].flat().includes('states:StartExecution'))
    .flatMap((s) => [s.Resource].flat() as { Ref: string }[])
    .map((r) => resources[r.Ref]?.Metadata?.['tollgate:workflow'])
    .sort();
const refTo = (id: string | undefined) => ({ Ref: id });

describe('cdk-nag', () => {
  it('passes with every acknowledgement giving its reason and still matching a finding', () => {
    // Assess: synthesis passed (beforeAll); no acknowledgement is stale or without a reason.
    const suppressed = new Set(
      nagReport.pluginReports.flatMap((r) => r.suppressedViolations ?? []).map((v) => v.ruleName),
    );
    for (const finding of ACCEPTED_FINDINGS) {
      expect(finding.reason.length, finding.id).toBeGreaterThan(20);
      expect(suppressed, finding.id).toContain(finding.id.replace(/^AwsSolutions::/, ''));
    }
  });
});

describe('the table', () => {
  it('is one on-demand table with PITR, deletion protection and the three GSIs', () => {
    // Two tables: this one, and the trail's own (test/infra/trail.test.ts).
    template.resourceCountIs('AWS::DynamoDB::Table', 2);
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      DeletionProtectionEnabled: true,
      KeySchema: [
        { AttributeName: TABLE_KEYS.partitionKey, KeyType: 'HASH' },
        { AttributeName: TABLE_KEYS.sortKey, KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        Match.objectLike({ IndexName: 'pending-by-approver', Projection: { ProjectionType: 'ALL' } }),
        Match.objectLike({ IndexName: 'open-by-deadline', Projection: { ProjectionType: 'ALL' } }),
        Match.objectLike({ IndexName: 'listings', Projection: { ProjectionType: 'ALL' } }),
      ],
    });
    template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });
});

describe('the functions', () => {
  it('builds exactly one function per registered handler: Node 22 on arm64, traced, with its log group', () => {
    const functions = ofType('AWS::Lambda::Function');
    expect(functions).toHaveLength(Object.keys(HANDLERS).length);
    for (const handler of Object.keys(HANDLERS)) {
      const built = functions.filter(([, r]) => r.Metadata?.['tollgate:handler'] === handler);
      expect(built, handler).toHaveLength(1);
      expect(built[0]?.[1].Properties, handler).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        LoggingConfig: { LogGroup: expect.anything() },
      });
    }
  });

  it('grants no wildcard action, and "*" only for X-Ray and log delivery (never on data)', () => {
    for (const [id, policy] of ofType('AWS::IAM::Policy')) {
      for (const s of (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement) {
        const actions = [s.Action].flat();
        expect(actions, id).not.toContain('*');
        expect(
          actions.filter((a) => a.endsWith(':*')),
          id,
        ).toEqual([]);
        if (s.Resource === '*' || [s.Resource].flat().includes('*'))
          for (const action of actions) expect(action, id).toMatch(/^(xray|logs):/);
      }
    }
  });

  it('gives each function only the grants its use case needs', () => {
    const approvals = functionIdOf('approval-pages') as string;
    const recordProposal = functionIdOf('record-proposal') as string;
    expect(startsOf('project-api')).toEqual(['gate-review', 'intake']);
    expect(startsOf('admin-api')).toEqual(['gate-review']);
    expect(startsOf('sweeper')).toEqual(['close-out', 'gate-review']);
    expect(startsOf('trail-api')).toEqual(['trail-job']);
    for (const handler of [
      'record-proposal',
      'open-gate',
      'expire-gate',
      'apply-decision',
      'approval-pages',
      'record-failure',
      'anchor-trail',
      'trail-job',
      'definitions-api',
      'admin-console',
    ])
      expect(startsOf(handler), handler).toEqual([]);
    expect(actionsOf(approvals)).toEqual(expect.arrayContaining(['states:SendTaskSuccess', 'ses:SendEmail']));
    expect(actionsOf(recordProposal).some((a) => a.startsWith('states:'))).toBe(false);
    const resumers = ofType('AWS::Lambda::Function')
      .filter(([id]) => actionsOf(id).includes('states:SendTaskSuccess'))
      .map(([, r]) => r.Metadata?.['tollgate:handler'])
      .sort();
    expect(resumers).toEqual(['admin-api', 'approval-pages', 'open-gate', 'sweeper']);
    const mailers = ofType('AWS::Lambda::Function')
      .filter(([id]) => actionsOf(id).includes('ses:SendEmail'))
      .map(([, r]) => r.Metadata?.['tollgate:handler'])
      .sort();
    expect(mailers).toEqual(['admin-api', 'apply-decision', 'approval-pages', 'open-gate', 'sweeper']);
    for (const [id] of ofType('AWS::Lambda::Function')) {
      for (const s of statementsOf(id).filter((s) => [s.Action].flat().includes('ses:SendEmail')))
        expect(s.Condition, id).toMatchObject({ StringEquals: { 'ses:FromAddress': expect.any(String) } });
    }
  });
});

describe('the sweeper', () => {
  it('runs on an EventBridge Scheduler schedule every five minutes', () => {
    // Two schedules: the sweeper's, and the trail's hourly anchoring (test/infra/trail.test.ts).
    const schedules = ofType('AWS::Scheduler::Schedule');
    expect(schedules).toHaveLength(2);
    const sweeps = schedules.filter(([, s]) =>
      JSON.stringify(s.Properties.Target).includes(`"${functionIdOf('sweeper')}"`),
    );
    expect(sweeps).toHaveLength(1);
    const [, schedule] = sweeps[0] as [string, Resource];
    expect(schedule.Properties).toMatchObject({
      ScheduleExpression: 'rate(5 minutes)',
      State: 'ENABLED',
      Target: { Arn: { 'Fn::GetAtt': [functionIdOf('sweeper'), 'Arn'] } },
    });
    // The schedule's role may invoke the sweeper, and nothing else.
    const role = (schedule.Properties.Target as { RoleArn: { 'Fn::GetAtt': [string] } }).RoleArn[
      'Fn::GetAtt'
    ][0];
    const statements = ofType('AWS::IAM::Policy')
      .filter(([, p]) => JSON.stringify(p.Properties.Roles).includes(role))
      .flatMap(([, p]) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
    expect(statements.flatMap((s) => [s.Action].flat())).toEqual(['lambda:InvokeFunction']);
    const targets = statements.flatMap((s) => [s.Resource].flat()).map((r) => JSON.stringify(r));
    expect(targets.length).toBeGreaterThan(0);
    for (const target of targets)
      expect(target).toContain(`{"Fn::GetAtt":["${functionIdOf('sweeper')}","Arn"]}`);
  });
});

describe('the operator alarms', () => {
  const alarms = () => ofType('AWS::CloudWatch::Alarm').map(([, r]) => r.Properties);
  const alarmOn = (namespace: string, metricName: string, dimensions: unknown) =>
    alarms().filter(
      (a) =>
        a.Namespace === namespace &&
        a.MetricName === metricName &&
        JSON.stringify(a.Dimensions) === JSON.stringify(dimensions),
    );

  it("alarm on each state machine's failed and timed-out executions", () => {
    for (const workflow of ['intake', 'gate-review', 'close-out', 'trail-job']) {
      const dimensions = [{ Name: 'StateMachineArn', Value: refTo(machineIdOf(workflow)) }];
      expect(alarmOn('AWS/States', 'ExecutionsFailed', dimensions), workflow).toHaveLength(1);
      expect(alarmOn('AWS/States', 'ExecutionsTimedOut', dimensions), workflow).toHaveLength(1);
    }
  });

  it("alarm on the sweeper's errors and on the MailsOverdue and SweepErrors it reports", () => {
    expect(
      alarmOn('AWS/Lambda', 'Errors', [{ Name: 'FunctionName', Value: refTo(functionIdOf('sweeper')) }]),
    ).toHaveLength(1);
    expect(METRICS_NAMESPACE).toBe('Tollgate');
    for (const metric of ['MailsOverdue', 'SweepErrors'])
      expect(alarmOn('Tollgate', metric, [{ Name: 'Operation', Value: 'sweep' }]), metric).toHaveLength(1);
  });

  it('all notify one KMS-encrypted SNS topic that CloudWatch can publish to', () => {
    const topics = ofType('AWS::SNS::Topic');
    expect(topics).toHaveLength(1);
    const [topicId, topic] = topics[0] as [string, Resource];
    for (const alarm of alarms()) {
      expect(alarm.AlarmActions, String(alarm.AlarmDescription)).toEqual([{ Ref: topicId }]);
      expect(alarm.ActionsEnabled ?? true).toBe(true);
    }
    // 4 machines × (failed, timed out), the sweeper's 3, anchoring errors and trail integrity.
    expect(alarms().length).toBeGreaterThanOrEqual(13);
    // Encrypted with a customer managed key that CloudWatch may use (an AWS managed key it may not).
    const keyId = (topic.Properties.KmsMasterKeyId as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const key = resources[keyId] as Resource;
    expect(key.Type).toBe('AWS::KMS::Key');
    expect(key.Properties.EnableKeyRotation).toBe(true);
    expect((key.Properties.KeyPolicy as { Statement: Statement[] }).Statement).toContainEqual(
      expect.objectContaining({
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: expect.arrayContaining(['kms:Decrypt', 'kms:GenerateDataKey*']),
      }),
    );
    // The topic's own policy (it enforces TLS) replaces the default one: it must let alarms publish.
    const [, policy] = ofType('AWS::SNS::TopicPolicy')[0] as [string, Resource];
    expect(policy.Properties.Topics).toEqual([{ Ref: topicId }]);
    expect((policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement).toContainEqual(
      expect.objectContaining({
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: 'sns:Publish',
        Resource: { Ref: topicId },
      }),
    );
  });
});

describe('the HTTP API', () => {
  it('serves every registered route with its handler; only the approval links and the console are public', () => {
    const routes = ofType('AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties);
    // HEAD on the link too (link checkers send it), whether or not the registry lists it.
    const linkHead = { routeKey: 'HEAD /a/{secret}', handler: 'approval-pages', auth: 'public' } as const;
    const served = HTTP_ROUTES.some((r) => r.routeKey === linkHead.routeKey)
      ? HTTP_ROUTES
      : [...HTTP_ROUTES, linkHead];
    expect(routes.map((r) => r.RouteKey).sort()).toEqual(served.map((r) => r.routeKey).sort());
    for (const route of served) {
      const found = routes.find((r) => r.RouteKey === route.routeKey) as Record<string, unknown>;
      // The console's page and files hold no data: every call its script makes carries a token.
      const isPublic = /^\/(a\/\{secret\}|console|console\/\{asset\})$/.test(
        route.routeKey.split(' ')[1] ?? '',
      );
      expect(route.auth, route.routeKey).toBe(isPublic ? 'public' : 'jwt');
      expect(found.AuthorizationType, route.routeKey).toBe(isPublic ? 'NONE' : 'JWT');
      if (!isPublic) expect(found.AuthorizerId, route.routeKey).toBeDefined();
      // integrations/<Integration> → the function → its registered handler
      const target = found.Target as { 'Fn::Join': [string, [string, { Ref: string }]] };
      const integration = resources[target['Fn::Join'][1][1].Ref] as Resource;
      const functionId = (integration.Properties.IntegrationUri as { 'Fn::GetAtt': [string] })[
        'Fn::GetAtt'
      ][0];
      expect(resources[functionId]?.Metadata?.['tollgate:handler'], route.routeKey).toBe(route.handler);
    }
    expect(routes.filter((r) => r.AuthorizationType === 'NONE').map((r) => r.RouteKey)).toEqual(
      expect.arrayContaining(['GET /a/{secret}', 'HEAD /a/{secret}', 'POST /a/{secret}']),
    );
    expect(routes.filter((r) => r.AuthorizationType === 'NONE')).toHaveLength(5);
  });

  it('throttles and logs access by route template, never by path (paths carry link secrets)', () => {
    const [, stage] = ofType('AWS::ApiGatewayV2::Stage')[0] as [string, Resource];
    expect(stage.Properties.DefaultRouteSettings).toMatchObject({ ThrottlingRateLimit: 20 });
    const format = (stage.Properties.AccessLogSettings as { Format: string }).Format;
    expect(format).toContain('$context.routeKey');
    expect(format).not.toContain('$context.path');
    expect(format).not.toMatch(/\$context\.(http\.path|resourcePath|requestOverride|pathParameters)/);
  });
});

describe('the sign-in', () => {
  const clientNamed = (prefix: string) => {
    const found = ofType('AWS::Cognito::UserPoolClient').find(([id]) => id.startsWith(prefix));
    if (!found) throw new Error(`no user pool client ${prefix}`);
    return found;
  };

  it('gives the PMO console a public hosted-UI client: authorization code only, OpenID scopes, explicit lifetimes', () => {
    // Assess
    template.resourceCountIs('AWS::Cognito::UserPoolDomain', 1);
    const [, consoleClient] = clientNamed('ConsoleClient');
    expect(consoleClient.Properties).toMatchObject({
      GenerateSecret: false,
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthFlows: ['code'],
      AllowedOAuthScopes: ['openid', 'email', 'profile'],
      SupportedIdentityProviders: ['COGNITO'],
      PreventUserExistenceErrors: 'ENABLED',
      ExplicitAuthFlows: ['ALLOW_REFRESH_TOKEN_AUTH'],
      IdTokenValidity: 60,
      AccessTokenValidity: 60,
      RefreshTokenValidity: 60,
      TokenValidityUnits: { IdToken: 'minutes', AccessToken: 'minutes', RefreshToken: 'minutes' },
    });
    // By default the console is the API's own /console
    const apiConsole = {
      'Fn::Join': ['', [{ 'Fn::GetAtt': [expect.any(String), 'ApiEndpoint'] }, '/console']],
    };
    expect(consoleClient.Properties.CallbackURLs).toEqual([apiConsole]);
    expect(consoleClient.Properties.LogoutURLs).toEqual([apiConsole]);
    const consoleFunction = resources[functionIdOf('admin-console') as string] as Resource;
    const variables = (consoleFunction.Properties.Environment as { Variables: Record<string, unknown> })
      .Variables;
    expect(Object.keys(variables).sort()).toEqual([
      'CONSOLE_AUTHORIZE_URL',
      'CONSOLE_CLIENT_ID',
      'CONSOLE_LOGOUT_URL',
      'CONSOLE_REDIRECT_URI',
      'CONSOLE_TOKEN_URL',
      'NODE_OPTIONS',
    ]);
    expect(JSON.stringify(variables.CONSOLE_TOKEN_URL)).toContain('.amazoncognito.com/oauth2/token');
  });

  it('lets the API take the ID tokens of the SDK sign-in and of the console, and no other client', () => {
    const [, authorizer] = ofType('AWS::ApiGatewayV2::Authorizer')[0] as [string, Resource];
    const audience = (authorizer.Properties.JwtConfiguration as { Audience: unknown[] }).Audience;
    expect(audience).toEqual([refTo(clientNamed('UsersClient')[0]), refTo(clientNamed('ConsoleClient')[0])]);
  });

  it('keeps the other clients out of the hosted UI, and no client may write an e-mail or a name', () => {
    // The SDK client keeps its logical id (its id is what the CLI and the authorizer know)
    expect(clientNamed('UsersClient')[0]).toBe('UsersClientCC96A27D');
    for (const prefix of ['UsersClient', 'SignatureClient'])
      expect(clientNamed(prefix)[1].Properties, prefix).toMatchObject({
        AllowedOAuthFlowsUserPoolClient: false,
      });
    for (const [id, c] of ofType('AWS::Cognito::UserPoolClient')) {
      // Unset would mean every writable attribute, the e-mail included
      expect(c.Properties.WriteAttributes, id).toEqual(expect.any(Array));
      expect(c.Properties.WriteAttributes, id).not.toContain('email');
      expect(c.Properties.WriteAttributes, id).not.toContain('name');
    }
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      UserAttributeUpdateSettings: { AttributesRequireVerificationBeforeUpdate: ['email'] },
    });
  });

  it('takes the hosted UI domain prefix and the console URLs from context', () => {
    // Prepare
    const app = new App({
      context: {
        'aws:cdk:bundling-stacks': [],
        'tollgate:authDomainPrefix': 'acme-approvals',
        'tollgate:consoleUrls': 'https://approvals.example.com/console, https://tollgate.example.org/console',
      },
    });
    // Act
    const configured = Template.fromStack(buildApp(app, { nag: false }).stack);
    // Assess
    configured.hasResourceProperties('AWS::Cognito::UserPoolDomain', { Domain: 'acme-approvals' });
    configured.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      AllowedOAuthFlows: ['code'],
      CallbackURLs: ['https://approvals.example.com/console', 'https://tollgate.example.org/console'],
      LogoutURLs: ['https://approvals.example.com/console', 'https://tollgate.example.org/console'],
    });
    const consoleFunction = Object.values(configured.toJSON().Resources as Record<string, Resource>).find(
      (r) => r.Metadata?.['tollgate:handler'] === 'admin-console',
    );
    expect(consoleFunction?.Properties.Environment).toMatchObject({
      Variables: { CONSOLE_REDIRECT_URI: 'https://approvals.example.com/console' },
    });
  });
});

describe('the state machines', () => {
  it('are four Standard machines, logged without execution data (inputs carry task tokens)', () => {
    const machines = ofType('AWS::StepFunctions::StateMachine');
    expect(machines.map(([, r]) => r.Metadata?.['tollgate:workflow']).sort()).toEqual([
      'close-out',
      'gate-review',
      'intake',
      'trail-job',
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
});
