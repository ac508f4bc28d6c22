import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeTableCommand, DynamoDBClient, ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import { GlueClient } from '@aws-sdk/client-glue';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import type { Admin, Kafka } from 'kafkajs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PipelineTarget } from '../../../../scripts/cli/ops/pipeline-target.js';
import { baseLocalProcessorResources, localProcessorResources } from '../../../../scripts/cli/ops/processor-resources.js';
import { formatPlan } from '../../../../scripts/cli/replay/format-plan.js';
import { planReplay } from '../../../../scripts/cli/replay/replay-plan.js';

const FROM = Date.parse('2026-11-22T05:00:00Z');

interface FakeLog {
  /** Per partition: [log start, end, first offset at or after FROM (-1: none)] */
  readonly partitions: ReadonlyArray<readonly [number, number, number]>;
  readonly committed?: number;
}

/** A kafkajs admin answering from `log`, recording the timestamps it was asked for. */
function fakeAdmin(log: FakeLog, asked: number[]): Admin {
  const admin = {
    connect: () => Promise.resolve(),
    disconnect: () => Promise.resolve(),
    fetchTopicOffsets: () => Promise.resolve(log.partitions.map(([low, high], partition) => ({ partition, low: String(low), high: String(high), offset: String(high) }))),
    fetchTopicOffsetsByTimestamp: (_topic: string, at: number) => {
      asked.push(at);
      // As kafkajs does: the end where no record is that new.
      return Promise.resolve(log.partitions.map(([, high, at], partition) => ({ partition, offset: String(at < 0 ? high : at) })));
    },
    fetchOffsets: ({ topics }: { topics: string[] }) =>
      Promise.resolve(topics.map((topic) => ({ topic, partitions: log.partitions.map((_, partition) => ({ partition, offset: String(log.committed ?? -1), metadata: null })) }))),
  };
  return admin as unknown as Admin;
}

function fakeTarget(log: FakeLog, asked: number[], versionsPath: string, kind: 'local' | 'aws' = 'local'): PipelineTarget {
  const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
  const resources = localProcessorResources('inventory-projector', ['stock-movements'], versionsPath);
  return {
    label: 'test target',
    kind,
    registryName: 'realtime-pipeline-test',
    topicSubjects: {},
    kafka: { admin: () => fakeAdmin(log, asked) } as unknown as Kafka,
    sqs: new SQSClient({ region: 'us-east-1', credentials }),
    s3: new S3Client({ region: 'us-east-1', credentials }),
    glue: new GlueClient({ region: 'us-east-1', credentials }),
    dynamodb: new DynamoDBClient({ region: 'us-east-1', credentials }),
    processorNames: ['inventory-projector'],
    processor: () => resources,
    queueUrl: (name) => Promise.resolve(`http://sqs.test/000000000000/${name}`),
    close: () => undefined,
  };
}

const dynamodb = mockClient(DynamoDBClient);
let dir: string;
let versionsPath: string;

beforeEach(async () => {
  dynamodb.reset();
  dynamodb.on(DescribeTableCommand).rejects(new ResourceNotFoundException({ message: 'no table', $metadata: {} }));
  dir = await mkdtemp(join(tmpdir(), 'rtp-replay-'));
  versionsPath = join(dir, 'state-versions.json');
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('planReplay', () => {
  it('starts each partition at its first record at or after --from, or at its end when none is that new', async () => {
    const asked: number[] = [];
    const target = fakeTarget({ partitions: [[0, 100, 40], [0, 50, -1], [0, 80, 0]] }, asked, versionsPath);

    const plan = await planReplay(target, 'inventory-projector', FROM, { versionsPath });

    expect(asked).toEqual([FROM]);
    expect(plan.inputs).toEqual([
      {
        topic: 'stock-movements',
        consumerGroupId: 'rtp-inventory-projector-v2',
        partitions: [
          { partition: 0, startOffset: 40, endOffset: 100, logStartOffset: 0, records: 60 },
          { partition: 1, startOffset: 50, endOffset: 50, logStartOffset: 0, records: 0 },
          { partition: 2, startOffset: 0, endOffset: 80, logStartOffset: 0, records: 80 },
        ],
      },
    ]);
    expect(plan).toMatchObject({ records: 140, currentVersion: 1, newVersion: 2, from: '2026-11-22T05:00:00.000Z' });
    expect(plan.next).toMatchObject({ stateTableName: 'inventory-projector-v2', deadLetterQueueName: 'inventory-projector-dlq' });
    expect(plan.current.stateTableName).toBe('inventory-projector');
    const text = formatPlan(plan, versionsPath).join('\n');
    expect(text).toContain('partition 0: from offset 40 to 100: 60 record(s)');
    expect(text).toContain('create table inventory-projector-v2');
    expect(text).toContain('Roll back');
  });

  it('waits out a coordinator that is still loading, which Kafka marks retriable', async () => {
    const asked: number[] = [];
    const target = fakeTarget({ partitions: [[0, 10, 5]] }, asked, versionsPath);
    const admin = fakeAdmin({ partitions: [[0, 10, 5]] }, asked);
    let failures = 1;
    const fetchOffsets = admin.fetchOffsets.bind(admin);
    admin.fetchOffsets = ((request: Parameters<Admin['fetchOffsets']>[0]) => {
      if (failures-- > 0) return Promise.reject(Object.assign(new Error('This is not the correct coordinator for this group'), { retriable: true }));
      return fetchOffsets(request);
    });
    const plan = await planReplay({ ...target, kafka: { admin: () => admin } as unknown as Kafka }, 'inventory-projector', FROM, { versionsPath });
    expect(plan.records).toBe(5);
    expect(failures).toBe(-1);
  });

  it('numbers the next version after the recorded one, from the version 1 names', async () => {
    await writeFile(
      versionsPath,
      JSON.stringify({
        'inventory-projector': { version: 2, stateTableName: 'inventory-projector-v2', consumerGroupIds: ['rtp-inventory-projector-v2'], from: '2026-11-01T00:00:00.000Z', switchedAt: '2026-11-02T00:00:00.000Z' },
      }),
    );
    const target = fakeTarget({ partitions: [[0, 10, 5]] }, [], versionsPath);
    expect(target.processor('inventory-projector').stateTableName).toBe('inventory-projector-v2');

    const plan = await planReplay(target, 'inventory-projector', FROM, { versionsPath });

    expect(plan).toMatchObject({ currentVersion: 2, newVersion: 3 });
    expect(plan.next).toMatchObject({ stateTableName: 'inventory-projector-v3', inputs: [{ consumerGroupId: 'rtp-inventory-projector-v3' }] });
    expect(localProcessorResources('order-analytics', ['orders'], versionsPath)).toEqual(baseLocalProcessorResources('order-analytics', ['orders']));
  });

  it('warns when retention may have deleted records after --from', async () => {
    const plan = await planReplay(fakeTarget({ partitions: [[30, 90, 30]] }, [], versionsPath), 'inventory-projector', FROM, { versionsPath });
    expect(plan.warnings.some((w) => w.includes('retention deleted offsets below 30'))).toBe(true);
  });

  it('refuses when the new group already committed or the new table exists: a replay left half done', async () => {
    await expect(planReplay(fakeTarget({ partitions: [[0, 10, 5]], committed: 7 }, [], versionsPath), 'inventory-projector', FROM, { versionsPath })).rejects.toThrow(
      /rtp-inventory-projector-v2 already has offsets/,
    );
    dynamodb.on(DescribeTableCommand).resolves({ Table: { TableName: 'inventory-projector-v2', TableStatus: 'ACTIVE' } });
    await expect(planReplay(fakeTarget({ partitions: [[0, 10, 5]] }, [], versionsPath), 'inventory-projector', FROM, { versionsPath })).rejects.toThrow(
      /Table inventory-projector-v2 already exists/,
    );
  });

  it('prints deploy steps, not local ones, for a deployed environment', async () => {
    const plan = await planReplay(fakeTarget({ partitions: [[0, 10, 5]] }, [], versionsPath, 'aws'), 'inventory-projector', FROM, { versionsPath });
    const text = formatPlan(plan, versionsPath).join('\n');
    expect(text).toContain('printed plan today');
    expect(text).toContain('AT_TIMESTAMP');
    expect(text).not.toContain('create table');
  });
});
