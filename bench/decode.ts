/**
 * Decoding throughput beside Powertools' Kafka consumer, and the CPU a
 * record costs on the handler's path with an in-memory state store.
 *
 * Both decoders get the bench workload's batches in one process, runs
 * alternating, after checking that they decode every record to the same
 * event id and total. Powertools' Avro deserializer reads plain Avro bodies
 * with one fixed schema; it knows nothing of the Glue frame (a framed value
 * fails to decode, or decodes to garbage). It is fed what an MSK mapping
 * with schema-registry integration and EventRecordFormat SOURCE delivers:
 * the same records with the schema metadata (the 18-byte Glue header)
 * removed by Lambda.
 */
import { createRequire } from 'node:module';
import type { MSKEvent } from '@aws-lambda-powertools/kafka/types';
import { createEngineProcessor } from '../functions/core/engine/engine-processor.js';
import type { ProcessorDefinition } from '../functions/core/engine/definition.js';
import type { PartitionResult } from '../functions/core/engine/partition-executor.js';
import type { RecordDecoder } from '../functions/core/serde/record-decoder.js';
import { InMemoryStateStore } from '../functions/core/state/in-memory-state-store.js';
import { orderAnalytics, toCents, type OrderEventEnvelope } from '../functions/order-analytics/definition.js';
import { asSourceFormat, avroJsParsedOnce, framedOutcome, powertoolsConsumer, runPowertools, unscaledDecimal, type AvroJs } from './decode-powertools.js';
import type { DecodeFigures, Measured, TableRow } from './figures.js';
import { median, significant } from './stats.js';
import { BENCH_BATCH_SIZE, BENCH_PARTITIONS, benchWorkload, decodedInvocations, workloadDecoder, type BenchWorkload } from './workload.js';

export interface DecodeBenchOptions {
  /** Timed rounds of each decoder (and of the engine), after a warm-up. @default 5 */
  readonly rounds?: number;
}

export const DecodeBenchErrorReason = {
  /** The two decoders disagree on a record: comparing their speed would be meaningless. */
  DECODE_MISMATCH: 'DECODE_MISMATCH',
  /** Powertools' Avro deserializer could not be loaded or run. */
  POWERTOOLS_UNAVAILABLE: 'POWERTOOLS_UNAVAILABLE',
  /** The engine did not apply every record, so its CPU figure would be of less work. */
  ENGINE_INCOMPLETE: 'ENGINE_INCOMPLETE',
} as const;
export type DecodeBenchErrorReason = (typeof DecodeBenchErrorReason)[keyof typeof DecodeBenchErrorReason];

export class DecodeBenchError extends Error {
  public override readonly name = 'DecodeBenchError';

  public constructor(
    message: string,
    public readonly reason: DecodeBenchErrorReason,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** What both decoders must agree on for each record. */
interface Fingerprint {
  readonly eventId: string;
  readonly totalCents: bigint;
}

// One run is 10 000 records: enough for the JIT, and Powertools' run takes seconds.
const WARM_UP_RUNS = 1;

export async function measureDecode(options: DecodeBenchOptions = {}): Promise<Measured<DecodeFigures>> {
  const rounds = options.rounds ?? 5;
  if (!Number.isInteger(rounds) || rounds < 1) throw new RangeError(`rounds must be a positive integer, got ${rounds}`);
  const avro = loadAvroJs();
  const workload = benchWorkload();
  const definition = orderAnalytics({ partitions: BENCH_PARTITIONS });
  const decoder = workloadDecoder(workload, definition);
  const sourceEvents = workload.events.map(asSourceFormat);

  const framed = await framedOutcome(workload);
  await assertSameDecoding(workload, decoder, sourceEvents);

  let touched = 0;
  const powertools = powertoolsConsumer(workload.schema, (record) => {
    // The getter deserializes on every access: read it exactly once.
    if (record.value !== null) touched += 1;
  });
  for (let i = 0; i < WARM_UP_RUNS; i += 1) {
    await decodedInvocations(workload.events, decoder);
    await runPowertools(powertools, sourceEvents);
  }

  const ours: number[] = [];
  const theirs: number[] = [];
  const decodeCpu: number[] = [];
  for (let round = 0; round < rounds; round += 1) {
    // Alternate who goes first, so neither always runs on the other's garbage.
    const order = round % 2 === 0 ? ['ours', 'powertools'] : ['powertools', 'ours'];
    for (const who of order) {
      if (who === 'ours') {
        const run = await timed(async () => void (await decodedInvocations(workload.events, decoder)));
        ours.push(workload.records / run.seconds);
        decodeCpu.push(run.cpuMicros / workload.records);
      } else {
        touched = 0;
        const run = await timed(() => runPowertools(powertools, sourceEvents));
        if (touched !== workload.records) {
          throw new DecodeBenchError(`Powertools decoded ${touched} of ${workload.records} values`, DecodeBenchErrorReason.DECODE_MISMATCH);
        }
        theirs.push(workload.records / run.seconds);
      }
    }
  }

  const avroJsPerSec = avroJsParsedOnce(avro, workload.schema, sourceEvents);

  await runEngine(workload, decoder, definition);
  const engineCpu: number[] = [];
  let engineStats: EngineRun | undefined;
  for (let round = 0; round < rounds; round += 1) {
    let run: EngineRun | undefined;
    const measured = await timed(async () => {
      run = await runEngine(workload, decoder, definition);
    });
    engineStats = run;
    engineCpu.push(measured.cpuMicros / workload.records);
  }

  const figures: DecodeFigures = {
    decodeRecordsPerSec: { ours: Math.round(median(ours)), powertools: Math.round(median(theirs)) },
    cpuMicrosPerRecord: { decodeOnly: significant(median(decodeCpu)), decodeDedupWindow: significant(median(engineCpu)) },
  };
  return { figures, rows: rows(figures, avroJsPerSec), method: method({ workload, rounds, engine: engineStats, avroJsPerSec, framed }) };
}

/**
 * Loads Powertools' Avro library up front: when it cannot load, Powertools'
 * own dynamic import of it fails in a way node also reports as an uncaught
 * error, which would take the whole bench down instead of this measurement.
 */
function loadAvroJs(): AvroJs {
  try {
    return createRequire(import.meta.url)('avro-js') as AvroJs;
  } catch (error) {
    // avro-js 1.12.2 requires underscore without declaring it (1.12.1 declared it).
    const hint = /underscore/.test((error as Error).message) ? ' (avro-js 1.12.2 needs underscore installed beside it)' : '';
    throw new DecodeBenchError(`Powertools' Avro deserializer cannot load avro-js${hint}: ${(error as Error).message}`, DecodeBenchErrorReason.POWERTOOLS_UNAVAILABLE, { cause: error });
  }
}

async function assertSameDecoding(workload: BenchWorkload, decoder: RecordDecoder, sourceEvents: readonly MSKEvent[]): Promise<void> {
  const ours = new Map<string, Fingerprint>();
  for (const record of (await decodedInvocations(workload.events, decoder)).flat().flatMap((input) => input.records)) {
    const value = record.value as OrderEventEnvelope;
    ours.set(`${record.partition}:${record.offset}`, { eventId: value.event_id, totalCents: BigInt(toCents(value.payload.total)) });
  }

  const theirs = new Map<string, Fingerprint>();
  const consumer = powertoolsConsumer(workload.schema, (record) => {
    theirs.set(`${record.partition}:${record.offset}`, powertoolsFingerprint(record.value));
  });
  try {
    await runPowertools(consumer, sourceEvents);
  } catch (error) {
    throw new DecodeBenchError(
      `Powertools' Avro consumer failed on the bench workload: ${(error as Error).message}`,
      DecodeBenchErrorReason.POWERTOOLS_UNAVAILABLE,
      { cause: error },
    );
  }

  for (const [decoderName, decoded] of [['ours', ours], ['Powertools', theirs]] as const) {
    if (decoded.size !== workload.records) {
      throw new DecodeBenchError(`${decoderName} decoded ${decoded.size} of ${workload.records} records`, DecodeBenchErrorReason.DECODE_MISMATCH);
    }
  }
  for (const [position, expected] of ours) {
    const actual = theirs.get(position);
    if (actual?.eventId !== expected.eventId || actual.totalCents !== expected.totalCents) {
      throw new DecodeBenchError(
        `Record ${position} (partition:offset) decodes differently: ours ${expected.eventId} ${expected.totalCents} cents, ` +
          `Powertools ${actual?.eventId ?? '(missing)'} ${actual?.totalCents ?? '(missing)'} cents`,
        DecodeBenchErrorReason.DECODE_MISMATCH,
      );
    }
  }
}

/** avro-js knows no logical types: the decimal total arrives as its unscaled two's-complement bytes. */
function powertoolsFingerprint(value: unknown): Fingerprint {
  const record = value as { event_id?: unknown; payload?: { total?: unknown } } | null;
  const total = record?.payload?.total;
  if (typeof record?.event_id !== 'string' || !Buffer.isBuffer(total)) {
    throw new DecodeBenchError('Powertools decoded a value that is not an OrderEventEnvelope', DecodeBenchErrorReason.DECODE_MISMATCH);
  }
  return { eventId: record.event_id, totalCents: unscaledDecimal(total) };
}

interface EngineRun {
  readonly applied: number;
  readonly duplicates: number;
  readonly late: number;
  readonly commits: number;
}

/**
 * The engine handler's path without its AWS I/O: decode each partition,
 * executePartition over a fresh in-memory store, close due windows after
 * each batch. Processing time follows the batch's newest record, as if the
 * pipeline kept up.
 */
async function runEngine(workload: BenchWorkload, decoder: RecordDecoder, definition: ProcessorDefinition): Promise<EngineRun> {
  let clock = 0;
  const results: PartitionResult[] = [];
  const engine = createEngineProcessor(definition, { store: new InMemoryStateStore(), now: () => clock, onPartition: (result) => results.push(result) });
  for (const invocation of await decodedInvocations(workload.events, decoder)) {
    clock = Math.max(...invocation.map((input) => input.records.at(-1)?.timestamp ?? 0));
    await Promise.all(invocation.map((input) => engine.processPartition(input)));
    await engine.afterBatch();
  }
  const sum = (pick: (r: PartitionResult) => number): number => results.reduce((total, r) => total + pick(r), 0);
  const run: EngineRun = {
    applied: sum((r) => r.stats.applied),
    duplicates: sum((r) => r.stats.duplicates),
    late: sum((r) => r.stats.rejected.LATE_EVENT),
    commits: sum((r) => r.stats.commits),
  };
  // The plan (planOrders) holds no repeats and no late orders, so the same work is every record applied once,
  // in every view it targets, none a duplicate, late or failed, none skipped or left uncommitted.
  const counted = {
    applied: run.applied,
    duplicates: run.duplicates,
    late: run.late,
    lateForSomeViews: sum((r) => r.stats.lateForSomeViews),
    failed: sum((r) => r.stats.rejected.PROCESSING_ERROR),
    skippedByCheckpoint: sum((r) => r.stats.skippedByCheckpoint),
    uncommitted: sum((r) => r.stats.uncommitted),
  };
  const expected: typeof counted = { applied: workload.records, duplicates: 0, late: 0, lateForSomeViews: 0, failed: 0, skippedByCheckpoint: 0, uncommitted: 0 };
  const differences = (Object.keys(expected) as Array<keyof typeof counted>).filter((k) => counted[k] !== expected[k]);
  if (differences.length > 0) {
    throw new DecodeBenchError(
      `The engine did not apply each of the plan's ${workload.records} records once: ${differences.map((k) => `${k} ${counted[k]}, expected ${expected[k]}`).join('; ')}`,
      DecodeBenchErrorReason.ENGINE_INCOMPLETE,
    );
  }
  return run;
}

async function timed(work: () => Promise<void>): Promise<{ seconds: number; cpuMicros: number }> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  await work();
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  return { seconds, cpuMicros: used.user + used.system };
}

const count = new Intl.NumberFormat('en-US');

function rows(figures: DecodeFigures, avroJsPerSec: number): TableRow[] {
  const { ours, powertools } = figures.decodeRecordsPerSec;
  return [
    {
      measure: 'Decode, records/s (Glue-framed Avro orders v3)',
      ours: `${count.format(ours)}/s`,
      alternative: `Powertools kafkaConsumer (Avro): ${count.format(powertools)}/s`,
      note:
        `ours ${(ours / powertools).toFixed(1)}×, mostly Powertools parsing the schema for every value (avro-js with it parsed once: ${count.format(avroJsPerSec)}/s); ` +
        'Powertools reads with one fixed schema (no writer → reader resolution), ours resolves each record per writer version',
    },
    {
      measure: 'CPU per record, decode only',
      ours: `${figures.cpuMicrosPerRecord.decodeOnly} µs`,
      note: 'user + system, our decoder on the handler path',
    },
    {
      measure: 'CPU per record, decode + dedup + windows',
      ours: `${figures.cpuMicrosPerRecord.decodeDedupWindow} µs`,
      note: 'order-analytics (event-id dedup, 1-min tumbling, 5-min hopping) through executePartition on an in-memory store',
    },
  ];
}

interface MethodFacts {
  readonly workload: BenchWorkload;
  readonly rounds: number;
  readonly engine: EngineRun | undefined;
  readonly avroJsPerSec: number;
  readonly framed: string;
}

function method({ workload, rounds, engine, avroJsPerSec, framed }: MethodFacts): string[] {
  return [
    `Decode: ${workload.records} orders v3 records in ${workload.events.length} MSK events of up to ${BENCH_BATCH_SIZE} over ${BENCH_PARTITIONS} partitions, node ${process.version}; ` +
      `${WARM_UP_RUNS} warm-up run${WARM_UP_RUNS === 1 ? '' : 's'} each, then ${rounds} round${rounds === 1 ? '' : 's'} alternating ours/Powertools (who goes first alternates), median records/s of each.`,
    'Ours: partitionsOf + decodePartition (RecordDecoder, cached registry, orders reader schema; also decodes key and headers); ' +
      'excludes event validation (zod), logging, metrics and dead-letter I/O. ' +
      "Powertools: kafkaConsumer with value { type: 'avro', schema } and a handler reading each record's value once (its getter deserializes lazily, again on every access). " +
      `Its Avro deserializer parses the schema for every value, which is most of its cost: avro-js itself, schema parsed once, decodes the same base64 values at ${count.format(avroJsPerSec)}/s (one run, for scale).`,
    `Powertools cannot read the 18-byte Glue frame (${framed}), so it gets the same records with the header removed: AWS documents that a mapping with a schema registry ` +
      'and EventRecordFormat SOURCE "delivers the record in its original source format" after removing schema metadata such as the schema ID. ' +
      'Before timing, both decoders must produce the same event_id and total for every record.',
    `CPU: process.cpuUsage (user + system) / records; decode only from our timed decode rounds; decode + dedup + windows over ${rounds} round${rounds === 1 ? '' : 's'} ` +
      '(after one warm-up), each on a fresh InMemoryStateStore through createEngineProcessor (executePartition per partition, window closing after each batch, no emitter)' +
      (engine === undefined ? '.' : `: ${engine.applied} applied, ${engine.duplicates} duplicates, ${engine.late} late, ${engine.commits} commits per round.`),
  ];
}
