import { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Fail, JsonPath, type State, TaskInput, Timeout } from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';

/**
 * Where a project workflow's unexpected errors go: the failure is first written to the
 * project's trail (Step Functions history expires; the trail does not), then the execution
 * fails (which raises the operators' alarm). Recording never hides the failure.
 */
export function recordedFailure(
  scope: Construct,
  props: { workflow: string; recordFailure: IFunction; error: string },
): State {
  const fail = new Fail(scope, props.error, { error: props.error, causePath: '$.error.Cause' });
  const record = new LambdaInvoke(scope, 'RecordFailure', {
    lambdaFunction: props.recordFailure,
    payload: TaskInput.fromObject({
      workflow: props.workflow,
      projectId: JsonPath.stringAt('$.projectId'),
      gate: JsonPath.objectAt('$.gate'),
      error: JsonPath.objectAt('$.error'),
    }),
    resultPath: JsonPath.DISCARD,
    taskTimeout: Timeout.duration(Duration.seconds(30)),
  }).addCatch(fail, { resultPath: JsonPath.DISCARD });
  record.next(fail);
  return record;
}
