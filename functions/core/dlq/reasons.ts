/** Why a record was dead-lettered. */
export const DeadLetterReason = {
  DECODE_ERROR: 'DECODE_ERROR',
  SCHEMA_NOT_FOUND: 'SCHEMA_NOT_FOUND',
  VALIDATION_ERROR: 'VALIDATION_ERROR',
  PROCESSING_ERROR: 'PROCESSING_ERROR',
  LATE_EVENT: 'LATE_EVENT',
} as const;
export type DeadLetterReason = (typeof DeadLetterReason)[keyof typeof DeadLetterReason];

export const DEAD_LETTER_REASONS: readonly DeadLetterReason[] = Object.values(DeadLetterReason);
