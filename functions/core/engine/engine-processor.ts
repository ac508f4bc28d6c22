import type { WindowEmitter } from '../emit/window-emitter.js';
import type { PartitionOutcome, PartitionProcessor } from '../processing/partition-contract.js';
import type { StateStore } from '../state/state-store.js';
import type { ProcessorDefinition } from './definition.js';
import { executePartition, type CommittedChunk, type PartitionResult } from './partition-executor.js';
import { CloserLease } from './closer-lease.js';
import { FinalWindowsSeen } from './final-windows-seen.js';
import { PartitionStateCache } from './partition-state-cache.js';
import { closeDueWindows, type CloseResult } from './window-closer.js';
import { EngineOptionError } from './errors.js';

export interface EngineProcessorDeps {
  readonly store: StateStore;
  /** @default none: closed windows are stored, not announced */
  readonly emitter?: WindowEmitter;
  /** @default Date.now */
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly onCommit?: (committed: CommittedChunk) => void;
  readonly onPartition?: (result: PartitionResult) => void;
  readonly onClose?: (result: CloseResult) => void;
  /** Time each invocation may spend closing windows; the rest closes on later invocations. @default 5 000 ms */
  readonly closeBudgetMs?: number;
  /** What each partition's commits left, planned from by later invocations. @default one per processor, outliving its invocations */
  readonly partitionCache?: PartitionStateCache;
  /**
   * Where windows close: `'leased'`, only in the process holding the closer
   * lease, one at a time across processes; `'every-process'`, in every
   * process, racing the others (correct by conditional writes, at the cost
   * of repeated reads and lost conditions).
   * @default 'leased'
   */
  readonly closing?: 'leased' | 'every-process';
  /**
   * Size at which a window pane's part is full and the pane goes on in a new part, in bytes of JSON:
   * an integer from 100 to 300 000, so a part stays well inside DynamoDB's 400 KB item limit.
   * @default PANE_PART_BYTES (32 000)
   */
  readonly panePartBytes?: number;
}

export interface EngineProcessor {
  readonly processPartition: PartitionProcessor;
  /** Closes the windows the processor's watermark has passed, one close at a time, where the closer lease is held; nothing to do without window views. */
  readonly afterBatch: () => Promise<void>;
}

/** A processor definition run by the exactly-once engine over a state store. */
export function createEngineProcessor(definition: ProcessorDefinition, deps: EngineProcessorDeps): EngineProcessor {
  const partBytes = deps.panePartBytes;
  if (partBytes !== undefined && !(Number.isInteger(partBytes) && partBytes >= 100 && partBytes <= 300_000)) {
    throw new EngineOptionError(`panePartBytes must be an integer from 100 to 300000, got ${partBytes}`);
  }
  const hasWindows = definition.views.some((v) => v.kind === 'window');
  // Outlives invocations, as a warm Lambda's module state does: windows seen final are not read again.
  const seen = new FinalWindowsSeen();
  const cache = deps.partitionCache ?? new PartitionStateCache();
  const lease = (deps.closing ?? 'leased') === 'leased' ? new CloserLease(deps.store) : undefined;
  const close = async (): Promise<void> => {
    if (lease !== undefined && !(await lease.acquire((deps.now ?? Date.now)()))) return;
    let result;
    try {
      result = await closeDueWindows({
        definition,
        store: deps.store,
        emitter: deps.emitter,
        now: deps.now,
        budgetMs: deps.closeBudgetMs ?? 5_000,
        seen,
      });
    } catch (error) {
      lease?.stepBack();
      throw error;
    }
    deps.onClose?.(result);
  };
  const afterBatch = hasWindows ? oneAtATime(close) : (): Promise<void> => Promise.resolve();
  return {
    processPartition: async (input): Promise<PartitionOutcome> => {
      const result = await executePartition(input, {
        definition,
        store: deps.store,
        deadLetter: input.deadLetter,
        cache,
        now: deps.now,
        sleep: deps.sleep,
        onCommit: deps.onCommit,
        panePartBytes: deps.panePartBytes,
      });
      deps.onPartition?.(result);
      return {
        rejected: result.rejected,
        retryFromOffset: result.retryFromOffset,
      };
    },
    afterBatch,
  };
}

/**
 * One close at a time per process. An invocation that finishes while a close runs returns at once, and the
 * running close runs once more after it, so that its commits are seen without the invocation waiting for
 * two closes; concurrent closers would only race each other for the same result parts and slice
 * retirements, every lost race a failed conditional write. A request left over after that one more close
 * is served by the next invocation.
 */
function oneAtATime(close: () => Promise<void>): () => Promise<void> {
  let closing: Promise<void> | undefined;
  let requested = false;
  return () => {
    if (closing !== undefined) {
      requested = true;
      return Promise.resolve();
    }
    requested = false;
    closing = (async () => {
      try {
        await close();
        if (requested) {
          requested = false;
          await close();
        }
      } finally {
        closing = undefined;
      }
    })();
    return closing;
  };
}
