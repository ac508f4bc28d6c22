import type { SendMessageBatchResult } from '@aws-sdk/client-sqs';

/** Why an entry, or a request, did not reach SQS. */
export interface SendFailure {
  readonly code: string;
  readonly message: string;
}

export interface UnconfirmedEntry<TItem> {
  readonly item: TItem;
  readonly failure: SendFailure;
  /** False for sender faults: sending the same entry again fails again. */
  readonly retryable: boolean;
}

/**
 * The entries of a SendMessageBatch that SQS did not confirm. An entry it
 * reports neither as successful nor as failed counts as not sent: sending it
 * again risks a duplicate, skipping it risks losing it.
 */
export function unconfirmedEntries<TItem extends { readonly entry: { readonly Id?: string | undefined } }>(
  batch: readonly TItem[],
  output: SendMessageBatchResult,
): Array<UnconfirmedEntry<TItem>> {
  const failed = new Map((output.Failed ?? []).map((entry) => [entry.Id, entry]));
  const succeeded = new Set((output.Successful ?? []).map((entry) => entry.Id));
  const unsent: Array<UnconfirmedEntry<TItem>> = [];
  for (const item of batch) {
    const failure = failed.get(item.entry.Id);
    if (failure !== undefined) {
      const code = failure.Code ?? 'Unknown';
      unsent.push({ item, failure: { code, message: failure.Message || code }, retryable: failure.SenderFault !== true });
    } else if (!succeeded.has(item.entry.Id)) {
      unsent.push({ item, failure: { code: 'MissingResult', message: 'SQS reported neither success nor failure for the entry' }, retryable: true });
    }
  }
  return unsent;
}

/** A thrown value as a failure with a code and a message that are never empty. */
export function describeFailure(error: unknown): SendFailure {
  if (error instanceof Error) return { code: error.name || 'Error', message: error.message || error.name || 'Error' };
  return { code: 'Error', message: String(error) || 'Error' };
}
