import type { Reconciliation } from './reconcile.js';

/** The nearest-rank percentile (p in 0..100) of `samples`; NaN for none. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1] as number;
}

export interface DemoFigures {
  /** Business events the workload wrote (movements, orders, repeats, corrections, poison records). */
  readonly produced: number;
  /** Records the processors' invocations received. */
  readonly processed: number;
  /** From the first produced record to the last record applied. */
  readonly elapsedMs: number;
  /**
   * What was left to process when the producer finished: records behind
   * (the consumer groups' lag then) and how long they took to drain. A paced
   * run the processors keep up with leaves little; a backlog means the
   * latency below measures queueing as much as the pipeline.
   */
  readonly backlog: { readonly records: number; readonly drainMs: number };
  /** Per record: applied time minus its Kafka timestamp. */
  readonly latenciesMs: readonly number[];
  readonly deadLettersByReason: Readonly<Record<string, number>>;
  readonly alerts: number;
  readonly reconciliation: Reconciliation;
}

/**
 * The report `rtp demo` prints. Its last line is exactly
 * `reconciliation: <n> differences`, which scripts and CI can read.
 */
export function formatReport(figures: DemoFigures): string[] {
  const ms = (value: number): string => (Number.isNaN(value) ? 'n/a' : `${Math.round(value)} ms`);
  const seconds = figures.elapsedMs / 1000;
  const reasons = Object.entries(figures.deadLettersByReason).sort(([a], [b]) => a.localeCompare(b));
  const { reconciliation } = figures;
  return [
    'realtime-pipeline: local run report',
    `  produced            ${figures.produced} events`,
    `  processed           ${figures.processed} records in ${seconds.toFixed(1)} s (${seconds > 0 ? Math.round(figures.processed / seconds) : 0} records/s)`,
    `  backlog drain       ${figures.backlog.records === 0 ? 'none: nothing was left when the producer finished' : `${figures.backlog.records} records behind when the producer finished, drained in ${(figures.backlog.drainMs / 1000).toFixed(1)} s`}`,
    `  end-to-end latency  p50 ${ms(percentile(figures.latenciesMs, 50))}, p95 ${ms(percentile(figures.latenciesMs, 95))}, p99 ${ms(percentile(figures.latenciesMs, 99))}`,
    `  dead letters        ${reasons.length === 0 ? 'none' : reasons.map(([reason, n]) => `${reason} ${n}`).join(', ')}`,
    `  risk alerts         ${figures.alerts}`,
    `  reconciled          ${reconciliation.stockKeysChecked} stock levels, ${reconciliation.revenueWindowsChecked} store-minute revenues (${reconciliation.lateOrdersPlanned} orders late by the plan, each to be dead-lettered as LATE_EVENT)`,
    ...reconciliation.differences.slice(0, 20).map((d) => {
      // Late orders are judged against the plan and the dead letters; views against Postgres and DynamoDB.
      const [truth, pipeline] = d.view === 'late-orders' ? ['plan', 'dead letters'] : ['Postgres', 'DynamoDB'];
      return `  DIFFERENCE ${d.view} ${d.key}: ${truth} ${JSON.stringify(d.truth)}, ${pipeline} ${JSON.stringify(d.pipeline)}`;
    }),
    `reconciliation: ${reconciliation.differences.length} differences`,
  ];
}
