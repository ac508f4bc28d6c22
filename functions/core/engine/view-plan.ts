import type { Working } from './working-set.js';

/** What one view would do with a record, decided before anything changes so that lateness and duplicates are judged on the same state. */
export interface ViewPlan {
  readonly view: string;
  readonly kind: 'window' | 'projection';
  /** Whether the view takes the record into anything. */
  readonly onTime: boolean;
  /** The parts of the record's pane as they were before it, for a sliced view. */
  readonly parts?: readonly Working[];
  /** The pane part the record was added to, once applied. */
  target?: Working;
  /** When the pane stops being needed, to pick the pane that remembers the event id longest. */
  readonly retiresAt?: number;
  /** Applies the record to the view's working copies; may run user code, which may throw. */
  readonly apply: () => void;
}

