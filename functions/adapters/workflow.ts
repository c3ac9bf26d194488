import {
  InvalidToken,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  TaskDoesNotExist,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import type { GateResult } from '../usecases/model.ts';
import type { Workflow } from '../usecases/ports.ts';

export class StepFunctionsWorkflow implements Workflow {
  constructor(
    private readonly client: SFNClient,
    private readonly intakeArn: string,
  ) {}

  async startIntake(name: string, input: unknown): Promise<void> {
    // Same name and input while running: Step Functions answers with the same execution.
    await this.client.send(
      new StartExecutionCommand({ stateMachineArn: this.intakeArn, name, input: JSON.stringify(input) }),
    );
  }

  async resumeGate(taskToken: string, result: GateResult): Promise<'resumed' | 'gone'> {
    try {
      await this.client.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(result) }));
      return 'resumed';
    } catch (error) {
      if (error instanceof TaskTimedOut || error instanceof TaskDoesNotExist || error instanceof InvalidToken)
        return 'gone';
      throw error;
    }
  }
}

export function workflowFromEnv(): StepFunctionsWorkflow {
  return new StepFunctionsWorkflow(new SFNClient({}), process.env.INTAKE_STATE_MACHINE_ARN ?? '');
}
