import type { PipelineConfig } from './pipeline-config.js';

/**
 * What every environment of the retail reference pipeline shares: its
 * topics, its two processors' inputs and its Debezium connectors. The
 * environment files spread these and set what differs (sizes, modes,
 * thresholds, the database to capture).
 */

export const REFERENCE_TOPIC_NAMES = { orders: 'orders', stockMovements: 'stock-movements' } as const;

/** The connectors that feed the reference processors, the same two `rtp demo` runs locally. */
export const REFERENCE_CONNECTORS = [
  { name: 'stock-movements-cdc', kind: 'changes', table: 'public.stock_movements', topic: REFERENCE_TOPIC_NAMES.stockMovements },
  { name: 'orders-outbox', kind: 'outbox', table: 'public.outbox' },
] as const satisfies Extract<PipelineConfig['cdc'], { engine: 'debezium' }>['connectors'];

/** Seven days of retention: a week to notice and replay, the MSK default. */
export const WEEK_HOURS = 7 * 24;

type ProcessorSettings = Omit<PipelineConfig['processors'][string], 'topics' | 'schemaRegistryIntegration'>;

/**
 * The reference processors, each on its input topic, with one environment's
 * mapping and function settings. order-analytics reads Glue-framed Avro, so
 * it may let the mapping validate against the registry; inventory-projector
 * reads Debezium JSON, which no registry governs.
 */
export function referenceProcessors(settings: ProcessorSettings, options: { readonly schemaRegistryIntegration: boolean }): PipelineConfig['processors'] {
  return {
    'order-analytics': { ...settings, topics: [REFERENCE_TOPIC_NAMES.orders], schemaRegistryIntegration: options.schemaRegistryIntegration },
    'inventory-projector': { ...settings, topics: [REFERENCE_TOPIC_NAMES.stockMovements], schemaRegistryIntegration: false },
  };
}
