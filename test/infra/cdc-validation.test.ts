import { App, Stack, aws_ec2 as ec2, aws_secretsmanager as secretsmanager } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { DebeziumConnect, type DebeziumConnectProps } from '../../lib/constructs/debezium-connect.js';
import { DmsReplication, type DmsReplicationProps } from '../../lib/constructs/dms-replication.js';
import { CdcTestKafkaAccess } from './helpers/cdc-test-kafka-access.js';

const SOURCE = { engine: 'postgres', hostname: 'db', port: 5432, database: 'retail', secretArn: 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:rtp/cdc', cidr: '10.0.200.0/24' } as const;
const SOURCE_WITHOUT_RANGE = { ...SOURCE, cidr: undefined };

function scope(): { stack: Stack; vpc: ec2.Vpc; kafka: CdcTestKafkaAccess } {
  const stack = new Stack(new App(), 'cdc');
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
  return { stack, vpc, kafka: new CdcTestKafkaAccess(stack, 'Kafka', vpc) };
}

function debezium(overrides: Partial<DebeziumConnectProps>): () => void {
  return () => {
    const { stack, vpc, kafka } = scope();
    new DebeziumConnect(stack, 'Connect', {
      namePrefix: 'rtp-test',
      vpc,
      kafka,
      source: SOURCE,
      connectors: [{ name: 'stock-movements-cdc', kind: 'changes', table: 'public.stock_movements', topic: 'stock-movements' }],
      topicPartitions: { 'stock-movements': 3 },
      cpu: 1024,
      memoryMiB: 2048,
      workers: 1,
      ...overrides,
    });
  };
}

function replication(overrides: Partial<DmsReplicationProps>): () => void {
  return () => {
    const { stack, vpc, kafka } = scope();
    new DmsReplication(stack, 'Dms', {
      namePrefix: 'rtp-test',
      vpc,
      kafka,
      target: {
        scramBootstrapBrokers: 'b-1:9096',
        scramSecret: secretsmanager.Secret.fromSecretNameV2(stack, 'Scram', 'AmazonMSK_dms'),
        securityGroup: new ec2.SecurityGroup(stack, 'ScramClients', { vpc, allowAllOutbound: false }),
      },
      source: SOURCE,
      tables: ['public.stock_movements'],
      topic: 'stock-movements',
      minCapacityUnits: 1,
      maxCapacityUnits: 4,
      ...overrides,
    });
  };
}

describe('DebeziumConnect validation', () => {
  it('throws when cpu is not a Fargate size', () => {
    expect(debezium({ cpu: 300 })).toThrow(/DebeziumConnect: cpu must be one of 512, 1024, 2048, 4096; got 300/);
  });

  it('throws when workers is out of range', () => {
    expect(debezium({ workers: 0 })).toThrow(/DebeziumConnect: workers must be 1 to 10; got 0/);
  });

  it('throws when no connector is listed', () => {
    expect(debezium({ connectors: [] })).toThrow(/DebeziumConnect: connectors must list at least one connector/);
  });

  it('throws when a connector writes to an unknown topic', () => {
    expect(debezium({ topicPartitions: {} })).toThrow(/connector 'stock-movements-cdc' writes to topic 'stock-movements', which is not in topicPartitions/);
  });

  it('throws when the source has neither a security group nor a CIDR', () => {
    expect(debezium({ source: SOURCE_WITHOUT_RANGE })).toThrow(/DebeziumConnect: source\.cidr is required when source\.securityGroupId is not set: the database port 5432 is opened only to the database's security group or CIDR, never to 0\.0\.0\.0\/0/);
  });

  it('throws when the source CIDR is wider than /8', () => {
    expect(debezium({ source: { ...SOURCE, cidr: '0.0.0.0/0' } })).toThrow(/DebeziumConnect: source\.cidr must be an IPv4 CIDR block from \/8 to \/32 \(the database's subnet or address\); got '0\.0\.0\.0\/0'/);
  });

  it('builds with the source CIDR alone', () => {
    expect(debezium({})).not.toThrow();
  });
});

describe('DmsReplication validation', () => {
  it('throws when capacity units are not a DMS size', () => {
    expect(replication({ maxCapacityUnits: 3 })).toThrow(/DmsReplication: maxCapacityUnits must be one of 1, 2, 4/);
  });

  it('throws when min capacity exceeds max', () => {
    expect(replication({ minCapacityUnits: 8 })).toThrow(/minCapacityUnits must not exceed maxCapacityUnits; got 8 > 4/);
  });

  it('throws when no table is listed', () => {
    expect(replication({ tables: [] })).toThrow(/DmsReplication: tables must list at least one table/);
  });

  it('throws when a table is not schema-qualified', () => {
    expect(replication({ tables: ['stock_movements'] })).toThrow(/DmsReplication: tables must be 'schema.table'; got 'stock_movements'/);
  });

  it('throws when the source has neither a security group nor a CIDR', () => {
    expect(replication({ source: SOURCE_WITHOUT_RANGE })).toThrow(/DmsReplication: source\.cidr is required when source\.securityGroupId is not set/);
  });

  it('throws when the source CIDR is wider than /8', () => {
    expect(replication({ source: { ...SOURCE, cidr: '10.0.0.0/4' } })).toThrow(/DmsReplication: source\.cidr must be an IPv4 CIDR block from \/8 to \/32 \(the database's subnet or address\); got '10\.0\.0\.0\/4'/);
  });
});
