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

export interface TrailJobWorkflowProps {
  trailJob: IFunction;
}

/** A trail export or verification: one long task (up to 15 minutes); a failure is kept on the job. */
export class TrailJobWorkflow extends Construct {
  readonly stateMachine: StateMachine;

  constructor(scope: Construct, id: string, props: TrailJobWorkflowProps) {
    super(scope, id);
    const failed = new Fail(this, 'JobFailed', { error: 'TrailJobFailed', causePath: '$.error.Cause' });
    const markFailed = new LambdaInvoke(this, 'MarkJobFailed', {
      lambdaFunction: props.trailJob,
      payload: TaskInput.fromObject({
        jobId: JsonPath.stringAt('$.jobId'),
        failed: JsonPath.objectAt('$.error'),
      }),
      resultPath: JsonPath.DISCARD,
      taskTimeout: Timeout.duration(Duration.seconds(30)),
    })
      .addCatch(failed, { resultPath: JsonPath.DISCARD })
      .next(failed);
    const run = new LambdaInvoke(this, 'RunTrailJob', {
      lambdaFunction: props.trailJob,
      payload: TaskInput.fromObject({ jobId: JsonPath.stringAt('$.jobId') }),
      resultPath: JsonPath.DISCARD,
      taskTimeout: Timeout.duration(Duration.minutes(15)),
    }).addCatch(markFailed, { resultPath: '$.error' });
    this.stateMachine = standardStateMachine(
      this,
      'trail-job',
      run.next(new Succeed(this, 'JobDone')),
      Duration.hours(1),
    );
  }
}
