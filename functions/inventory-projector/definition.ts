import { fromDebezium } from '../core/cdc/debezium.js';
import { defineProcessor, type ProcessorDefinition } from '../core/engine/definition.js';

/** A row of the stock_movements table, as Debezium captures it. */
export interface StockMovementRow {
  readonly movement_id: number;
  readonly sku: string;
  readonly location_id: string;
  readonly quantity_delta: number;
  readonly movement_type: string;
  readonly channel: string;
}

export interface InventoryProjectorOptions {
  /** Partition count of the stock-movements topic. */
  readonly partitions: number;
  /** @default 'stock-movements' */
  readonly topic?: string;
}

/** The rollup group of a movement: its SKU at its location, as a JSON array. */
export const stockGroup = (row: Readonly<Record<string, unknown>>): string => JSON.stringify([String(row.sku), String(row.location_id)]);

/**
 * inventory-projector: stock per SKU per location, the view a web shop
 * reads. Point-of-sale and web-shop stock movements are rows in Postgres,
 * streamed by Debezium. Each movement row is projected by its source
 * position (so a replayed or re-snapshotted change cannot count twice, and
 * an update or delete moves the stock it had contributed), and the stock of
 * a SKU at a location is the sum of the quantity deltas of its current
 * movement rows.
 */
export function inventoryProjector(options: InventoryProjectorOptions): ProcessorDefinition {
  return defineProcessor<unknown>({
    name: 'inventory-projector',
    input: { topics: [{ name: options.topic ?? 'stock-movements', partitions: options.partitions }] },
    views: [
      {
        kind: 'projection',
        name: 'movements',
        change: (value) => fromDebezium(value, { keyColumns: ['movement_id'] }),
        rollups: [{ name: 'stock', group: stockGroup, measures: (row) => ({ quantity: Number(row.quantity_delta) }) }],
      },
    ],
  });
}
