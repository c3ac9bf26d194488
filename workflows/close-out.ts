import { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Fail, type StateMachine, Succeed } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { GateWait } from './gate-wait.ts';
import { standardStateMachine } from './standard-state-machine.ts';

export interface CloseOutWorkflowProps {
  openGate: IFunction;
  expireGate: IFunction;
  applyDecision: IFunction;
}

/**
 * Close-out: the sponsor's sign-off on the close-out checklist (a link, like a gate), then
 * the project's final status, the closing notices and the sealed trail (ApplyDecision).
 */
export class CloseOutWorkflow extends Construct {
  readonly stateMachine: StateMachine;

  constructor(scope: Construct, id: string, props: CloseOutWorkflowProps) {
    super(scope, id);
    const failed = new Fail(this, 'CloseOutFailed', { error: 'CloseOutFailed', causePath: '$.error.Cause' });
    const signOff = new GateWait(this, 'SignOff', { ...props, failed });
    this.stateMachine = standardStateMachine(
      this,
      'close-out',
      signOff.next(new Succeed(this, 'Closed')),
      Duration.days(365),
    );
  }
}
