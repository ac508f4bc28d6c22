-- Point-of-sale and web-shop stock movements: the CDC source of
-- inventory-projector (schemas/stock-movements/v1.avsc is this row).
-- Rows are only ever inserted by the demo; the default replica identity (the
-- primary key) is enough for Debezium to key an update or delete, which the
-- projector handles by the movement_id it had projected.
CREATE TABLE stock_movements (
  movement_id    bigserial   PRIMARY KEY,
  sku            text        NOT NULL,
  location_id    text        NOT NULL,
  quantity_delta int         NOT NULL,
  movement_type  text        NOT NULL
    CONSTRAINT stock_movements_movement_type_check
    CHECK (movement_type IN ('SALE', 'RECEIPT', 'RETURN', 'ADJUSTMENT', 'TRANSFER_IN', 'TRANSFER_OUT')),
  channel        text        NOT NULL
    CONSTRAINT stock_movements_channel_check CHECK (channel IN ('pos', 'web')),
  occurred_at    timestamptz NOT NULL DEFAULT now()
);

-- The reconciliation groups by (sku, location_id), and so do the shop's stock look-ups.
CREATE INDEX stock_movements_sku_location_idx ON stock_movements (sku, location_id);
