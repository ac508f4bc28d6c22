import { generateAuthToken } from 'aws-msk-iam-sasl-signer-js';
import { Kafka, logLevel, type BrokersFunction } from 'kafkajs';

/**
 * A kafkajs client for MSK's IAM listener (port 9098): TLS, and SASL
 * OAUTHBEARER with a token the signer derives from the function's role, so
 * no secret exists anywhere. kafkajs asks for a fresh token on each
 * (re)authentication.
 */
export function mskIamKafka(
  bootstrapBrokers: string | BrokersFunction,
  region: string,
  { clientId = 'realtime-pipeline-kafka-topics', level = logLevel.WARN }: { readonly clientId?: string; readonly level?: logLevel } = {},
): Kafka {
  return new Kafka({
    clientId,
    // A function defers the broker lookup to the first connect.
    brokers: typeof bootstrapBrokers === 'string' ? bootstrapBrokers.split(',') : bootstrapBrokers,
    ssl: true,
    sasl: {
      mechanism: 'oauthbearer',
      oauthBearerProvider: async () => {
        const { token } = await generateAuthToken({ region });
        return { value: token };
      },
    },
    logLevel: level,
    connectionTimeout: 10_000,
    retry: { retries: 8, initialRetryTime: 500, maxRetryTime: 10_000 },
  });
}
