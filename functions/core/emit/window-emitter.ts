/** A closed window's announcement. */
export interface WindowEmission {
  /** Orders emissions per key: the FIFO message group. */
  readonly groupId: string;
  /** The same for every attempt to announce one window, so a retried close is announced once. */
  readonly deduplicationId: string;
  readonly body: string;
}

/** Where closed windows are announced. `emit` resolves only once all are accepted. */
export interface WindowEmitter {
  emit(emissions: readonly WindowEmission[]): Promise<void>;
}
