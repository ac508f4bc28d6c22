/** Why the state store could not do what it was asked. */
export const StateStoreErrorReason = {
  UNAVAILABLE: 'UNAVAILABLE',
  ITEM_TOO_LARGE: 'ITEM_TOO_LARGE',
  INVALID_REQUEST: 'INVALID_REQUEST',
} as const;
export type StateStoreErrorReason = (typeof StateStoreErrorReason)[keyof typeof StateStoreErrorReason];

/** Base class of every error the state store raises; `reason` says which. */
export class StateStoreError extends Error {
  public override readonly name: string = 'StateStoreError';
  public constructor(
    message: string,
    public readonly reason: StateStoreErrorReason,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Worth retrying after a pause: throttling, a 5xx, a transaction conflict. */
export class StateStoreUnavailableError extends StateStoreError {
  public override readonly name = 'StateStoreUnavailableError';
  public constructor(message: string, options?: { cause?: unknown }) {
    super(message, StateStoreErrorReason.UNAVAILABLE, options);
  }
}
