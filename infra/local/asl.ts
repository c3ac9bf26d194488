import { App } from 'aws-cdk-lib';
import type { HandlerName } from '../../functions/handlers.ts';
import { WORKFLOW_METADATA } from '../../workflows/standard-state-machine.ts';
import { buildApp } from '../app.ts';
import { HANDLER_METADATA } from '../constructs/tollgate-function.ts';

export const LOCAL_REGION = 'us-east-1';
export const LOCAL_ACCOUNT = '000000000000';

export interface LocalMachine {
  /** `intake`, `gate-review` or `close-out`. */
  workflow: string;
  name: string;
  arn: string;
  definition: Record<string, unknown>;
}

export const localMachineArn = (workflow: string) =>
  `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stateMachine:tollgate-${workflow}`;

type Resource = { Type: string; Properties?: Record<string, unknown>; Metadata?: Record<string, unknown> };

/**
 * Synthesizes the same CDK app that deploys to AWS (bundling skipped) and returns its
 * state machine definitions with every CloudFormation token resolved for this machine:
 * Lambda ARNs become registered handler names, state machine refs become local ARNs.
 */
export function synthesizeLocalMachines(): LocalMachine[] {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const { stack } = buildApp(app, { nag: false });
  const template = app.synth().getStackByName(stack.stackName).template as {
    Resources: Record<string, Resource>;
  };
  const resources = template.Resources;

  const resolve = (part: unknown): string => {
    if (typeof part === 'string') return part;
    const token = part as Record<string, unknown>;
    if ('Ref' in token) {
      const ref = String(token.Ref);
      if (ref === 'AWS::Partition') return 'aws';
      if (ref === 'AWS::Region') return LOCAL_REGION;
      if (ref === 'AWS::AccountId') return LOCAL_ACCOUNT;
      if (ref === 'AWS::URLSuffix') return 'amazonaws.com';
      const workflow = resources[ref]?.Metadata?.[WORKFLOW_METADATA];
      if (typeof workflow === 'string') return localMachineArn(workflow);
    }
    if ('Fn::GetAtt' in token) {
      const [id] = token['Fn::GetAtt'] as [string, string];
      const handler = resources[id]?.Metadata?.[HANDLER_METADATA];
      if (typeof handler === 'string') return handler satisfies string as HandlerName;
    }
    throw new Error(`cannot resolve ${JSON.stringify(part)} in a state machine definition`);
  };

  return Object.values(resources)
    .filter((r) => r.Type === 'AWS::StepFunctions::StateMachine')
    .map((r) => {
      const workflow = String(r.Metadata?.[WORKFLOW_METADATA]);
      const body = r.Properties?.DefinitionString as string | { 'Fn::Join': [string, unknown[]] };
      const text =
        typeof body === 'string' ? body : body['Fn::Join'][1].map(resolve).join(body['Fn::Join'][0]);
      return {
        workflow,
        name: `tollgate-${workflow}`,
        arn: localMachineArn(workflow),
        definition: JSON.parse(text) as Record<string, unknown>,
      };
    });
}
