import { Aws, Duration } from 'aws-cdk-lib';
import { Policy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import {
  Choice,
  Condition,
  CustomState,
  type IStateMachine,
  JsonPath,
  type StateMachine,
  Succeed,
  TaskInput,
  Timeout,
} from 'aws-cdk-lib/aws-stepfunctions';
import { StepFunctionsStartExecution } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { recordedFailure } from './failure.ts';
import { GateWait } from './gate-wait.ts';
import { standardStateMachine } from './standard-state-machine.ts';

export interface GateReviewWorkflowProps {
  openGate: IFunction;
  expireGate: IFunction;
  applyDecision: IFunction;
  recordFailure: IFunction;
  closeOut: IStateMachine;
}

/**
 * One execution per gate instance (ADR 0006): wait for the gate's decision, follow it, and
 * start what it leads to — a fresh execution of this machine for a gate that opens at once
 * (its own ARN is `$$.StateMachine.Id`), or the close-out. A stage, a hold or a resume ends
 * the execution: no execution lives longer than one gate review, far below the one-year limit.
 */
export class GateReviewWorkflow extends Construct {
  readonly stateMachine: StateMachine;

  constructor(scope: Construct, id: string, props: GateReviewWorkflowProps) {
    super(scope, id);
    const failed = recordedFailure(this, {
      workflow: 'gate-review',
      recordFailure: props.recordFailure,
      error: 'GateReviewFailed',
    });
    const reviewed = new Succeed(this, 'Reviewed');
    const wait = new GateWait(this, 'Wait', { ...props, failed });
    const nextInput = { 'projectId.$': '$.projectId', 'gate.$': '$.next.gate' };

    const startNextReview = new CustomState(this, 'StartNextGateReview', {
      stateJson: {
        Type: 'Task',
        Resource: `arn:${Aws.PARTITION}:states:::states:startExecution`,
        Parameters: {
          'StateMachineArn.$': '$$.StateMachine.Id',
          'Name.$': '$.next.executionName',
          Input: nextInput,
        },
        ResultPath: null,
        TimeoutSeconds: 30,
      },
    });
    // Started before (a redelivered step): done. Anything else fails the execution; the
    // project stays on the sweeper's agenda until its next gate opens.
    startNextReview.addCatch(reviewed, { errors: ['StepFunctions.ExecutionAlreadyExistsException'] });
    startNextReview.addCatch(failed, { resultPath: '$.error' });
    startNextReview.next(reviewed);

    const startCloseOut = new StepFunctionsStartExecution(this, 'StartCloseOut', {
      stateMachine: props.closeOut,
      name: JsonPath.stringAt('$.next.executionName'),
      input: TaskInput.fromObject({
        projectId: JsonPath.stringAt('$.projectId'),
        gate: JsonPath.objectAt('$.next.gate'),
      }),
      resultPath: JsonPath.DISCARD,
      taskTimeout: Timeout.duration(Duration.seconds(30)),
    });
    startCloseOut.addCatch(reviewed, { errors: ['StepFunctions.ExecutionAlreadyExistsException'] });
    startCloseOut.addCatch(failed, { resultPath: '$.error' });
    startCloseOut.next(reviewed);

    const route = new Choice(this, 'FollowRoute')
      .when(Condition.stringEquals('$.next.route', 'open-gate'), startNextReview)
      .when(Condition.stringEquals('$.next.route', 'close-out'), startCloseOut)
      .otherwise(reviewed);

    // A gate's deadline is at most 180 days out (definition.ts); the machine's limit is a backstop.
    this.stateMachine = standardStateMachine(this, 'gate-review', wait.next(route), Duration.days(365));

    // A separate policy: the machine's own role policy cannot name the machine (a cycle).
    new Policy(this, 'StartsItself', {
      roles: [this.stateMachine.role],
      statements: [
        new PolicyStatement({
          actions: ['states:StartExecution'],
          resources: [this.stateMachine.stateMachineArn],
        }),
      ],
    });
  }
}
