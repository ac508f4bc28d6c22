import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';

/** The namespace every processor's EMF metrics are published under, unless POWERTOOLS_METRICS_NAMESPACE says otherwise. */
export const METRICS_NAMESPACE = 'realtime-pipeline';

export interface Observability {
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly tracer: Tracer;
}

/**
 * Logger, metrics and tracer for one processor, named after it. Log level,
 * sampling and tracing switches stay with Powertools' own environment
 * variables (POWERTOOLS_LOG_LEVEL, POWERTOOLS_TRACE_ENABLED, ...).
 */
export function createObservability(processorName: string): Observability {
  return {
    logger: new Logger({ serviceName: processorName }),
    metrics: new Metrics({
      serviceName: processorName,
      namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? METRICS_NAMESPACE,
    }),
    tracer: new Tracer({ serviceName: processorName }),
  };
}
