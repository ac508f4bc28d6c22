-- The source of truth the end-of-run reconciliation compares with the
-- DynamoDB views (ARCHITECTURE.md section 7).

-- What inventory-projector's `stock` rollup holds: the sum of the quantity
-- deltas of a SKU's current movement rows at a location.
CREATE VIEW stock_by_sku_location AS
SELECT sku, location_id, sum(quantity_delta)::bigint AS quantity, count(*)::bigint AS movements
FROM stock_movements
GROUP BY sku, location_id;

-- What order-analytics' `store-revenue` window holds: placed orders per store
-- per 1-minute tumbling window. Every order row was placed once (placeOrder
-- writes its ORDER_PLACED event), and a later status change does not undo
-- that, just as the processor keeps counting the ORDER_PLACED event; so no
-- status filter. The window is the UTC minute of created_at, which is the
-- event's occurred_at, as the processor's epoch-aligned windows are.
CREATE VIEW revenue_by_store_minute AS
SELECT store_id,
       date_trunc('minute', created_at, 'UTC') AS window_start,
       count(*)::bigint AS orders,
       sum(total) AS revenue,
       (sum(total) * 100)::bigint AS revenue_cents
FROM orders
GROUP BY store_id, date_trunc('minute', created_at, 'UTC');
