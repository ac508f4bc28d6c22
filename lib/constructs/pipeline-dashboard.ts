import { Duration, aws_cloudwatch as cloudwatch } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import type { MonitoredProcessor } from './monitored-processor.js';
import { LambdaMetrics, MskConsumerLagMetrics, PipelineMetricName, ProcessorMetrics, QueueMetrics, TableMetrics } from './pipeline-metrics.js';

export interface PipelineDashboardProps {
  readonly dashboardName: string;
  readonly processors: readonly MonitoredProcessor[];
  /** The MSK cluster's name, the `Cluster Name` dimension of its consumer-lag metrics. */
  readonly clusterName: string;
  readonly mskKind: 'serverless' | 'provisioned';
  /** Shown in one alarm status widget at the top. */
  readonly alarms: readonly cloudwatch.IAlarm[];
  /**
   * The handlers' EMF namespace (POWERTOOLS_METRICS_NAMESPACE).
   * @default 'realtime-pipeline'
   */
  readonly metricsNamespace?: string;
  /**
   * The time range the dashboard opens with.
   * @default Duration.hours(3)
   */
  readonly defaultRange?: Duration;
}

const FULL_WIDTH = 24;
const WIDGET_WIDTH = 8;
const WIDGET_HEIGHT = 6;

/**
 * One dashboard per environment: the alarms' state first, then one section
 * per processor with lag, throughput, latency, dead letters, the function
 * and its table, each graph reading the same metric as its alarm.
 */
export class PipelineDashboard extends Construct {
  public readonly dashboard: cloudwatch.Dashboard;

  public constructor(scope: Construct, id: string, props: PipelineDashboardProps) {
    super(scope, id);
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: props.dashboardName,
      defaultInterval: props.defaultRange ?? Duration.hours(3),
    });
    if (props.alarms.length > 0) {
      const rows = Math.ceil(props.alarms.length / 4);
      this.dashboard.addWidgets(
        new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: [...props.alarms], width: FULL_WIDTH, height: Math.min(2 + rows, 12) }),
      );
    }
    for (const processor of props.processors) this.addProcessor(processor, props);
  }

  private addProcessor(p: MonitoredProcessor, props: PipelineDashboardProps): void {
    const fn = new LambdaMetrics(p.function);
    const table = new TableMetrics(p.table);
    const emf = new ProcessorMetrics(p.processorName, props.metricsNamespace);
    const lags = p.inputs.map((input) => new MskConsumerLagMetrics(props.clusterName, input.consumerGroupId, input.topic));
    const graph = (title: string, left: cloudwatch.IMetric[], right: cloudwatch.IMetric[] = [], leftLabel?: string, rightLabel?: string): cloudwatch.GraphWidget =>
      new cloudwatch.GraphWidget({
        title: `${p.processorName}: ${title}`,
        left,
        right,
        width: WIDGET_WIDTH,
        height: WIDGET_HEIGHT,
        ...(leftLabel === undefined ? {} : { leftYAxis: { label: leftLabel, showUnits: false, min: 0 } }),
        ...(rightLabel === undefined ? {} : { rightYAxis: { label: rightLabel, showUnits: false, min: 0 } }),
      });

    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({
        markdown: `## ${p.processorName}\n${p.inputs.map((i) => `Topic \`${i.topic}\` as consumer group \`${i.consumerGroupId}\``).join('; ')} on MSK ${props.mskKind}. Runbooks: docs/runbooks/README.md`,
        width: FULL_WIDTH,
        height: 2,
      }),
    );
    const label = (m: cloudwatch.Metric, text: string): cloudwatch.Metric => m.with({ label: text });
    this.dashboard.addWidgets(
      graph(
        'lag',
        [label(fn.offsetLag(), 'ESM OffsetLag'), ...lags.map((l, i) => label(l.maxOffsetLag(), `MaxOffsetLag ${p.inputs[i]?.topic ?? ''}`))],
        lags.map((l, i) => label(l.estimatedMaxTimeLag(), `EstimatedMaxTimeLag ${p.inputs[i]?.topic ?? ''}`)),
        'records',
        'seconds',
      ),
      graph(
        'throughput (records/min)',
        [PipelineMetricName.RECORDS_RECEIVED, PipelineMetricName.RECORDS_DECODED, PipelineMetricName.RECORDS_DEAD_LETTERED].map((name) => label(emf.records(name), name)),
        [],
        'records',
      ),
      graph('end-to-end latency', [label(emf.endToEndLatency(cloudwatch.Stats.p(50)), 'p50'), label(emf.endToEndLatency(cloudwatch.Stats.p(99)), 'p99')], [], 'ms'),
    );
    this.dashboard.addWidgets(
      graph('dead letters', [label(new QueueMetrics(p.deadLetterQueue).visibleMessages(), 'DLQ depth'), label(new QueueMetrics(p.onFailureQueue).visibleMessages(), 'On-failure depth')], [], 'messages'),
      graph(
        'function',
        [label(fn.errors(), 'Errors'), label(fn.throttles(), 'Throttles')],
        [label(fn.duration(cloudwatch.Stats.p(50)), 'Duration p50'), label(fn.duration(cloudwatch.Stats.p(99)), 'Duration p99')],
        'count',
        'ms',
      ),
      graph('state table', [label(table.consumedWriteCapacity(), 'Consumed WCU')], [label(table.readThrottleEvents(), 'Read throttles'), label(table.writeThrottleEvents(), 'Write throttles')], 'WCU', 'throttles'),
    );
  }
}
