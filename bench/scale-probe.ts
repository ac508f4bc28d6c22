/**
 * Loaded into a processor process by run-processor.ts (RTP_PROBE_MODULE)
 * before its handler, for the scale bench: every DynamoDB client the
 * process makes (the engine's state store, Powertools' persistence layer,
 * the handler's own) gets the write-counting middleware of
 * request-counter.ts on its first request (a document client's requests
 * count on the stack it shares with its DynamoDB client), and on SIGUSR2 the process
 * prints one line with its CPU time so far (process.cpuUsage(): every
 * thread of the process, user + system) and the writes counted so far:
 * `{"type":"probe", ...}`. The parent reads it among the process's stdout.
 *
 * Environment: RTP_PROBE_INDEX, the state table's counted index as
 * `<index key attributes>` comma-separated (e.g. `openShard,closesAt`) on
 * the table STATE_TABLE_NAME with key pk, sk. @default no index counted
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { countDynamoDbWrites, type CountedIndex, type WriteTally } from './request-counter.js';

/** What a probe line carries; cumulative since the process started. */
export interface ProbeLine {
  readonly type: 'probe';
  readonly pid: number;
  /** Epoch ms when the line was written. */
  readonly at: number;
  readonly cpuMicros: number;
  readonly dynamodb: { readonly requests: number; readonly items: number; readonly writeUnits: number; readonly failedRequests: number };
}

export const PROBE_SIGNAL = 'SIGUSR2';

export function parseProbeLine(line: string): ProbeLine | undefined {
  if (!line.startsWith('{"type":"probe"')) return undefined;
  try {
    return JSON.parse(line) as ProbeLine;
  } catch {
    return undefined;
  }
}

function countedIndexes(env: NodeJS.ProcessEnv): CountedIndex[] {
  const table = env.STATE_TABLE_NAME;
  const indexKey = env.RTP_PROBE_INDEX?.split(',').map((a) => a.trim()).filter((a) => a.length > 0);
  return table === undefined || indexKey === undefined || indexKey.length === 0 ? [] : [{ table, tableKey: ['pk', 'sk'], indexKey }];
}

const tallies: WriteTally[] = [];
const indexes = countedIndexes(process.env);
/** By middleware stack: a document client shares its DynamoDB client's stack, and each stack is counted once. */
const counted = new WeakSet<object>();
type Send = (this: DynamoDBClient, ...args: unknown[]) => unknown;

/** Shadows a client class's inherited send: the counter joins the client's stack before its first request resolves it. */
function countSends(prototype: { send: Send }): void {
  const send = prototype.send;
  prototype.send = function countedSend(this: DynamoDBClient, ...args: unknown[]): unknown {
    if (!counted.has(this.middlewareStack)) {
      counted.add(this.middlewareStack);
      tallies.push(countDynamoDbWrites(this, { kindAttribute: 'kind', indexes }));
    }
    return send.apply(this, args);
  };
}
countSends(DynamoDBClient.prototype as unknown as { send: Send });
// The engine's state store sends through a document client, whose send is not DynamoDBClient's.
countSends(DynamoDBDocumentClient.prototype as unknown as { send: Send });

process.on(PROBE_SIGNAL, () => {
  const cpu = process.cpuUsage();
  const sum = (pick: (t: WriteTally) => number): number => tallies.reduce((n, t) => n + pick(t), 0);
  const line: ProbeLine = {
    type: 'probe',
    pid: process.pid,
    at: Date.now(),
    cpuMicros: cpu.user + cpu.system,
    dynamodb: { requests: sum((t) => t.requests), items: sum((t) => t.items), writeUnits: sum((t) => t.writeUnits), failedRequests: sum((t) => t.failedRequests) },
  };
  process.stdout.write(`${JSON.stringify(line)}\n`);
});
