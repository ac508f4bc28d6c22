// SQS's answers to SendMessageBatch, for tests of the writers that send
// batches (the batch writer, the dead-letter writer, the window emitter):
// a mocked client, accepting or failing entries, and what was sent.
import { SendMessageBatchCommand, SQSClient, type SendMessageBatchCommandInput, type SendMessageBatchRequestEntry, type SendMessageBatchResult } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';

export type SentEntry = NonNullable<SendMessageBatchResult['Successful']>[number];
export type FailedEntry = NonNullable<SendMessageBatchResult['Failed']>[number];

/** The SQS client mock; each test file gets its own, as vitest isolates files. */
export const sqsMock = mockClient(SQSClient);

export function succeeded(entry: SendMessageBatchRequestEntry): SentEntry {
  return { Id: entry.Id ?? '', MessageId: `m-${entry.Id}`, MD5OfMessageBody: 'md5' };
}

/** An answer that accepts every entry. */
export function acceptAll(input: SendMessageBatchCommandInput): SendMessageBatchResult {
  return { Successful: (input.Entries ?? []).map(succeeded), Failed: [] };
}

/** An answer that fails the entries `fails` picks, each time they are sent, and accepts the rest. */
export function failing(fails: (entry: SendMessageBatchRequestEntry) => Omit<FailedEntry, 'Id'> | undefined) {
  return (input: SendMessageBatchCommandInput): SendMessageBatchResult => {
    const result = { Successful: [] as SentEntry[], Failed: [] as FailedEntry[] };
    for (const entry of input.Entries ?? []) {
      const failure = fails(entry);
      if (failure === undefined) result.Successful.push(succeeded(entry));
      else result.Failed.push({ Id: entry.Id ?? '', ...failure });
    }
    return result;
  };
}

/** An answer that fails the entries whose id `fails` picks. */
export function failingIds(fails: (id: string) => Omit<FailedEntry, 'Id'> | undefined) {
  return failing((entry) => fails(entry.Id ?? ''));
}

/** The entries of every SendMessageBatch request made, in order. */
export function sentEntries(): SendMessageBatchRequestEntry[][] {
  return sqsMock.commandCalls(SendMessageBatchCommand).map((call) => call.args[0].input.Entries ?? []);
}
