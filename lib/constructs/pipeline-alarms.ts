/**
 * The alarms of every processor of one environment.
 *
 * Why not cdk-monitoring-constructs: its Lambda metric factory (the versions
 * we read, cdklabs/cdk-monitoring-constructs lib/monitoring/aws-lambda)
 * offers invocations, errors, throttles, duration and `IteratorAge`, but no
 * `OffsetLag`, the lag metric Lambda publishes for MSK sources; and its
 * lib/monitoring has no MSK module at all, so the consumer-group lag
 * (`EstimatedMaxTimeLag`, `MaxOffsetLag` on `Cluster Name`, `Consumer Group`,
 * `Topic`) would have to be written by hand on top of it anyway. What it
 * would contribute for the rest (SQS depth, DynamoDB throttles, a p99 alarm)
 * is a few lines each here, against a new dependency with its own naming,
 * action and dashboard layers. We keep its good ideas instead: metrics
 * apart from alarms (pipeline-metrics.ts), one naming scheme, the action set
 * once, and evaluation periods checked against datapoints at synth.
 */
import { Annotations, Duration, Token, aws_cloudwatch as cloudwatch } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import type { MonitoredProcessor } from './monitored-processor.js';
import { LambdaMetrics, MskConsumerLagMetrics, ProcessorMetrics, QueueMetrics, TableMetrics } from './pipeline-metrics.js';
import { ConstructPropsError } from '../errors.js';

/** The runbook each alarm links, under docs/runbooks/. */
export const Runbook = {
  CONSUMER_LAG: 'consumer-lag-growing.md',
  DEAD_LETTERS: 'dlq-growing.md',
  PROCESSOR_ERRORS: 'processor-errors.md',
  DYNAMODB_THROTTLING: 'dynamodb-throttling.md',
  LATENCY: 'latency-high.md',
} as const;
export type Runbook = (typeof Runbook)[keyof typeof Runbook];

export const DEFAULT_RUNBOOK_BASE_URL = 'docs/runbooks';

/** The thresholds of `config.alarms` (lib/config/pipeline-config.ts), e-mails aside. */
export interface AlarmThresholds {
  readonly offsetLagRecords: number;
  readonly estimatedTimeLagSeconds: number;
  readonly maxOffsetLagRecords: number;
  readonly deadLetterGrowthPerHour: number;
  readonly durationPercentOfTimeout: number;
  readonly latencyP99Ms: number;
  /** Evaluation periods of one minute each for every sustained-condition alarm. */
  readonly evaluationMinutes: number;
}

export interface PipelineAlarmsProps {
  /** Alarm names are `<namePrefix>-<processor>-<metric>`, e.g. `realtime-pipeline-dev`. */
  readonly namePrefix: string;
  readonly processors: readonly MonitoredProcessor[];
  /** The MSK cluster's name, the `Cluster Name` dimension of its consumer-lag metrics. */
  readonly clusterName: string;
  readonly thresholds: AlarmThresholds;
  /** Set as the alarm and OK action of every alarm. */
  readonly action: cloudwatch.IAlarmAction;
  /**
   * How many of the `thresholds.evaluationMinutes` one-minute datapoints
   * must breach (M of N) for a sustained-condition alarm.
   * @default thresholds.evaluationMinutes (every minute of the window)
   */
  readonly datapointsToAlarm?: number;
  /**
   * Where the runbooks are: each description ends with `<runbookBaseUrl>/<file>.md`.
   * Point it at your hosted repository, e.g. `https://github.com/acme/pipeline/blob/main/docs/runbooks`.
   * @default 'docs/runbooks' (the path in this repository)
   */
  readonly runbookBaseUrl?: string;
  /**
   * The handlers' EMF namespace (POWERTOOLS_METRICS_NAMESPACE).
   * @default 'realtime-pipeline'
   */
  readonly metricsNamespace?: string;
}

/** CloudWatch caps evaluationPeriods × period at one day. */
const MAX_EVALUATION_MINUTES = 24 * 60;
const MAX_DESCRIPTION_LENGTH = 1024;

interface AlarmSpec {
  readonly slug: string;
  readonly metric: cloudwatch.IMetric;
  readonly threshold: number;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
  readonly treatMissingData: cloudwatch.TreatMissingData;
  readonly meaning: string;
  readonly runbook: Runbook;
}

export class PipelineAlarms extends Construct {
  /** Every alarm, in creation order. */
  public readonly alarms: readonly cloudwatch.Alarm[];
  private readonly byProcessor = new Map<string, cloudwatch.Alarm[]>();

  public constructor(scope: Construct, id: string, props: PipelineAlarmsProps) {
    super(scope, id);
    const evaluation = props.thresholds.evaluationMinutes;
    const datapoints = props.datapointsToAlarm ?? evaluation;
    validate(props, evaluation, datapoints);
    const runbookBase = (props.runbookBaseUrl ?? DEFAULT_RUNBOOK_BASE_URL).replace(/\/+$/, '');

    const all: cloudwatch.Alarm[] = [];
    for (const processor of props.processors) {
      const scopeOf = new Construct(this, processor.processorName);
      const specs = this.specsOf(processor, props, evaluation, datapoints);
      const alarms = specs.map((spec) => {
        const description = `${spec.meaning} Runbook: ${runbookBase}/${spec.runbook}`;
        if (description.length > MAX_DESCRIPTION_LENGTH) {
          throw new ConstructPropsError(`PipelineAlarms: the description of '${spec.slug}' exceeds ${MAX_DESCRIPTION_LENGTH} characters; shorten runbookBaseUrl (got ${runbookBase.length} characters)`);
        }
        return new cloudwatch.Alarm(scopeOf, spec.slug, {
          alarmName: `${props.namePrefix}-${processor.processorName}-${spec.slug}`,
          alarmDescription: description,
          metric: spec.metric,
          threshold: spec.threshold,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: spec.evaluationPeriods,
          datapointsToAlarm: spec.datapointsToAlarm,
          treatMissingData: spec.treatMissingData,
        });
      });
      this.byProcessor.set(processor.processorName, alarms);
      all.push(...alarms);
    }
    // The one place the action is set, so no alarm can be left without it.
    for (const alarm of all) {
      alarm.addAlarmAction(props.action);
      alarm.addOkAction(props.action);
    }
    this.alarms = all;
  }

  /** The alarms of one processor. */
  public alarmsOf(processorName: string): readonly cloudwatch.Alarm[] {
    return this.byProcessor.get(processorName) ?? [];
  }

  private specsOf(p: MonitoredProcessor, props: PipelineAlarmsProps, evaluation: number, datapoints: number): AlarmSpec[] {
    const t = props.thresholds;
    const fn = new LambdaMetrics(p.function);
    const table = new TableMetrics(p.table);
    const dlq = new QueueMetrics(p.deadLetterQueue);
    const onFailure = new QueueMetrics(p.onFailureQueue);
    const emf = new ProcessorMetrics(p.processorName, props.metricsNamespace);
    const sustained = { evaluationPeriods: evaluation, datapointsToAlarm: datapoints };
    const immediate = { evaluationPeriods: 1, datapointsToAlarm: 1 };
    const window = `${datapoints} of ${evaluation} minutes`;

    const specs: AlarmSpec[] = [
      {
        slug: 'esm-offset-lag',
        metric: fn.offsetLag(),
        threshold: t.offsetLagRecords,
        ...sustained,
        // Lambda publishes OffsetLag while the mapping polls. A mapping that
        // stopped polling goes quiet here, but MSK keeps publishing the
        // group's lag while it is EMPTY, so the MSK alarms below catch it;
        // a quiet dev topic must not page.
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        meaning: `The event source mapping of ${p.processorName} is more than ${t.offsetLagRecords} records behind (Lambda OffsetLag, Maximum) for ${window}: the processor is not keeping up or is stuck on a partition.`,
        runbook: Runbook.CONSUMER_LAG,
      },
    ];
    for (const { topic, consumerGroupId } of p.inputs) {
      const lag = new MskConsumerLagMetrics(props.clusterName, consumerGroupId, topic);
      // MSK stops publishing during a rebalance (group not STABLE or EMPTY):
      // a gap keeps the alarm's state rather than resolving or raising it.
      specs.push(
        {
          slug: `msk-estimated-max-time-lag-${topic}`,
          metric: lag.estimatedMaxTimeLag(),
          threshold: t.estimatedTimeLagSeconds,
          ...sustained,
          treatMissingData: cloudwatch.TreatMissingData.IGNORE,
          meaning: `Consumer group ${consumerGroupId} is more than ${t.estimatedTimeLagSeconds} s behind on the worst partition of ${topic} (MSK EstimatedMaxTimeLag) for ${window}.`,
          runbook: Runbook.CONSUMER_LAG,
        },
        {
          slug: `msk-max-offset-lag-${topic}`,
          metric: lag.maxOffsetLag(),
          threshold: t.maxOffsetLagRecords,
          ...sustained,
          treatMissingData: cloudwatch.TreatMissingData.IGNORE,
          meaning: `Consumer group ${consumerGroupId} is more than ${t.maxOffsetLagRecords} records behind on the worst partition of ${topic} (MSK MaxOffsetLag) for ${window}.`,
          runbook: Runbook.CONSUMER_LAG,
        },
      );
    }
    specs.push(
      {
        slug: 'dlq-depth',
        metric: dlq.visibleMessages(),
        threshold: 0,
        ...immediate,
        // An idle, empty queue may stop publishing; a queue holding messages does not.
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        meaning: `The dead-letter queue of ${p.processorName} holds poison records (ApproximateNumberOfMessagesVisible > 0): each is a record the processor skipped, with its payload and reason.`,
        runbook: Runbook.DEAD_LETTERS,
      },
      {
        slug: 'on-failure-depth',
        metric: onFailure.visibleMessages(),
        threshold: 0,
        ...immediate,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        meaning: `The on-failure queue of ${p.processorName} holds batches the event source mapping gave up on after its retries (ApproximateNumberOfMessagesVisible > 0): their records were not applied.`,
        runbook: Runbook.DEAD_LETTERS,
      },
      {
        slug: 'dlq-growth',
        // A one-hour Sum is exactly what the threshold says (letters per hour);
        // a per-minute RATE() would page on short bursts the hourly budget allows.
        metric: dlq.messagesSent(Duration.hours(1)),
        threshold: t.deadLetterGrowthPerHour,
        ...immediate,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        meaning: `More than ${t.deadLetterGrowthPerHour} records were dead-lettered by ${p.processorName} within one hour (NumberOfMessagesSent, Sum over 1 h): a producer, schema or data problem, not a one-off.`,
        runbook: Runbook.DEAD_LETTERS,
      },
      {
        slug: 'errors',
        metric: fn.errors(),
        threshold: 0,
        ...sustained,
        // No invocation, no error.
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        meaning: `Invocations of ${p.processorName} failed as a whole (Lambda Errors > 0) for ${window}: the mapping retries the batch, so the partitions it holds are not moving.`,
        runbook: Runbook.PROCESSOR_ERRORS,
      },
      {
        slug: 'throttles',
        metric: fn.throttles(),
        threshold: 0,
        ...sustained,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        meaning: `Invocations of ${p.processorName} are throttled (Lambda Throttles > 0) for ${window}: concurrency is exhausted and lag will grow.`,
        runbook: Runbook.PROCESSOR_ERRORS,
      },
    );
    const timeoutMs = p.timeout.isUnresolved() ? undefined : p.timeout.toMilliseconds();
    if (timeoutMs === undefined) {
      Annotations.of(this).addWarningV2('@realtime-pipeline/alarms:unresolvedTimeout', `No duration alarm for ${p.processorName}: its timeout is a token, so the threshold cannot be computed at synth`);
    } else {
      const thresholdMs = Math.round((timeoutMs * t.durationPercentOfTimeout) / 100);
      specs.push({
        slug: 'duration-near-timeout',
        metric: fn.duration(cloudwatch.Stats.p(99)),
        threshold: thresholdMs,
        ...sustained,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        meaning: `The p99 duration of ${p.processorName} is above ${t.durationPercentOfTimeout}% of its ${timeoutMs / 1000} s timeout (${thresholdMs} ms) for ${window}: invocations are about to time out and be retried.`,
        runbook: Runbook.PROCESSOR_ERRORS,
      });
    }
    specs.push(
      {
        slug: 'dynamodb-read-throttles',
        metric: table.readThrottleEvents(),
        threshold: 0,
        ...sustained,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        meaning: `Reads of the state table of ${p.processorName} are throttled (ReadThrottleEvents > 0) for ${window}: checkpoint reads fail and batches are retried.`,
        runbook: Runbook.DYNAMODB_THROTTLING,
      },
      {
        slug: 'dynamodb-write-throttles',
        metric: table.writeThrottleEvents(),
        threshold: 0,
        ...sustained,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        meaning: `Writes to the state table of ${p.processorName} are throttled (WriteThrottleEvents > 0) for ${window}: commits fail and batches are retried.`,
        runbook: Runbook.DYNAMODB_THROTTLING,
      },
      {
        slug: 'end-to-end-latency-p99',
        metric: emf.endToEndLatency(cloudwatch.Stats.p(99)),
        threshold: t.latencyP99Ms,
        ...sustained,
        // A processor that stops emitting is caught by the lag alarms.
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        meaning: `The end-to-end latency p99 of ${p.processorName} (event time to commit, EMF EndToEndLatency) is above ${t.latencyP99Ms} ms for ${window}.`,
        runbook: Runbook.LATENCY,
      },
    );
    return specs;
  }
}

function validate(props: PipelineAlarmsProps, evaluation: number, datapoints: number): void {
  const checkInt = (name: string, value: number, min: number, max: number): void => {
    if (Token.isUnresolved(value)) return;
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new ConstructPropsError(`PipelineAlarms: ${name} must be a whole number from ${min} to ${max}; got ${value}`);
    }
  };
  checkInt('thresholds.evaluationMinutes', evaluation, 1, MAX_EVALUATION_MINUTES);
  checkInt('thresholds.durationPercentOfTimeout', props.thresholds.durationPercentOfTimeout, 1, 100);
  if (!Token.isUnresolved(datapoints) && !Token.isUnresolved(evaluation) && (!Number.isInteger(datapoints) || datapoints < 1 || datapoints > evaluation)) {
    throw new ConstructPropsError(`PipelineAlarms: datapointsToAlarm must be a whole number from 1 to the evaluation periods (thresholds.evaluationMinutes = ${evaluation}); got ${datapoints}`);
  }
  const seen = new Set<string>();
  for (const p of props.processors) {
    if (seen.has(p.processorName)) throw new ConstructPropsError(`PipelineAlarms: processors must have unique names; '${p.processorName}' repeats`);
    seen.add(p.processorName);
  }
}
