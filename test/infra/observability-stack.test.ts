import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { App, Aspects, Duration, Stack, Token, aws_cloudwatch_actions as actions, aws_sns as sns } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { loadEnvironmentConfig, type EnvironmentConfig } from '../../lib/config/environments.js';
import { PipelineAlarms, Runbook } from '../../lib/constructs/pipeline-alarms.js';
import { Namespace } from '../../lib/constructs/pipeline-metrics.js';
import { ObservabilityStack, type ObservabilityStackProps } from '../../lib/stacks/observability-stack.js';
import { METRICS_NAMESPACE } from '../../functions/core/observability/powertools.js';
import { buildMonitoredProcessors, fixtureNames } from './helpers/monitored-fixtures.js';

const RUNBOOKS_DIR = fileURLToPath(new URL('../../docs/runbooks/', import.meta.url));
const CLUSTER = 'realtime-pipeline-prod';

interface Built {
  readonly stack: ObservabilityStack;
  readonly template: Template;
}

function build(overrides: Partial<ObservabilityStackProps> = {}, alarms: Partial<EnvironmentConfig['alarms']> = {}): Built {
  const app = new App();
  const processors = buildMonitoredProcessors(app);
  const base = loadEnvironmentConfig('prod');
  const config: EnvironmentConfig = { ...base, alarms: { ...base.alarms, ...alarms } };
  const stack = new ObservabilityStack(app, 'realtime-pipeline-prod-observability', {
    config,
    processors,
    clusterName: CLUSTER,
    mskKind: 'provisioned',
    ...overrides,
  });
  return { stack, template: Template.fromStack(stack) };
}

/** The function, table and queue names reach the alarms as imports of the processing stack's exports. */
const importOf = (logicalIdPart: string): object => ({ 'Fn::ImportValue': Match.stringLikeRegexp(logicalIdPart) });

const topicRef = (template: Template): { Ref: string } => ({ Ref: Object.keys(template.findResources('AWS::SNS::Topic'))[0]! });

function alarmNamed(template: Template, name: string): Record<string, unknown> {
  const found = Object.values(template.findResources('AWS::CloudWatch::Alarm', { Properties: { AlarmName: name } }));
  expect(found, `alarm ${name}`).toHaveLength(1);
  return (found[0] as { Properties: Record<string, unknown> }).Properties;
}

describe('ObservabilityStack', () => {
  const { template } = build();
  const prod = loadEnvironmentConfig('prod').alarms;
  const oa = 'realtime-pipeline-prod-order-analytics';

  const expectations: ReadonlyArray<{
    name: string;
    namespace: string;
    metricName: string;
    dimensions: object[];
    threshold: number;
    statistic: string | undefined;
    evaluation: number;
    period: number;
    treatMissingData: string;
    runbook: Runbook;
  }> = [
    { name: `${oa}-esm-offset-lag`, namespace: 'AWS/Lambda', metricName: 'OffsetLag', dimensions: [{ Name: 'FunctionName', Value: importOf('orderanalyticsfn') }], threshold: prod.offsetLagRecords, statistic: 'Maximum', evaluation: prod.evaluationMinutes, period: 60, treatMissingData: 'notBreaching', runbook: Runbook.CONSUMER_LAG },
    ...(['EstimatedMaxTimeLag', 'MaxOffsetLag'] as const).map((metricName) => ({
      name: `${oa}-msk-${metricName === 'MaxOffsetLag' ? 'max-offset-lag' : 'estimated-max-time-lag'}-retail.orders`,
      namespace: 'AWS/Kafka',
      metricName,
      dimensions: [
        { Name: 'Cluster Name', Value: CLUSTER },
        { Name: 'Consumer Group', Value: fixtureNames('order-analytics').consumerGroupId },
        { Name: 'Topic', Value: 'retail.orders' },
      ],
      threshold: metricName === 'MaxOffsetLag' ? prod.maxOffsetLagRecords : prod.estimatedTimeLagSeconds,
      statistic: 'Maximum',
      evaluation: prod.evaluationMinutes,
      period: 60,
      treatMissingData: 'ignore',
      runbook: Runbook.CONSUMER_LAG,
    })),
    { name: `${oa}-dlq-depth`, namespace: 'AWS/SQS', metricName: 'ApproximateNumberOfMessagesVisible', dimensions: [{ Name: 'QueueName', Value: importOf('orderanalyticsdlq') }], threshold: 0, statistic: 'Maximum', evaluation: 1, period: 60, treatMissingData: 'notBreaching', runbook: Runbook.DEAD_LETTERS },
    { name: `${oa}-on-failure-depth`, namespace: 'AWS/SQS', metricName: 'ApproximateNumberOfMessagesVisible', dimensions: [{ Name: 'QueueName', Value: importOf('orderanalyticsonfailure') }], threshold: 0, statistic: 'Maximum', evaluation: 1, period: 60, treatMissingData: 'notBreaching', runbook: Runbook.DEAD_LETTERS },
    { name: `${oa}-dlq-growth`, namespace: 'AWS/SQS', metricName: 'NumberOfMessagesSent', dimensions: [{ Name: 'QueueName', Value: importOf('orderanalyticsdlq') }], threshold: prod.deadLetterGrowthPerHour, statistic: 'Sum', evaluation: 1, period: 3600, treatMissingData: 'notBreaching', runbook: Runbook.DEAD_LETTERS },
    { name: `${oa}-errors`, namespace: 'AWS/Lambda', metricName: 'Errors', dimensions: [{ Name: 'FunctionName', Value: importOf('orderanalyticsfn') }], threshold: 0, statistic: 'Sum', evaluation: prod.evaluationMinutes, period: 60, treatMissingData: 'notBreaching', runbook: Runbook.PROCESSOR_ERRORS },
    { name: `${oa}-throttles`, namespace: 'AWS/Lambda', metricName: 'Throttles', dimensions: [{ Name: 'FunctionName', Value: importOf('orderanalyticsfn') }], threshold: 0, statistic: 'Sum', evaluation: prod.evaluationMinutes, period: 60, treatMissingData: 'notBreaching', runbook: Runbook.PROCESSOR_ERRORS },
    // 80 % of the fixture's 60 s timeout.
    { name: `${oa}-duration-near-timeout`, namespace: 'AWS/Lambda', metricName: 'Duration', dimensions: [{ Name: 'FunctionName', Value: importOf('orderanalyticsfn') }], threshold: 48_000, statistic: undefined, evaluation: prod.evaluationMinutes, period: 60, treatMissingData: 'notBreaching', runbook: Runbook.PROCESSOR_ERRORS },
    { name: `${oa}-dynamodb-read-throttles`, namespace: 'AWS/DynamoDB', metricName: 'ReadThrottleEvents', dimensions: [{ Name: 'TableName', Value: importOf('orderanalyticstable') }], threshold: 0, statistic: 'Sum', evaluation: prod.evaluationMinutes, period: 60, treatMissingData: 'notBreaching', runbook: Runbook.DYNAMODB_THROTTLING },
    { name: `${oa}-dynamodb-write-throttles`, namespace: 'AWS/DynamoDB', metricName: 'WriteThrottleEvents', dimensions: [{ Name: 'TableName', Value: importOf('orderanalyticstable') }], threshold: 0, statistic: 'Sum', evaluation: prod.evaluationMinutes, period: 60, treatMissingData: 'notBreaching', runbook: Runbook.DYNAMODB_THROTTLING },
    { name: `${oa}-end-to-end-latency-p99`, namespace: 'realtime-pipeline', metricName: 'EndToEndLatency', dimensions: [{ Name: 'service', Value: 'order-analytics' }], threshold: prod.latencyP99Ms, statistic: undefined, evaluation: prod.evaluationMinutes, period: 60, treatMissingData: 'notBreaching', runbook: Runbook.LATENCY },
  ];

  for (const e of expectations) {
    it(`alarms ${e.name} on ${e.namespace} ${e.metricName} > ${e.threshold}`, () => {
      const props = alarmNamed(template, e.name);
      expect(props).toMatchObject({
        Namespace: e.namespace,
        MetricName: e.metricName,
        Threshold: e.threshold,
        ComparisonOperator: 'GreaterThanThreshold',
        EvaluationPeriods: e.evaluation,
        DatapointsToAlarm: e.evaluation,
        Period: e.period,
        TreatMissingData: e.treatMissingData,
        AlarmActions: [topicRef(template)],
        OKActions: [topicRef(template)],
      });
      if (e.statistic !== undefined) expect(props.Statistic).toBe(e.statistic);
      template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: e.name, Dimensions: e.dimensions });
      expect(props.AlarmDescription).toMatch(new RegExp(`Runbook: docs/runbooks/${e.runbook.replace('.', '\\.')}$`));
      expect(existsSync(`${RUNBOOKS_DIR}${e.runbook}`)).toBe(true);
    });
  }

  it('alarms the p99 of duration and end-to-end latency as extended statistics', () => {
    expect(alarmNamed(template, `${oa}-duration-near-timeout`).ExtendedStatistic).toBe('p99');
    expect(alarmNamed(template, `${oa}-end-to-end-latency-p99`).ExtendedStatistic).toBe('p99');
  });

  it('uses the EMF namespace the handlers publish under', () => {
    expect(Namespace.PIPELINE).toBe(METRICS_NAMESPACE);
  });

  it('alarms consumer lag on every topic of a processor', () => {
    for (const topic of ['retail.stock-movements', 'retail.corrections']) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: `realtime-pipeline-prod-inventory-projector-msk-max-offset-lag-${topic}`,
        Dimensions: Match.arrayWith([{ Name: 'Topic', Value: topic }]),
      });
    }
    // 60 s × 80 % for order-analytics, 120 s × 80 % for inventory-projector.
    expect(alarmNamed(template, 'realtime-pipeline-prod-inventory-projector-duration-near-timeout').Threshold).toBe(96_000);
  });

  it('sets the topic as alarm and OK action on every alarm', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')) as { Properties: { AlarmActions: unknown; OKActions: unknown } }[];
    // 11 + 2 extra per additional topic: order-analytics (1 topic) 12, inventory-projector (2 topics) 14.
    expect(alarms).toHaveLength(26);
    for (const alarm of alarms) {
      expect(alarm.Properties.AlarmActions).toEqual([topicRef(template)]);
      expect(alarm.Properties.OKActions).toEqual([topicRef(template)]);
    }
  });

  it('links only runbooks that exist in docs/runbooks', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')) as { Properties: { AlarmDescription: string } }[];
    const linked = new Set(alarms.map((a) => /Runbook: docs\/runbooks\/([\w-]+\.md)$/.exec(a.Properties.AlarmDescription)?.[1]));
    expect(linked.has(undefined)).toBe(false);
    for (const file of linked) expect(existsSync(`${RUNBOOKS_DIR}${file}`), `docs/runbooks/${file}`).toBe(true);
    expect([...linked].sort()).toEqual(Object.values(Runbook).sort());
  });

  it('indexes every runbook in docs/runbooks/README.md', () => {
    const files = readdirSync(RUNBOOKS_DIR).filter((f) => f.endsWith('.md') && f !== 'README.md');
    expect(files.length).toBeGreaterThanOrEqual(9);
    const index = readFileSync(`${RUNBOOKS_DIR}README.md`, 'utf8');
    for (const file of files) expect(index, file).toContain(`](${file})`);
  });

  it('points descriptions at runbookBaseUrl when given', () => {
    const hosted = build({ runbookBaseUrl: 'https://github.com/acme/pipeline/blob/main/docs/runbooks/' }).template;
    expect(alarmNamed(hosted, `${oa}-errors`).AlarmDescription).toMatch(/Runbook: https:\/\/github\.com\/acme\/pipeline\/blob\/main\/docs\/runbooks\/processor-errors\.md$/);
  });

  it('alarms on M of N datapoints when datapointsToAlarm is given', () => {
    const props = alarmNamed(build({ datapointsToAlarm: 3 }).template, `${oa}-esm-offset-lag`);
    expect(props).toMatchObject({ EvaluationPeriods: prod.evaluationMinutes, DatapointsToAlarm: 3 });
  });

  it('encrypts the topic with a rotating customer key that CloudWatch may use, and enforces TLS', () => {
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
            Effect: 'Allow',
          }),
        ]),
      },
    });
    const keyId = Object.keys(template.findResources('AWS::KMS::Key'))[0]!;
    template.hasResourceProperties('AWS::SNS::Topic', {
      TopicName: 'realtime-pipeline-prod-alarms',
      KmsMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] },
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
    template.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Retain' });
  });

  it('subscribes the address prod takes at deploy as the AlarmEmail parameter, which has no default', () => {
    template.hasParameter('AlarmEmail', { Type: 'String', AllowedPattern: Match.anyValue(), Default: Match.absent() });
    template.resourceCountIs('AWS::SNS::Subscription', 1);
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: { Ref: 'AlarmEmail' }, TopicArn: topicRef(template) });
  });

  it('subscribes each configured e-mail address, with no parameter when the config takes none at deploy', () => {
    const withEmails = build({}, { emails: ['ops@example.com', 'data@example.com'], emailParameter: false }).template;
    expect(withEmails.findParameters('AlarmEmail')).toEqual({});
    withEmails.resourceCountIs('AWS::SNS::Subscription', 2);
    for (const email of ['ops@example.com', 'data@example.com']) {
      withEmails.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: email, TopicArn: topicRef(withEmails) });
    }
  });

  it('builds one dashboard for the environment with every processor and the alarm status', () => {
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    const dashboard = Object.values(template.findResources('AWS::CloudWatch::Dashboard'))[0] as { Properties: { DashboardName: string; DashboardBody: unknown } };
    expect(dashboard.Properties.DashboardName).toBe('realtime-pipeline-prod');
    const body = JSON.stringify(dashboard.Properties.DashboardBody).replace(/\\"/g, '"');
    for (const text of ['"type":"alarm"', 'OffsetLag', 'EstimatedMaxTimeLag', 'RecordsReceived', 'RecordsDecoded', 'RecordsDeadLettered', 'EndToEndLatency', 'p50', 'p99', 'ApproximateNumberOfMessagesVisible', 'Errors', 'Throttles', 'Duration', 'ConsumedWriteCapacityUnits', 'WriteThrottleEvents', '## order-analytics', '## inventory-projector']) {
      expect(body, text).toContain(text);
    }
  });

  it('reports no unsuppressed cdk-nag AwsSolutions findings', () => {
    const { stack } = build({}, { emails: ['ops@example.com'] });
    Aspects.of(stack).add(new AwsSolutionsChecks());
    const annotations = Annotations.fromStack(stack);
    expect(annotations.findError('*', Match.stringLikeRegexp('AwsSolutions-.*'))).toEqual([]);
    expect(annotations.findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*'))).toEqual([]);
  });
});

describe('PipelineAlarms validation', () => {
  function alarmsWith(props: { datapointsToAlarm?: number; evaluationMinutes?: number; durationPercentOfTimeout?: number; duplicate?: boolean; timeout?: Duration }): PipelineAlarms {
    const app = new App();
    const processors = buildMonitoredProcessors(app);
    const first = { ...processors[0]!, timeout: props.timeout ?? processors[0]!.timeout };
    const stack = new Stack(app, 'alarms');
    const prod = loadEnvironmentConfig('prod').alarms;
    return new PipelineAlarms(stack, 'Alarms', {
      namePrefix: 'realtime-pipeline-test',
      processors: props.duplicate === true ? [first, first] : [first],
      clusterName: CLUSTER,
      thresholds: {
        ...prod,
        evaluationMinutes: props.evaluationMinutes ?? prod.evaluationMinutes,
        durationPercentOfTimeout: props.durationPercentOfTimeout ?? prod.durationPercentOfTimeout,
      },
      action: new actions.SnsAction(new sns.Topic(stack, 'Topic')),
      datapointsToAlarm: props.datapointsToAlarm,
    });
  }

  it('throws when datapointsToAlarm exceeds the evaluation periods', () => {
    expect(() => alarmsWith({ evaluationMinutes: 5, datapointsToAlarm: 6 })).toThrow(
      /datapointsToAlarm must be a whole number from 1 to the evaluation periods \(thresholds.evaluationMinutes = 5\); got 6/,
    );
  });

  it('throws when datapointsToAlarm is below 1', () => {
    expect(() => alarmsWith({ datapointsToAlarm: 0 })).toThrow(/datapointsToAlarm must be a whole number from 1 .*; got 0/);
  });

  it('throws when evaluationMinutes exceeds the one-day CloudWatch window', () => {
    expect(() => alarmsWith({ evaluationMinutes: 1441 })).toThrow(/thresholds.evaluationMinutes must be a whole number from 1 to 1440; got 1441/);
  });

  it('throws when durationPercentOfTimeout is above 100', () => {
    expect(() => alarmsWith({ durationPercentOfTimeout: 120 })).toThrow(/thresholds.durationPercentOfTimeout must be a whole number from 1 to 100; got 120/);
  });

  it('throws when two processors share a name', () => {
    expect(() => alarmsWith({ duplicate: true })).toThrow(/processors must have unique names; 'order-analytics' repeats/);
  });

  it('creates no duration alarm, and warns, when the timeout is an unresolved token', () => {
    const alarms = alarmsWith({ timeout: Duration.seconds(Token.asNumber({ Ref: 'TimeoutParameter' })) });
    expect(alarms.alarmsOf('order-analytics').map((a) => a.node.id)).not.toContain('duration-near-timeout');
    expect(alarms.alarmsOf('order-analytics').length).toBeGreaterThan(0);
    const warnings = Annotations.fromStack(Stack.of(alarms)).findWarning('*', Match.stringLikeRegexp('No duration alarm for order-analytics'));
    expect(warnings).toHaveLength(1);
  });
});
