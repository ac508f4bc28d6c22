// DynamoDB throttling and 5xx on 20% of the processor's DynamoDB calls, at
// the wire, in the shapes DynamoDB's JSON protocol returns them: 400
// ThrottlingException and ProvisionedThroughputExceededException (with their
// ThrottlingReasons), 400 TransactionCanceledException whose
// CancellationReasons hold a ThrottlingError (TransactWriteItems only), 500
// InternalServerError and 503 ServiceUnavailable; and, on TransactWriteItems,
// 500s that arrive after DynamoDB applied the transaction. That last one is
// the dangerous case: the commit happened, the processor is told it did not,
// and every layer above retries it (the SDK resends it, the engine re-reads
// and plans it again, the mapping redelivers the batch). Each retry must find
// the checkpoint moved and apply nothing twice; the rejected ones must be
// retried until they land, or the batch redelivered, and nothing lost.
// Orders stream in with the faults on; they stay on through the drain.
import { afterAll, describe, inject, it } from 'vitest';
import { seededRandom } from '../../scripts/reference/seeded-random.js';
import { ChaosPipeline } from './harness/chaos-pipeline.js';
import { PASS, type AwsErrorAnswer, type FaultDecision, type ProxiedRequest } from './harness/fault-proxy.js';
import { orderMessage, OrdersLedger, planOrders, withProducerRetries } from './harness/orders-ledger.js';
import { ScenarioLog, sized } from './harness/scenario.js';
import { judge } from './harness/verdict.js';

const SEED = Number(process.env.RTP_CHAOS_SEED ?? Date.now() % 1_000_000);
const ORDERS = sized({ subset: 500, full: 3_000 });
const FAULT_RATE = 0.2;

const DYNAMODB = 'com.amazonaws.dynamodb.v20120810#';
// Messages as DynamoDB words them: the guide's error table ("Error handling with
// DynamoDB") for the 5xx, the API reference's cancellation reasons for throttling.
const THROTTLED = 'Throughput exceeds the current capacity of your table or index. DynamoDB is automatically scaling your table or index so please try again shortly. If exceptions persist, check if you have a hot key: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-partition-key-design.html.';

const INTERNAL = 'DynamoDB could not process your request.';

type FaultKind = 'throttling' | 'provisioned-throughput' | 'transaction-throttled' | 'internal-error' | 'unavailable' | 'response-lost';

/** Weights per kind; the response-lost and transaction kinds exist for TransactWriteItems only. */
const COMMIT_FAULTS: ReadonlyArray<readonly [FaultKind, number]> = [
  ['response-lost', 40],
  ['transaction-throttled', 20],
  ['throttling', 10],
  ['provisioned-throughput', 10],
  ['internal-error', 12],
  ['unavailable', 8],
];
const OTHER_FAULTS: ReadonlyArray<readonly [FaultKind, number]> = [
  ['throttling', 30],
  ['provisioned-throughput', 30],
  ['internal-error', 25],
  ['unavailable', 15],
];

let pipeline: ChaosPipeline | undefined;
afterAll(async () => pipeline?.stop(), 120_000);

describe('chaos: DynamoDB faults', () => {
  it('counts every order once when a fifth of its DynamoDB calls are throttled, fail, or succeed but answer with an error', async () => {
    // Prepare
    const log = new ScenarioLog('dynamodb-faults', SEED);
    const rng = seededRandom(SEED);
    const injected = new Map<string, number>();
    const requests = new Map<string, number>();
    const decide = (request: ProxiedRequest): FaultDecision => {
      requests.set(request.operation, (requests.get(request.operation) ?? 0) + 1);
      if (rng() >= FAULT_RATE) return PASS;
      const commit = request.operation === 'TransactWriteItems';
      const kind = pick(commit ? COMMIT_FAULTS : OTHER_FAULTS, rng());
      const key = `${kind} on ${request.operation || request.method}`;
      injected.set(key, (injected.get(key) ?? 0) + 1);
      return answer(kind, request, rng);
    };
    pipeline = await ChaosPipeline.start({
      scenario: 'dynamodb-faults',
      dynamodbEndpoint: inject('dynamodbEndpoint'),
      log: (line) => log.line(line),
      dynamodbFaults: decide,
      processorEnv: {
        // Small batches: many commits, each a chance for a fault.
        RTP_ESM_BATCH_SIZE: '10',
        RTP_ESM_MAXIMUM_BATCHING_WINDOW_MS: '100',
        // The SDK's own retries (3 attempts by default) would absorb nearly
        // every fault before our code met it: 0.2^3 = 0.8% of requests fail
        // three times in a row. With one attempt each fault reaches the code
        // under test: the state store's translation, the engine's backoff and
        // its re-read after a commit it was told failed, and, past the engine's
        // attempts, the mapping's redelivery.
        AWS_MAX_ATTEMPTS: '1',
      },
    });
    const p = pipeline;
    const ledger = new OrdersLedger();
    const { steps: orders, repeats } = withProducerRetries(planOrders(ORDERS, { seed: SEED, startAt: Date.now() - 3_600_000 }), rng);
    log.inject(`${repeats} orders sent a second time a little later (a producer retrying): each copy must be dropped by event id`, repeats);
    log.line(`faults on ${FAULT_RATE * 100}% of the processor's DynamoDB requests, from the start through the drain`);
    await p.startProcessor();

    // Act: orders in slices while the faults are on
    const slices = 15;
    for (let slice = 0; slice < slices; slice += 1) {
      const part = orders.slice(Math.floor((slice * orders.length) / slices), Math.floor(((slice + 1) * orders.length) / slices));
      const messages = part.map((step) => orderMessage(step, p.provisioned.schemaIds));
      await p.produce(messages);
      ledger.addOrders(part, messages);
      await p.startProcessor();
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    await p.drain();

    // Assess
    for (const [kind, count] of [...injected].sort(([a], [b]) => a.localeCompare(b))) log.inject(`${count}× ${kind}`, count);
    const faults = p.dynamodbProxy.faults;
    const failed = p.invocations.filter((i) => i.result !== 'SUCCESS').length;
    const byOperation = [...requests].map(([operation, n]) => `${n} ${operation || 'other'}`).join(', ');
    log.line(`proxy: ${faults.requests} requests (${byOperation}), ${faults.rejected} rejected, ${faults.responsesLost} responses lost after the write applied`);
    log.line(`${p.invocations.length} invocations, ${failed} failed or partial (retried by the mapping), ${p.restarts} processor restarts`);
    log.conclude(await judge(p, ledger));
  }, 600_000);
});

function pick(weights: ReadonlyArray<readonly [FaultKind, number]>, roll: number): FaultKind {
  const total = weights.reduce((sum, [, w]) => sum + w, 0);
  let at = roll * total;
  for (const [kind, weight] of weights) {
    at -= weight;
    if (at < 0) return kind;
  }
  return weights[weights.length - 1]![0];
}

/** The error document DynamoDB sends for `kind`, as a decision of the proxy. */
function answer(kind: FaultKind, request: ProxiedRequest, rng: () => number): FaultDecision {
  const body = parseBody(request.body);
  const table = tableOf(body);
  const resource = `arn:aws:dynamodb:us-east-1:123456789012:table/${table}`;
  const write = request.operation === 'TransactWriteItems' || request.operation.startsWith('Put') || request.operation.startsWith('BatchWrite');
  const error = (status: number, type: string, message: string, extra?: Record<string, unknown>): AwsErrorAnswer => ({
    status,
    type: `${DYNAMODB}${type}`,
    message,
    extra,
  });
  switch (kind) {
    case 'throttling':
      return { kind: 'reject', ...error(400, 'ThrottlingException', THROTTLED, { ThrottlingReasons: [{ reason: `Table${write ? 'Write' : 'Read'}KeyRangeThroughputExceeded`, resource }] }) };
    case 'provisioned-throughput':
      return {
        kind: 'reject',
        ...error(400, 'ProvisionedThroughputExceededException', 'The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.', {
          ThrottlingReasons: [{ reason: `Table${write ? 'Write' : 'Read'}ProvisionedThroughputExceeded`, resource }],
        }),
      };
    case 'transaction-throttled': {
      // One reason per item, in request order; the throttled item is ThrottlingError, the others None.
      const items = Array.isArray(body.TransactItems) ? body.TransactItems.length : 1;
      const throttled = Math.floor(rng() * items);
      const reasons = Array.from({ length: items }, (_, i) => (i === throttled ? { Code: 'ThrottlingError', Message: THROTTLED } : { Code: 'None' }));
      const codes = reasons.map((r) => r.Code).join(', ');
      return { kind: 'reject', ...error(400, 'TransactionCanceledException', `Transaction cancelled, please refer cancellation reasons for specific reasons [${codes}]`, { CancellationReasons: reasons }) };
    }
    case 'internal-error':
      return { kind: 'reject', ...error(500, 'InternalServerError', INTERNAL) };
    case 'unavailable':
      return { kind: 'reject', ...error(503, 'ServiceUnavailable', 'DynamoDB is currently unavailable. (This should be a temporary state.)') };
    case 'response-lost':
      return { kind: 'lose-response', ...error(500, 'InternalServerError', INTERNAL) };
  }
}

interface RequestBody {
  readonly TableName?: string;
  readonly RequestItems?: Record<string, unknown>;
  readonly TransactItems?: ReadonlyArray<Record<string, { TableName?: string } | undefined>>;
}

function parseBody(body: Buffer): RequestBody {
  try {
    return JSON.parse(body.toString('utf8')) as RequestBody;
  } catch {
    return {};
  }
}

function tableOf(body: RequestBody): string {
  const first = body.TransactItems?.[0];
  const action = first === undefined ? undefined : Object.values(first)[0];
  return body.TableName ?? Object.keys(body.RequestItems ?? {})[0] ?? action?.TableName ?? 'unknown';
}
