import { fileURLToPath } from 'node:url';
import type { StackDatabase } from '../devstack/stack.js';

/**
 * The retail reference pipeline's database: the one the local stack creates
 * for it, with the schema retail-repository.ts writes and reads (tables
 * `stock_movements`, `orders`, `order_lines`, `outbox` and the
 * reconciliation's views), one migration file per step.
 */
export const RETAIL_DATABASE: StackDatabase = {
  name: 'retail',
  migrationsDir: fileURLToPath(new URL('./migrations/', import.meta.url)),
};
