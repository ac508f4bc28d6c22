import { randomInt } from 'node:crypto';
import avro from 'avsc';
import type { Type } from 'avsc';
import { Partitioners, type Message } from 'kafkajs';
import { parseAvroSchema } from '../../../functions/core/serde/avro-schema.js';
import { GlueCompression, writeGlueFrame } from '../../../functions/core/serde/glue-wire-format.js';
import { loadSubjects, type Subject } from '../../../functions/core/serde/subject-catalog.js';
import { schemasDir } from '../../../functions/core/serde/subject-schema.js';
import { seededRandom } from '../../reference/seeded-random.js';
import { CliError } from '../cli-error.js';
import type { PipelineTarget } from '../ops/pipeline-target.js';
import { createProgress } from '../ops/progress.js';
import { orderEvents } from './order-events.js';
import { randomValueGenerator } from './random-value.js';
import { registeredVersionId } from './registered-version.js';
import { TokenBucket } from '../../reference/token-bucket.js';

export interface ProduceOptions {
  readonly topic: string;
  /** @default the subject the target says governs `topic`, else the one whose subject.json names it */
  readonly subject?: string;
  /** Records per second, at most. */
  readonly rate: number;
  readonly count: number;
  /** @default the newest version in schemas/ */
  readonly version?: number;
  /** Dotted path of the field whose value is the record key. @default `payload.order_id` for orders, else no key */
  readonly keyField?: string;
  /** @default a random seed, reported in the summary so the run can be repeated */
  readonly seed?: number;
  /** @default the repository's schemas/ */
  readonly schemasDir?: string;
  /** No progress bar (as with --json). */
  readonly quiet?: boolean;
  readonly onWarning?: (line: string) => void;
}

export interface ProduceSummary {
  readonly topic: string;
  readonly subject: string;
  readonly version: number;
  readonly schemaVersionId: string;
  readonly seed: number;
  readonly keyField: string | null;
  /** Records the broker acknowledged. */
  readonly records: number;
  /** Records whose produce failed after the client's retries. */
  readonly errors: number;
  readonly firstError?: string;
  readonly elapsedMs: number;
  readonly requestedRate: number;
  readonly achievedRate: number;
}

/** Batches per second at most; fewer, bigger requests at high rates, yet smooth pacing at low ones. */
const BATCHES_PER_SECOND = 10;
const MAX_BATCH = 500;
/** Give up after this many batches in a row fail: the target is down, not flaky. */
const MAX_CONSECUTIVE_FAILURES = 3;
const ORDERS = 'orders';

/**
 * A load generator: `count` valid records of a subject's schema version,
 * framed in the Glue wire format with the id the target's registry gives
 * that version, keyed by a field, produced by an idempotent acks=all
 * producer at no more than `rate` records per second.
 */
export async function produceLoad(target: PipelineTarget, options: ProduceOptions): Promise<ProduceSummary> {
  const subject = await findSubject(target, options);
  const version = options.version ?? subject.versions.length;
  const definition = subject.versions.find((v) => v.version === version)?.definition;
  if (definition === undefined) throw new CliError(`Subject ${subject.name} has no version ${version} in schemas/ (it has v1..v${subject.versions.length})`);
  const writer = parseAvroSchema(definition);
  const schemaVersionId = await registeredVersionId(target.glue, target.registryName, subject.name, version, definition, target.label);
  const keyField = options.keyField ?? (subject.name === ORDERS ? 'payload.order_id' : undefined);
  const keyPath = keyField === undefined ? undefined : checkedKeyPath(writer, keyField, subject.name, version);
  const seed = options.seed ?? randomInt(2 ** 31);
  const startAt = Date.now();
  const next =
    subject.name === ORDERS
      ? orderEvents({ seed, version, startAt, eventsPerSecond: options.rate })
      : ((generate, rng) => () => generate(rng))(randomValueGenerator(JSON.parse(definition), { baseTime: startAt }), seededRandom(seed));

  await checkTopic(target, options.topic);
  const producer = target.kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const progress = createProgress(`produce ${options.topic}`, { unit: 'records', quiet: options.quiet === true });
  progress.total(options.count);
  const batch = Math.max(1, Math.min(MAX_BATCH, Math.floor(options.rate / BATCHES_PER_SECOND)));
  const bucket = new TokenBucket(options.rate, batch);
  const started = performance.now();
  let records = 0;
  let errors = 0;
  let firstError: string | undefined;
  let consecutiveFailures = 0;
  try {
    for (let sent = 0; sent < options.count; ) {
      const n = Math.min(batch, options.count - sent);
      await bucket.take(n);
      const messages = Array.from({ length: n }, () => encode(writer, next(), schemaVersionId, keyPath, subject.name, version));
      sent += n;
      try {
        await producer.send({ topic: options.topic, acks: -1, messages });
        records += n;
        consecutiveFailures = 0;
      } catch (error) {
        errors += n;
        firstError ??= (error as Error).message;
        consecutiveFailures += 1;
        if (consecutiveFailures >= MAX_CONSECUTIVE_FAILURES) {
          throw new CliError(`Producing to ${options.topic} on the ${target.label} failed ${consecutiveFailures} times in a row (${records} records acknowledged before): ${firstError}`);
        }
      }
      progress.tick(n);
    }
  } finally {
    progress.stop();
    await producer.disconnect();
  }
  const elapsedMs = Math.round(performance.now() - started);
  return {
    topic: options.topic,
    subject: subject.name,
    version,
    schemaVersionId,
    seed,
    keyField: keyField ?? null,
    records,
    errors,
    firstError,
    elapsedMs,
    requestedRate: options.rate,
    achievedRate: elapsedMs === 0 ? records : Math.round((records / elapsedMs) * 1_000 * 10) / 10,
  };
}

async function findSubject(target: PipelineTarget, options: ProduceOptions): Promise<Subject> {
  const subjects = await loadSubjects(options.schemasDir ?? schemasDir());
  const name = options.subject ?? target.topicSubjects[options.topic] ?? subjects.find((s) => s.topic === options.topic)?.name;
  if (name === undefined) throw new CliError(`No subject is known for topic ${options.topic}: pass --subject (one of ${subjects.map((s) => s.name).join(', ')})`);
  const subject = subjects.find((s) => s.name === name);
  if (subject === undefined) throw new CliError(`Subject '${name}' is not in schemas/; known: ${subjects.map((s) => s.name).join(', ')}`);
  const governing = target.topicSubjects[options.topic];
  if (governing !== undefined && governing !== subject.name) {
    options.onWarning?.(`warning: topic ${options.topic} is governed by subject ${governing}, not ${subject.name}; its processors will dead-letter these records`);
  }
  return subject;
}

async function checkTopic(target: PipelineTarget, topic: string): Promise<void> {
  const admin = target.kafka.admin();
  try {
    await admin.connect();
    await admin.fetchTopicMetadata({ topics: [topic] });
  } catch (error) {
    throw new CliError(`Topic ${topic} is not on the ${target.label}: ${(error as Error).message}. Create it, or provision the pipeline first`);
  } finally {
    await admin.disconnect();
  }
}

/** The field names of `keyField` after checking the writer schema has such a path of records. */
function checkedKeyPath(writer: Type, keyField: string, subject: string, version: number): readonly string[] {
  const path = keyField.split('.');
  let type: Type = writer;
  for (const name of path) {
    const field = type instanceof avro.types.RecordType ? type.field(name) : undefined;
    if (field === undefined) throw new CliError(`--key-field ${keyField}: ${subject} v${version} has no field '${name}' there (give a dotted path of record fields, e.g. payload.order_id)`);
    type = field.type;
  }
  return path;
}

function encode(writer: Type, value: unknown, schemaVersionId: string, keyPath: readonly string[] | undefined, subject: string, version: number): Message {
  const invalid: string[] = [];
  if (!writer.isValid(value, { errorHook: (path) => invalid.push(path.join('.') || '(root)') })) {
    throw new CliError(`The generator made a record ${subject} v${version} refuses at ${invalid.join(', ')}: the schema has something the generator does not know (scripts/cli/produce/)`);
  }
  return { key: keyPath === undefined ? null : keyText(keyPath.reduce<unknown>((v, name) => (v as Record<string, unknown> | null)?.[name], value)), value: writeGlueFrame(schemaVersionId, writer.toBuffer(value), GlueCompression.NONE) };
}

function keyText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value)) return value.toString('hex');
  if (typeof value === 'string') return value;
  return typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean' ? String(value) : JSON.stringify(value);
}
