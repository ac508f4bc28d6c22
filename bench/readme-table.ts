/**
 * The README's benchmark table, rendered from bench/results.json so the two
 * cannot disagree: `npm run bench` rewrites the table between its markers
 * after writing the results, and a unit test fails when the README's table
 * is not what the committed results render to. The README's prose says how
 * figures are taken; the figures themselves live only here.
 */
import type { BenchResults, ScaleCell, WriteCountFigures } from './figures.js';
import { fmt, ratio, significant } from './stats.js';

export const TABLE_START = '<!-- benchmark table: written by `npm run bench` from bench/results.json; edit neither by hand -->';
export const TABLE_END = '<!-- end of benchmark table -->';

export const BenchReadmeErrorReason = {
  /** The README lacks the pair of markers the table is written between. */
  NO_MARKERS: 'NO_MARKERS',
  /** results.json lacks a figure the table shows, or holds something else there (written by an older bench?). */
  MISSING_FIGURE: 'MISSING_FIGURE',
} as const;
export type BenchReadmeErrorReason = (typeof BenchReadmeErrorReason)[keyof typeof BenchReadmeErrorReason];

export class BenchReadmeError extends Error {
  public override readonly name = 'BenchReadmeError';
  public constructor(
    message: string,
    public readonly reason: BenchReadmeErrorReason,
  ) {
    super(message);
  }
}

/** What the table shows when no run is recorded: no figures rather than figures from nowhere. */
export const NO_RUN_RECORDED = 'No run is recorded: `npm run bench` writes bench/results.json and this table from it.';

const WRITE_RUNS: ReadonlyArray<keyof WriteCountFigures> = ['fenced', 'fencedWithDedup', 'powertoolsIdempotency'];
const NUMBERS = [
  'decodeRecordsPerSec.ours',
  'decodeRecordsPerSec.powertools',
  'cpuMicrosPerRecord.decodeOnly',
  'cpuMicrosPerRecord.decodeDedupWindow',
  ...['dynamodbWritesPer1000', 'dynamodbWcuPer1000', 'dynamodbRequestsPer1000'].flatMap((figure) => WRITE_RUNS.map((run) => `${figure}.${run}`)),
  ...['asDeployed', 'powertoolsAsDeployed'].flatMap((run) => ['batchSize', 'itemsPer1000', 'wcuPer1000', 'requestsPer1000'].map((figure) => `${run}.${figure}`)),
  'e2eLatencyMs.p50',
  'e2eLatencyMs.p95',
  'e2eLatencyMs.p99',
  'throughputPerSec',
  'produceRatePerSec',
  'requestedProduceRatePerSec',
  'machine.cpus',
  'machine.memoryGiB',
  'wallSeconds',
];
const STRINGS = ['machine.node', 'machine.cpuModel', 'machine.platform', 'measuredAt'];

const at = (value: unknown, path: string): unknown => path.split('.').reduce<unknown>((v, key) => (typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[key] : undefined), value);

/** bench/results.json's text as results, refusing one that lacks a figure the table shows. */
export function parseBenchResults(text: string): BenchResults {
  const parsed: unknown = JSON.parse(text);
  const wrong = [
    ...NUMBERS.filter((path) => typeof at(parsed, path) !== 'number' || !Number.isFinite(at(parsed, path))),
    ...STRINGS.filter((path) => typeof at(parsed, path) !== 'string'),
  ];
  for (const perFunction of ['bundleBytes', 'coldInitMs']) {
    const figures = at(parsed, perFunction);
    if (typeof figures !== 'object' || figures === null || Object.values(figures).some((v) => typeof v !== 'number')) wrong.push(perFunction);
  }
  if (wrong.length > 0) {
    throw new BenchReadmeError(`bench/results.json lacks or mistypes ${wrong.join(', ')}; run \`npm run bench\` again`, BenchReadmeErrorReason.MISSING_FIGURE);
  }
  return parsed as BenchResults;
}

/** The table's lines (a line on the run, the table, the ratios), or NO_RUN_RECORDED. */
export function benchTable(results: BenchResults | undefined): string[] {
  if (results === undefined) return [NO_RUN_RECORDED];
  const { machine } = results;
  const writes = (run: keyof WriteCountFigures): string =>
    `${fmt(results.dynamodbWritesPer1000[run])} (${fmt(results.dynamodbWcuPer1000[run])} WCU, ${fmt(results.dynamodbRequestsPer1000[run])} requests)`;
  const against = (run: 'fenced' | 'fencedWithDedup'): string =>
    [
      `${ratio(results.dynamodbWritesPer1000[run], results.dynamodbWritesPer1000.powertoolsIdempotency)} items`,
      `${ratio(results.dynamodbWcuPer1000[run], results.dynamodbWcuPer1000.powertoolsIdempotency)} WCU`,
      `${ratio(results.dynamodbRequestsPer1000[run], results.dynamodbRequestsPer1000.powertoolsIdempotency)} requests`,
    ].join(', ');
  const deployed = (d: BenchResults['asDeployed']): string => `${fmt(d.itemsPer1000)} (${fmt(d.wcuPer1000)} WCU, ${fmt(d.requestsPer1000)} requests)`;
  const { p50, p95, p99 } = results.e2eLatencyMs;
  const functions = Object.keys(results.bundleBytes).sort();
  return [
    `From bench/results.json: one run on ${machine.cpus} × ${machine.cpuModel.trim()} (${machine.memoryGiB} GiB, ${machine.platform}), node ${machine.node}, ` +
      `on ${results.measuredAt.slice(0, 10)}, ${fmt(results.wallSeconds)} s in all.`,
    '',
    '| measure | ours | alternative |',
    '|---|---|---|',
    `| decode, Glue-framed Avro \`OrderEvent\`s | ${fmt(results.decodeRecordsPerSec.ours)} records/s | Powertools \`kafkaConsumer\` (Avro): ${fmt(results.decodeRecordsPerSec.powertools)}/s |`,
    `| CPU per record, decode only | ${fmt(results.cpuMicrosPerRecord.decodeOnly)} µs | |`,
    `| CPU per record, decode + dedup + windows (order-analytics, in-memory store) | ${fmt(results.cpuMicrosPerRecord.decodeDedupWindow)} µs | |`,
    `| DynamoDB items written per 1,000 records, offset fence | ${writes('fenced')} | Powertools idempotency, per record: ${writes('powertoolsIdempotency')} |`,
    `| same, with event-id dedup | ${writes('fencedWithDedup')} | ${writes('powertoolsIdempotency')} |`,
    `| same, as deployed: dedup on, batches of ${fmt(results.asDeployed.batchSize)} | ${deployed(results.asDeployed)} | ${deployed(results.powertoolsAsDeployed)} |`,
    ...functions.map((name) => `| bundle / cold import, ${name} | ${fmt(significant((results.bundleBytes[name] ?? Number.NaN) / 1024))} KiB / ${fmt(results.coldInitMs[name] ?? Number.NaN)} ms | |`),
    `| end-to-end latency, Kafka timestamp → committed | p50 ${fmt(p50)} ms, p95 ${fmt(p95)} ms, p99 ${fmt(p99)} ms | |`,
    `| throughput, producer at ${fmt(results.produceRatePerSec)} steps/s (${fmt(results.requestedProduceRatePerSec)} asked) | ${fmt(results.throughputPerSec)} records/s | |`,
    '',
    `Against per-record idempotency, the offset fence alone writes ${against('fenced')}; with event-id dedup, ${against('fencedWithDedup')}; ` +
      `as deployed, ${ratio(results.asDeployed.itemsPer1000, results.powertoolsAsDeployed.itemsPer1000)} items, ${ratio(results.asDeployed.wcuPer1000, results.powertoolsAsDeployed.wcuPer1000)} WCU.`,
    ...scaleLines(results.scale ?? []),
  ];
}

/** The scale cells (`npm run bench -- scale`), as measured; figures of a cell that was not exact in brackets. */
function scaleLines(cells: readonly ScaleCell[]): string[] {
  if (cells.length === 0) return [];
  const figure = (value: number | null, cell: ScaleCell, suffix = '', render: (n: number) => string = fmt): string => {
    if (value === null) return '—';
    const text = `${render(value)}${suffix}`;
    return cell.exact ? text : `[${text}]`;
  };
  const behind = (cell: ScaleCell): string => (cell.pacedKeptUp === false ? '*' : '');
  const measured = [...new Set(cells.map((c) => `${c.design} on ${c.commit ?? 'an unrecorded commit'}, ${c.measuredAt?.slice(0, 10) ?? 'undated'}`))].sort();
  return [
    '',
    `Scale, \`npm run bench -- scale\` (order-analytics on Kafka and DynamoDB Local, P partitions × C processor processes; ${measured.join('; ')}):`,
    '',
    '| design | P × C | batch | records/s | conflicts per commit | partitions handed back | items / WCU per 1k | CPU ms per 1k | e2e p50 / p99 ms | exact |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...cells.map(
      (c) =>
        `| ${c.design} | ${c.partitions} × ${c.processors} | ${fmt(c.batchSize)} | ${figure(c.recordsPerSec, c)} | ${figure(c.conflictsPerCommit, c, '', (n) => n.toFixed(3))} | ${figure(c.redeliveredPartitions, c)} | ` +
        `${figure(c.itemsPer1000, c)} / ${figure(c.wcuPer1000, c)} | ${figure(c.cpuMsPer1000, c)} | ${figure(c.e2eP50Ms, c, behind(c))} / ${figure(c.e2eP99Ms, c, behind(c))} | ${c.exact ? 'yes' : 'no'} |`,
    ),
    ...(cells.some((c) => c.pacedKeptUp === false) ? ['', '\\* the paced phase fell behind: that latency is of a growing backlog, not of a pipeline below saturation.'] : []),
  ];
}

function markers(readme: string): { start: number; end: number } {
  const start = readme.indexOf(TABLE_START);
  const end = readme.indexOf(TABLE_END);
  if (start === -1 || end === -1 || end < start || readme.indexOf(TABLE_START, start + 1) !== -1) {
    throw new BenchReadmeError(`README.md must hold the benchmark table between one "${TABLE_START}" and a later "${TABLE_END}"`, BenchReadmeErrorReason.NO_MARKERS);
  }
  return { start: start + TABLE_START.length, end };
}

/** The lines between the README's markers, blank lines at either end left out. */
export function readmeBenchTable(readme: string): string[] {
  const { start, end } = markers(readme);
  return readme.slice(start, end).trim().split('\n');
}

/** The README with the table between its markers rendered from `results`, everything else as it was. */
export function withBenchTable(readme: string, results: BenchResults | undefined): string {
  const { start, end } = markers(readme);
  return `${readme.slice(0, start)}\n${benchTable(results).join('\n')}\n${readme.slice(end)}`;
}
