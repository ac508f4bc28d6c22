-- Orders are the business rows of the outbox pattern (0003): they are not
-- streamed themselves; the events that describe them are.
CREATE TABLE orders (
  order_id    text          PRIMARY KEY,
  customer_id text,
  store_id    text,
  channel     text,
  currency    char(3),
  total       numeric(12,2),
  status      text,
  created_at  timestamptz
);

CREATE TABLE order_lines (
  order_id   text          NOT NULL REFERENCES orders (order_id),
  line_no    int           NOT NULL,
  sku        text,
  quantity   int,
  unit_price numeric(12,2),
  PRIMARY KEY (order_id, line_no)
);
