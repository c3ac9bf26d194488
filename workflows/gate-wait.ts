import { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import {
  Choice,
  Condition,
  type INextable,
  IntegrationPattern,
  JsonPath,
  Pass,
  type State,
  StateMachineFragment,
  TaskInput,
  Timeout,
} from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';

export interface GateWaitProps {
  openGate: IFunction;
  expireGate: IFunction;
  applyDecision: IFunction;
  /** Where an unexpected error goes (a Fail state of the machine). */
  failed: State;
  /**
   * How long one wait lasts before the deadline is checked again. Deadlines are data, acted
   * on by the sweeper; this is the backstop should the sweeper be down.
   */
  backstop?: Duration;
}

/**
 * Waiting on one gate instance, as a reusable sub-flow: OpenGate waits with its task token
 * (kept server-side); a resume or the backstop timeout leads to ApplyDecision, which re-reads
 * what DynamoDB recorded — never the resume payload — and moves the project on. A gate still
 * open (an early or forged resume, a deadline moved later) waits again. Ends with `$.next`:
 * `{ route, gate, executionName }`.
 */
export class GateWait extends StateMachineFragment {
  readonly startState: State;
  readonly endStates: INextable[];

  constructor(scope: Construct, id: string, props: GateWaitProps) {
    super(scope, id);
    const ref = { projectId: JsonPath.stringAt('$.projectId'), gate: JsonPath.objectAt('$.gate') };
    const openGate = new LambdaInvoke(this, 'OpenGate', {
      lambdaFunction: props.openGate,
      integrationPattern: IntegrationPattern.WAIT_FOR_TASK_TOKEN,
      payload: TaskInput.fromObject({ taskToken: JsonPath.taskToken, ...ref }),
      // The resume carries a reference only, and even that is not used to route.
      resultPath: JsonPath.DISCARD,
      taskTimeout: Timeout.duration(props.backstop ?? Duration.days(1)),
    });
    const expireGate = new LambdaInvoke(this, 'ExpireGate', {
      lambdaFunction: props.expireGate,
      payload: TaskInput.fromObject(ref),
      resultPath: JsonPath.DISCARD,
      taskTimeout: Timeout.duration(Duration.seconds(30)),
    }).addCatch(props.failed, { resultPath: '$.error' });
    const applyDecision = new LambdaInvoke(this, 'ApplyDecision', {
      lambdaFunction: props.applyDecision,
      payload: TaskInput.fromObject(ref),
      resultSelector: {
        'route.$': '$.Payload.route',
        'gate.$': '$.Payload.gate',
        'executionName.$': '$.Payload.executionName',
      },
      resultPath: '$.next',
      taskTimeout: Timeout.duration(Duration.seconds(60)),
    }).addCatch(props.failed, { resultPath: '$.error' });
    openGate.addCatch(expireGate, { errors: ['States.Timeout'], resultPath: JsonPath.DISCARD });
    openGate.addCatch(props.failed, { resultPath: '$.error' });
    openGate.next(applyDecision);
    expireGate.next(applyDecision);
    const followed = new Pass(this, 'DecisionFollowed');
    applyDecision.next(
      new Choice(this, 'StillOpen')
        .when(Condition.stringEquals('$.next.route', 'wait'), openGate)
        .otherwise(followed),
    );
    this.startState = openGate;
    this.endStates = [followed];
  }
}
