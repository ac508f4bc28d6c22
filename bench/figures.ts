/**
 * What `npm run bench` writes to bench/results.json: one figure per key the
 * issue names, plus what each figure was measured on, so a reader can tell a
 * run on a laptop from one on a CI runner.
 */

export interface DecodeFigures {
  /** Records per second decoded, same batches, same process, alternating runs. */
  readonly decodeRecordsPerSec: { readonly ours: number; readonly powertools: number };
  /** CPU (user + system) per record, our handler's path with an in-memory state store. */
  readonly cpuMicrosPerRecord: { readonly decodeOnly: number; readonly decodeDedupWindow: number };
}

export interface WriteCountFigures<T = number> {
  readonly fenced: T;
  readonly fencedWithDedup: T;
  readonly powertoolsIdempotency: T;
}

/** DynamoDB writes of one design as deployed, per 1,000 records. */
export interface DeployedWriteFigures {
  readonly batchSize: number;
  readonly itemsPer1000: number;
  readonly wcuPer1000: number;
  readonly requestsPer1000: number;
}

export interface DynamoDbWriteFigures {
  /** The engine as deployed: the reference definition (dedup on), the deployed batch size. */
  readonly asDeployed: DeployedWriteFigures;
  /** Per-record idempotency on the same batches. */
  readonly powertoolsAsDeployed: DeployedWriteFigures;
  /** Items written per 1,000 records (DynamoDB bills every item of a transaction as a write). */
  readonly dynamodbWritesPer1000: WriteCountFigures;
  /** Write capacity units per 1,000 records, by DynamoDB's pricing rules from the items' sizes. */
  readonly dynamodbWcuPer1000: WriteCountFigures;
  /** Write requests (API calls) per 1,000 records. */
  readonly dynamodbRequestsPer1000: WriteCountFigures;
}

export interface BundleFigures {
  /** Per function: bytes of its esbuild bundle, minified, as the CDK builds it. */
  readonly bundleBytes: Readonly<Record<string, number>>;
  /** Per function: median ms a fresh node process takes to import its bundle. */
  readonly coldInitMs: Readonly<Record<string, number>>;
}

export interface EndToEndFigures {
  /** Ms from a record's Kafka timestamp to the invocation that committed it returning. */
  readonly e2eLatencyMs: { readonly p50: number; readonly p95: number; readonly p99: number };
  /** Records processed per second over the run, while the producer held the rate below. */
  readonly throughputPerSec: number;
  /** Workload steps per second the producer achieved over the measured window (steps done ÷ the window's time). */
  readonly produceRatePerSec: number;
  /** Steps per second the token bucket was asked for: the setting, not a measurement. */
  readonly requestedProduceRatePerSec: number;
}

/** A design the scale bench measures: the engine of the checkout, a Powertools user's processor, or the engine as recorded before a rewrite. */
export type ScaleDesign = 'ours' | 'powertools' | 'previous';

/**
 * One cell of `npm run bench -- scale`: a design at P partitions, C
 * processor processes in one consumer group and a batch size, on the local
 * stack. Per-record figures are of the drain phase. A figure a failed cell
 * could not measure is null; a cell whose state did not match the plan has
 * `exact: false`, and its figures are not valid.
 */
export interface ScaleCell {
  readonly design: ScaleDesign;
  readonly partitions: number;
  readonly processors: number;
  readonly batchSize: number;
  /** Records drained per second, from the first invocation to the last commit. */
  readonly recordsPerSec: number | null;
  /** Lost transaction conditions per committed transaction (engine partition stats); null for a design without them. */
  readonly conflictsPerCommit: number | null;
  /** Partition batches handed back for redelivery over the cell (gave up, or the whole invocation failed). */
  readonly redeliveredPartitions: number | null;
  readonly requestsPer1000: number | null;
  readonly itemsPer1000: number | null;
  readonly wcuPer1000: number | null;
  /** CPU of the processor processes per 1,000 records, less their idle polling. */
  readonly cpuMsPer1000: number | null;
  /** Kafka timestamp to committed, at a paced rate below saturation. */
  readonly e2eP50Ms: number | null;
  readonly e2eP99Ms: number | null;
  /** The state at the end equals the plan's revenue per store-minute. */
  readonly exact: boolean;
  /** Records of the drain phase. */
  readonly drainRecords?: number;
  /** Records per second asked of the paced phase. */
  readonly pacedRatePerSec?: number;
  /** False when the paced phase fell behind (its backlog outlasted production): its latencies are of a growing backlog, not below saturation. */
  readonly pacedKeptUp?: boolean;
  /** Seconds from the paced phase's last record sent to its last commit. */
  readonly pacedTailSeconds?: number;
  /** Commit of the checkout measured (short sha, `+dirty` when it had changes). */
  readonly commit?: string;
  /** ISO 8601. */
  readonly measuredAt?: string;
  /** Why the cell has no or invalid figures. */
  readonly error?: string;
}

/** The machine a run was taken on. */
export interface BenchMachine {
  readonly node: string;
  readonly cpus: number;
  readonly cpuModel: string;
  readonly memoryGiB: number;
  readonly platform: string;
}

/** bench/results.json: every section's figures side by side, and what the run was taken on. */
export interface BenchResults extends DecodeFigures, DynamoDbWriteFigures, BundleFigures, EndToEndFigures {
  readonly machine: BenchMachine;
  /** Seconds each section took, by its title. */
  readonly sectionSeconds: Readonly<Record<string, number>>;
  readonly wallSeconds: number;
  /** ISO 8601. */
  readonly measuredAt: string;
  /** Cells of `npm run bench -- scale`; a plain `npm run bench` keeps them as they are. */
  readonly scale?: readonly ScaleCell[];
}

/** One row of the printed table: a figure, the alternative beside it, and what it is. */
export interface TableRow {
  readonly measure: string;
  readonly ours: string;
  readonly alternative?: string;
  readonly note?: string;
}

/** What a measurement returns: its figures for results.json and its rows for the table. */
export interface Measured<T> {
  readonly figures: T;
  readonly rows: readonly TableRow[];
  /** How the figures were taken (sizes, repetitions), printed under the table. */
  readonly method: readonly string[];
}
