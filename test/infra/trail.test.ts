import { App, Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { TRAIL_TABLE_KEYS } from '../../functions/adapters/keys.ts';
import { HANDLERS } from '../../functions/handlers.ts';
import { METRICS_NAMESPACE } from '../../functions/logger.ts';
import { buildApp } from '../../infra/app.ts';
import { HANDLER_METADATA } from '../../infra/constructs/tollgate-function.ts';
import { TollgateStack } from '../../infra/stack.ts';
import { WORKFLOW_METADATA } from '../../workflows/standard-state-machine.ts';
import { matches, render, type Statement, statementsIn } from '../support/cloudformation.ts';

// The compliance trail's infrastructure (ADR 0008, ADR 0010): the trail's own table, which
// nobody may update or delete in; the signing key only the anchoring and the trail job may sign
// with; the anchors locked in compliance mode; the exports; the hourly anchoring; the failures
// recorded before a workflow fails.

type Resource = {
  Type: string;
  Properties: Record<string, unknown>;
  Metadata?: Record<string, unknown>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
};
type Catcher = { ErrorEquals: string[]; Next: string; ResultPath?: string | null };
type State = {
  Type: string;
  Next?: string;
  Default?: string;
  Choices?: { Next: string }[];
  Catch?: Catcher[];
  Resource?: string;
  Parameters?: Record<string, unknown>;
  ResultPath?: string | null;
  TimeoutSeconds?: number;
  [field: string]: unknown;
};
type Definition = { StartAt: string; States: Record<string, State>; TimeoutSeconds?: number };
/** One identity-policy statement and the principal (a role, named readably) it applies to. */
type Grant = { principal: string; source: string; statement: Statement };

const SEVEN_YEARS_IN_DAYS = 7 * 365;

let resources: Record<string, Resource>;
let outputs: Record<string, { Value: unknown }>;
let custom: Record<string, Resource>;
let ids: { trailTable: string; mainTable: string; signingKey: string; anchors: string; exports: string };
let grants: Grant[];
const machines: Record<string, Definition> = {};

beforeAll(() => {
  // Prepare: the deployed app (cdk-nag is test/infra/stack.test.ts's business), synthesized once,
  // and a stack given its own anchor retention.
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const { stack } = buildApp(app, { nag: false });
  const json = Template.fromStack(stack).toJSON() as {
    Resources: Record<string, Resource>;
    Outputs: Record<string, { Value: unknown }>;
  };
  resources = json.Resources;
  outputs = json.Outputs;
  const refOf = (token: string) => (stack.resolve(token) as { Ref: string }).Ref;
  ids = {
    trailTable: refOf(stack.trail.table.tableName),
    mainTable: refOf(stack.table.tableName),
    signingKey: refOf(stack.trail.signingKey.keyId),
    anchors: refOf(stack.trail.anchors.bucketName),
    exports: refOf(stack.trail.exports.bucketName),
  };
  grants = identityGrants();

  const customApp = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const customStack = new TollgateStack(customApp, 'Custom', {
    senderEmail: 'tollgate@example.com',
    anchorRetention: Duration.days(400),
  });
  custom = Template.fromStack(customStack).toJSON().Resources as Record<string, Resource>;

  // Every state machine's definition, its tokens resolved to `function:<handler>`,
  // `stateMachine:<workflow>`, the partition to `aws` (as in test/infra/workflows.test.ts).
  const resolve = (part: unknown): string => {
    if (typeof part === 'string') return part;
    const token = part as { Ref?: string; 'Fn::GetAtt'?: [string, string] };
    if (token.Ref === 'AWS::Partition') return 'aws';
    const metadata = resources[token.Ref ?? token['Fn::GetAtt']?.[0] ?? '']?.Metadata ?? {};
    if (typeof metadata[HANDLER_METADATA] === 'string') return `function:${metadata[HANDLER_METADATA]}`;
    if (typeof metadata[WORKFLOW_METADATA] === 'string') return `stateMachine:${metadata[WORKFLOW_METADATA]}`;
    throw new Error(`unexpected token in a definition: ${JSON.stringify(part)}`);
  };
  for (const [, r] of ofType('AWS::StepFunctions::StateMachine')) {
    const body = r.Properties.DefinitionString as string | { 'Fn::Join': [string, unknown[]] };
    const text = typeof body === 'string' ? body : body['Fn::Join'][1].map(resolve).join(body['Fn::Join'][0]);
    machines[String(r.Metadata?.[WORKFLOW_METADATA])] = JSON.parse(text) as Definition;
  }
});

const ofType = (type: string, from = resources) => Object.entries(from).filter(([, r]) => r.Type === type);
const functionIdOf = (handler: string) =>
  ofType('AWS::Lambda::Function').find(([, r]) => r.Metadata?.[HANDLER_METADATA] === handler)?.[0] as string;
const getAttOf = (value: unknown) => (value as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];

/** A readable name for a role: the function, state machine or schedule it is the role of. */
const principalName = (roleId: string): string => {
  for (const [, r] of ofType('AWS::Lambda::Function'))
    if (getAttOf(r.Properties.Role) === roleId) return `function:${r.Metadata?.[HANDLER_METADATA]}`;
  for (const [, r] of ofType('AWS::StepFunctions::StateMachine'))
    if (getAttOf(r.Properties.RoleArn) === roleId) return `stateMachine:${r.Metadata?.[WORKFLOW_METADATA]}`;
  for (const [id, r] of ofType('AWS::Scheduler::Schedule')) {
    const target = r.Properties.Target as { RoleArn: unknown };
    if (getAttOf(target.RoleArn) === roleId) return `schedule:${id}`;
  }
  return `role:${roleId}`;
};

/**
 * Every identity-policy statement of the template with the principal it applies to: policies
 * (AWS::IAM::Policy), managed policies (attached to a role either way) and roles' inline policies.
 */
function identityGrants(): Grant[] {
  const out: Grant[] = [];
  const refsOf = (list: unknown) =>
    ((list as unknown[] | undefined) ?? []).map((r) => render(r).slice(1, -1));
  const attachedTo = new Map<string, string[]>();
  for (const [roleId, role] of ofType('AWS::IAM::Role')) {
    for (const arn of (role.Properties.ManagedPolicyArns as unknown[] | undefined) ?? []) {
      const ref = (arn as { Ref?: string }).Ref;
      if (ref) attachedTo.set(ref, [...(attachedTo.get(ref) ?? []), roleId]);
    }
    for (const policy of (role.Properties.Policies as { PolicyName: string; PolicyDocument: unknown }[]) ??
      [])
      for (const statement of statementsIn(policy.PolicyDocument))
        out.push({ principal: principalName(roleId), source: `${roleId}/${policy.PolicyName}`, statement });
  }
  for (const [policyId, policy] of [...ofType('AWS::IAM::Policy'), ...ofType('AWS::IAM::ManagedPolicy')]) {
    const principals = [
      ...refsOf(policy.Properties.Roles),
      ...refsOf(policy.Properties.Users),
      ...refsOf(policy.Properties.Groups),
      ...(attachedTo.get(policyId) ?? []),
    ];
    expect(principals.length, policyId).toBeGreaterThan(0);
    for (const statement of statementsIn(policy.Properties.PolicyDocument))
      for (const roleId of principals)
        out.push({ principal: principalName(roleId), source: policyId, statement });
  }
  return out;
}

/** Whether an allowing statement may perform `action` (NotAction is taken at its worst). */
const allows = (s: Statement, action: string) =>
  s.Effect === 'Allow' &&
  (s.NotAction !== undefined
    ? ![s.NotAction].flat().some((p) => matches(p, action))
    : [s.Action ?? []].flat().some((p) => matches(p, action)));
/** Whether a statement's resources may include what `target` recognises (NotResource at its worst). */
const reaches = (s: Statement, target: (resource: string) => boolean) =>
  s.NotResource !== undefined || [s.Resource ?? []].flat().some((r) => target(render(r)));
/** The action patterns of a statement that could name an action of `service`. */
const actionsFor = (s: Statement, service: string) =>
  [s.Action ?? s.NotAction ?? []].flat().filter((p) => matches(p.split(':')[0] ?? '', service));

const resourceOf = (id: string, service: string) => (r: string) =>
  r === '*' ||
  r.includes(`<${id}>`) ||
  r.includes(`<${id}.`) ||
  (r.includes('*') && r.includes(`:${service}:`));
const onTrailTable = (r: string) => resourceOf(ids.trailTable, 'dynamodb')(r);
const onMainTable = (r: string) => resourceOf(ids.mainTable, 'dynamodb')(r);
const onSigningKey = (r: string) => resourceOf(ids.signingKey, 'kms')(r);
const onAnchors = (r: string) => resourceOf(ids.anchors, 's3')(r);
const onExports = (r: string) => resourceOf(ids.exports, 's3')(r);

/** Who may do `action` on what `target` recognises, by readable name. */
const who = (action: string, target: (resource: string) => boolean) =>
  [
    ...new Set(
      grants
        .filter((g) => allows(g.statement, action) && reaches(g.statement, target))
        .map((g) => g.principal),
    ),
  ].sort();
/** Each principal's action patterns of `service` on what `target` recognises. */
const actionsByPrincipal = (service: string, target: (resource: string) => boolean) => {
  const out: Record<string, string[]> = {};
  for (const g of grants) {
    if (g.statement.Effect !== 'Allow' || !reaches(g.statement, target)) continue;
    const actions = actionsFor(g.statement, service);
    if (actions.length) out[g.principal] = [...new Set([...(out[g.principal] ?? []), ...actions])].sort();
  }
  return out;
};

const definitionOf = (workflow: string): Definition => {
  const definition = machines[workflow];
  if (!definition) throw new Error(`no ${workflow} state machine`);
  return definition;
};
const stateOf = (workflow: string, name: string): State => {
  const state = definitionOf(workflow).States[name];
  if (!state) throw new Error(`no state ${name} in ${workflow}`);
  return state;
};
const transitionsOf = (state: State) => [
  ...(state.Next ? [state.Next] : []),
  ...(state.Choices ?? []).map((rule) => rule.Next),
  ...(state.Default ? [state.Default] : []),
  ...(state.Catch ?? []).map((c) => c.Next),
];
/** The states reachable from `start` (itself included) without passing through `avoid`. */
const reachableAvoiding = (workflow: string, start: string, avoid?: string): Set<string> => {
  const seen = new Set<string>([start]);
  const queue = [start];
  while (queue.length) {
    const name = queue.shift() as string;
    for (const to of transitionsOf(stateOf(workflow, name)))
      if (to !== avoid && !seen.has(to)) {
        seen.add(to);
        queue.push(to);
      }
  }
  return seen;
};
const failsOf = (workflow: string) =>
  Object.entries(definitionOf(workflow).States)
    .filter(([, s]) => s.Type === 'Fail')
    .map(([name]) => name);

describe('the trail table', () => {
  it('is on demand, with PITR and deletion protection, retained, keyed as the adapters expect, with by-day and heads', () => {
    const table = resources[ids.trailTable] as Resource;
    expect(table.Type).toBe('AWS::DynamoDB::Table');
    expect(ids.trailTable).not.toBe(ids.mainTable);
    expect(table.DeletionPolicy).toBe('Retain');
    expect(table.UpdateReplacePolicy).toBe('Retain');
    expect(table.Properties).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      DeletionProtectionEnabled: true,
      KeySchema: [
        { AttributeName: TRAIL_TABLE_KEYS.partitionKey, KeyType: 'HASH' },
        { AttributeName: TRAIL_TABLE_KEYS.sortKey, KeyType: 'RANGE' },
      ],
    });
    // Entries never expire.
    expect(table.Properties.TimeToLiveSpecification).toBeUndefined();
    // No resource policy: the grants below are the only way in.
    expect(table.Properties.ResourcePolicy).toBeUndefined();
    const indexes = table.Properties.GlobalSecondaryIndexes as {
      IndexName: string;
      KeySchema: { AttributeName: string; KeyType: string }[];
      Projection: unknown;
    }[];
    expect(indexes.map((i) => i.IndexName).sort()).toEqual(['by-day', 'heads']);
    for (const index of TRAIL_TABLE_KEYS.indexes)
      expect(indexes.find((i) => i.IndexName === index.name)).toEqual({
        IndexName: index.name,
        KeySchema: [
          { AttributeName: index.partitionKey, KeyType: 'HASH' },
          { AttributeName: index.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      });
  });

  it('sees the grants of either table apart (the main table is read-write, and not the trail)', () => {
    // The check below is only as good as its resolution of resources: the main table's
    // read-write grants (UpdateItem, PutItem) are seen, and on the main table only.
    expect(who('dynamodb:UpdateItem', onMainTable)).toContain('function:sweeper');
    expect(who('dynamodb:PutItem', onMainTable)).toContain('function:project-api');
    expect(who('dynamodb:UpdateItem', onTrailTable)).toEqual([]);
    expect(who('dynamodb:PutItem', onTrailTable)).toContain('function:sweeper');
  });

  it('takes appends only: nobody may update, delete, batch-write, use PartiQL or a wildcard on it or its indexes', () => {
    const forbidden = [
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
      'dynamodb:BatchWriteItem',
      'dynamodb:PartiQLInsert',
      'dynamodb:PartiQLUpdate',
      'dynamodb:PartiQLDelete',
      'dynamodb:PartiQLSelect',
      'dynamodb:DeleteTable',
      'dynamodb:UpdateTable',
      'dynamodb:RestoreTableToPointInTime',
      'dynamodb:ImportTable',
    ];
    for (const action of forbidden) expect(who(action, onTrailTable), action).toEqual([]);
    for (const g of grants) {
      if (g.statement.Effect !== 'Allow' || !reaches(g.statement, onTrailTable)) continue;
      expect(g.statement.NotAction, g.source).toBeUndefined();
      expect(g.statement.NotResource, g.source).toBeUndefined();
      for (const action of actionsFor(g.statement, 'dynamodb'))
        expect(action, `${g.principal} (${g.source})`).not.toMatch(/[*?]/);
    }
  });

  it('gives every writer exactly PutItem, GetItem and Query there; the anchoring reads; nobody else anything', () => {
    const append = ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query'];
    const expected: Record<string, string[]> = {};
    // The console's function serves its page and files and writes nothing, refusals included.
    for (const handler of Object.keys(HANDLERS).filter((h) => h !== 'admin-console'))
      expected[`function:${handler}`] =
        handler === 'anchor-trail' ? ['dynamodb:GetItem', 'dynamodb:Query'] : append;
    // No state machine, schedule or other role: only the functions, each through its grant.
    expect(actionsByPrincipal('dynamodb', onTrailTable)).toEqual(expected);
  });
});

describe('the signing key', () => {
  it('is an ECC_NIST_P256 key for signing and verifying, retained, whose policy delegates to IAM only', () => {
    const key = resources[ids.signingKey] as Resource;
    expect(key.Type).toBe('AWS::KMS::Key');
    expect(key.Properties).toMatchObject({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' });
    expect(key.DeletionPolicy).toBe('Retain');
    // The account's IAM decides (below); no service or role is let in by the key policy itself.
    for (const s of statementsIn(key.Properties.KeyPolicy).filter((s) => s.Effect === 'Allow'))
      expect(render((s.Principal as { AWS: unknown }).AWS)).toBe(
        'arn:<AWS::Partition>:iam::<AWS::AccountId>:root',
      );
    expect(ofType('AWS::KMS::Grant')).toEqual([]);
  });

  it('signs for AnchorTrail and TrailJob only; TrailApi may only read its public key', () => {
    expect(who('kms:Sign', onSigningKey)).toEqual(['function:anchor-trail', 'function:trail-job']);
    expect(actionsByPrincipal('kms', onSigningKey)['function:trail-api']).toEqual(['kms:GetPublicKey']);
    expect(who('kms:GetPublicKey', onSigningKey)).toEqual([
      'function:anchor-trail',
      'function:trail-api',
      'function:trail-job',
    ]);
    for (const action of ['kms:ScheduleKeyDeletion', 'kms:DisableKey', 'kms:PutKeyPolicy', 'kms:CreateGrant'])
      expect(who(action, onSigningKey), action).toEqual([]);
  });
});

describe('the anchors bucket', () => {
  const bucketPolicyOf = (bucketId: string) =>
    ofType('AWS::S3::BucketPolicy').find(([, p]) => render(p.Properties.Bucket) === `<${bucketId}>`)?.[1];
  const enforcesTls = (bucketId: string) => {
    const policy = bucketPolicyOf(bucketId) as Resource;
    expect(statementsIn(policy.Properties.PolicyDocument)).toContainEqual({
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: 's3:*',
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      Resource: [
        { 'Fn::GetAtt': [bucketId, 'Arn'] },
        { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/*']] },
      ],
    });
    // The bucket policy lets nobody in: the grants are identity policies.
    expect(statementsIn(policy.Properties.PolicyDocument).filter((s) => s.Effect === 'Allow')).toEqual([]);
  };
  const blocksPublicAccess = (bucket: Resource) =>
    expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });

  it('locks every anchor in compliance mode, 7 years unless the stack says otherwise, versioned', () => {
    const anchors = resources[ids.anchors] as Resource;
    expect(anchors.Type).toBe('AWS::S3::Bucket');
    expect(anchors.DeletionPolicy).toBe('Retain');
    // CloudFormation needs ObjectLockEnabled at creation (it cannot be added later), and
    // Object Lock needs versioning enabled.
    expect(anchors.Properties).toMatchObject({
      ObjectLockEnabled: true,
      ObjectLockConfiguration: {
        ObjectLockEnabled: 'Enabled',
        Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: SEVEN_YEARS_IN_DAYS } },
      },
      VersioningConfiguration: { Status: 'Enabled' },
    });
    // Days or Years, never both (CloudFormation refuses both).
    const retention = (anchors.Properties.ObjectLockConfiguration as { Rule: { DefaultRetention: object } })
      .Rule.DefaultRetention;
    expect(Object.keys(retention).sort()).toEqual(['Days', 'Mode']);
    const [, customAnchors] = ofType('AWS::S3::Bucket', custom).find(
      ([, b]) => b.Properties.ObjectLockEnabled,
    ) as [string, Resource];
    expect(customAnchors.Properties.ObjectLockConfiguration).toEqual({
      ObjectLockEnabled: 'Enabled',
      Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 400 } },
    });
  });

  it('enforces TLS, blocks public access and logs access to a TLS-only, private bucket', () => {
    const anchors = resources[ids.anchors] as Resource;
    enforcesTls(ids.anchors);
    blocksPublicAccess(anchors);
    const logging = anchors.Properties.LoggingConfiguration as { DestinationBucketName: unknown };
    const logsId = render(logging.DestinationBucketName).slice(1, -1);
    expect(resources[logsId]?.Type).toBe('AWS::S3::Bucket');
    expect(logsId).not.toBe(ids.anchors);
    enforcesTls(logsId);
    blocksPublicAccess(resources[logsId] as Resource);
    expect(resources[logsId]?.DeletionPolicy).toBe('Retain');
  });

  it('is written by AnchorTrail only; nobody may delete, re-retain or bypass a lock', () => {
    expect(who('s3:PutObject', onAnchors)).toEqual(['function:anchor-trail']);
    const forbidden = [
      's3:DeleteObject',
      's3:DeleteObjectVersion',
      's3:DeleteObjectTagging',
      's3:DeleteObjectVersionTagging',
      's3:PutObjectRetention',
      's3:BypassGovernanceRetention',
      's3:PutBucketObjectLockConfiguration',
      's3:PutObjectLegalHold',
      's3:PutLifecycleConfiguration',
      's3:PutBucketVersioning',
      's3:PutBucketPolicy',
      's3:DeleteBucket',
    ];
    for (const action of forbidden) expect(who(action, onAnchors), action).toEqual([]);
    // What anyone may do there at all: write (AnchorTrail), read anchors, list (to tell a missing anchor).
    expect(actionsByPrincipal('s3', onAnchors)).toEqual({
      'function:anchor-trail': ['s3:GetObject', 's3:ListBucket', 's3:PutObject'],
      'function:trail-api': ['s3:GetObject', 's3:ListBucket'],
      'function:trail-job': ['s3:GetObject', 's3:ListBucket'],
    });
  });

  it('and the exports bucket: TLS, no public access, files expire; TrailJob writes, TrailApi reads to presign', () => {
    const exports = resources[ids.exports] as Resource;
    expect(exports.Type).toBe('AWS::S3::Bucket');
    expect(ids.exports).not.toBe(ids.anchors);
    enforcesTls(ids.exports);
    blocksPublicAccess(exports);
    const rules = (exports.Properties.LifecycleConfiguration as { Rules: Record<string, unknown>[] }).Rules;
    expect(rules).toContainEqual(
      expect.objectContaining({ Status: 'Enabled', ExpirationInDays: expect.any(Number) }),
    );
    expect(exports.Properties.LoggingConfiguration).toBeDefined();
    expect(actionsByPrincipal('s3', onExports)).toEqual({
      'function:trail-api': ['s3:GetObject'],
      'function:trail-job': ['s3:AbortMultipartUpload', 's3:PutObject'],
    });
    expect(who('s3:DeleteObject', onExports)).toEqual([]);
  });
});

describe('anchoring', () => {
  it('runs AnchorTrail on an EventBridge Scheduler schedule every hour, whose role invokes it only', () => {
    const anchorTrail = functionIdOf('anchor-trail');
    const schedules = ofType('AWS::Scheduler::Schedule').filter(
      ([, s]) => getAttOf((s.Properties.Target as { Arn: unknown }).Arn) === anchorTrail,
    );
    expect(schedules).toHaveLength(1);
    const [scheduleId, schedule] = schedules[0] as [string, Resource];
    expect(schedule.Properties).toMatchObject({ ScheduleExpression: 'rate(1 hour)', State: 'ENABLED' });
    const own = grants.filter((g) => g.principal === `schedule:${scheduleId}`);
    expect(own.flatMap((g) => [g.statement.Action].flat())).toEqual(['lambda:InvokeFunction']);
    for (const g of own)
      for (const r of [g.statement.Resource].flat())
        expect(render(r)).toMatch(new RegExp(`^<${anchorTrail}\\.Arn>(:\\*)?$`));
  });

  it('runs AnchorTrail in the close-out after the sign-off, and a close-out never fails for it', () => {
    const anchor = stateOf('close-out', 'AnchorTrail');
    expect(anchor).toMatchObject({
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: 'function:anchor-trail' },
      ResultPath: null,
    });
    expect(anchor.TimeoutSeconds).toBeGreaterThan(0);
    // After the sign-off: no way to it but through ApplyDecision.
    const start = definitionOf('close-out').StartAt;
    expect(reachableAvoiding('close-out', start).has('AnchorTrail')).toBe(true);
    expect(reachableAvoiding('close-out', start, 'ApplyDecision').has('AnchorTrail')).toBe(false);
    // Whatever it does, the close-out succeeds: every error is caught, into the Succeed.
    expect(anchor.Catch?.map((c) => c.ErrorEquals)).toEqual([['States.ALL']]);
    expect(anchor.Catch?.[0]?.ResultPath).toBeNull();
    expect(stateOf('close-out', anchor.Catch?.[0]?.Next ?? '').Type).toBe('Succeed');
    expect(stateOf('close-out', anchor.Next ?? '').Type).toBe('Succeed');
    for (const name of reachableAvoiding('close-out', 'AnchorTrail'))
      expect(stateOf('close-out', name).Type, name).not.toBe('Fail');
    // The gate review does not anchor (its project is not sealed).
    expect(JSON.stringify(definitionOf('gate-review'))).not.toContain('function:anchor-trail');
  });

  it("alarms the operators on AnchorTrail's errors and on the IntegrityProblems it reports", () => {
    const [topicId] = ofType('AWS::SNS::Topic')[0] as [string, Resource];
    const alarms = ofType('AWS::CloudWatch::Alarm').map(([, r]) => r.Properties);
    const errors = alarms.filter(
      (a) =>
        a.Namespace === 'AWS/Lambda' &&
        a.MetricName === 'Errors' &&
        JSON.stringify(a.Dimensions) ===
          JSON.stringify([{ Name: 'FunctionName', Value: { Ref: functionIdOf('anchor-trail') } }]),
    );
    expect(METRICS_NAMESPACE).toBe('Tollgate');
    const integrity = alarms.filter(
      (a) =>
        a.Namespace === 'Tollgate' &&
        a.MetricName === 'IntegrityProblems' &&
        JSON.stringify(a.Dimensions) === JSON.stringify([{ Name: 'Operation', Value: 'anchor' }]),
    );
    for (const found of [errors, integrity]) {
      expect(found).toHaveLength(1);
      expect(found[0]).toMatchObject({
        AlarmActions: [{ Ref: topicId }],
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
      });
      expect(found[0]?.ActionsEnabled ?? true).toBe(true);
    }
    // One problem is one too many: the worst of the period, not its average.
    expect(integrity[0]?.Statistic).toBe('Maximum');
  });
});

describe('the trail job machine', () => {
  it('runs the job for up to 15 minutes, and keeps a failure on the job before failing', () => {
    const definition = definitionOf('trail-job');
    expect(definition.StartAt).toBe('RunTrailJob');
    const run = stateOf('trail-job', 'RunTrailJob');
    expect(run).toMatchObject({
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: 'function:trail-job', Payload: { 'jobId.$': '$.jobId' } },
      TimeoutSeconds: 15 * 60,
    });
    // The function may run as long as its task.
    expect((resources[functionIdOf('trail-job')] as Resource).Properties.Timeout).toBe(15 * 60);
    expect(stateOf('trail-job', run.Next ?? '').Type).toBe('Succeed');
    expect(run.Catch).toEqual([
      { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'MarkJobFailed' },
    ]);
    const mark = stateOf('trail-job', 'MarkJobFailed');
    expect(mark).toMatchObject({
      Type: 'Task',
      Parameters: {
        FunctionName: 'function:trail-job',
        Payload: { 'jobId.$': '$.jobId', 'failed.$': '$.error' },
      },
    });
    expect(mark.TimeoutSeconds).toBeGreaterThan(0);
    // Marked or not, the execution fails (and the operators' alarm says so).
    const fail = mark.Next ?? '';
    expect(stateOf('trail-job', fail).Type).toBe('Fail');
    expect(mark.Catch?.map((c) => [c.ErrorEquals, c.Next])).toEqual([[['States.ALL'], fail]]);
    expect(definition.TimeoutSeconds).toBeGreaterThanOrEqual(15 * 60 + 30);
  });

  it('is started by TrailApi only, and starts nothing itself', () => {
    const machineId = ofType('AWS::StepFunctions::StateMachine').find(
      ([, r]) => r.Metadata?.[WORKFLOW_METADATA] === 'trail-job',
    )?.[0] as string;
    expect(who('states:StartExecution', (r) => r === '*' || r.includes(`<${machineId}>`))).toEqual([
      'function:trail-api',
    ]);
    expect(who('states:StartExecution', () => true).filter((p) => p === 'stateMachine:trail-job')).toEqual(
      [],
    );
  });
});

describe('failures, into the trail', () => {
  it('sends every path to the Fail of gate review and close-out through RecordFailure, whose own failure still fails', () => {
    for (const [workflow, error] of [
      ['gate-review', 'GateReviewFailed'],
      ['close-out', 'CloseOutFailed'],
    ] as const) {
      expect(failsOf(workflow), workflow).toEqual([error]);
      const record = stateOf(workflow, 'RecordFailure');
      expect(record, workflow).toMatchObject({
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Parameters: {
          FunctionName: 'function:record-failure',
          Payload: { workflow, 'projectId.$': '$.projectId', 'error.$': '$.error' },
        },
        ResultPath: null,
        Next: error,
      });
      // Recording never hides the failure: its own error goes to the Fail too.
      expect(
        record.Catch?.map((c) => [c.ErrorEquals, c.Next, c.ResultPath]),
        workflow,
      ).toEqual([[['States.ALL'], error, null]]);
      expect(stateOf(workflow, error)).toMatchObject({
        Type: 'Fail',
        Error: error,
        CausePath: '$.error.Cause',
      });
      // No way to the Fail but through RecordFailure.
      const start = definitionOf(workflow).StartAt;
      expect(reachableAvoiding(workflow, start).has(error), workflow).toBe(true);
      expect(reachableAvoiding(workflow, start, 'RecordFailure').has(error), workflow).toBe(false);
      // Every catcher into it keeps the error where RecordFailure and the Fail read it.
      for (const [name, state] of Object.entries(definitionOf(workflow).States))
        for (const c of state.Catch ?? [])
          if (c.Next === 'RecordFailure') expect(c.ResultPath, `${workflow}.${name}`).toBe('$.error');
    }
    // The intake's one Fail is a refused proposal, recorded by RecordProposal itself.
    expect(failsOf('intake')).toEqual(['ProposalRejected']);
  });
});

describe('the outputs', () => {
  it('name the trail table, the signing key and the anchors bucket', () => {
    expect(outputs.TrailTableName?.Value).toEqual({ Ref: ids.trailTable });
    expect(outputs.TrailSigningKeyArn?.Value).toEqual({ 'Fn::GetAtt': [ids.signingKey, 'Arn'] });
    expect(outputs.AnchorsBucketName?.Value).toEqual({ Ref: ids.anchors });
  });
});
