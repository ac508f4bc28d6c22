/**
 * `npm run bench`: every benchmark of the kit, side by side with what users
 * would pick instead, in one run on this machine. Prints a table, writes
 * bench/results.json and rewrites README.md's benchmark table from it, so
 * the two are committed together. The in-process measurements run first,
 * on a quiet machine; the DynamoDB write count needs a DynamoDB Local, started here;
 * the end-to-end run starts a whole local stack of its own and goes last.
 * Figures, not tests: nothing here passes or fails on a time.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { startDynamoDbLocal } from '../scripts/devstack/dynamodb-local.js';
import { measureBundles } from './bundles.js';
import { measureDecode } from './decode.js';
import { measureDynamoDbWrites } from './dynamodb-writes.js';
import { measureEndToEnd } from './end-to-end.js';
import type { BenchResults, Measured } from './figures.js';
import { withBenchTable } from './readme-table.js';

const RESULTS = fileURLToPath(new URL('./results.json', import.meta.url));
const README = fileURLToPath(new URL('../README.md', import.meta.url));

interface Section {
  readonly title: string;
  readonly measured: Measured<object>;
  readonly seconds: number;
}

function progress(line: string): void {
  process.stderr.write(`${line}\n`);
}

async function timed<T extends object>(title: string, measure: () => Promise<Measured<T>>): Promise<Section & { measured: Measured<T> }> {
  progress(`bench: ${title}...`);
  const started = performance.now();
  const measured = await measure();
  const seconds = Math.round((performance.now() - started) / 100) / 10;
  progress(`bench: ${title} done in ${seconds} s`);
  return { title, measured, seconds };
}

function table(sections: readonly Section[]): string[] {
  const rows: Array<readonly [string, string, string, string]> = [['measure', 'ours', 'alternative', 'note']];
  for (const section of sections) {
    rows.push([`── ${section.title}`, '', '', '']);
    for (const row of section.measured.rows) rows.push([row.measure, row.ours, row.alternative ?? '', row.note ?? '']);
  }
  const widths = [0, 1, 2].map((column) => Math.max(...rows.map((r) => r[column]?.length ?? 0)));
  return rows.map((r) => [r[0].padEnd(widths[0] ?? 0), r[1].padStart(widths[1] ?? 0), r[2].padStart(widths[2] ?? 0), r[3]].join('  ').trimEnd());
}

async function recordedScale(): Promise<Pick<BenchResults, 'scale'>> {
  try {
    const { scale } = JSON.parse(await readFile(RESULTS, 'utf8')) as Partial<BenchResults>;
    return scale === undefined ? {} : { scale };
  } catch {
    return {};
  }
}

async function main(): Promise<void> {
  // `npm run bench -- scale [options]` runs the scale section alone (bench/scale.ts).
  if (process.argv[2] === 'scale') return (await import('./scale.js')).runScaleBench(process.argv.slice(3));
  const started = performance.now();
  const decode = await timed('decoding and CPU per record', () => measureDecode());
  const bundles = await timed('bundles and cold start', () => measureBundles());
  const dynamodb = await startDynamoDbLocal({ onProgress: progress });
  const writes = await timed('DynamoDB writes per 1,000 records', () => measureDynamoDbWrites({ endpoint: dynamodb.endpoint })).finally(() => dynamodb.stop());
  const endToEnd = await timed('reference pipeline end to end', () => measureEndToEnd({ write: (line) => progress(`  ${line}`) }));
  const sections = [decode, bundles, writes, endToEnd];
  const wallSeconds = Math.round((performance.now() - started) / 1000);

  const results: BenchResults = {
    ...decode.measured.figures,
    ...writes.measured.figures,
    ...bundles.measured.figures,
    ...endToEnd.measured.figures,
    machine: { node: process.version, cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', memoryGiB: Math.round(totalmem() / 2 ** 30), platform: `${process.platform}-${process.arch}` },
    sectionSeconds: Object.fromEntries(sections.map((s) => [s.title, s.seconds])),
    wallSeconds,
    measuredAt: new Date().toISOString(),
    // Measured only by `npm run bench -- scale`: kept from the recorded results.
    ...(await recordedScale()),
  };
  await writeFile(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
  await writeFile(README, withBenchTable(await readFile(README, 'utf8'), results));

  for (const line of table(sections)) console.log(line);
  console.log('');
  for (const section of sections) {
    console.log(`${section.title} (${section.seconds} s):`);
    for (const line of section.measured.method) console.log(`  - ${line}`);
  }
  console.log(`\n${sections.length} sections in ${wallSeconds} s on ${results.machine.cpus} × ${results.machine.cpuModel}, node ${process.version}; figures in bench/results.json and README.md's benchmark table`);
}

main().catch((error: unknown) => {
  const reason = (error as { reason?: unknown } | null)?.reason;
  process.stderr.write(`bench failed: ${error instanceof Error ? `${error.name}${typeof reason === 'string' ? ` (${reason})` : ''}: ${error.message}` : String(error)}\n`);
  process.exitCode = 1;
});
