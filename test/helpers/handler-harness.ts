import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import type { Context } from 'aws-lambda';
import type { DeadLetterWriter } from '../../functions/core/dlq/dead-letter-writer.js';
import type { DeadLetter } from '../../functions/core/dlq/envelope.js';
import type { Observability } from '../../functions/core/observability/powertools.js';

/** Keeps every dead letter written; optionally fails instead. */
export class RecordingDeadLetterWriter implements DeadLetterWriter {
  public readonly letters: DeadLetter[] = [];
  public calls = 0;

  public constructor(private readonly failWith?: Error) {}

  public write(letters: readonly DeadLetter[]): Promise<void> {
    this.calls += 1;
    if (this.failWith !== undefined) return Promise.reject(this.failWith);
    this.letters.push(...letters);
    return Promise.resolve();
  }
}

/**
 * A silent logger, a disabled tracer, and metrics that print EMF only when
 * `emitMetrics` is set (Powertools reads its switch when Metrics is built).
 */
export function quietObservability(processorName = 'test-processor', { emitMetrics = false } = {}): Observability {
  const saved = process.env.POWERTOOLS_METRICS_DISABLED;
  process.env.POWERTOOLS_METRICS_DISABLED = emitMetrics ? 'false' : 'true';
  try {
    return {
      logger: new Logger({ serviceName: processorName, logLevel: 'SILENT' }),
      metrics: new Metrics({ serviceName: processorName, namespace: 'realtime-pipeline-test' }),
      tracer: new Tracer({ serviceName: processorName, enabled: false }),
    };
  } finally {
    if (saved === undefined) delete process.env.POWERTOOLS_METRICS_DISABLED;
    else process.env.POWERTOOLS_METRICS_DISABLED = saved;
  }
}

export function lambdaContext(functionName = 'test-processor'): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:eu-west-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: '2026/11/22/[$LATEST]abcdef',
    getRemainingTimeInMillis: () => 60_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** Runs `action` and returns what it wrote to stdout as lines, e.g. EMF documents. */
export async function captureStdout(action: () => Promise<unknown>): Promise<string[]> {
  const lines: string[] = [];
  const original = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array): boolean => {
    lines.push(...String(chunk).split('\n').filter((l) => l.length > 0));
    return true;
  });
  try {
    await action();
  } finally {
    process.stdout.write = original;
  }
  return lines;
}
