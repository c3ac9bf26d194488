import { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import {
  Choice,
  Condition,
  Fail,
  IntegrationPattern,
  type IStateMachine,
  JsonPath,
  Pass,
  type StateMachine,
  Succeed,
  TaskInput,
  Timeout,
} from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke, StepFunctionsStartExecution } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { standardStateMachine } from './standard-state-machine.ts';

export interface GateReviewWorkflowProps {
  openGate: IFunction;
  expireGate: IFunction;
  parkOnHold: IFunction;
  closeOut: IStateMachine;
  /** Backstop on each gate wait; real deadlines are data, enforced from the gate's SLA. */
  gateTimeout?: Duration;
  /** How long a project may stay on hold before it is closed out. */
  holdTimeout?: Duration;
}

/**
 * One execution per project runs its gates in a loop: open a gate and wait for its
 * decision (the token is stored server-side by OpenGate), then follow the route the
 * decision chose — the next gate, a recycled earlier gate, hold, or close-out.
 */
export class GateReviewWorkflow extends Construct {
  readonly stateMachine: StateMachine;

  constructor(scope: Construct, id: string, props: GateReviewWorkflowProps) {
    super(scope, id);
    const gateTimeout = props.gateTimeout ?? Duration.days(30);
    const holdTimeout = props.holdTimeout ?? Duration.days(180);
    const failed = new Fail(this, 'GateReviewFailed', {
      error: 'GateReviewFailed',
      causePath: '$.error.Cause',
    });

    const openGate = new LambdaInvoke(this, 'OpenGate', {
      lambdaFunction: props.openGate,
      integrationPattern: IntegrationPattern.WAIT_FOR_TASK_TOKEN,
      payload: TaskInput.fromObject({
        taskToken: JsonPath.taskToken,
        projectId: JsonPath.stringAt('$.projectId'),
        gate: JsonPath.objectAt('$.gate'),
      }),
      resultPath: '$.result',
      taskTimeout: Timeout.duration(gateTimeout),
    });
    const expireGate = new LambdaInvoke(this, 'ExpireGate', {
      lambdaFunction: props.expireGate,
      payload: TaskInput.fromObject({
        projectId: JsonPath.stringAt('$.projectId'),
        gate: JsonPath.objectAt('$.gate'),
      }),
      resultSelector: {
        'outcome.$': '$.Payload.outcome',
        'decidedAt.$': '$.Payload.decidedAt',
        'next.$': '$.Payload.next',
      },
      resultPath: '$.result',
      taskTimeout: Timeout.duration(Duration.seconds(30)),
    }).addCatch(failed, { resultPath: '$.error' });
    openGate.addCatch(expireGate, { errors: ['States.Timeout'], resultPath: '$.timeout' });
    openGate.addCatch(failed, { resultPath: '$.error' });

    // The next gate instance: `result.next` carries its gate id and sequence number.
    const nextGate = new Pass(this, 'NextGate', {
      parameters: {
        'projectId.$': '$.projectId',
        gate: { 'gateId.$': '$.result.next.gateId', 'sequence.$': '$.result.next.sequence' },
      },
    });
    nextGate.next(openGate);

    const parkOnHold = new LambdaInvoke(this, 'ParkOnHold', {
      lambdaFunction: props.parkOnHold,
      integrationPattern: IntegrationPattern.WAIT_FOR_TASK_TOKEN,
      payload: TaskInput.fromObject({
        taskToken: JsonPath.taskToken,
        projectId: JsonPath.stringAt('$.projectId'),
        gate: {
          gateId: JsonPath.stringAt('$.result.next.gateId'),
          sequence: JsonPath.numberAt('$.result.next.sequence'),
        },
        decidedSequence: JsonPath.numberAt('$.gate.sequence'),
      }),
      resultPath: JsonPath.DISCARD,
      taskTimeout: Timeout.duration(holdTimeout),
    });
    const holdExpired = new Pass(this, 'HoldExpired', {
      parameters: {
        'projectId.$': '$.projectId',
        result: { next: { route: 'close-out', reason: 'hold-expired' } },
      },
    });
    parkOnHold.addCatch(holdExpired, { errors: ['States.Timeout'], resultPath: '$.timeout' });
    parkOnHold.addCatch(failed, { resultPath: '$.error' });
    parkOnHold.next(nextGate);

    const startCloseOut = new StepFunctionsStartExecution(this, 'StartCloseOut', {
      stateMachine: props.closeOut,
      name: JsonPath.format('close-{}', JsonPath.stringAt('$.projectId')),
      input: TaskInput.fromObject({
        projectId: JsonPath.stringAt('$.projectId'),
        reason: JsonPath.stringAt('$.result.next.reason'),
      }),
      resultPath: JsonPath.DISCARD,
      taskTimeout: Timeout.duration(Duration.seconds(30)),
    });
    startCloseOut.addCatch(failed, { resultPath: '$.error' });
    holdExpired.next(startCloseOut);
    startCloseOut.next(new Succeed(this, 'Reviewed'));

    const route = new Choice(this, 'FollowDecision')
      .when(Condition.stringEquals('$.result.next.route', 'open-gate'), nextGate)
      .when(Condition.stringEquals('$.result.next.route', 'hold'), parkOnHold)
      .when(Condition.stringEquals('$.result.next.route', 'close-out'), startCloseOut)
      .otherwise(new Fail(this, 'UnknownRoute', { error: 'UnknownRoute' }));
    openGate.next(route);
    expireGate.next(route);

    this.stateMachine = standardStateMachine(this, 'gate-review', openGate, Duration.days(365));
  }
}
