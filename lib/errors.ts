import type { EnvironmentConfigErrorReason } from './config/environments.js';

/** Why the CDK app refused its input at synth time. */
export const PipelineAppErrorReason = {
  /** A construct's or stack's props that would not deploy, or that contradict each other. */
  INVALID_PROPS: 'INVALID_PROPS',
  /** A change-data-capture connector that cannot be configured as given. */
  INVALID_CONNECTOR: 'INVALID_CONNECTOR',
} as const;
export type PipelineAppErrorReason = (typeof PipelineAppErrorReason)[keyof typeof PipelineAppErrorReason];

/**
 * Base class of every error the CDK app raises: synth stops on it, with a
 * message that names the construct and the prop, or the config key.
 */
export abstract class PipelineAppError extends Error {
  public abstract readonly reason: PipelineAppErrorReason | EnvironmentConfigErrorReason;
}

/** A construct's or stack's props that would not deploy, named as `Construct: prop ...`. */
export class ConstructPropsError extends PipelineAppError {
  public override readonly name = 'ConstructPropsError';
  public readonly reason = PipelineAppErrorReason.INVALID_PROPS;
}

/** A Debezium connector that cannot be configured as given, named by connector. */
export class ConnectorConfigError extends PipelineAppError {
  public override readonly name = 'ConnectorConfigError';
  public readonly reason = PipelineAppErrorReason.INVALID_CONNECTOR;
}
