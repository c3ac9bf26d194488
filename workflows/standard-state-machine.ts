import { type CfnResource, type Duration, RemovalPolicy } from 'aws-cdk-lib';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  DefinitionBody,
  type IChainable,
  LogLevel,
  QueryLanguage,
  StateMachine,
  StateMachineType,
} from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';

/** Metadata key naming a state machine for the local runtime (`intake`, `gate-review`, `close-out`). */
export const WORKFLOW_METADATA = 'tollgate:workflow';

/**
 * The one way to build a state machine here: Standard (Express cannot wait for a task
 * token), JSONPath only (the local runner ignores JSONata), traced, and logged without
 * execution data — inputs carry task tokens, which must never reach a log.
 */
export function standardStateMachine(
  scope: Construct,
  workflow: string,
  definition: IChainable,
  timeout: Duration,
): StateMachine {
  const logs = new LogGroup(scope, 'ExecutionLogs', {
    retention: RetentionDays.THREE_MONTHS,
    removalPolicy: RemovalPolicy.RETAIN,
  });
  const machine = new StateMachine(scope, 'StateMachine', {
    stateMachineType: StateMachineType.STANDARD,
    queryLanguage: QueryLanguage.JSON_PATH,
    definitionBody: DefinitionBody.fromChainable(definition),
    timeout,
    tracingEnabled: true,
    logs: { destination: logs, level: LogLevel.ALL, includeExecutionData: false },
  });
  (machine.node.defaultChild as CfnResource).addMetadata(WORKFLOW_METADATA, workflow);
  return machine;
}
