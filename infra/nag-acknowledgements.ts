import { type Stack, Validations } from 'aws-cdk-lib';

/**
 * Every accepted cdk-nag finding, each with its reason. Wildcards on *data* are never
 * acknowledged wholesale: only the table's own indexes and the functions' own versions.
 * test/infra/stack.test.ts fails on an acknowledgement no finding uses any more.
 */
export const ACCEPTED_FINDINGS: readonly { id: string; reason: string }[] = [
  {
    id: 'AwsSolutions::AwsSolutions-L1',
    reason: 'Node.js 22 is pinned on purpose: the local runtime and tests run the same major version.',
  },
  {
    id: 'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    reason: 'The basic execution policy only lets a function write its own logs.',
  },
  {
    id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
    reason:
      'X-Ray PutTraceSegments/PutTelemetryRecords and CloudWatch Logs delivery for state machines accept only "*".',
  },
  {
    id: 'AwsSolutions::AwsSolutions-IAM5[Resource::<TableCD117FA1.Arn>/index/*]',
    reason:
      "Queries on the table's own global secondary indexes (pending by approver, open gates by deadline).",
  },
  // The tasks of the state machines: RecordProposal (intake); OpenGate, ExpireGate and
  // ApplyDecision (the gate wait, in gate review and close-out).
  ...['RecordProposal261D7821', 'OpenGate412BC4F5', 'ExpireGate512924F6', 'ApplyDecision3362DBF2'].map(
    (fn) => ({
      id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${fn}.Arn>:*]`,
      reason: 'A state machine may invoke the versions and aliases of the one function its task names.',
    }),
  ),
  {
    id: 'AwsSolutions::AwsSolutions-IAM5[Resource::<Sweeper30B1A830.Arn>:*]',
    reason:
      "The sweeper's schedule may invoke the versions and aliases of the sweeper function only (the scheduler target's grant).",
  },
  {
    id: 'AwsSolutions::AwsSolutions-APIG4',
    reason:
      'Approval routes are public by design: the single-use link secret is the credential (docs/decisions/0003).',
  },
  {
    id: 'AwsSolutions::AwsSolutions-COG8',
    reason:
      'Plus-tier threat protection is a cost decision for the operator; MFA is required for every user.',
  },
];

export function acknowledgeFindings(stack: Stack): void {
  for (const finding of ACCEPTED_FINDINGS) Validations.of(stack).acknowledge(finding);
}
