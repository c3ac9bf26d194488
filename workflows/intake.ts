import { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import {
  Choice,
  Condition,
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
  closeOut: IStateMachine;
}

/**
 * Intake: record the proposal (validated, definition pinned, skip rules applied). The project
 * then works on its first stage — or, where the definition says the first gate opens from
 * intake, that gate's review starts.
 */
export class IntakeWorkflow extends Construct {
  readonly stateMachine: StateMachine;

  constructor(scope: Construct, id: string, props: IntakeWorkflowProps) {
    super(scope, id);
    const rejected = new Fail(this, 'ProposalRejected', {
      error: 'ProposalRejected',
      causePath: JsonPath.stringAt('$.rejection.Cause'),
    });
    const submitted = new Succeed(this, 'Submitted');
    const record = new LambdaInvoke(this, 'RecordProposal', {
      lambdaFunction: props.recordProposal,
      payload: TaskInput.fromJsonPathAt('$'),
      resultSelector: {
        'route.$': '$.Payload.route',
        'gate.$': '$.Payload.gate',
        'executionName.$': '$.Payload.executionName',
      },
      resultPath: '$.next',
      taskTimeout: Timeout.duration(Duration.seconds(30)),
    }).addCatch(rejected, { errors: ['ProposalRejectedError', 'TaskInputError'], resultPath: '$.rejection' });
    const start = (id: string, machine: IStateMachine) =>
      new StepFunctionsStartExecution(this, id, {
        stateMachine: machine,
        name: JsonPath.stringAt('$.next.executionName'),
        input: TaskInput.fromObject({
          projectId: JsonPath.stringAt('$.projectId'),
          gate: JsonPath.objectAt('$.next.gate'),
        }),
        resultPath: JsonPath.DISCARD,
        taskTimeout: Timeout.duration(Duration.seconds(30)),
      })
        // Started before (a redelivered step): done. Otherwise the sweeper starts it later.
        .addCatch(submitted, { errors: ['States.ALL'], resultPath: JsonPath.DISCARD })
        .next(submitted);
    const route = new Choice(this, 'WhereItStarts')
      .when(Condition.stringEquals('$.next.route', 'open-gate'), start('StartGateReview', props.gateReview))
      .when(Condition.stringEquals('$.next.route', 'close-out'), start('StartCloseOut', props.closeOut))
      .otherwise(submitted);
    this.stateMachine = standardStateMachine(this, 'intake', record.next(route), Duration.minutes(15));
  }
}
