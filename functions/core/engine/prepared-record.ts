import type { ChangeEvent } from '../cdc/change-event.js';
import type { DecodedRecord } from '../processing/partition-contract.js';
import type { ProcessorDefinition, RecordContext } from './definition.js';
import { ProcessingError } from './errors.js';

/**
 * A record with every user function already applied, once: planning may
 * run several times for one record (after a lost condition), and must see
 * the same answers each time.
 */
export interface PreparedRecord {
  readonly record: DecodedRecord;
  readonly eventTime?: number;
  readonly eventId?: string;
  /** Per view, in definition order: the window key, or the change; undefined when the view skips the record. */
  readonly perView: ReadonlyArray<string | ChangeEvent | undefined>;
  /** Set when a user function threw or returned nonsense: the record is a PROCESSING_ERROR. */
  readonly failure?: Error;
}

export function prepareRecord(definition: ProcessorDefinition, record: DecodedRecord): PreparedRecord {
  const context = contextOf(record);
  try {
    const eventTime = definition.eventTime?.(record.value, context);
    // A record lacking its event time must not land in a window at the epoch: only a processor without eventTime has none.
    if (definition.eventTime !== undefined && (typeof eventTime !== 'number' || !Number.isFinite(eventTime))) {
      throw new ProcessingError(`eventTime returned ${String(eventTime)}, not an epoch-millisecond number`);
    }
    const eventId = definition.dedup?.eventId(record.value, context);
    const perView = definition.views.map((view) =>
      view.kind === 'window' ? view.key(record.value, context) : view.change(record.value, context),
    );
    return {
      record,
      eventTime,
      eventId,
      perView,
    };
  } catch (error) {
    return { record, perView: [], failure: ProcessingError.from(error) };
  }
}

/** What a user function is told about the record it is given. */
export function contextOf(record: DecodedRecord): RecordContext {
  const { topic, partition, offset, timestamp, key } = record;
  return { topic, partition, offset, timestamp, key };
}
