/**
 * DynamoDB write cost of exactly-once processing, three ways, on the same
 * decoded records: the offset-fenced engine without and with event-id dedup,
 * and what a Powertools user writes instead (per-record idempotency around a
 * per-record handler). Every write request of each run is counted by SDK
 * middleware on its client, so a library's own writes count too.
 */
import { randomUUID } from 'node:crypto';
import { DynamoDBClient, type AttributeValue } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { defineProcessor, type ProcessorDefinition } from '../functions/core/engine/definition.js';
import { createEngineProcessor } from '../functions/core/engine/engine-processor.js';
import type { CommittedChunk } from '../functions/core/engine/partition-executor.js';
import type { PartitionInput } from '../functions/core/processing/partition-contract.js';
import { DynamoDbStateStore } from '../functions/core/state/dynamodb-state-store.js';
import { createStateTable } from '../functions/core/state/dynamodb-state-table.js';
import { itemIds } from '../functions/core/state/table-layout.js';
import { finalWindowResults } from '../functions/core/state/window-results.js';
import { orderAnalytics, type OrderEventEnvelope, type StoreRevenue } from '../functions/order-analytics/definition.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../scripts/devstack/dynamodb-local.js';
import { storeRevenueWindows } from '../scripts/reference/reconcile.js';
import type { DeployedWriteFigures, DynamoDbWriteFigures, Measured, TableRow, WriteCountFigures } from './figures.js';
import { createPowertoolsTables, powertoolsOrderProcessor, powertoolsStoreRevenue } from './powertools-design.js';
import { countDynamoDbWrites, type WriteTally } from './request-counter.js';
import { fmt, ratio } from './stats.js';
import { BENCH_BATCH_SIZE, BENCH_PARTITIONS, benchWorkload, decodedInvocations, workloadDecoder, type BenchWorkload } from './workload.js';

export const DynamoDbWriteBenchErrorReason = {
  /** A record was rejected or a partition gave up: the runs would not be of the same records. */
  INCOMPLETE_RUN: 'INCOMPLETE_RUN',
  /** A run's revenue per store-minute differs from the plan's: its cost is not of the same work. */
  RESULTS_DIFFER: 'RESULTS_DIFFER',
} as const;
export type DynamoDbWriteBenchErrorReason = (typeof DynamoDbWriteBenchErrorReason)[keyof typeof DynamoDbWriteBenchErrorReason];

export class DynamoDbWriteBenchError extends Error {
  public override readonly name = 'DynamoDbWriteBenchError';
  public constructor(
    message: string,
    public readonly reason: DynamoDbWriteBenchErrorReason,
    public readonly run?: string,
  ) {
    super(message);
  }
}

/** The batch size the reference mapping is deployed with in every environment's config. */
export const DEPLOYED_BATCH_SIZE = 1_000;
/** What the engine as deployed must stay within, per 1,000 records: 20× fewer items and 10× fewer WCU than per-record idempotency's 4,000. */
const ACCEPTANCE = { itemsPer1000: 200, wcuPer1000: 400 } as const;

/** Orders and integer cents per `store@minuteStart`: what every run must agree on. */
type StoreMinutes = Map<string, StoreRevenue>;

interface RunResult {
  readonly tally: WriteTally;
  readonly revenue: StoreMinutes;
  /** Items written by window closing (the engine's afterBatch), if any. */
  readonly closingItems: number;
  /** Transactions that committed records. */
  readonly recordCommits: number;
  /** Distinct keys each window view holds at the end (read back from the table), for the items-by-view line. */
  readonly keysByView: Readonly<Record<string, number>>;
  readonly seconds: number;
}

/** One MSK event, decoded per partition the way the handler hands it to the processor. */
type Invocation = readonly PartitionInput[];

export async function measureDynamoDbWrites(options: { endpoint: string; records?: number }): Promise<Measured<DynamoDbWriteFigures>> {
  const sized = (batchSize: number): BenchWorkload => benchWorkload({ batchSize, records: options.records });
  const workload = sized(BENCH_BATCH_SIZE);
  const deployedWorkload = sized(DEPLOYED_BATCH_SIZE);
  const reference = orderAnalytics({ partitions: BENCH_PARTITIONS });
  const invocations = await decodedInvocations(workload.events, workloadDecoder(workload, reference));
  const deployedInvocations = await decodedInvocations(deployedWorkload.events, workloadDecoder(deployedWorkload, reference));
  const client = (): DynamoDBClient => new DynamoDBClient({ endpoint: options.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });

  // Same views, same watermark; only the offset fence makes it exactly-once.
  const { dedup: _dedup, ...withoutDedup } = reference;
  // The runs share nothing but the server: run together, they take the time of the slowest instead of the sum.
  const [fenced, fencedWithDedup, powertools, deployed, powertoolsDeployed] = await Promise.all([
    runEngine('fenced', defineProcessor<unknown>(withoutDedup), invocations, client()),
    runEngine('fencedWithDedup', reference, invocations, client()),
    runPowertools(invocations, client()),
    runEngine('asDeployed', reference, deployedInvocations, client()),
    runPowertools(deployedInvocations, client()),
  ]);
  assertPlannedRevenue({ fenced, fencedWithDedup, powertoolsIdempotency: powertools, asDeployed: deployed, powertoolsAsDeployed: powertoolsDeployed }, workload.revenue);

  const perThousand = (count: number): number => round((count * 1000) / workload.records);
  const per1000 = (pick: (t: WriteTally) => number): WriteCountFigures => ({
    fenced: perThousand(pick(fenced.tally)),
    fencedWithDedup: perThousand(pick(fencedWithDedup.tally)),
    powertoolsIdempotency: perThousand(pick(powertools.tally)),
  });
  const asDeployed = (run: RunResult): DeployedWriteFigures => ({
    batchSize: DEPLOYED_BATCH_SIZE,
    itemsPer1000: perThousand(run.tally.items),
    wcuPer1000: perThousand(run.tally.writeUnits),
    requestsPer1000: perThousand(run.tally.requests),
  });
  const figures: DynamoDbWriteFigures = {
    dynamodbWritesPer1000: per1000((t) => t.items),
    dynamodbWcuPer1000: per1000((t) => t.writeUnits),
    dynamodbRequestsPer1000: per1000((t) => t.requests),
    asDeployed: asDeployed(deployed),
    powertoolsAsDeployed: asDeployed(powertoolsDeployed),
  };
  return {
    figures,
    rows: [row('offset fence', 'fenced', figures), row('offset fence + event-id dedup', 'fencedWithDedup', figures), deployedRow(figures)],
    method: method(workload, { fenced, fencedWithDedup, powertools, deployed, powertoolsDeployed }, figures),
  };
}

/**
 * The engine as the deployed handler runs it: each invocation's partitions
 * in parallel, then window closing (the handler's afterBatch), which writes
 * each closed window's final item. No emitter: emissions go to SQS, not
 * DynamoDB.
 */
async function runEngine(run: string, definition: ProcessorDefinition, invocations: readonly Invocation[], client: DynamoDBClient): Promise<RunResult> {
  const started = performance.now();
  const tableName = `bench-${run.toLowerCase()}-${randomUUID().slice(0, 8)}`;
  await createStateTable(client, tableName);
  const tally = countDynamoDbWrites(client, {
    kindAttribute: 'kind',
    viewOf: viewOfItem(definition),
    indexes: [{ table: tableName, tableKey: ['pk', 'sk'], indexKey: ['openShard', 'closesAt'] }],
  });
  const store = new DynamoDbStateStore({ client, tableName });
  let recordCommits = 0;
  const engine = createEngineProcessor(definition, { store, onCommit: (_: CommittedChunk) => (recordCommits += 1) });
  let closingItems = 0;
  for (const invocation of invocations) {
    const outcomes = await Promise.all(invocation.map((input) => engine.processPartition(input)));
    for (const [i, outcome] of outcomes.entries()) {
      const rejected = outcome?.rejected?.length ?? 0;
      if (outcome === undefined || rejected > 0 || outcome.retryFromOffset !== undefined) {
        throw new DynamoDbWriteBenchError(
          `${run}: ${invocation[i]?.topicPartition} left ${rejected} rejected records, retry from ${outcome?.retryFromOffset ?? 'none'}`,
          DynamoDbWriteBenchErrorReason.INCOMPLETE_RUN,
          run,
        );
      }
    }
    const before = tally.items;
    await engine.afterBatch();
    closingItems += tally.items - before;
  }
  const bodies = (await store.scanAll()).map((item) => item.body);
  const { windows: revenue, closedAndOpen } = storeRevenueWindows(bodies);
  const keys = new Map<string, Set<string>>();
  for (const w of finalWindowResults(bodies)) keys.set(w.view, (keys.get(w.view) ?? new Set()).add(w.key));
  client.destroy();
  if (closedAndOpen.length > 0) {
    throw new DynamoDbWriteBenchError(`${run}: windows both closed and still open: ${closedAndOpen.slice(0, 5).join(', ')}`, DynamoDbWriteBenchErrorReason.INCOMPLETE_RUN, run);
  }
  return {
    tally,
    revenue,
    closingItems,
    recordCommits,
    keysByView: Object.fromEntries([...keys].map(([view, set]) => [view, set.size])),
    seconds: (performance.now() - started) / 1000,
  };
}

/**
 * The window view an engine item belongs to, from its partition key: a key's
 * open windows and its final windows are the view's items (a delete carries
 * only the key, which is enough). Prefixes come from the table layout itself.
 */
function viewOfItem(definition: ProcessorDefinition): (item: Record<string, AttributeValue>) => string | undefined {
  // Prefixes up to the view name's closing '#', from the table layout itself: per-key items, panes and final results.
  const upToView = (pk: string, view: string): string => pk.slice(0, pk.indexOf(`#${view}#`) + view.length + 2);
  const prefixes = definition.views.map((view) => ({
    view: view.name,
    prefixes: [
      itemIds.keyWindows(view.name, '').pk,
      itemIds.finalWindow(view.name, '', 0, 0).pk,
      upToView(itemIds.windowPane(view.name, 0, '', 0).pk, view.name),
      upToView(itemIds.finalWindows(view.name, 0, 0, 0).pk, view.name),
    ],
  }));
  return (item) => {
    const pk = item.pk?.S ?? '';
    return prefixes.find((p) => p.prefixes.some((prefix) => pk.startsWith(prefix)))?.view;
  };
}

/**
 * What a Powertools user writes for the same views without our engine
 * (powertools-design.ts), in process. Partitions of an invocation run in
 * parallel, records of a partition in offset order, as the mapping
 * delivers them.
 */
async function runPowertools(invocations: readonly Invocation[], client: DynamoDBClient): Promise<RunResult> {
  const started = performance.now();
  const suffix = randomUUID().slice(0, 8);
  const tables = { stateTable: `bench-pt-state-${suffix}`, idempotencyTable: `bench-pt-idempotency-${suffix}` };
  await createPowertoolsTables(client, tables);
  const tally = countDynamoDbWrites(client);
  const { config, processOrder } = powertoolsOrderProcessor(client, tables);
  // What the handler does first with its Lambda context, so in-progress records expire with the invocation.
  config.registerLambdaContext(lambdaContext());

  for (const invocation of invocations) {
    await Promise.all(
      invocation.map(async (input) => {
        for (const record of input.records) await processOrder(record.value as OrderEventEnvelope);
      }),
    );
  }

  const revenue: StoreMinutes = await powertoolsStoreRevenue(client, tables.stateTable);
  client.destroy();
  return { tally, revenue, closingItems: 0, recordCommits: 0, keysByView: {}, seconds: (performance.now() - started) / 1000 };
}

function lambdaContext(): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'order-analytics-powertools',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:order-analytics-powertools',
    memoryLimitInMB: '1024',
    awsRequestId: randomUUID(),
    logGroupName: '/aws/lambda/order-analytics-powertools',
    logStreamName: 'bench',
    // The reference function's timeout; constant, so every in-progress record gets the same expiry.
    getRemainingTimeInMillis: () => 60_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** Every run must end with the plan's revenue per store-minute, or their costs are not of the same work. */
function assertPlannedRevenue(runs: Readonly<Record<string, RunResult>>, expected: BenchWorkload['revenue']): void {
  for (const [run, result] of Object.entries(runs)) {
    const actual = result.revenue;
    const keys = new Set([...expected.keys(), ...actual.keys()]);
    const differing = [...keys].filter((k) => actual.get(k)?.revenueCents !== expected.get(k)?.revenueCents || actual.get(k)?.orders !== expected.get(k)?.orders);
    if (differing.length > 0) {
      const first = differing[0] as string;
      throw new DynamoDbWriteBenchError(
        `${run} disagrees with the plan on revenue for ${differing.length} of ${keys.size} store-minutes, e.g. ${first}: ` +
          `${JSON.stringify(actual.get(first) ?? null)}, planned ${JSON.stringify(expected.get(first) ?? null)}`,
        DynamoDbWriteBenchErrorReason.RESULTS_DIFFER,
        run,
      );
    }
  }
}

const round = (n: number): number => Math.round(n * 10) / 10;

function row(label: string, run: 'fenced' | 'fencedWithDedup', f: DynamoDbWriteFigures): TableRow {
  type PerRun = 'dynamodbWritesPer1000' | 'dynamodbWcuPer1000' | 'dynamodbRequestsPer1000';
  const pick = (k: PerRun, r: keyof WriteCountFigures): number => f[k][r];
  const describe = (r: keyof WriteCountFigures): string =>
    `${fmt(pick('dynamodbWritesPer1000', r))} items · ${fmt(pick('dynamodbWcuPer1000', r))} WCU · ${fmt(pick('dynamodbRequestsPer1000', r))} requests`;
  return {
    measure: `DynamoDB writes per 1,000 records, ${label} vs Powertools idempotency`,
    ours: describe(run),
    alternative: describe('powertoolsIdempotency'),
    note:
      `${ratio(pick('dynamodbWritesPer1000', run), pick('dynamodbWritesPer1000', 'powertoolsIdempotency'))} items, ` +
      `${ratio(pick('dynamodbWcuPer1000', run), pick('dynamodbWcuPer1000', 'powertoolsIdempotency'))} WCU, ` +
      `${ratio(pick('dynamodbRequestsPer1000', run), pick('dynamodbRequestsPer1000', 'powertoolsIdempotency'))} requests`,
  };
}

/** The engine as deployed (dedup on, batches of 1,000) against per-record idempotency on the same batches, and whether it is within the acceptance. */
function deployedRow(f: DynamoDbWriteFigures): TableRow {
  const describe = (d: DeployedWriteFigures): string => `${fmt(d.itemsPer1000)} items · ${fmt(d.wcuPer1000)} WCU · ${fmt(d.requestsPer1000)} requests`;
  const ours = f.asDeployed;
  const met = ours.itemsPer1000 <= ACCEPTANCE.itemsPer1000 && ours.wcuPer1000 <= ACCEPTANCE.wcuPer1000;
  return {
    measure: `DynamoDB writes per 1,000 records as deployed (dedup on, batches of ${fmt(ours.batchSize)}) vs Powertools idempotency`,
    ours: describe(ours),
    alternative: describe(f.powertoolsAsDeployed),
    note:
      `${ratio(ours.itemsPer1000, f.powertoolsAsDeployed.itemsPer1000)} items, ${ratio(ours.wcuPer1000, f.powertoolsAsDeployed.wcuPer1000)} WCU; ` +
      `${met ? 'within' : 'NOT within'} the acceptance of at most ${ACCEPTANCE.itemsPer1000} items and ${ACCEPTANCE.wcuPer1000} WCU`,
  };
}

function kinds(tally: WriteTally): string {
  return Object.entries(tally.byKind)
    .sort(([, a], [, b]) => b - a)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
}

function operations(tally: WriteTally): string {
  return Object.entries(tally.byOperation)
    .map(([op, t]) => `${op} ${t.requests}`)
    .join(', ');
}

function method(
  workload: BenchWorkload,
  runs: { fenced: RunResult; fencedWithDedup: RunResult; powertools: RunResult; deployed: RunResult; powertoolsDeployed: RunResult },
  f: DynamoDbWriteFigures,
): string[] {
  const { fenced, fencedWithDedup, powertools, deployed } = runs;
  const engineRun = (r: RunResult): string =>
    `${r.tally.requests} requests (${operations(r.tally)}; ${r.recordCommits} record commits; ${r.tally.failedRequests} lost a condition and were retried, not counted as items); ` +
    `items: ${kinds(r.tally)}; ${r.closingItems} of them by window closing; ${fmt(round(r.seconds))} s`;
  return [
    `DynamoDB writes: ${workload.records} Glue-framed orders v3 (${workload.stores} stores, ${workload.customers} customers), each on the partition its order-id key goes to (murmur2, as the outbox keys them) of ${BENCH_PARTITIONS}, ` +
      `in MSK events of ${BENCH_BATCH_SIZE} records (and of ${DEPLOYED_BATCH_SIZE} for the as-deployed runs), decoded once by RecordDecoder, then five runs into fresh tables on DynamoDB Local, one invocation per event in order; ` +
      'every write request counted by SDK middleware on each run\'s client (PutItem, UpdateItem, DeleteItem, BatchWriteItem, TransactWriteItems).',
    'WCU by DynamoDB\'s pricing from item sizes (DynamoDB Local misreports transactional capacity): standard writes 1 per started KB (a delete by the size of the item deleted), transactional 2; ' +
      'UpdateItem is sized by the item after the update, read from the response (the counter asks for ReturnValues ALL_NEW, which changes only the response); ' +
      `writes to the engine's KEYS_ONLY open-windows index are included at 1 unit per index write (${fenced.tally.indexWriteUnits}, ${fencedWithDedup.tally.indexWriteUnits} and ${deployed.tally.indexWriteUnits} units); failed requests are not charged.`,
    `fenced: order-analytics as deployed minus its dedup (same views: 1-min store revenue, 5-min hopping customer risk sliding by 1 min, both kept in per-partition panes), the engine as the handler runs it (executePartition per partition in parallel, then window closing); ${engineRun(fenced)}.`,
    `fencedWithDedup: the reference definition as deployed, event ids kept in the panes; ${engineRun(fencedWithDedup)}.`,
    `asDeployed: the same in batches of ${DEPLOYED_BATCH_SIZE}; ${engineRun(deployed)}.`,
    'powertoolsIdempotency: makeIdempotent (IdempotencyConfig eventKeyJmesPath \'event_id\', DynamoDBPersistenceLayer on a table with pk `id` and TTL `expiration`, Lambda context registered, result not stored) around a per-record handler that sends ' +
      'UpdateItem ADD orders, revenueCents on STORE#<store>#<minute> and UpdateItem ADD orders, totalCents, promoOrders, stores (string set) on CUSTOMER#<customer>#<minute> (the 5-min risk is the sum of five customer-minutes on read); ' +
      `Powertools adds a PutItem (INPROGRESS) and an UpdateItem (COMPLETED) per record; requests by operation: ${operations(powertools.tally)}; ${fmt(round(powertools.seconds))} s; the same again in batches of ${DEPLOYED_BATCH_SIZE} for powertoolsAsDeployed.`,
    `Sanity check passed: orders and revenue per store-minute read back from each of the five runs' tables equal the plan's (${workload.revenue.size} store-minutes).`,
    byView(workload.records, deployed, f.powertoolsAsDeployed.itemsPer1000),
  ];
}

/** Items per 1,000 records of each window view in a run, beside per-record idempotency's items for every view together. */
function byView(records: number, run: RunResult, powertoolsPer1000: number): string {
  const views = Object.entries(run.tally.byView)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([view, items]) => {
      const per1000 = round((items * 1000) / records);
      return `${view} (${run.keysByView[view] ?? 0} keys) ${fmt(per1000)}, ${ratio(per1000, powertoolsPer1000)} than per-record idempotency's ${fmt(powertoolsPer1000)} items in all`;
    });
  return `Items by view as deployed, per 1,000 records (each partition's panes and each closed window's result items, window closing included; told apart by the partition keys written): ${views.join('; ')}.`;
}
