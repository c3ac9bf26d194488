import { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import {
  Fail,
  type IStateMachine,
  JsonPath,
  type StateMachine,
  Succeed,
  TaskInput,
  Timeout,
} from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke, StepFunctionsStartExecution } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { standardStateMachine } from './standard-state-machine.ts';

export interface IntakeWorkflowProps {
  recordProposal: IFunction;
  gateReview: IStateMachine;
}

/** Intake: record the proposal (validated, definition pinned), then start its gate review. */
export class IntakeWorkflow extends Construct {
  readonly stateMachine: StateMachine;

  constructor(scope: Construct, id: string, props: IntakeWorkflowProps) {
    super(scope, id);
    const rejected = new Fail(this, 'ProposalRejected', {
      error: 'ProposalRejected',
      causePath: JsonPath.stringAt('$.rejection.Cause'),
    });
    const record = new LambdaInvoke(this, 'RecordProposal', {
      lambdaFunction: props.recordProposal,
      payload: TaskInput.fromJsonPathAt('$'),
      resultSelector: { 'projectId.$': '$.Payload.projectId', 'gate.$': '$.Payload.gate' },
      resultPath: '$.intake',
      taskTimeout: Timeout.duration(Duration.seconds(30)),
    }).addCatch(rejected, { errors: ['ProposalRejectedError', 'TaskInputError'], resultPath: '$.rejection' });
    const startReview = new StepFunctionsStartExecution(this, 'StartGateReview', {
      stateMachine: props.gateReview,
      name: JsonPath.format('review-{}', JsonPath.stringAt('$.intake.projectId')),
      input: TaskInput.fromObject({
        projectId: JsonPath.stringAt('$.intake.projectId'),
        gate: JsonPath.objectAt('$.intake.gate'),
      }),
      resultPath: JsonPath.DISCARD,
      taskTimeout: Timeout.duration(Duration.seconds(30)),
    });
    this.stateMachine = standardStateMachine(
      this,
      'intake',
      record.next(startReview).next(new Succeed(this, 'Submitted')),
      Duration.minutes(15),
    );
  }
}
