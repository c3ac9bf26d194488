import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Architecture, type CfnFunction, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
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
 * The one way to build a Lambda function here, with fixed defaults: Node 22 on arm64,
 * an ESM bundle with the SDK inside (cold start is 2–2.5× faster than the runtime's SDK),
 * `module` before `main` (smaller, faster), a log group with retention, active tracing.
 */
export class TollgateFunction extends NodejsFunction {
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
  }
}
