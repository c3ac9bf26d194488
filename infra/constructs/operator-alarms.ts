import { Aws, Duration } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  type IMetric,
  Metric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE } from '../../functions/logger.ts';

export interface OperatorAlarmsProps {
  stateMachines: Record<string, IStateMachine>;
  sweeper: IFunction;
  anchorTrail: IFunction;
}

/**
 * What tells an operator that a project may be stranded: a failed or timed-out execution,
 * a sweeper that errs (or cannot act on an item), and approval mail unsent after an hour.
 * Every alarm goes to one encrypted SNS topic; subscribe the on-call address to it.
 */
export class OperatorAlarms extends Construct {
  readonly topic: Topic;

  constructor(scope: Construct, id: string, props: OperatorAlarmsProps) {
    super(scope, id);
    const key = new Key(this, 'TopicKey', {
      enableKeyRotation: true,
      description: 'tollgate operator alerts',
    });
    // CloudWatch publishes alarms to the encrypted topic.
    key.grant(new ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
    this.topic = new Topic(this, 'Topic', {
      masterKey: key,
      enforceSSL: true,
      displayName: 'tollgate operators',
    });
    // enforceSSL gives the topic a policy of its own, which replaces the default one: without
    // this Allow, no alarm of the account may publish to it.
    this.topic.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
          ArnLike: {
            'aws:SourceArn': `arn:${Aws.PARTITION}:cloudwatch:${Aws.REGION}:${Aws.ACCOUNT_ID}:alarm:*`,
          },
        },
      }),
    );
    const action = new SnsAction(this.topic);
    const alarm = (alarmId: string, metric: IMetric, description: string) =>
      new Alarm(this, alarmId, {
        metric,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      }).addAlarmAction(action);
    const period = Duration.minutes(5);
    for (const [name, machine] of Object.entries(props.stateMachines)) {
      alarm(
        `${name}-failed`,
        machine.metricFailed({ period }),
        `A ${name} execution failed: its project may be stranded.`,
      );
      alarm(`${name}-timed-out`, machine.metricTimedOut({ period }), `A ${name} execution timed out.`);
    }
    alarm('sweeper-errors', props.sweeper.metricErrors({ period }), 'The sweeper failed.');
    const sweepMetric = (name: string) =>
      new Metric({
        namespace: METRICS_NAMESPACE,
        metricName: name,
        dimensionsMap: { Operation: 'sweep' },
        period,
        statistic: 'Maximum',
      });
    alarm(
      'sweeper-item-errors',
      sweepMetric('SweepErrors'),
      'The sweeper could not act on an item (see its logs).',
    );
    alarm(
      'mails-overdue',
      sweepMetric('MailsOverdue'),
      'Approval mail still unsent an hour after its gate opened.',
    );
    alarm('anchoring-errors', props.anchorTrail.metricErrors({ period }), 'The trail could not be anchored.');
    alarm(
      'trail-integrity',
      new Metric({
        namespace: METRICS_NAMESPACE,
        metricName: 'IntegrityProblems',
        dimensionsMap: { Operation: 'anchor' },
        period,
        statistic: 'Maximum',
      }),
      'A trail chain no longer matches its anchor: it was changed, rolled back or removed. Run a verification.',
    );
  }
}
