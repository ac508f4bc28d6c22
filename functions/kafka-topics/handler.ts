import { Logger } from '@aws-lambda-powertools/logger';
import { mskIamKafka } from './msk-iam-admin-client.js';
import { createTopicsResourceHandler } from './topics-resource.js';

/** The KafkaTopics custom resource: kafkajs over MSK IAM, in the cluster's VPC. */
const logger = new Logger({ serviceName: 'kafka-topics' });
// Lambda always sets AWS_REGION; the signer needs it to sign for the cluster's region.
const region = process.env.AWS_REGION ?? '';

export const handler = createTopicsResourceHandler((brokers) => mskIamKafka(brokers, region).admin(), {
  info: (message, details) => logger.info(message, details ?? {}),
});
