import { type Stack, Validations } from 'aws-cdk-lib';

/**
 * Every accepted cdk-nag finding, each with its reason. Wildcards on *data* are never
 * acknowledged wholesale: only the trail table's own indexes (the main table's are granted by name), the anchors' and exports' own prefixes
 * and the functions' own versions.
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
    id: 'AwsSolutions::AwsSolutions-IAM5[Resource::<TrailTableE14D5900.Arn>/index/*]',
    reason:
      "Queries on the trail table's own global secondary indexes (entries by day, chain heads); the actions are GetItem and Query only.",
  },
  {
    id: 'AwsSolutions::AwsSolutions-IAM5[Resource::<TrailAnchorsB0244F44.Arn>/anchors/*]',
    reason:
      'Anchors are one object per sequence number under anchors/ (and the anchors/LATEST pointer), named at run time; Object Lock in compliance mode keeps every version.',
  },
  {
    id: 'AwsSolutions::AwsSolutions-IAM5[Resource::<TrailExports0CBC0702.Arn>/exports/*]',
    reason:
      'Export files are named per job at run time under exports/: the trail job writes them, the trail API presigns their downloads.',
  },
  // The tasks of the state machines: RecordProposal (intake); OpenGate, ExpireGate and
  // ApplyDecision (the gate wait, in gate review and close-out); RecordFailure (gate review and
  // close-out); AnchorTrail (close-out); TrailJob (the trail job).
  ...[
    'RecordProposal261D7821',
    'OpenGate412BC4F5',
    'ExpireGate512924F6',
    'ApplyDecision3362DBF2',
    'RecordFailure120D2729',
    'TrailJobD352778A',
  ].map((fn) => ({
    id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${fn}.Arn>:*]`,
    reason: 'A state machine may invoke the versions and aliases of the one function its task names.',
  })),
  {
    id: 'AwsSolutions::AwsSolutions-IAM5[Resource::<Sweeper30B1A830.Arn>:*]',
    reason:
      "The sweeper's schedule may invoke the versions and aliases of the sweeper function only (the scheduler target's grant).",
  },
  {
    id: 'AwsSolutions::AwsSolutions-IAM5[Resource::<AnchorTrail0D0C1C86.Arn>:*]',
    reason:
      "The versions and aliases of the anchoring function only: the close-out's AnchorTrail task and the hourly anchoring schedule's target grant.",
  },
  {
    id: 'AwsSolutions::AwsSolutions-APIG4',
    reason:
      "Approval routes are public by design: the single-use link secret is the credential (docs/decisions/0003). The PMO console's page, script and stylesheet are public too: they hold no data, and every call the script makes carries a token (docs/decisions/0016).",
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
