import type { z } from 'zod';
import { dev } from './dev.js';
import { pipelineConfigSchema, type PipelineConfig } from './pipeline-config.js';
import { prod } from './prod.js';
import { staging } from './staging.js';
import { PipelineAppError } from '../errors.js';

/** The environments the app deploys, chosen with `-c env=<name>`. */
export const ENVIRONMENT_NAMES = ['dev', 'staging', 'prod'] as const;
export type EnvironmentName = (typeof ENVIRONMENT_NAMES)[number];

export const DEFAULT_ENVIRONMENT: EnvironmentName = 'dev';

/** The configuration files, one per environment. */
export const ENVIRONMENT_CONFIGS: Readonly<Record<EnvironmentName, PipelineConfig>> = { dev, staging, prod };

/** A validated environment: every default applied, every rule checked. */
export type EnvironmentConfig = z.output<typeof pipelineConfigSchema> & { readonly name: EnvironmentName };

export const EnvironmentConfigErrorReason = {
  UNKNOWN_ENVIRONMENT: 'UNKNOWN_ENVIRONMENT',
  INVALID_CONFIG: 'INVALID_CONFIG',
} as const;
export type EnvironmentConfigErrorReason = (typeof EnvironmentConfigErrorReason)[keyof typeof EnvironmentConfigErrorReason];

/** One broken rule: the key's dotted path, the rule, and the value found there. */
export interface ConfigProblem {
  readonly key: string;
  readonly rule: string;
  readonly received: unknown;
}

/** An environment's config that breaks a rule: synth fails naming each key. */
export class EnvironmentConfigError extends PipelineAppError {
  public override readonly name = 'EnvironmentConfigError';
  public constructor(
    message: string,
    public readonly reason: EnvironmentConfigErrorReason,
    public readonly problems: readonly ConfigProblem[] = [],
  ) {
    super(message);
  }
}

/** The environment named by the `env` context value; synth fails naming the key for anything else. */
export function environmentName(contextValue: unknown): EnvironmentName {
  if (contextValue === undefined) return DEFAULT_ENVIRONMENT;
  if (typeof contextValue === 'string' && (ENVIRONMENT_NAMES as readonly string[]).includes(contextValue)) {
    return contextValue as EnvironmentName;
  }
  throw new EnvironmentConfigError(
    `Context key 'env' must be one of ${ENVIRONMENT_NAMES.join(', ')}; got ${JSON.stringify(contextValue)}`,
    EnvironmentConfigErrorReason.UNKNOWN_ENVIRONMENT,
  );
}

/**
 * Validates one environment's configuration. Every broken rule is reported
 * at once, each as `<key>: <rule> (got <value>)`, so one synth shows all
 * there is to fix.
 */
export function validateEnvironmentConfig(name: EnvironmentName, config: unknown): EnvironmentConfig {
  const result = pipelineConfigSchema.safeParse(config);
  if (result.success) return { ...result.data, name };
  const problems = result.error.issues.map((issue) => ({
    key: issue.path.map(String).join('.') || '(root)',
    rule: issue.message,
    received: valueAt(config, issue.path),
  }));
  const lines = problems.map((p) => `  ${p.key}: ${p.rule} (got ${describe(p.received)})`);
  throw new EnvironmentConfigError(
    `Invalid configuration for environment '${name}' (lib/config/${name}.ts):\n${lines.join('\n')}`,
    EnvironmentConfigErrorReason.INVALID_CONFIG,
    problems,
  );
}

/** The validated configuration of the environment named by the `env` context value. */
export function loadEnvironmentConfig(contextValue: unknown, configs: Readonly<Record<EnvironmentName, unknown>> = ENVIRONMENT_CONFIGS): EnvironmentConfig {
  const name = environmentName(contextValue);
  return validateEnvironmentConfig(name, configs[name]);
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let node = root;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
