import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Architecture, type CfnFunction, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { type TABLE_KEYS, TASK_TOKEN_PREFIX } from '../../functions/adapters/keys.ts';
import { HANDLERS, type HandlerName } from '../../functions/handlers.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface TollgateFunctionProps {
  /** Which registered handler this function runs (functions/handlers.ts). */
  handler: HandlerName;
  environment?: Record<string, string>;
  timeout?: Duration;
}

/** Metadata key that names a function's handler in the template; the local runtime reads it. */
export const HANDLER_METADATA = 'tollgate:handler';

/**
 * The item actions a use case may perform. Deliberately not here: Scan, the batch actions,
 * PartiQL and `dynamodb:*`. DeleteItem only for a use case that must delete (none does yet).
 */
export type ItemAction = 'GetItem' | 'Query' | 'PutItem' | 'UpdateItem' | 'ConditionCheckItem' | 'DeleteItem';

/** What one function may do with the table's items (ADR 0012). */
export type TableIndexName = (typeof TABLE_KEYS.indexes)[number]['name'];

export interface TableAccess {
  /** On every item but the task tokens. */
  items: readonly ItemAction[];
  /** Queries on these of the table's indexes, by name (the sweeper's agenda, the PMO's listings). */
  indexes?: readonly TableIndexName[];
  /** Task tokens (TOKEN# items): `read` to resume a waiting workflow, `read-write` for the wait itself. */
  taskTokens?: 'read' | 'read-write';
}

/** Every item action that could reach a task token: whatever a function is not granted there is denied. */
const TOKEN_ACTIONS = [
  'GetItem',
  'BatchGetItem',
  'Query',
  'ConditionCheckItem',
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'BatchWriteItem',
] as const;
const TOKEN_GRANTS: Record<NonNullable<TableAccess['taskTokens']>, readonly string[]> = {
  read: ['GetItem'],
  'read-write': ['GetItem', 'PutItem'],
};

/**
 * The one way to build a Lambda function here, with fixed defaults: Node 22 on arm64,
 * an ESM bundle with the SDK inside (cold start is 2–2.5× faster than the runtime's SDK),
 * `module` before `main` (smaller, faster), a log group with retention, active tracing.
 */
export class TollgateFunction extends NodejsFunction {
  /** The registered handler it runs. */
  readonly handlerName: HandlerName;

  constructor(scope: Construct, id: string, props: TollgateFunctionProps) {
    const spec = HANDLERS[props.handler];
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    super(scope, id, {
      entry: `${ROOT}${spec.entry}`,
      handler: 'handler',
      description: spec.description,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: 512,
      timeout: props.timeout ?? Duration.seconds(15),
      tracing: Tracing.ACTIVE,
      logGroup,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
      depsLockFilePath: `${ROOT}package-lock.json`,
      projectRoot: ROOT,
      bundling: {
        format: OutputFormat.ESM,
        target: 'node22',
        minify: true,
        sourceMap: true,
        mainFields: ['module', 'main'],
        externalModules: [],
        // ESM bundles of CommonJS dependencies still call require().
        banner: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
      },
    });
    (this.node.defaultChild as CfnFunction).addMetadata(HANDLER_METADATA, props.handler);
    this.handlerName = props.handler;
  }

  /**
   * Exactly the item actions named, never on a task token unless `taskTokens` says so, and an
   * explicit Deny on the token partition for the rest: a later, wider grant cannot reach them.
   */
  grantTable(table: ITable, access: TableAccess): void {
    const leadingKeys = { 'dynamodb:LeadingKeys': [`${TASK_TOKEN_PREFIX}*`] };
    const dynamodb = (actions: readonly string[]) => actions.map((a) => `dynamodb:${a}`);
    if (access.items.length > 0)
      this.addToRolePolicy(
        new PolicyStatement({
          actions: dynamodb(access.items),
          resources: [table.tableArn],
          conditions: { 'ForAllValues:StringNotLike': leadingKeys },
        }),
      );
    if (access.indexes?.length)
      // No token item carries an index attribute; the condition keeps every Allow alike.
      this.addToRolePolicy(
        new PolicyStatement({
          actions: ['dynamodb:Query'],
          resources: access.indexes.map((name) => `${table.tableArn}/index/${name}`),
          conditions: { 'ForAllValues:StringNotLike': leadingKeys },
        }),
      );
    const granted = access.taskTokens ? TOKEN_GRANTS[access.taskTokens] : [];
    if (granted.length > 0)
      this.addToRolePolicy(
        new PolicyStatement({
          actions: dynamodb(granted),
          resources: [table.tableArn],
          conditions: { 'ForAllValues:StringLike': leadingKeys },
        }),
      );
    this.addToRolePolicy(
      new PolicyStatement({
        effect: Effect.DENY,
        actions: dynamodb(TOKEN_ACTIONS.filter((a) => !granted.includes(a))),
        resources: [table.tableArn],
        conditions: { 'ForAnyValue:StringLike': leadingKeys },
      }),
    );
  }
}
