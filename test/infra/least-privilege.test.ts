import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  AGENDA_INDEX,
  keys,
  LISTINGS_INDEX,
  PENDING_BY_APPROVER_INDEX,
  TASK_TOKEN_PREFIX,
} from '../../functions/adapters/keys.ts';
import { HANDLERS } from '../../functions/handlers.ts';
import { buildApp } from '../../infra/app.ts';
import { HANDLER_METADATA } from '../../infra/constructs/tollgate-function.ts';
import { matches, render, type Statement, statementsIn } from '../support/cloudformation.ts';

// Least privilege per function (ADR 0012): the item actions each function's use cases perform
// on the main table, task tokens only for the functions that resume a workflow, Step Functions
// only to resume. The trail table's grants are test/infra/trail.test.ts's business.

type Resource = { Type: string; Properties: Record<string, unknown>; Metadata?: Record<string, unknown> };
/** One identity-policy statement and the role it applies to, by the function's handler name when it is one. */
type Grant = { principal: string; statement: Statement };

let resources: Record<string, Resource>;
let grants: Grant[];
let mainTable: string;

beforeAll(() => {
  // Prepare: the deployed app (cdk-nag is test/infra/stack.test.ts's business), synthesized once.
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const { stack } = buildApp(app, { nag: false });
  resources = Template.fromStack(stack).toJSON().Resources as Record<string, Resource>;
  mainTable = (stack.resolve(stack.table.tableName) as { Ref: string }).Ref;
  grants = identityGrants();
});

const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const getAttOf = (value: unknown) => (value as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt']?.[0];
const list = (value: unknown) => [value ?? []].flat() as string[];

/** Every statement of every identity policy (AWS::IAM::Policy and roles' own), with its principal. */
function identityGrants(): Grant[] {
  const nameOf = (roleId: string) => {
    for (const [, r] of ofType('AWS::Lambda::Function'))
      if (getAttOf(r.Properties.Role) === roleId) return String(r.Metadata?.[HANDLER_METADATA]);
    return `role:${roleId}`;
  };
  const out: Grant[] = [];
  for (const [roleId, role] of ofType('AWS::IAM::Role'))
    for (const policy of (role.Properties.Policies as { PolicyDocument: unknown }[] | undefined) ?? [])
      for (const statement of statementsIn(policy.PolicyDocument))
        out.push({ principal: nameOf(roleId), statement });
  for (const [, policy] of [...ofType('AWS::IAM::Policy'), ...ofType('AWS::IAM::ManagedPolicy')])
    for (const role of (policy.Properties.Roles as unknown[] | undefined) ?? [])
      for (const statement of statementsIn(policy.Properties.PolicyDocument))
        out.push({ principal: nameOf(render(role).slice(1, -1)), statement });
  return out;
}

/** Whether a statement names `action` (NotAction is taken at its worst). */
const names = (s: Statement, action: string) =>
  s.NotAction !== undefined
    ? !list(s.NotAction).some((p) => matches(p, action))
    : list(s.Action).some((p) => matches(p, action));
/** Whether a statement may reach the main table or its indexes (NotResource and `*` at their worst). */
const onMainTable = (s: Statement) =>
  s.NotResource !== undefined ||
  list(s.Resource).some((r) => {
    const text = render(r);
    return text === '*' || text.startsWith(`<${mainTable}.`) || text.includes(':dynamodb:');
  });
const allowed = (g: Grant) => g.statement.Effect === 'Allow';
const functionsOf = (found: Grant[]) => [...new Set(found.map((g) => g.principal))].sort();
const handlers = Object.keys(HANDLERS).sort();

const TOKENS = `${TASK_TOKEN_PREFIX}*`;
/** The condition every Allow on the table carries: no task token. */
const NOT_TOKENS = { 'ForAllValues:StringNotLike': { 'dynamodb:LeadingKeys': [TOKENS] } };
/** The condition of the grants and denials on task tokens. */
const ONLY_TOKENS = { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [TOKENS] } };
const ANY_TOKEN = { 'ForAnyValue:StringLike': { 'dynamodb:LeadingKeys': [TOKENS] } };
/** Every item action that could reach an item. */
const ITEM_ACTIONS = [
  'GetItem',
  'BatchGetItem',
  'Query',
  'ConditionCheckItem',
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'BatchWriteItem',
].map((a) => `dynamodb:${a}`);

/** A function's allowed item actions on the main table with the given condition, by name. */
const tableActions = (principal: string, condition: unknown) =>
  ITEM_ACTIONS.filter((action) =>
    grants.some(
      (g) =>
        g.principal === principal &&
        allowed(g) &&
        onMainTable(g.statement) &&
        JSON.stringify(g.statement.Condition) === JSON.stringify(condition) &&
        names(g.statement, action),
    ),
  )
    .map((a) => a.replace('dynamodb:', ''))
    .sort();

describe('the main table', () => {
  it('is never scanned, batch-written, deleted from, reached by PartiQL or by a wildcard action', () => {
    const forbidden = [
      'dynamodb:Scan',
      'dynamodb:BatchWriteItem',
      'dynamodb:DeleteItem',
      'dynamodb:PartiQLSelect',
      'dynamodb:PartiQLInsert',
      'dynamodb:PartiQLUpdate',
      'dynamodb:PartiQLDelete',
    ];
    // Any role at all, on any resource: no use case scans or batch-writes, none deletes yet.
    for (const action of forbidden)
      expect(functionsOf(grants.filter((g) => allowed(g) && names(g.statement, action))), action).toEqual([]);
    for (const g of grants.filter(allowed))
      for (const pattern of list(g.statement.Action ?? g.statement.NotAction))
        if (pattern.toLowerCase().startsWith('dynamodb:')) expect(pattern, g.principal).not.toContain('*');
    expect(grants.filter((g) => allowed(g) && g.statement.NotAction !== undefined)).toEqual([]);
  });

  it('gives each function exactly the item actions its use cases perform (ADR 0012)', () => {
    const READ_WRITE = ['GetItem', 'PutItem', 'Query', 'UpdateItem'];
    const expected: Record<string, string[]> = {
      'admin-api': READ_WRITE,
      'definitions-api': READ_WRITE,
      'anchor-trail': [],
      // The console's page and files: it reads nothing (its script calls the API with a token)
      'admin-console': [],
      'apply-decision': READ_WRITE,
      'approval-pages': READ_WRITE,
      'expire-gate': ['GetItem', 'Query', 'UpdateItem'],
      'open-gate': READ_WRITE,
      'project-api': READ_WRITE,
      'record-failure': ['GetItem'],
      'record-proposal': ['GetItem', 'PutItem'],
      sweeper: READ_WRITE,
      'trail-api': ['GetItem', 'PutItem', 'Query'],
      'trail-job': ['GetItem', 'PutItem'],
    };
    expect(Object.keys(expected).sort()).toEqual(handlers);
    for (const handler of handlers)
      expect(tableActions(handler, NOT_TOKENS), handler).toEqual(expected[handler]);
    // Every Allow on the table keeps off the task tokens, or is about them alone.
    for (const g of grants.filter((g) => allowed(g) && onMainTable(g.statement)))
      if (list(g.statement.Action).some((a) => a.startsWith('dynamodb:')))
        expect([NOT_TOKENS, ONLY_TOKENS], g.principal).toContainEqual(g.statement.Condition);
    // Only the sweeper (the agenda), the definitions API (the listings) and the admin API (the listings,
    // pending-by-approver) read an index, and only by Query.
    const onIndexes = grants.filter(
      (g) =>
        allowed(g) &&
        list(g.statement.Resource).some((r) => render(r).startsWith(`<${mainTable}.Arn>/index/`)),
    );
    // Each only the indexes it reads, by name: the definitions API cannot read who is pending.
    const indexesOf = (f: string) =>
      onIndexes
        .filter((g) => g.principal === f)
        .flatMap((g) => list(g.statement.Resource).map((r) => render(r).split('/index/')[1]))
        .sort();
    expect(functionsOf(onIndexes).sort()).toEqual(['admin-api', 'definitions-api', 'sweeper']);
    expect(indexesOf('admin-api')).toEqual([LISTINGS_INDEX, PENDING_BY_APPROVER_INDEX].sort());
    expect(indexesOf('definitions-api')).toEqual([LISTINGS_INDEX]);
    expect(indexesOf('sweeper')).toEqual([AGENDA_INDEX]);
    expect([...new Set(onIndexes.flatMap((g) => list(g.statement.Action)))]).toEqual(['dynamodb:Query']);
  });
});

describe('task tokens', () => {
  it('live in a partition of their own, the one the grants and denials name', () => {
    expect(keys.taskToken('p-1', 3).pk).toBe(`${TASK_TOKEN_PREFIX}p-1#0003`);
    expect(keys.gate('p-1', 3).pk.startsWith(TASK_TOKEN_PREFIX)).toBe(false);
  });

  it('are read by the functions that resume a workflow only, and written by the wait only', () => {
    const readers = handlers.filter((h) => tableActions(h, ONLY_TOKENS).includes('GetItem'));
    expect(readers).toEqual(['admin-api', 'approval-pages', 'open-gate', 'sweeper']);
    expect(tableActions('open-gate', ONLY_TOKENS)).toEqual(['GetItem', 'PutItem']);
    expect(tableActions('approval-pages', ONLY_TOKENS)).toEqual(['GetItem']);
    expect(tableActions('sweeper', ONLY_TOKENS)).toEqual(['GetItem']);
  });

  it('are denied explicitly to the project API (and every other function) for whatever it is not granted', () => {
    const deniedTo = (principal: string) =>
      ITEM_ACTIONS.filter((action) =>
        grants.some(
          (g) =>
            g.principal === principal &&
            g.statement.Effect === 'Deny' &&
            list(g.statement.Resource).some((r) => render(r) === `<${mainTable}.Arn>`) &&
            JSON.stringify(g.statement.Condition) === JSON.stringify(ANY_TOKEN) &&
            names(g.statement, action),
        ),
      );
    // The project API: every Allow on the table keeps off the tokens, and a Deny on every item action.
    const projectApiAllows = grants.filter(
      (g) =>
        g.principal === 'project-api' &&
        allowed(g) &&
        onMainTable(g.statement) &&
        list(g.statement.Action).some((a) => a.startsWith('dynamodb:')),
    );
    expect(projectApiAllows.length).toBeGreaterThan(0);
    for (const g of projectApiAllows) expect(g.statement.Condition).toEqual(NOT_TOKENS);
    expect(tableActions('project-api', ONLY_TOKENS)).toEqual([]);
    expect(deniedTo('project-api')).toEqual(ITEM_ACTIONS);
    for (const handler of handlers) {
      const granted = tableActions(handler, ONLY_TOKENS).map((a) => `dynamodb:${a}`);
      expect(deniedTo(handler), handler).toEqual(ITEM_ACTIONS.filter((a) => !granted.includes(a)));
    }
  });
});

describe('Step Functions', () => {
  const statesActionsOf = (principal: string) =>
    [
      ...new Set(
        grants
          .filter((g) => g.principal === principal && allowed(g))
          .flatMap((g) => list(g.statement.Action))
          .filter((a) => a.startsWith('states:')),
      ),
    ].sort();

  it('lets the approval function resume a waiting workflow, and nothing else', () => {
    expect(statesActionsOf('approval-pages')).toEqual(['states:SendTaskSuccess']);
  });

  it('lets nobody fail or heartbeat a task: resuming is SendTaskSuccess only', () => {
    for (const action of ['states:SendTaskFailure', 'states:SendTaskHeartbeat', 'states:*'])
      expect(functionsOf(grants.filter((g) => allowed(g) && names(g.statement, action))), action).toEqual([]);
    const resumers = handlers.filter((h) => statesActionsOf(h).includes('states:SendTaskSuccess'));
    expect(resumers).toEqual(['admin-api', 'approval-pages', 'open-gate', 'sweeper']);
  });
});

describe('the approval link', () => {
  it('answers HEAD too (link checkers send it), public and served by the approval function', () => {
    const heads = ofType('AWS::ApiGatewayV2::Route').filter(
      ([, r]) => r.Properties.RouteKey === 'HEAD /a/{secret}',
    );
    expect(heads).toHaveLength(1);
    const [, route] = heads[0] as [string, Resource];
    expect(route.Properties.AuthorizationType).toBe('NONE');
    const target = route.Properties.Target as { 'Fn::Join': [string, [string, { Ref: string }]] };
    const integration = resources[target['Fn::Join'][1][1].Ref] as Resource;
    const functionId = getAttOf(integration.Properties.IntegrationUri) as string;
    expect(resources[functionId]?.Metadata?.[HANDLER_METADATA]).toBe('approval-pages');
  });
});
