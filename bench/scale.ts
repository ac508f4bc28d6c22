/**
 * `npm run bench -- scale`: order-analytics at P partitions × C processor
 * processes in one consumer group, and at several batch sizes, on the local
 * stack (real Kafka, DynamoDB Local, moto, ElasticMQ), as our engine and as a
 * Powertools user's processor. Each cell's state is checked against the
 * plan before any figure of it is printed. The cells go into
 * bench/results.json's `scale` array; every other key is left as it is.
 *
 *   npm run bench -- scale                    ours and powertools, the full grid
 *   npm run bench -- scale --quick            tiny cells: checks the harness, writes nothing
 *   npm run bench -- scale --design ours --save-as previous
 *                                             today's engine, recorded as "previous"
 *   npm run bench -- scale --cells 3x1,12x3,24x6 --budget-minutes 20
 *
 * The stack and the cells run in a process of their own (scale-cell.ts),
 * with a state directory of its own, as the end-to-end section does.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { removeStateDir } from '../scripts/devstack/postgres.js';
import type { BenchResults, ScaleCell } from './figures.js';
import { startMeasuringProcess } from './measuring-process.js';
import type { ScaleChildConfig, ScaleChildMessage } from './scale-cell.js';
import { drainTargetSeconds, FULL_SIZING, parseScaleArguments, QUICK_SIZING, scaleGrid, SCALE_CHILD_CONFIG, ScalePlanError } from './scale-plan.js';
import { mergeScaleCells, provenanceOf, saveAs, scaleTable } from './scale-results.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const RESULTS = fileURLToPath(new URL('./results.json', import.meta.url));
const CHILD = fileURLToPath(new URL('./scale-cell.ts', import.meta.url));
const SEED = 1;

/** The checkout's commit, short, with `+dirty` when tracked files have changes. */
function checkoutCommit(): string {
  try {
    const sha = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: ROOT, encoding: 'utf8' }).trim() !== '';
    return dirty ? `${sha}+dirty` : sha;
  } catch {
    return 'unknown';
  }
}

const progress = (line: string): void => void process.stderr.write(`${line}\n`);
const load = (): string => loadavg().map((l) => l.toFixed(2)).join(' ');

/** Runs the cells in a measuring process; returns them and the notes each printed about its sizing. */
async function measureCells(config: ScaleChildConfig): Promise<{ cells: ScaleCell[]; notes: string[] }> {
  const child = startMeasuringProcess({ name: 'scale', script: CHILD, configVariable: SCALE_CHILD_CONFIG, config });
  const cells: ScaleCell[] = [];
  const notes: string[] = [];
  let failure: string | undefined;
  for await (const text of child.lines) {
    if (!text.startsWith('{"type":')) continue;
    let message: ScaleChildMessage;
    try {
      message = JSON.parse(text) as ScaleChildMessage;
    } catch {
      continue;
    }
    if (message.type === 'line') progress(`  ${message.line}`);
    else if (message.type === 'error') failure = message.message;
    else {
      cells.push(message.cell);
      const c = message.cell;
      notes.push(...message.notes.map((n) => `${c.design} ${c.partitions}×${c.processors} b${c.batchSize}: ${n}`));
      progress(`  ${c.design} ${c.partitions}×${c.processors} b${c.batchSize}: ${c.exact ? `${c.recordsPerSec} records/s` : `NOT EXACT${c.error === undefined ? '' : ` (${c.error})`}`}`);
    }
  }
  const code = await child.exited;
  // Logs of a run with a failed or inexact cell stay, to be read.
  if (failure === undefined && cells.length === config.cells.length && cells.every((c) => c.exact)) await removeStateDir(child.stateDir);
  else progress(`scale: logs kept in ${child.stateDir}`);
  if (failure !== undefined) throw new Error(`the scale run failed: ${failure}`);
  if (cells.length < config.cells.length) throw new Error(`the scale run exited with code ${code} after ${cells.length} of ${config.cells.length} cells; its stderr ends: ${child.stderrTail().trim() || '(empty)'}`);
  return { cells, notes };
}

function method(config: ScaleChildConfig, budgetWhy: string, notes: readonly string[], loads: { before: string; after: string }): string[] {
  const cpu = cpus();
  const { sizing } = config;
  return [
    `Stack: a fresh Kafka (KRaft, one broker), DynamoDB Local (on disk, as the local stack runs it), moto (Glue registry, S3) and ElasticMQ (SQS) on ${cpu.length} cores (${cpu[0]?.model.trim() ?? 'unknown CPU'}); ` +
      'load average before and after: ' + `${loads.before} / ${loads.after}. Everything shares the cores, so the figures are of DynamoDB Local and contention as much as of the designs.`,
    'Cell: a fresh `orders` topic of P partitions and fresh tables; C processor processes (run-processor.ts, as `rtp demo --instances C` runs them) in one new consumer group, ' +
      'each behind the local MSK event source mapping (batching window 500 ms, the batch size given; 100 is the mapping\'s and Lambda\'s default); with more processes than partitions (3 × 6) the extra ones hold none. The orders are the demo workload\'s ' +
      `(seed ${config.seed}, orders only: no repeats, late events or poison), written as the outbox would: keyed by order id, on the partition the key hashes to, Glue-framed Avro by the writer's version (v1..v3, every other one zlib-compressed).`,
    'Designs: "ours" is functions/order-analytics/handler.ts of the checkout; "powertools" is bench/scale-powertools-handler.ts (makeIdempotent keyed on event_id around a per-record handler ADDing to store-minute and customer-minute items) ' +
      'on the same decode path; "previous" is "ours" measured on an earlier commit and recorded with --save-as previous.',
    `Phases: a warm-up of ${sizing.warmUpRecords} orders, drained; ${sizing.idleSeconds} s idle in the group; the drain; a paced phase; then the check. Only the drain and the paced phase give figures.`,
    `Sizing: ${budgetWhy}. The drain is time-boxed rather than sized up front, since a warm-up's rate overestimates it (the warm-up closes no windows): ` +
      'the backlog is topped up, in requests of 500, whenever fewer than two batches (and 3 s of the warm-up\'s rate) wait, so no process runs dry; producing stops once the records waiting ' +
      `would end the drain past the target at the rate measured so far, but not before ${sizing.drain.minRecords} records (at most ${sizing.drain.maxRecords}). ` +
      `The paced phase runs at ${Math.round(sizing.paced.share * 100)} % of the drain's measured rate for ${sizing.paced.settleSeconds} s of settling, whose latencies are not sampled (the drain's deferred window closing is worked off there), ` +
      `then ${sizing.paced.seconds} s (at least ${sizing.paced.minRecords} records); its orders (another seed of the same workload, so new event ids) continue the drain's event time at one second per second, as a live stream's would.`,
    'records/s: drain records ÷ time from the first drain invocation\'s start to the end of the last one before every partition\'s committed offset reached its end (lag 0) and the ends added up to every record produced.',
    'conflicts/commit: from the engine\'s partition stats, which its handler logs per partition (`Partition processed`, at INFO as on Lambda): Σ conflicts ÷ Σ commits over the drain. — for a design without commits. ' +
      'redelivered: partition batches handed back over the cell (stats with uncommitted records, i.e. retryFromOffset, plus every partition of an invocation that failed as a whole).',
    'requests, items, WCU per 1,000 drained records: request-counter.ts\'s SDK middleware on every DynamoDB client inside each processor process (bench/scale-probe.ts, loaded before the handler), ' +
      'read before and after the drain; WCU by DynamoDB\'s pricing from item sizes (transactional writes 2 per KB; a transaction\'s updates sized by key, a lower bound; failed requests, i.e. lost conditions, cost no units here). ' +
      'Open-windows index writes are counted per process, so with C > 1 they are approximate.',
    'CPU ms per 1,000 drained records: process.cpuUsage() (user + system, every thread) of the processor processes, read by the probe before and after the drain, ' +
      'less each process\'s idle rate (its CPU over the idle period after the warm-up ÷ that period) × the drain\'s wall time: what the pollers would have burnt doing nothing. ' +
      'What the local mapping does for records while busy (fetching, building each MSK event), which AWS\'s pollers do outside the function, is still in it. Lambda bills time, not CPU; this is the CPU a Lambda would need.',
    'e2e p50/p99: per record of the paced phase sent after its settling period, from its Kafka timestamp (the producer\'s send) to the return of the invocation that committed it, nearest rank, successful invocations only. ' +
      'The paced phase kept up when its backlog drained within 5 s (or a quarter of its production time) of the last record sent; when it did not, its latencies carry a * in the table (pacedKeptUp: false).',
    'exact: the state after the paced phase against the plan, per store and minute (orders and integer cents), both ways: the engine\'s final and open store-revenue windows (reconcile.ts storeRevenueWindows; a window both closed and open fails the cell), ' +
      'the Powertools design\'s STORE#<store>#<minute> items. A cell that is not exact is printed with its figures in brackets and recorded with exact: false; ' +
      'so is one whose paced phase did not drain within its time (its drain figures stand, flagged), and one that failed earlier has no figures.',
    ...notes,
  ];
}

/** `npm run bench -- scale [options]`. */
export async function runScaleBench(argv: readonly string[]): Promise<void> {
  const options = parseScaleArguments(argv);
  const sizing = options.quick ? QUICK_SIZING : FULL_SIZING;
  const cells = scaleGrid(options.designs, { quick: options.quick, only: options.only });
  const target = drainTargetSeconds(cells, sizing, options.budgetMinutes * 60);
  if (!options.quick && !existsSync(RESULTS)) throw new ScalePlanError('bench/results.json does not exist: run `npm run bench` first; the scale cells are added to it');
  const loads = { before: load(), after: '' };
  progress(`bench: scale: ${cells.length} cells (${cells.map((c) => `${c.design} ${c.partitions}×${c.processors} b${c.batchSize}`).join(', ')}); load average ${loads.before}`);
  progress(`bench: scale: ${target.why}`);
  const config: ScaleChildConfig = { cells, sizing, drainTargetSeconds: target.seconds, commit: checkoutCommit(), seed: SEED };
  const started = performance.now();
  const measured = await measureCells(config);
  loads.after = load();
  const seconds = Math.round((performance.now() - started) / 1000);
  const recorded = options.saveAs === undefined ? measured.cells : saveAs(measured.cells, options.saveAs);

  let shown = recorded;
  if (options.quick) {
    progress('bench: scale: --quick: bench/results.json is left as it is');
  } else {
    const results = JSON.parse(await readFile(RESULTS, 'utf8')) as BenchResults;
    const scale = mergeScaleCells(results.scale, recorded);
    await writeFile(RESULTS, `${JSON.stringify({ ...results, scale }, null, 2)}\n`);
    shown = scale;
  }
  for (const line of scaleTable(shown)) console.log(line);
  console.log('');
  console.log(`scale (${seconds} s, ${measured.cells.length} cells measured${options.saveAs === undefined ? '' : `, recorded as "${options.saveAs}"`}):`);
  for (const design of ['ours', 'previous', 'powertools'] as const) {
    const line = provenanceOf(shown, design);
    if (line !== undefined) console.log(`  - ${line}`);
  }
  for (const line of method(config, target.why, measured.notes, loads)) console.log(`  - ${line}`);
  const inexact = measured.cells.filter((c) => !c.exact).length;
  if (inexact > 0) console.log(`\n${inexact} of ${measured.cells.length} cells are NOT EXACT: their figures are not valid.`);
  console.log(options.quick ? '\n--quick: figures of tiny cells, not recorded' : '\nfigures in bench/results.json (scale)');
}
