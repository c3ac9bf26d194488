import { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { JsonPath, type StateMachine, Succeed, TaskInput, Timeout } from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { recordedFailure } from './failure.ts';
import { GateWait } from './gate-wait.ts';
import { standardStateMachine } from './standard-state-machine.ts';

export interface CloseOutWorkflowProps {
  openGate: IFunction;
  expireGate: IFunction;
  applyDecision: IFunction;
  recordFailure: IFunction;
  anchorTrail: IFunction;
}

/**
 * Close-out: the sponsor's sign-off on the close-out checklist (a link, like a gate), then
 * the project's final status, the closing notices and the sealed trail (ApplyDecision).
 */
export class CloseOutWorkflow extends Construct {
  readonly stateMachine: StateMachine;

  constructor(scope: Construct, id: string, props: CloseOutWorkflowProps) {
    super(scope, id);
    const failed = recordedFailure(this, {
      workflow: 'close-out',
      recordFailure: props.recordFailure,
      error: 'CloseOutFailed',
    });
    const signOff = new GateWait(this, 'SignOff', { ...props, failed });
    const closed = new Succeed(this, 'Closed');
    // The sealed chain is anchored at once; should that fail, the hourly anchoring folds it.
    const anchor = new LambdaInvoke(this, 'AnchorTrail', {
      lambdaFunction: props.anchorTrail,
      payload: TaskInput.fromObject({}),
      resultPath: JsonPath.DISCARD,
      taskTimeout: Timeout.duration(Duration.seconds(60)),
    }).addCatch(closed, { resultPath: JsonPath.DISCARD });
    this.stateMachine = standardStateMachine(
      this,
      'close-out',
      signOff.next(anchor).next(closed),
      Duration.days(365),
    );
  }
}
