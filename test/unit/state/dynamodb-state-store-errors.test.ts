import { InternalServerError, ProvisionedThroughputExceededException, RequestLimitExceeded, ThrottlingException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { StateStoreError, StateStoreErrorReason, StateStoreUnavailableError } from '../../../functions/core/state/errors.js';
import { itemIds } from '../../../functions/core/state/table-layout.js';
import { caught } from '../../helpers/caught.js';
import { cancelled, ddbMock, put, serviceError, storeWith } from './dynamodb-state-store-fixtures.js';

beforeEach(() => {
  ddbMock.reset();
});

describe('DynamoDbStateStore.commit', () => {
  describe('when DynamoDB cancels the transaction', () => {
    it('reports exactly the ConditionalCheckFailed items as conflicts, in write order', async () => {
      // Prepare
      ddbMock.on(TransactWriteCommand).rejects(cancelled('None', 'ConditionalCheckFailed', 'None', 'ConditionalCheckFailed'));
      const writes = [put(0), put(1, 2), put(2), put(3, 5)];

      // Act
      const outcome = await storeWith().commit(writes);

      // Assess
      expect(outcome).toEqual({ committed: false, conflicts: [writes[1]?.id, writes[3]?.id] });
    });

    it('reports conflicts when ConditionalCheckFailed is mixed with None and TransactionConflict', async () => {
      // Prepare: the stale item will not succeed on retry without a re-read, so the conflict must win
      ddbMock.on(TransactWriteCommand).rejects(cancelled('None', 'ConditionalCheckFailed', 'TransactionConflict'));
      const writes = [put(0), put(1), put(2)];

      // Act
      const outcome = await storeWith().commit(writes);

      // Assess
      expect(outcome).toEqual({ committed: false, conflicts: [writes[1]?.id] });
    });

    it.each(['TransactionConflict', 'ThrottlingError', 'ProvisionedThroughputExceeded', 'RequestLimitExceeded'])(
      'throws StateStoreUnavailableError for %s',
      async (code) => {
        // Prepare
        const error = cancelled('None', code);
        ddbMock.on(TransactWriteCommand).rejects(error);

        // Act
        const thrown = await caught(storeWith().commit([put(0), put(1)]));

        // Assess
        expect(thrown).toBeInstanceOf(StateStoreUnavailableError);
        expect(thrown).toMatchObject({ reason: StateStoreErrorReason.UNAVAILABLE, cause: error });
        expect((thrown as Error).message).toContain(`1:${code}`);
      },
    );

    it.each(['ItemCollectionSizeLimitExceeded', 'ValidationError'])('throws StateStoreError INVALID_REQUEST for %s', async (code) => {
      // Prepare
      ddbMock.on(TransactWriteCommand).rejects(cancelled(code, 'None'));

      // Act
      const thrown = await caught(storeWith().commit([put(0), put(1)]));

      // Assess
      expect(thrown).toBeInstanceOf(StateStoreError);
      expect(thrown).not.toBeInstanceOf(StateStoreUnavailableError);
      expect(thrown).toMatchObject({ reason: StateStoreErrorReason.INVALID_REQUEST });
    });
  });

  describe('when the request fails', () => {
    const unavailable: Array<[string, Error]> = [
      ['ProvisionedThroughputExceededException', new ProvisionedThroughputExceededException({ message: 'rate exceeded', $metadata: { httpStatusCode: 400 } })],
      ['ThrottlingException', new ThrottlingException({ message: 'rate of requests exceeds the allowed throughput', $metadata: { httpStatusCode: 400 } })],
      ['RequestLimitExceeded', new RequestLimitExceeded({ message: 'account limit exceeded', $metadata: { httpStatusCode: 400 } })],
      ['InternalServerError (500)', new InternalServerError({ message: 'Internal server error', $metadata: { httpStatusCode: 500 } })],
      ['an unmodelled 503', serviceError('ServiceUnavailable', 'try again', 503)],
      ['a network error without $metadata', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
    ];

    it.each(unavailable)('throws StateStoreUnavailableError for %s, from a transaction or a single write', async (_label, error) => {
      // Prepare
      ddbMock.on(TransactWriteCommand).rejects(error);
      ddbMock.on(PutCommand).rejects(error);

      // Act
      expect(await caught(storeWith().write(put(0)))).toBeInstanceOf(StateStoreUnavailableError);
      const thrown = await caught(storeWith().commit([put(0), put(1)]));

      // Assess
      expect(thrown).toBeInstanceOf(StateStoreUnavailableError);
      expect(thrown).toMatchObject({ reason: StateStoreErrorReason.UNAVAILABLE, cause: error });
    });

    it.each([
      ['ValidationException about item size', serviceError('ValidationException', 'Item size has exceeded the maximum allowed size'), StateStoreErrorReason.ITEM_TOO_LARGE],
      ['another ValidationException', serviceError('ValidationException', 'The provided key element does not match the schema'), StateStoreErrorReason.INVALID_REQUEST],
      // Not retryable, rightly: missing permissions do not heal within an invocation, and
      // the thrown error fails the batch for MSK to redeliver, losing nothing. The reason
      // code is what is off: an IAM mistake is not an invalid request (see the report).
      ['AccessDeniedException', serviceError('AccessDeniedException', 'not authorized to perform: dynamodb:TransactWriteItems'), StateStoreErrorReason.INVALID_REQUEST],
    ])('throws StateStoreError for %s', async (_label, error, reason) => {
      // Prepare
      ddbMock.on(TransactWriteCommand).rejects(error);
      ddbMock.on(PutCommand).rejects(error);

      // Act
      expect(await caught(storeWith().write(put(0)))).toMatchObject({ reason, cause: error });
      const thrown = await caught(storeWith().commit([put(0), put(1)]));

      // Assess
      expect(thrown).toBeInstanceOf(StateStoreError);
      expect(thrown).not.toBeInstanceOf(StateStoreUnavailableError);
      expect(thrown).toMatchObject({ reason, cause: error });
    });

    it('translates read errors the same way', async () => {
      ddbMock
        .on(BatchGetCommand)
        .rejectsOnce(new ThrottlingException({ message: 'slow down', $metadata: { httpStatusCode: 400 } }))
        .rejectsOnce(serviceError('ResourceNotFoundException', 'Requested resource not found'));

      expect(await caught(storeWith().read([itemIds.meta()]))).toBeInstanceOf(StateStoreUnavailableError);
      expect(await caught(storeWith().read([itemIds.meta()]))).toMatchObject({ name: 'StateStoreError', reason: StateStoreErrorReason.INVALID_REQUEST });
    });
  });
});
