// The adapters that call Glue, SQS and S3, run against moto's server: our
// real classes over real HTTP, with the SDK's real serializers. The blocks
// named "moto differs from AWS" pin what moto does not do like AWS, so that a
// moto upgrade that changes it shows here first, and nobody mistakes a pass
// here for proof of behaviour moto does not have.
import { randomBytes, randomUUID } from 'node:crypto';
import { CreateRegistryCommand, CreateSchemaCommand, GetRegistryCommand, GetSchemaByDefinitionCommand, GlueClient, ListSchemaVersionsCommand } from '@aws-sdk/client-glue';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { isOffloaded, parseDeadLetter, createDeadLetter, type DeadLetter } from '../../functions/core/dlq/envelope.js';
import { DeadLetterReason } from '../../functions/core/dlq/reasons.js';
import { resolveDeadLetter } from '../../functions/core/dlq/s3-offloaded-payloads.js';
import { SqsDeadLetterWriter } from '../../functions/core/dlq/sqs-dead-letter-writer.js';
import { SqsFifoEmitter } from '../../functions/core/emit/sqs-fifo-emitter-writer.js';
import type { WindowEmission } from '../../functions/core/emit/window-emitter.js';
import { SchemaNotFoundError, SchemaRegistrationError, SchemaRegistrationErrorReason } from '../../functions/core/serde/errors.js';
import { GlueSchemaRegistryClient } from '../../functions/core/serde/glue-schema-registry-client.js';
import { awsEnvironment, LOCAL_AWS, startMoto, type Moto } from '../../scripts/devstack/moto.js';
import { caught } from '../helpers/caught.js';
import { kafkaRecord } from '../helpers/kafka-events.js';
import { subjectVersion } from '../helpers/orders.js';

// The first run creates .rtp/venv and installs moto with pip (about a minute).
const COLD_START_TIMEOUT_MS = 10 * 60_000;
const RECEIVE_TIMEOUT_MS = 15_000;
const REGISTRY = 'rtp-integration';
const SUBJECT = 'orders';

let moto: Moto | undefined;
let endpoint: string;
let glue: GlueClient;
let sqs: SQSClient;
let s3: S3Client;

beforeAll(async () => {
  moto = await startMoto({ onProgress: (line) => process.stderr.write(`${line}\n`) });
  endpoint = moto.endpoint;
  const config = { endpoint, ...LOCAL_AWS };
  glue = new GlueClient(config);
  sqs = new SQSClient(config);
  s3 = new S3Client(config);
  await glue.send(new CreateRegistryCommand({ RegistryName: REGISTRY }));
}, COLD_START_TIMEOUT_MS);

afterAll(async () => {
  glue?.destroy();
  sqs?.destroy();
  s3?.destroy();
  await moto?.stop();
});

describe('GlueSchemaRegistryClient against moto', () => {
  let registry: GlueSchemaRegistryClient;
  let v1Id: string;

  beforeAll(async () => {
    const created = await createSchema(SUBJECT, 'FULL_ALL', subjectVersion('orders', 1));
    v1Id = defined(created.SchemaVersionId, 'SchemaVersionId');
    registry = new GlueSchemaRegistryClient({ glue, registryName: REGISTRY });
  });

  it('registers v2 and v3 and reads every definition back by the id it returned', async () => {
    const v2 = await registry.registerSchemaVersion(SUBJECT, subjectVersion('orders', 2));
    const v3 = await registry.registerSchemaVersion(SUBJECT, subjectVersion('orders', 3));

    expect(v2).toMatchObject({ versionNumber: 2, status: 'AVAILABLE' });
    expect(v3).toMatchObject({ versionNumber: 3, status: 'AVAILABLE' });
    expect(await registry.getSchemaDefinition(v1Id)).toBe(subjectVersion('orders', 1));
    expect(await registry.getSchemaDefinition(v2.schemaVersionId)).toBe(subjectVersion('orders', 2));
    // The client lowercases ids; moto, unlike a UUID-aware lookup, only knows the lowercase form.
    expect(await registry.getSchemaDefinition(v3.schemaVersionId.toUpperCase())).toBe(subjectVersion('orders', 3));
  });

  it('answers a repeated registration with the version already registered', async () => {
    const first = await registry.registerSchemaVersion(SUBJECT, subjectVersion('orders', 2));
    const again = await registry.registerSchemaVersion(SUBJECT, subjectVersion('orders', 2));

    expect(again).toEqual(first);
  });

  it('finds a version by its definition, and nothing for an unregistered definition or schema', async () => {
    const { schemaVersionId } = await registry.registerSchemaVersion(SUBJECT, subjectVersion('orders', 2));

    expect(await registry.findSchemaVersion(SUBJECT, subjectVersion('orders', 2))).toEqual({ schemaVersionId });
    expect(await registry.findSchemaVersion(SUBJECT, subjectVersion('orders', 1))).toEqual({ schemaVersionId: v1Id });
    expect(await registry.findSchemaVersion(SUBJECT, '{"type":"record","name":"Unregistered","fields":[]}')).toBeUndefined();
    expect(await registry.findSchemaVersion('no-such-subject', subjectVersion('orders', 1))).toBeUndefined();
  });

  it('finds a version another client registered printed its own way: names qualified, keys reordered, no whitespace', async () => {
    const subject = `printed-${randomUUID().slice(0, 8)}`;
    await glue.send(new CreateSchemaCommand({ RegistryId: { RegistryName: REGISTRY }, SchemaName: subject, DataFormat: 'AVRO', Compatibility: 'FULL_ALL', SchemaDefinition: subjectVersion('orders', 1) }));
    const { name, namespace, fields, ...rest } = JSON.parse(subjectVersion('orders', 2)) as { name: string; namespace: string; fields: unknown[] };
    const theirs = JSON.stringify({ fields, ...rest, name: `${namespace}.${name}` });
    const { schemaVersionId } = await registry.registerSchemaVersion(subject, theirs);

    expect(await registry.findSchemaVersion(subject, subjectVersion('orders', 2))).toEqual({ schemaVersionId, versionNumber: 2 });
    expect(await registry.findSchemaVersion(subject, subjectVersion('orders', 3))).toBeUndefined();
  });

  it('throws SchemaNotFoundError for a well-formed id the registry does not have', async () => {
    const id = randomUUID();

    const error = await caught(registry.getSchemaDefinition(id));

    expect(error).toBeInstanceOf(SchemaNotFoundError);
    expect(error).toMatchObject({ schemaVersionId: id });
  });

  it('throws SchemaRegistrationError SCHEMA_NOT_FOUND when the schema does not exist', async () => {
    const error = await caught(registry.registerSchemaVersion('no-such-subject', subjectVersion('orders', 1)));

    expect(error).toBeInstanceOf(SchemaRegistrationError);
    expect(error).toMatchObject({ reason: SchemaRegistrationErrorReason.SCHEMA_NOT_FOUND, subject: 'no-such-subject' });
  });

  it('throws SchemaRegistrationError INVALID_SCHEMA for a definition that is not JSON', async () => {
    const error = await caught(registry.registerSchemaVersion(SUBJECT, 'not json'));

    expect(error).toMatchObject({ name: 'SchemaRegistrationError', reason: SchemaRegistrationErrorReason.INVALID_SCHEMA });
  });
});

describe('moto differs from AWS: Glue Schema Registry', () => {
  const subject = 'deviations';
  let registry: GlueSchemaRegistryClient;

  beforeAll(async () => {
    await createSchema(subject, 'FULL_ALL', subjectVersion('orders', 1));
    registry = new GlueSchemaRegistryClient({ glue, registryName: REGISTRY });
  });

  it('does not check compatibility: a version breaking FULL_ALL is AVAILABLE (Glue: FAILURE, reported as REJECTED)', async () => {
    const breaking = JSON.stringify({ type: 'record', name: 'Unrelated', fields: [{ name: 'n', type: 'int' }] });

    expect(await registry.registerSchemaVersion(subject, breaking)).toMatchObject({ status: 'AVAILABLE' });
  });

  it('does not parse Avro: JSON that is no Avro schema is registered (Glue: InvalidInputException)', async () => {
    expect(await registry.registerSchemaVersion(subject, '{"type":"no-such-type"}')).toMatchObject({ status: 'AVAILABLE' });
  });

  it('finds by definition on the exact string only, while registration matches any JSON-equal text', async () => {
    const reformatted = JSON.stringify(JSON.parse(subjectVersion('orders', 1)));
    const existing = defined(await registry.findSchemaVersion(subject, subjectVersion('orders', 1)), 'version 1');
    const byDefinition = (definition: string) =>
      caught(glue.send(new GetSchemaByDefinitionCommand({ SchemaId: { RegistryName: REGISTRY, SchemaName: subject }, SchemaDefinition: definition })));

    // AWS canonicalizes the definition for both calls.
    expect(await byDefinition(reformatted)).toMatchObject({ name: 'EntityNotFoundException' });
    expect((await registry.registerSchemaVersion(subject, reformatted)).schemaVersionId).toBe(existing.schemaVersionId);
    // The client does not rely on either: it finds the version by reading versions and comparing schemas.
    expect(await registry.findSchemaVersion(subject, reformatted)).toEqual({ schemaVersionId: existing.schemaVersionId, versionNumber: 1 });
  });

  it('does not implement ListSchemaVersions (it answers HTTP 500 with an HTML page)', async () => {
    const error = await caught(glue.send(new ListSchemaVersionsCommand({ SchemaId: { RegistryName: REGISTRY, SchemaName: subject } })));

    expect(error).toBeInstanceOf(Error);
  });
});

describe('SqsDeadLetterWriter against moto', () => {
  it('writes 25 dead letters to a queue, each read back as the envelope it was', async () => {
    const queueUrl = await createQueue('dlq');
    const letters = Array.from({ length: 25 }, (_, offset) => deadLetter(offset));

    await new SqsDeadLetterWriter({ sqs, queueUrl }).write(letters);

    const messages = await receiveAll(queueUrl, 25);
    const read = messages.map((message) => parseDeadLetter(message.Body ?? '')).sort((a, b) => a.offset - b.offset);
    expect(read).toEqual(letters);
    expect(messages[0]?.MessageAttributes).toEqual({
      reason: { DataType: 'String', StringValue: 'DECODE_ERROR' },
      processor: { DataType: 'String', StringValue: 'inventory-projector' },
      topic: { DataType: 'String', StringValue: 'orders' },
    });
  });

  it('offloads a dead letter over the size limit to S3, and resolveDeadLetter reads the full envelope back', async () => {
    const queueUrl = await createQueue('dlq-offload');
    const bucket = `dead-letters-${randomUUID().slice(0, 8)}`;
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const small = deadLetter(0);
    const large = deadLetter(1, { value: randomBytes(300_000) }); // 400 kB of base64: over the 256 KiB default

    await new SqsDeadLetterWriter({ sqs, queueUrl, s3, offloadBucket: bucket }).write([small, large]);

    const bodies = (await receiveAll(queueUrl, 2)).map((message) => message.Body ?? '');
    const pointerBody = defined(bodies.find((body) => isOffloaded(parseDeadLetter(body))), 'offloaded message');
    const pointer = parseDeadLetter(pointerBody);
    expect(pointer).toMatchObject({ offset: 1, payloadLocation: { bucket } });
    expect(await resolveDeadLetter(pointerBody, s3)).toEqual(large);
    const smallBody = defined(bodies.find((body) => body !== pointerBody), 'inline message');
    expect(await resolveDeadLetter(smallBody, s3)).toEqual(small);
  });

  it('gives a FIFO dead-letter queue one message group per partition, and deduplicates a retried write', async () => {
    const queueUrl = await createQueue('dlq', { fifo: true });
    const letters = [deadLetter(0), deadLetter(1), deadLetter(2), deadLetter(0, { partition: 1 }), deadLetter(1, { partition: 1 })];
    const writer = new SqsDeadLetterWriter({ sqs, queueUrl });

    await writer.write(letters);
    await writer.write(letters); // the batch retried after a later failure

    expect(await approximateCount(queueUrl)).toBe(5);
    const messages = await receiveAll(queueUrl, 5);
    const byGroup = new Map<string, number[]>();
    for (const message of messages) {
      const group = defined(message.Attributes?.MessageGroupId, 'MessageGroupId');
      byGroup.set(group, [...(byGroup.get(group) ?? []), parseDeadLetter(message.Body ?? '').offset]);
    }
    expect(Object.fromEntries(byGroup)).toEqual({ 'orders-0': [0, 1, 2], 'orders-1': [0, 1] });
    const deduplicationIds = messages.map((message) => message.Attributes?.MessageDeduplicationId);
    expect(new Set(deduplicationIds).size).toBe(5);
    for (const id of deduplicationIds) expect(id).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('SqsFifoEmitter against moto', () => {
  it('delivers every emission to the FIFO queue, in order within each group', async () => {
    const queueUrl = await createQueue('emit', { fifo: true });
    const emissions = Array.from({ length: 12 }, (_, i) => emission(`store-${i % 3}`, `window-${i}`));

    await new SqsFifoEmitter({ sqs, queueUrl }).emit(emissions);

    const messages = await receiveAll(queueUrl, 12);
    for (const group of ['store-0', 'store-1', 'store-2']) {
      const received = messages.filter((message) => message.Attributes?.MessageGroupId === group).map((message) => message.Body);
      expect(received).toEqual(emissions.filter((e) => e.groupId === group).map((e) => e.body));
    }
  });

  it('sends an emission once when its deduplication id is already in the queue (a retried close)', async () => {
    const queueUrl = await createQueue('emit-dedup', { fifo: true });
    const emitter = new SqsFifoEmitter({ sqs, queueUrl });
    const closed = emission('store-1', 'window-2026-01-01T10');

    await emitter.emit([closed]);
    await emitter.emit([closed]);

    expect(await approximateCount(queueUrl)).toBe(1);
  });

  it('moto differs from AWS: it forgets a deduplication id once its message is deleted (SQS keeps it 5 minutes)', async () => {
    const queueUrl = await createQueue('emit-forgets', { fifo: true });
    const emitter = new SqsFifoEmitter({ sqs, queueUrl });
    const closed = emission('store-1', 'window-2026-01-01T11');
    await emitter.emit([closed]);
    await receiveAll(queueUrl, 1);

    await emitter.emit([closed]);

    expect(await approximateCount(queueUrl)).toBe(1); // SQS would have dropped it: 0
  });
});

describe('awsEnvironment', () => {
  it('points clients configured only by the environment at moto, S3 addressing buckets by path', async () => {
    for (const [name, value] of Object.entries(awsEnvironment(endpoint))) vi.stubEnv(name, value);
    const clients = { glue: new GlueClient({}), sqs: new SQSClient({}), s3: new S3Client({}) };
    try {
      const registryName = `env-${randomUUID().slice(0, 8)}`;
      await clients.glue.send(new CreateRegistryCommand({ RegistryName: registryName }));
      const { QueueUrl } = await clients.sqs.send(new CreateQueueCommand({ QueueName: `env-${randomUUID().slice(0, 8)}` }));
      const bucket = `env-${randomUUID().slice(0, 8)}`;
      await clients.s3.send(new CreateBucketCommand({ Bucket: bucket }));
      await clients.s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'a/b.json', Body: '{}' }));

      // Read back through the explicitly configured clients: the same server holds them.
      expect(await glue.send(new GetRegistryCommand({ RegistryId: { RegistryName: registryName } }))).toMatchObject({ RegistryName: registryName });
      expect(QueueUrl?.startsWith(`${endpoint}/`)).toBe(true);
      const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'a/b.json' }));
      expect(await object.Body?.transformToString()).toBe('{}');
    } finally {
      vi.unstubAllEnvs();
      Object.values(clients).forEach((client) => client.destroy());
    }
  });

  it('refuses a host-name endpoint, whose buckets S3 clients would look up as <bucket>.localhost', () => {
    expect(() => awsEnvironment('http://localhost:15000')).toThrow(/IP address/);
  });
});

async function createSchema(name: string, compatibility: 'FULL_ALL', definition: string): Promise<{ SchemaVersionId?: string | undefined }> {
  return glue.send(
    new CreateSchemaCommand({ RegistryId: { RegistryName: REGISTRY }, SchemaName: name, DataFormat: 'AVRO', Compatibility: compatibility, SchemaDefinition: definition }),
  );
}

async function createQueue(prefix: string, options: { fifo?: boolean } = {}): Promise<string> {
  const fifo = options.fifo === true;
  const name = `${prefix}-${randomUUID().slice(0, 8)}${fifo ? '.fifo' : ''}`;
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name, ...(fifo ? { Attributes: { FifoQueue: 'true' } } : {}) }));
  return defined(QueueUrl, 'QueueUrl');
}

/** Moto counts synchronously, so right after a send this is exact (on SQS it is approximate). */
async function approximateCount(queueUrl: string): Promise<number> {
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }));
  return Number(Attributes?.ApproximateNumberOfMessages);
}

/**
 * Receives and deletes messages until `count` arrived, in arrival order.
 * Deleting as it goes matters for FIFO queues, where a group's in-flight
 * message holds back the rest of the group.
 */
async function receiveAll(queueUrl: string, count: number): Promise<Message[]> {
  const received: Message[] = [];
  const deadline = Date.now() + RECEIVE_TIMEOUT_MS;
  while (received.length < count) {
    if (Date.now() > deadline) throw new Error(`${queueUrl}: ${received.length} of ${count} message(s) after ${RECEIVE_TIMEOUT_MS} ms`);
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, MessageSystemAttributeNames: ['All'], MessageAttributeNames: ['All'] }),
    );
    for (const message of Messages) {
      received.push(message);
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
    }
  }
  return received;
}

function deadLetter(offset: number, options: { partition?: number; value?: Uint8Array } = {}): DeadLetter {
  return createDeadLetter({
    processor: 'inventory-projector',
    reason: DeadLetterReason.DECODE_ERROR,
    error: new Error(`unknown magic byte at offset ${offset}`),
    record: kafkaRecord({ offset, partition: options.partition ?? 0, value: options.value ?? Buffer.from(`not avro ${offset}`) }),
    now: new Date('2026-01-01T10:00:00.000Z'),
  });
}

function emission(groupId: string, window: string): WindowEmission {
  return { groupId, deduplicationId: `${groupId}/${window}`, body: JSON.stringify({ groupId, window }) };
}

function defined<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`moto returned no ${what}`);
  return value;
}
