import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { type CfnStage, HttpApi, HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import {
  AccountRecovery,
  CfnUserPoolGroup,
  ClientAttributes,
  Mfa,
  OAuthScope,
  UserPool,
  UserPoolClient,
  UserPoolClientIdentityProvider,
  UserPoolDomain,
} from 'aws-cdk-lib/aws-cognito';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { type IRole, Policy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Schedule, ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke as LambdaInvokeTarget } from 'aws-cdk-lib/aws-scheduler-targets';
import type { Construct } from 'constructs';
import {
  AGENDA_INDEX,
  LISTINGS_INDEX,
  PENDING_BY_APPROVER_INDEX,
  TABLE_KEYS,
} from '../functions/adapters/keys.ts';
import { type HandlerName, HTTP_ROUTES } from '../functions/handlers.ts';
import { CloseOutWorkflow } from '../workflows/close-out.ts';
import { GateReviewWorkflow } from '../workflows/gate-review.ts';
import { IntakeWorkflow } from '../workflows/intake.ts';
import { TrailJobWorkflow } from '../workflows/trail-job.ts';
import { OperatorAlarms } from './constructs/operator-alarms.ts';
import { type TableAccess, TollgateFunction } from './constructs/tollgate-function.ts';
import { TrailStore } from './constructs/trail-store.ts';

export interface TollgateStackProps extends StackProps {
  /** Verified SES identity the e-mails come from. */
  senderEmail: string;
  /** Public base URL for e-mailed links; defaults to the HTTP API's own URL. */
  appUrl?: string;
  /** How long trail anchors stay locked (S3 Object Lock, compliance mode). Default 7 years. */
  anchorRetention?: Duration;
  /** The hosted UI's domain prefix (`<prefix>.auth.<region>.amazoncognito.com`); default from the stack name and account. */
  authDomainPrefix?: string;
  /** Where the PMO console is served (its sign-in's callback and logout URLs); default the API's `/console`. */
  consoleUrls?: string[];
}

export const ROLES = ['requester', 'pmo-admin', 'compliance'] as const;

const READ_WRITE = ['GetItem', 'Query', 'PutItem', 'UpdateItem'] as const;

/**
 * What each function may do with the table's items (ADR 0012), from the repository methods its
 * use cases reach. No function scans, batch-writes or deletes. Task tokens only where a waiting
 * workflow is resumed (a decision, the sweeper's repairs, a redelivered wait) and written only by
 * the wait itself; everyone else is denied them explicitly.
 */
export const TABLE_ACCESS: Record<HandlerName, TableAccess> = {
  'approval-pages': { items: READ_WRITE, taskTokens: 'read' },
  'project-api': { items: READ_WRITE },
  // A reassignment or a reminder nudges the waiting review so it mails at once; a hold or a cancel
  // wakes it to end. The listings index (people, active projects) and pending-by-approver.
  'admin-api': {
    items: READ_WRITE,
    indexes: [LISTINGS_INDEX, PENDING_BY_APPROVER_INDEX],
    taskTokens: 'read',
  },
  // Drafts and versions (conditional puts, the draft spent by an update), a migrated project's
  // update; the listings index for processes, drafts and active projects.
  'definitions-api': { items: READ_WRITE, indexes: [LISTINGS_INDEX] },
  'record-proposal': { items: ['GetItem', 'PutItem'] },
  'open-gate': { items: READ_WRITE, taskTokens: 'read-write' },
  'expire-gate': { items: ['GetItem', 'Query', 'UpdateItem'] },
  'apply-decision': { items: READ_WRITE },
  sweeper: { items: READ_WRITE, indexes: [AGENDA_INDEX], taskTokens: 'read' },
  'trail-api': { items: ['GetItem', 'Query', 'PutItem'] },
  'trail-job': { items: ['GetItem', 'PutItem'] },
  'anchor-trail': { items: [] },
  // The console's page and script: no data at all (the script calls the API with a token).
  'admin-console': { items: [] },
  'record-failure': { items: ['GetItem'] },
};

export class TollgateStack extends Stack {
  readonly table: Table;
  readonly trail: TrailStore;
  readonly api: HttpApi;

  constructor(scope: Construct, id: string, props: TollgateStackProps) {
    super(scope, id, props);

    this.table = new Table(this, 'Table', {
      partitionKey: { name: TABLE_KEYS.partitionKey, type: AttributeType.STRING },
      sortKey: { name: TABLE_KEYS.sortKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      encryption: TableEncryption.AWS_MANAGED,
      timeToLiveAttribute: TABLE_KEYS.timeToLive,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    for (const index of TABLE_KEYS.indexes) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: { name: index.partitionKey, type: AttributeType.STRING },
        sortKey: { name: index.sortKey, type: AttributeType.STRING },
      });
    }

    this.trail = new TrailStore(this, 'Trail', {
      anchorRetention: props.anchorRetention ?? Duration.days(7 * 365),
    });

    this.api = new HttpApi(this, 'HttpApi', { description: 'tollgate: approval pages and API' });
    const appUrl = props.appUrl || this.api.apiEndpoint;
    const common = {
      TABLE_NAME: this.table.tableName,
      TRAIL_TABLE_NAME: this.trail.table.tableName,
      APP_URL: appUrl,
    };
    const mail = { SENDER_EMAIL: props.senderEmail };

    const fn = (id: string, handler: HandlerName, environment: Record<string, string>) =>
      new TollgateFunction(this, id, { handler, environment: { ...common, ...environment } });
    const recordProposal = fn('RecordProposal', 'record-proposal', {});
    const openGate = fn('OpenGate', 'open-gate', mail);
    const expireGate = fn('ExpireGate', 'expire-gate', {});
    const applyDecision = fn('ApplyDecision', 'apply-decision', mail);
    const approvalPages = fn('ApprovalPages', 'approval-pages', mail);
    const recordFailure = fn('RecordFailure', 'record-failure', {});
    // Reads every chain's head (and one entry per moved chain): give it the close-out task's minute.
    const anchorTrail = new TollgateFunction(this, 'AnchorTrail', {
      handler: 'anchor-trail',
      environment: { ...common, ...this.trail.environment },
      timeout: Duration.seconds(60),
    });
    const trailJob = new TollgateFunction(this, 'TrailJob', {
      handler: 'trail-job',
      environment: { ...common, ...this.trail.environment },
      timeout: Duration.minutes(15),
    });

    const waits = { openGate, expireGate, applyDecision, recordFailure };
    const closeOut = new CloseOutWorkflow(this, 'CloseOut', { ...waits, anchorTrail });
    const gateReview = new GateReviewWorkflow(this, 'GateReview', {
      ...waits,
      closeOut: closeOut.stateMachine,
    });
    const intake = new IntakeWorkflow(this, 'Intake', {
      recordProposal,
      gateReview: gateReview.stateMachine,
      closeOut: closeOut.stateMachine,
    });
    const machines = {
      INTAKE_STATE_MACHINE_ARN: intake.stateMachine.stateMachineArn,
      GATE_REVIEW_STATE_MACHINE_ARN: gateReview.stateMachine.stateMachineArn,
      CLOSE_OUT_STATE_MACHINE_ARN: closeOut.stateMachine.stateMachineArn,
    };
    const projectApi = fn('ProjectApi', 'project-api', machines);
    const adminApi = fn('AdminApi', 'admin-api', { ...machines, ...mail });
    const definitionsApi = fn('DefinitionsApi', 'definitions-api', {});
    // Reads nothing, so none of the common settings; its sign-in settings come with the user pool below.
    const adminConsole = new TollgateFunction(this, 'AdminConsole', { handler: 'admin-console' });
    const sweeper = fn('Sweeper', 'sweeper', { ...machines, ...mail });
    const trailJobs = new TrailJobWorkflow(this, 'TrailJobs', { trailJob });
    const trailApi = fn('TrailApi', 'trail-api', {
      ...this.trail.environment,
      TRAIL_JOB_STATE_MACHINE_ARN: trailJobs.stateMachine.stateMachineArn,
    });

    // Least privilege: each function gets the data and actions its use case needs (ADR 0012).
    for (const f of this.node.findAll().filter((c) => c instanceof TollgateFunction))
      f.grantTable(this.table, TABLE_ACCESS[f.handlerName]);
    // The trail table takes appends only: nobody may update or delete an entry (ADR 0010).
    const writers = [
      recordProposal,
      openGate,
      expireGate,
      applyDecision,
      approvalPages,
      projectApi,
      adminApi,
      definitionsApi,
      sweeper,
      recordFailure,
      trailApi,
      trailJob,
    ];
    for (const f of writers) this.trail.grantAppend(f);
    this.trail.grantAnchor(anchorTrail);
    this.trail.grantExport(trailJob);
    this.trail.grantVerify(trailApi);
    this.trail.grantDownload(trailApi);
    trailJobs.stateMachine.grantStartExecution(trailApi);
    intake.stateMachine.grantStartExecution(projectApi);
    gateReview.stateMachine.grantStartExecution(projectApi);
    gateReview.stateMachine.grantStartExecution(adminApi);
    for (const machine of [gateReview.stateMachine, closeOut.stateMachine]) {
      machine.grantStartExecution(sweeper);
      // Resuming a waiting gate review or close-out: the decision page, a PMO admin's reassignment,
      // and the sweeper's repairs. SendTaskSuccess only (functions/adapters/workflow.ts): nothing
      // here fails or heartbeats a task.
      machine.grant(sweeper, 'states:SendTaskSuccess');
      machine.grant(approvalPages, 'states:SendTaskSuccess');
      machine.grant(adminApi, 'states:SendTaskSuccess');
    }
    // A separate policy, not the function's default one: the state machines already depend on
    // OpenGate, so its own role policy must not depend on them (it resumes a lost decision).
    new Policy(this, 'OpenGateResumesReview', {
      roles: [openGate.role as IRole],
      statements: [
        new PolicyStatement({
          actions: ['states:SendTaskSuccess'],
          resources: [gateReview.stateMachine.stateMachineArn, closeOut.stateMachine.stateMachineArn],
        }),
      ],
    });
    const sendMail = new PolicyStatement({
      actions: ['ses:SendEmail'],
      resources: [this.formatArn({ service: 'ses', resource: 'identity', resourceName: props.senderEmail })],
      conditions: { StringEquals: { 'ses:FromAddress': props.senderEmail } },
    });
    for (const f of [openGate, applyDecision, approvalPages, adminApi, sweeper]) f.addToRolePolicy(sendMail);

    // Deadlines are data: the sweeper acts on them every five minutes (reminders, escalations,
    // deadline outcomes, lost resumes, unsent mail, missed conditions, owed executions).
    new Schedule(this, 'SweepSchedule', {
      schedule: ScheduleExpression.rate(Duration.minutes(5)),
      target: new LambdaInvokeTarget(sweeper, {}),
      description: 'tollgate sweeper',
    });
    // The trail is anchored outside the table every hour (and at every close-out's seal).
    new Schedule(this, 'AnchorSchedule', {
      schedule: ScheduleExpression.rate(Duration.hours(1)),
      target: new LambdaInvokeTarget(anchorTrail, {}),
      description: 'tollgate trail anchoring',
    });
    const alarms = new OperatorAlarms(this, 'Alarms', {
      stateMachines: {
        intake: intake.stateMachine,
        'gate-review': gateReview.stateMachine,
        'close-out': closeOut.stateMachine,
        'trail-job': trailJobs.stateMachine,
      },
      sweeper,
      anchorTrail,
    });

    // Sign-in for requesters, PMO admins and compliance: Cognito groups are the roles.
    const users = new UserPool(this, 'Users', {
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      mfa: Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      passwordPolicy: {
        minLength: 12,
        requireDigits: true,
        requireLowercase: true,
        requireUppercase: true,
        requireSymbols: true,
      },
      // An e-mail change keeps the verified address until the new one is verified too.
      keepOriginal: { email: true },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    for (const role of ROLES)
      new CfnUserPoolGroup(this, `Group-${role}`, { userPoolId: users.userPoolId, groupName: role });
    // The e-mail is who someone is (the trail, separation of duties, the directory): no client may
    // write it (nor the name the trail shows), only an administrator; see keepOriginal above.
    const ownAttributes = new ClientAttributes().withStandardAttributes({ locale: true, timezone: true });
    // A client for the SDK sign-in (SRP) and one for e-signatures; neither takes part in the hosted
    // UI's OAuth flows, which the console's own client below is for.
    const client = new UserPoolClient(this, 'UsersClient', {
      userPool: users,
      authFlows: { userSrp: true },
      disableOAuth: true,
      writeAttributes: ownAttributes,
    });
    // E-signatures (ADR 0014): the decision page signs the approver in with password and TOTP
    // through the approval function, so this client allows USER_PASSWORD_AUTH and nothing else.
    const signatureClient = new UserPoolClient(this, 'SignatureClient', {
      userPool: users,
      authFlows: { userPassword: true },
      preventUserExistenceErrors: true,
      generateSecret: false,
      disableOAuth: true,
      writeAttributes: ownAttributes,
    });
    approvalPages.addEnvironment('SIGNATURE_CLIENT_ID', signatureClient.userPoolClientId);
    // The PMO console (ADR 0016): Cognito's hosted UI, authorization code with PKCE, a public client.
    const domain = new UserPoolDomain(this, 'UsersDomain', {
      userPool: users,
      cognitoDomain: { domainPrefix: props.authDomainPrefix || `${slug(this.stackName)}-${this.account}` },
    });
    const consoleUrls = props.consoleUrls?.length ? props.consoleUrls : [`${appUrl}/console`];
    const consoleClient = new UserPoolClient(this, 'ConsoleClient', {
      userPool: users,
      generateSecret: false,
      // Sign-in only through the hosted UI: no SDK flows (this leaves refreshing a token, which the
      // console does not do: it keeps no refresh token).
      authFlows: { userSrp: false },
      oAuth: {
        flows: { authorizationCodeGrant: true, implicitCodeGrant: false, clientCredentials: false },
        scopes: [OAuthScope.OPENID, OAuthScope.EMAIL, OAuthScope.PROFILE],
        callbackUrls: consoleUrls,
        logoutUrls: consoleUrls,
      },
      supportedIdentityProviders: [UserPoolClientIdentityProvider.COGNITO],
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      authSessionValidity: Duration.minutes(5),
      idTokenValidity: Duration.hours(1),
      accessTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.hours(1),
      writeAttributes: ownAttributes,
    });
    adminConsole.addEnvironment('CONSOLE_AUTHORIZE_URL', `${domain.baseUrl()}/oauth2/authorize`);
    adminConsole.addEnvironment('CONSOLE_TOKEN_URL', `${domain.baseUrl()}/oauth2/token`);
    adminConsole.addEnvironment('CONSOLE_LOGOUT_URL', `${domain.baseUrl()}/logout`);
    adminConsole.addEnvironment('CONSOLE_CLIENT_ID', consoleClient.userPoolClientId);
    adminConsole.addEnvironment('CONSOLE_REDIRECT_URI', consoleUrls[0] as string);
    // The API takes ID tokens of the SDK sign-in and of the console.
    const authorizer = new HttpJwtAuthorizer('Jwt', users.userPoolProviderUrl, {
      jwtAudience: [client.userPoolClientId, consoleClient.userPoolClientId],
    });

    const handlers: Record<string, TollgateFunction> = {
      'approval-pages': approvalPages,
      'project-api': projectApi,
      'admin-api': adminApi,
      'definitions-api': definitionsApi,
      'trail-api': trailApi,
      'admin-console': adminConsole,
    };
    const integrations = new Map<string, HttpLambdaIntegration>();
    for (const route of HTTP_ROUTES) {
      const [method, path] = route.routeKey.split(' ') as [string, string];
      const target = handlers[route.handler];
      if (!target) throw new Error(`no function for route ${route.routeKey}`);
      let integration = integrations.get(route.handler);
      if (!integration) {
        integration = new HttpLambdaIntegration(`${route.handler}-integration`, target);
        integrations.set(route.handler, integration);
      }
      this.api.addRoutes({
        path,
        methods: [method as HttpMethod],
        integration,
        ...(route.auth === 'jwt' ? { authorizer } : {}),
      });
    }
    // HTTP APIs route HEAD only to a HEAD route, and link checkers send HEAD: the approval link
    // answers it too (unless the registry lists it already, then the loop above made it).
    const approvalLinks = integrations.get('approval-pages');
    if (!approvalLinks) throw new Error('no integration for the approval pages');
    if (!HTTP_ROUTES.some((r) => r.routeKey === 'HEAD /a/{secret}'))
      this.api.addRoutes({ path: '/a/{secret}', methods: [HttpMethod.HEAD], integration: approvalLinks });
    // Guessing links is throttled at the edge; access logs name the route template, never the
    // path itself, because an approval path carries a link secret.
    const accessLogs = new LogGroup(this, 'ApiAccessLogs', { retention: RetentionDays.THREE_MONTHS });
    const stage = this.api.defaultStage?.node.defaultChild as CfnStage;
    stage.defaultRouteSettings = { throttlingBurstLimit: 50, throttlingRateLimit: 20 };
    stage.accessLogSettings = {
      destinationArn: accessLogs.logGroupArn,
      format: JSON.stringify({
        requestId: '$context.requestId',
        time: '$context.requestTime',
        routeKey: '$context.routeKey',
        status: '$context.status',
        ip: '$context.identity.sourceIp',
        latencyMs: '$context.responseLatency',
      }),
    };

    new CfnOutput(this, 'ApiUrl', { value: this.api.apiEndpoint });
    new CfnOutput(this, 'TableName', { value: this.table.tableName });
    new CfnOutput(this, 'TrailTableName', { value: this.trail.table.tableName });
    new CfnOutput(this, 'TrailSigningKeyArn', { value: this.trail.signingKey.keyArn });
    new CfnOutput(this, 'AnchorsBucketName', { value: this.trail.anchors.bucketName });
    new CfnOutput(this, 'UserPoolId', { value: users.userPoolId });
    new CfnOutput(this, 'UserPoolClientId', { value: client.userPoolClientId });
    new CfnOutput(this, 'ConsoleUrl', { value: consoleUrls[0] as string });
    new CfnOutput(this, 'ConsoleClientId', { value: consoleClient.userPoolClientId });
    new CfnOutput(this, 'OperatorAlertsTopicArn', { value: alarms.topic.topicArn });
  }
}

/** A stack name as a hosted UI domain prefix: lower-case letters, digits and dashes. */
function slug(name: string): string {
  return (
    name
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'tollgate'
  );
}
