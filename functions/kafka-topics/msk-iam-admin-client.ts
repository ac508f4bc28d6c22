import { generateAuthToken } from 'aws-msk-iam-sasl-signer-js';
import { Kafka, logLevel } from 'kafkajs';

/**
 * A kafkajs client for MSK's IAM listener (port 9098): TLS, and SASL
 * OAUTHBEARER with a token the signer derives from the function's role, so
 * no secret exists anywhere. kafkajs asks for a fresh token on each
 * (re)authentication.
 */
export function mskIamKafka(bootstrapBrokers: string, region: string, clientId = 'realtime-pipeline-kafka-topics'): Kafka {
  return new Kafka({
    clientId,
    brokers: bootstrapBrokers.split(','),
    ssl: true,
    sasl: {
      mechanism: 'oauthbearer',
      oauthBearerProvider: async () => {
        const { token } = await generateAuthToken({ region });
        return { value: token };
      },
    },
    logLevel: logLevel.WARN,
    connectionTimeout: 10_000,
    retry: { retries: 8, initialRetryTime: 500, maxRetryTime: 10_000 },
  });
}
