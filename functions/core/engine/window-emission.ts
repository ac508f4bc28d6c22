import { createHash } from 'node:crypto';
import type { WindowEmission } from '../emit/window-emitter.js';
import type { OpenWindow } from '../state/state-items.js';
import type { ItemId } from '../state/table-layout.js';
import type { WindowView } from './definition.js';

/** The SQS message limit every SQS-compatible endpoint accepts. */
export const MAX_EMISSION_BYTES = 262_144;

/**
 * What a closed window announces, if its view emits anything: the view's
 * payload in an envelope naming the window, grouped per key and
 * deduplicated by the window's identity, so a close that is retried or
 * raced is announced once.
 */
export function emissionFor(processor: string, view: WindowView<unknown, unknown>, key: string, window: OpenWindow, storedAt: ItemId): WindowEmission | undefined {
  if (view.emit === undefined) return undefined;
  const payload = view.emit({ view: view.name, key, start: window.start, end: window.end, result: window.acc, count: window.count });
  if (payload === undefined) return undefined;
  const identity = `${processor}\u0000${view.name}\u0000${key}\u0000${window.start}\u0000${window.end}`;
  const envelope = { processor, view: view.name, key, windowStart: window.start, windowEnd: window.end };
  let body = JSON.stringify({ ...envelope, payload });
  // A payload SQS cannot carry would fail every close of this key forever.
  // The result is in the window's final item anyway, so say where it is instead.
  if (Buffer.byteLength(body) > MAX_EMISSION_BYTES) {
    body = JSON.stringify({ ...envelope, payloadOmitted: { reason: 'TOO_LARGE', bytes: Buffer.byteLength(body), finalWindow: storedAt } });
  }
  return {
    groupId: createHash('sha256').update(`${view.name}\u0000${key}`).digest('hex').slice(0, 64),
    deduplicationId: createHash('sha256').update(identity).digest('hex').slice(0, 64),
    body,
  };
}

