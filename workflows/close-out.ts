import { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import {
  Fail,
  JsonPath,
  type StateMachine,
  Succeed,
  TaskInput,
  Timeout,
} from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { standardStateMachine } from './standard-state-machine.ts';

export interface CloseOutWorkflowProps {
  closeProject: IFunction;
}

/** Close-out: close the project (trail entry, notices to requester and sponsor). */
export class CloseOutWorkflow extends Construct {
  readonly stateMachine: StateMachine;

  constructor(scope: Construct, id: string, props: CloseOutWorkflowProps) {
    super(scope, id);
    const close = new LambdaInvoke(this, 'CloseProject', {
      lambdaFunction: props.closeProject,
      payload: TaskInput.fromObject({
        projectId: JsonPath.stringAt('$.projectId'),
        reason: JsonPath.stringAt('$.reason'),
      }),
      resultSelector: { 'status.$': '$.Payload.status' },
      resultPath: '$.closeOut',
      taskTimeout: Timeout.duration(Duration.seconds(30)),
    }).addCatch(new Fail(this, 'CloseOutFailed', { error: 'CloseOutFailed' }), { resultPath: '$.error' });
    this.stateMachine = standardStateMachine(
      this,
      'close-out',
      close.next(new Succeed(this, 'Closed')),
      Duration.hours(1),
    );
  }
}
