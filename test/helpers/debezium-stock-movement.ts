/**
 * A Debezium change event of the retail stock_movements table, as the
 * Postgres connector writes it as JSON: an insert of one movement at `lsn`.
 */
export function stockMovementInsert(lsn: number, id: number, sku: string, delta: number) {
  return {
    before: null,
    after: { movement_id: id, sku, location_id: 'store-1', quantity_delta: delta, movement_type: 'SALE', channel: 'pos', occurred_at: 1_767_225_600_000 },
    source: { connector: 'postgresql', name: 'retail', ts_ms: 1_767_225_600_000, db: 'retail', schema: 'public', table: 'stock_movements', lsn },
    op: 'c',
    ts_ms: 1_767_225_600_001,
  };
}
