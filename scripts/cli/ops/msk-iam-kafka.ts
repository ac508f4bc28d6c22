import { GetBootstrapBrokersCommand, KafkaClient, ListClustersV2Command } from '@aws-sdk/client-kafka';
import { logLevel, type Kafka } from 'kafkajs';
import { mskIamKafka as mskIamKafkaClient } from '../../../functions/kafka-topics/msk-iam-admin-client.js';
import { CliError } from '../cli-error.js';

/**
 * A kafkajs client for the environment's MSK cluster (named
 * `realtime-pipeline-<env>` by the streaming stack), authenticated with the
 * caller's AWS credentials through SASL/OAUTHBEARER signed by
 * aws-msk-iam-sasl-signer-js, over TLS on the IAM port.
 *
 * The brokers are looked up on first connect, not before: commands that
 * never touch Kafka (the schema commands) need no MSK permission.
 */
export function mskIamKafka(clusterName: string, region: string): Kafka {
  let brokers: Promise<string[]> | undefined;
  const lookUp = (): Promise<string[]> =>
    (brokers ??= lookUpBrokers(clusterName, region).catch((error: unknown) => {
      brokers = undefined;
      throw error;
    }));
  return mskIamKafkaClient(lookUp, region, { clientId: 'rtp-cli', level: logLevel.NOTHING });
}

async function lookUpBrokers(clusterName: string, region: string): Promise<string[]> {
  const msk = new KafkaClient({ region });
  try {
    const { ClusterInfoList: clusters = [] } = await msk.send(new ListClustersV2Command({ ClusterNameFilter: clusterName }));
    const arn = clusters.find((c) => c.ClusterName === clusterName)?.ClusterArn;
    if (arn === undefined) throw new CliError(`MSK cluster ${clusterName} was not found in ${region}: is the environment deployed, and are your credentials for its account?`);
    const { BootstrapBrokerStringSaslIam: list } = await msk.send(new GetBootstrapBrokersCommand({ ClusterArn: arn }));
    if (list === undefined) throw new CliError(`MSK cluster ${clusterName} has no IAM bootstrap brokers: IAM authentication must be on`);
    return list.split(',');
  } finally {
    msk.destroy();
  }
}
