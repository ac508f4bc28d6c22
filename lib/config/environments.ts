/** The environments the app deploys, chosen with `-c env=<name>`. */
export const ENVIRONMENT_NAMES = ['dev', 'staging', 'prod'] as const;
export type EnvironmentName = (typeof ENVIRONMENT_NAMES)[number];

export const DEFAULT_ENVIRONMENT: EnvironmentName = 'dev';

export class EnvironmentConfigError extends Error {
  public override readonly name = 'EnvironmentConfigError';
  public readonly reason = 'UNKNOWN_ENVIRONMENT';
}

/** The environment named by the `env` context value; synth fails naming the key for anything else. */
export function environmentName(contextValue: unknown): EnvironmentName {
  if (contextValue === undefined) return DEFAULT_ENVIRONMENT;
  if (typeof contextValue === 'string' && (ENVIRONMENT_NAMES as readonly string[]).includes(contextValue)) {
    return contextValue as EnvironmentName;
  }
  throw new EnvironmentConfigError(
    `Context key 'env' must be one of ${ENVIRONMENT_NAMES.join(', ')}; got ${JSON.stringify(contextValue)}`,
  );
}
