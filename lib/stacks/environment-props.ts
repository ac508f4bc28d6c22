import { RemovalPolicy, type Environment } from 'aws-cdk-lib';
import type { EnvironmentConfig } from '../config/environments.js';

/**
 * The stack environment of a config: its account and region when set, else
 * none, which keeps the stack environment-agnostic so synth needs no AWS
 * account.
 */
export function stackEnvironment(config: EnvironmentConfig): Environment | undefined {
  if (config.account === undefined && config.region === undefined) return undefined;
  return {
    account: config.account,
    region: config.region,
  };
}

/** What deleting the stack does to data stores, keys and logs, per `config.removalPolicy`. */
export function dataRemovalPolicy(config: EnvironmentConfig): RemovalPolicy {
  return config.removalPolicy === 'destroy' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;
}
