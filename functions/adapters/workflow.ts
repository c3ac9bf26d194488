import {
  ExecutionAlreadyExists,
  InvalidToken,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  TaskDoesNotExist,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import type { GateTaskInput } from '../usecases/model.ts';
import { executionNames, type Workflow } from '../usecases/ports.ts';

export interface StateMachineArns {
  intake?: string | undefined;
  gateReview?: string | undefined;
  closeOut?: string | undefined;
  trailJob?: string | undefined;
}

export class StepFunctionsWorkflow implements Workflow {
  constructor(
    private readonly client: SFNClient,
    private readonly arns: StateMachineArns,
  ) {}

  startIntake(name: string, input: unknown): Promise<void> {
    return this.start(this.arns.intake, name, input);
  }

  startGateReview(input: GateTaskInput): Promise<void> {
    return this.start(this.arns.gateReview, executionNames.gateReview(input), input);
  }

  startCloseOut(input: GateTaskInput): Promise<void> {
    return this.start(this.arns.closeOut, executionNames.closeOut(input), input);
  }

  startTrailJob(jobId: string): Promise<void> {
    return this.start(this.arns.trailJob, `trail-job-${jobId}`, { jobId });
  }

  async resumeGate(taskToken: string, ref: GateTaskInput): Promise<'resumed' | 'gone'> {
    try {
      // A reference only: the workflow re-reads what DynamoDB recorded before it routes.
      await this.client.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(ref) }));
      return 'resumed';
    } catch (error) {
      if (error instanceof TaskTimedOut || error instanceof TaskDoesNotExist || error instanceof InvalidToken)
        return 'gone';
      throw error;
    }
  }

  /**
   * Same name and input while running: Step Functions answers with the same execution. A
   * name already used by a closed execution means the work was started before: done.
   */
  private async start(arn: string | undefined, name: string, input: unknown): Promise<void> {
    if (!arn) throw new Error(`no state machine ARN to start ${name}`);
    try {
      await this.client.send(
        new StartExecutionCommand({ stateMachineArn: arn, name, input: JSON.stringify(input) }),
      );
    } catch (error) {
      if (!(error instanceof ExecutionAlreadyExists)) throw error;
    }
  }
}

export function workflowFromEnv(): StepFunctionsWorkflow {
  return new StepFunctionsWorkflow(new SFNClient({}), {
    intake: process.env.INTAKE_STATE_MACHINE_ARN,
    gateReview: process.env.GATE_REVIEW_STATE_MACHINE_ARN,
    closeOut: process.env.CLOSE_OUT_STATE_MACHINE_ARN,
    trailJob: process.env.TRAIL_JOB_STATE_MACHINE_ARN,
  });
}
