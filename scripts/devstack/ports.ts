/**
 * The ports `rtp local up` serves on, on 127.0.0.1. Fixed so that tools and
 * people can reach the stack at known addresses; each can be moved with an
 * environment variable (e.g. RTP_PORT_KAFKA=29092) when it collides with
 * something else on the machine. Tests use free ports of their own instead.
 */

import { LocalStackError, LocalStackErrorReason } from './errors.js';
export const DEFAULT_PORTS = {
  kafka: 19092,
  kafkaController: 19093,
  kafkaConnect: 18083,
  postgres: 15432,
  dynamodb: 18000,
  moto: 15000,
  elasticmq: 19324,
} as const;
export type ServicePort = keyof typeof DEFAULT_PORTS;

const ENV_NAMES: Record<ServicePort, string> = {
  kafka: 'RTP_PORT_KAFKA',
  kafkaController: 'RTP_PORT_KAFKA_CONTROLLER',
  kafkaConnect: 'RTP_PORT_KAFKA_CONNECT',
  postgres: 'RTP_PORT_POSTGRES',
  dynamodb: 'RTP_PORT_DYNAMODB',
  moto: 'RTP_PORT_MOTO',
  elasticmq: 'RTP_PORT_ELASTICMQ',
};

export function stackPorts(env: NodeJS.ProcessEnv = process.env): Record<ServicePort, number> {
  const ports = { ...DEFAULT_PORTS } as Record<ServicePort, number>;
  for (const service of Object.keys(DEFAULT_PORTS) as ServicePort[]) {
    const value = env[ENV_NAMES[service]];
    if (value === undefined || value === '') continue;
    const port = Number(value);
    if (!Number.isInteger(port) || port < 1024 || port > 65535) {
      throw new LocalStackError(`${ENV_NAMES[service]} must be a port number from 1024 to 65535, got '${value}'`, LocalStackErrorReason.INVALID_OPTION);
    }
    ports[service] = port;
  }
  return ports;
}

export function portVariable(service: ServicePort): string {
  return ENV_NAMES[service];
}
