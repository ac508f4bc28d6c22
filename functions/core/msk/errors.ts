/** Why an invocation's event could not be read as a Kafka event. */
export const KafkaEventErrorReason = {
  NOT_A_KAFKA_EVENT: 'NOT_A_KAFKA_EVENT',
  MALFORMED_RECORD: 'MALFORMED_RECORD',
} as const;
export type KafkaEventErrorReason = (typeof KafkaEventErrorReason)[keyof typeof KafkaEventErrorReason];

/**
 * The invocation's payload is not a Kafka event the mapping could have sent.
 * This fails the invocation: it means a misconfigured trigger, not a poison record.
 */
export class KafkaEventError extends Error {
  public override readonly name = 'KafkaEventError';
  public constructor(
    message: string,
    public readonly reason: KafkaEventErrorReason,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
