-- The transactional outbox: an order's rows and its event are written in one
-- transaction, and Debezium's outbox event router streams only this table.
-- payload is the Avro event already in the Glue wire format, so the connector
-- passes it through unchanged (a binary value converter); the router's
-- column settings name these columns:
--   table.field.event.id=id, table.field.event.key=aggregate_id,
--   table.field.event.type=event_type, table.field.event.payload=payload,
--   route.by.field=aggregate_type (its value names the topic).
-- gen_random_uuid() is built in since Postgres 13: no pgcrypto needed.
CREATE TABLE outbox (
  id             uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
  aggregate_type text        NOT NULL,
  aggregate_id   text        NOT NULL,
  event_type     text        NOT NULL,
  payload        bytea       NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now()
);
