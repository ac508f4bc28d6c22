import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { BenchResults } from '../../../bench/figures.js';
import { BenchReadmeError, benchTable, NO_RUN_RECORDED, parseBenchResults, readmeBenchTable, TABLE_END, TABLE_START, withBenchTable } from '../../../bench/readme-table.js';

const README = fileURLToPath(new URL('../../../README.md', import.meta.url));
const RESULTS = fileURLToPath(new URL('../../../bench/results.json', import.meta.url));

/** A run's results, figures chosen so each prints differently. */
const RESULTS_FIXTURE: BenchResults = {
  decodeRecordsPerSec: { ours: 153_403, powertools: 3_099 },
  cpuMicrosPerRecord: { decodeOnly: 6.8, decodeDedupWindow: 153 },
  dynamodbWritesPer1000: { fenced: 1_070.5, fencedWithDedup: 2_342.5, powertoolsIdempotency: 4_000 },
  dynamodbWcuPer1000: { fenced: 2_549.5, fencedWithDedup: 5_093.5, powertoolsIdempotency: 4_000 },
  dynamodbRequestsPer1000: { fenced: 37, fencedWithDedup: 57.5, powertoolsIdempotency: 4_000 },
  asDeployed: { batchSize: 1_000, itemsPer1000: 31.2, wcuPer1000: 187.4, requestsPer1000: 30.1 },
  powertoolsAsDeployed: { batchSize: 1_000, itemsPer1000: 4_001, wcuPer1000: 4_002, requestsPer1000: 4_003 },
  bundleBytes: { 'order-analytics': 797_696, 'connector-registration': 3_584 },
  coldInitMs: { 'order-analytics': 355, 'connector-registration': 41.2 },
  e2eLatencyMs: { p50: 790, p95: 1_302, p99: 3_301 },
  throughputPerSec: 97.6,
  produceRatePerSec: 93.4,
  requestedProduceRatePerSec: 100,
  machine: { node: 'v20.19.5', cpus: 2, cpuModel: 'AMD EPYC 7B13 ', memoryGiB: 8, platform: 'linux-x64' },
  sectionSeconds: { 'decoding and CPU per record': 40.1 },
  wallSeconds: 241,
  measuredAt: '2026-11-22T08:41:07.123Z',
};

describe("the README's benchmark table", () => {
  it('is what the committed bench/results.json renders to, or says no run is recorded', () => {
    // Prepare
    const readme = readFileSync(README, 'utf8');
    const results = existsSync(RESULTS) ? parseBenchResults(readFileSync(RESULTS, 'utf8')) : undefined;

    // Act
    const table = readmeBenchTable(readme);

    // Assess: `npm run bench` writes both; a figure typed into either alone fails here
    expect(table).toEqual(benchTable(results));
  });

  it('renders every figure of a run, the rate asked beside the rate held, and the ratios against per-record idempotency', () => {
    // Act
    const lines = benchTable(RESULTS_FIXTURE);

    // Assess
    expect(lines).toEqual([
      'From bench/results.json: one run on 2 × AMD EPYC 7B13 (8 GiB, linux-x64), node v20.19.5, on 2026-11-22, 241 s in all.',
      '',
      '| measure | ours | alternative |',
      '|---|---|---|',
      '| decode, Glue-framed Avro `OrderEvent`s | 153,403 records/s | Powertools `kafkaConsumer` (Avro): 3,099/s |',
      '| CPU per record, decode only | 6.8 µs | |',
      '| CPU per record, decode + dedup + windows (order-analytics, in-memory store) | 153 µs | |',
      '| DynamoDB items written per 1,000 records, offset fence | 1,070.5 (2,549.5 WCU, 37 requests) | Powertools idempotency, per record: 4,000 (4,000 WCU, 4,000 requests) |',
      '| same, with event-id dedup | 2,342.5 (5,093.5 WCU, 57.5 requests) | 4,000 (4,000 WCU, 4,000 requests) |',
      '| same, as deployed: dedup on, batches of 1,000 | 31.2 (187.4 WCU, 30.1 requests) | 4,001 (4,002 WCU, 4,003 requests) |',
      '| bundle / cold import, connector-registration | 3.5 KiB / 41.2 ms | |',
      '| bundle / cold import, order-analytics | 779 KiB / 355 ms | |',
      '| end-to-end latency, Kafka timestamp → committed | p50 790 ms, p95 1,302 ms, p99 3,301 ms | |',
      '| throughput, producer at 93.4 steps/s (100 asked) | 97.6 records/s | |',
      '',
      'Against per-record idempotency, the offset fence alone writes 3.7× fewer items, 1.6× fewer WCU, 108.1× fewer requests; ' +
        'with event-id dedup, 1.7× fewer items, 1.3× more WCU, 69.6× fewer requests; as deployed, 128.2× fewer items, 21.4× fewer WCU.',
    ]);
  });

  it('adds the scale cells under the table, each figure of a cell that was not exact in brackets, and marks latencies of a paced phase that fell behind', () => {
    // Prepare
    const cell = { design: 'ours', partitions: 24, processors: 6, batchSize: 100, recordsPerSec: 812.4, conflictsPerCommit: 0.0042, redeliveredPartitions: 0, requestsPer1000: 20, itemsPer1000: 22.9, wcuPer1000: 118.7, cpuMsPer1000: 310, e2eP50Ms: 640, e2eP99Ms: 1210, exact: true, commit: 'abc123', measuredAt: '2026-12-07T07:00:00.000Z' } as const;
    const results = { ...RESULTS_FIXTURE, scale: [cell, { ...cell, design: 'powertools', conflictsPerCommit: null, exact: false, pacedKeptUp: false }] } as const;

    // Act
    const lines = benchTable(results).slice(benchTable(RESULTS_FIXTURE).length);

    // Assess
    expect(lines).toEqual([
      '',
      'Scale, `npm run bench -- scale` (order-analytics on Kafka and DynamoDB Local, P partitions × C processor processes; ours on abc123, 2026-12-07; powertools on abc123, 2026-12-07):',
      '',
      '| design | P × C | batch | records/s | conflicts per commit | partitions handed back | items / WCU per 1k | CPU ms per 1k | e2e p50 / p99 ms | exact |',
      '|---|---|---|---|---|---|---|---|---|---|',
      '| ours | 24 × 6 | 100 | 812.4 | 0.004 | 0 | 22.9 / 118.7 | 310 | 640 / 1,210 | yes |',
      '| powertools | 24 × 6 | 100 | [812.4] | — | [0] | [22.9] / [118.7] | [310] | [640*] / [1,210*] | no |',
      '',
      '\\* the paced phase fell behind: that latency is of a growing backlog, not of a pipeline below saturation.',
    ]);
  });

  it('is rewritten between its markers only', () => {
    // Prepare
    const readme = `# Title\n\nbefore\n\n${TABLE_START}\n${NO_RUN_RECORDED}\n${TABLE_END}\n\nafter\n`;

    // Act
    const rewritten = withBenchTable(readme, RESULTS_FIXTURE);

    // Assess
    expect(rewritten.startsWith(`# Title\n\nbefore\n\n${TABLE_START}\nFrom bench/results.json: one run on 2 × AMD EPYC 7B13`)).toBe(true);
    expect(rewritten.endsWith(`21.4× fewer WCU.\n${TABLE_END}\n\nafter\n`)).toBe(true);
    expect(readmeBenchTable(rewritten)).toEqual(benchTable(RESULTS_FIXTURE));
    expect(withBenchTable(rewritten, undefined)).toBe(readme);
  });

  it('throws when the README has no markers to write between', () => {
    expect(() => withBenchTable('# Title\n', RESULTS_FIXTURE)).toThrow(BenchReadmeError);
    expect(() => readmeBenchTable(`${TABLE_END}\n${TABLE_START}\n`)).toThrow(/between one/);
  });

  it('refuses results.json without a figure the table shows, naming it', () => {
    // Prepare: results as the bench wrote them before it told the rate held from the rate asked
    const { requestedProduceRatePerSec: _asked, ...older } = RESULTS_FIXTURE;

    // Act and assess
    expect(() => parseBenchResults(JSON.stringify(older))).toThrow(/lacks or mistypes requestedProduceRatePerSec;/);
    expect(parseBenchResults(JSON.stringify(RESULTS_FIXTURE))).toEqual(RESULTS_FIXTURE);
  });
});
