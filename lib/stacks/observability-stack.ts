import {
  CfnParameter,
  RemovalPolicy,
  Stack,
  aws_cloudwatch_actions as actions,
  aws_iam as iam,
  aws_kms as kms,
  aws_sns as sns,
  aws_sns_subscriptions as subscriptions,
  type StackProps,
} from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { EnvironmentConfig } from '../config/environments.js';
import { RemovalPolicyName } from '../config/pipeline-config.js';
import type { MonitoredProcessor } from '../constructs/monitored-processor.js';
import { PipelineAlarms } from '../constructs/pipeline-alarms.js';
import { PipelineDashboard } from '../constructs/pipeline-dashboard.js';

/** The stack parameter that takes an alarm address at deploy, with `config.alarms.emailParameter`. */
const ALARM_EMAIL_PARAMETER = 'AlarmEmail';

export interface ObservabilityStackProps extends StackProps {
  readonly config: EnvironmentConfig;
  /** What the processing stack deployed, one entry per processor. */
  readonly processors: readonly MonitoredProcessor[];
  /** The MSK cluster's name, the `Cluster Name` dimension of its consumer-lag metrics. */
  readonly clusterName: string;
  /** Consumer-lag metrics carry the same dimensions on both; shown on the dashboard. */
  readonly mskKind: 'serverless' | 'provisioned';
  /**
   * Where alarm descriptions point for runbooks.
   * @default 'docs/runbooks' (the path in this repository)
   */
  readonly runbookBaseUrl?: string;
  /**
   * M of the N = `config.alarms.evaluationMinutes` one-minute datapoints that must breach.
   * @default config.alarms.evaluationMinutes
   */
  readonly datapointsToAlarm?: number;
}

/**
 * The alarms, their SNS topic and the dashboard of one environment. The
 * topic is encrypted with a customer key whose policy lets CloudWatch
 * publish alarm notifications to it; each `config.alarms.emails` address
 * is subscribed (AWS mails it a confirmation link on deploy), and with
 * `config.alarms.emailParameter` the address of the `AlarmEmail` parameter.
 */
export class ObservabilityStack extends Stack {
  public readonly alarmTopic: sns.Topic;
  public readonly alarms: PipelineAlarms;
  public readonly dashboard: PipelineDashboard;

  public constructor(scope: Construct, id: string, props: ObservabilityStackProps) {
    super(scope, id, props);
    const prefix = `realtime-pipeline-${props.config.name}`;
    const removalPolicy = props.config.removalPolicy === RemovalPolicyName.RETAIN ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    const key = new kms.Key(this, 'AlarmTopicKey', {
      description: `${prefix}: encrypts the alarm notifications topic`,
      enableKeyRotation: true,
      removalPolicy,
    });
    // An encrypted topic only receives what its key lets the publisher use:
    // CloudWatch alarms need to generate and decrypt data keys, for this account's alarms only.
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
    );

    this.alarmTopic = new sns.Topic(this, 'AlarmTopic', {
      topicName: `${prefix}-alarms`,
      displayName: `${prefix} alarms`,
      masterKey: key,
      enforceSSL: true,
    });
    for (const email of props.config.alarms.emails) {
      this.alarmTopic.addSubscription(new subscriptions.EmailSubscription(email));
    }
    if (props.config.alarms.emailParameter) {
      // No default: CloudFormation refuses to deploy the stack until someone is named.
      const alarmEmail = new CfnParameter(this, ALARM_EMAIL_PARAMETER, {
        type: 'String',
        description: `Address the ${prefix} alarms are mailed to (it must confirm the subscription)`,
        allowedPattern: '^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$',
        constraintDescription: 'must be an e-mail address',
      });
      this.alarmTopic.addSubscription(new subscriptions.EmailSubscription(alarmEmail.valueAsString));
    }

    this.alarms = new PipelineAlarms(this, 'Alarms', {
      namePrefix: prefix,
      processors: props.processors,
      clusterName: props.clusterName,
      thresholds: props.config.alarms,
      action: new actions.SnsAction(this.alarmTopic),
      datapointsToAlarm: props.datapointsToAlarm,
      runbookBaseUrl: props.runbookBaseUrl,
    });

    this.dashboard = new PipelineDashboard(this, 'Dashboard', {
      dashboardName: prefix,
      processors: props.processors,
      clusterName: props.clusterName,
      mskKind: props.mskKind,
      alarms: this.alarms.alarms,
    });
  }
}
