import { RemovalPolicy, Stack, aws_dms as dms, aws_ec2 as ec2, aws_iam as iam, aws_kms as kms } from 'aws-cdk-lib';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import type { DatabaseSourceConfig } from '../config/cdc-config.js';
import { allowDatabaseEgress } from './database-egress.js';
import { DmsAccountRoles } from './dms-account-roles.js';
import type { KafkaClusterAccess } from './kafka-cluster-access.js';
import type { ScramClient } from './msk-cluster.js';
import { importSourceSecret } from './source-secret.js';
import { ConstructPropsError } from '../errors.js';

/** DMS Serverless capacity units it accepts. */
const CAPACITY_UNITS = [1, 2, 4, 8, 16, 32, 64, 128, 192, 256, 384];

/**
 * How DMS reaches the brokers. DMS's Kafka target authenticates with
 * SASL/SCRAM-SHA-512 or TLS client certificates, never with IAM
 * (KafkaSettings has no IAM option:
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-dms-endpoint-kafkasettings.html),
 * so the strongest choice is `sasl-ssl` with SCRAM: the cluster needs
 * SASL/SCRAM enabled beside IAM and a SCRAM user for DMS. MSK Serverless
 * is IAM-only, so DMS cannot write to it at all.
 */
/** The SASL/SCRAM user and brokers DMS writes with (MskCluster built with `scram`). */
export type DmsKafkaTarget = ScramClient;

export interface DmsReplicationProps {
  /** Names the replication config, endpoints and subnet group: `realtime-pipeline-<env>`. */
  readonly namePrefix: string;
  readonly vpc: ec2.IVpc;
  readonly kafka: KafkaClusterAccess;
  readonly target: DmsKafkaTarget;
  /**
   * The database captured (`config.cdc.source`). With Secrets Manager, DMS
   * reads the whole connection from the secret: it must hold `username`,
   * `password`, `host` and `port` (the shape of an RDS-managed secret).
   */
  readonly source: DatabaseSourceConfig;
  /** `schema.table` (Postgres) or `database.table` (MySQL), full load then changes. */
  readonly tables: readonly string[];
  /** The topic every table is written to, keyed by primary key. */
  readonly topic: string;
  readonly minCapacityUnits: number;
  readonly maxCapacityUnits: number;
  /** Retain also turns on Multi-AZ. @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Create the account-wide roles `dms-vpc-role` and
   * `dms-cloudwatch-logs-role` ({@link DmsAccountRoles}) and build the
   * subnet group and replication after them. Only one stack per account may.
   * @default false: the roles must exist already (docs/runbooks/dms-account-roles.md)
   */
  readonly createAccountRoles?: boolean;
}

/**
 * AWS DMS Serverless streaming a database into one MSK topic: full load then
 * ongoing changes, every record keyed by its table's primary key so a row's
 * changes stay in one partition, in order, as the processors require.
 */
export class DmsReplication extends Construct {
  public readonly replicationConfig: dms.CfnReplicationConfig;
  public readonly securityGroup: ec2.SecurityGroup;
  public readonly sourceEndpoint: dms.CfnEndpoint;
  public readonly targetEndpoint: dms.CfnEndpoint;
  public readonly secretAccessRole: iam.Role;
  /** Present with `createAccountRoles`. */
  public readonly accountRoles?: DmsAccountRoles;

  public constructor(scope: Construct, id: string, props: DmsReplicationProps) {
    super(scope, id);
    validate(props);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const region = Stack.of(this).region;

    const subnets = props.vpc.selectSubnets({ subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS });
    const subnetGroup = new dms.CfnReplicationSubnetGroup(this, 'SubnetGroup', {
      replicationSubnetGroupDescription: `${props.namePrefix} DMS replication`,
      subnetIds: subnets.subnetIds,
    });
    if (props.createAccountRoles === true) {
      this.accountRoles = new DmsAccountRoles(this, 'AccountRoles');
      // DMS checks dms-vpc-role when the group is created.
      subnetGroup.node.addDependency(this.accountRoles.vpcRole);
    }

    // The brokers are reached through the target's SCRAM client group; this group adds what only DMS needs.
    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', { vpc: props.vpc, allowAllOutbound: false, description: 'DMS Serverless replication' });
    // DMS Serverless reads the source secret through a Secrets Manager interface endpoint in the VPC
    // (https://docs.aws.amazon.com/dms/latest/userguide/CHAP_Serverless.Limitations.html), over HTTPS.
    this.securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'Secrets Manager and KMS over HTTPS');
    allowDatabaseEgress(this, this.securityGroup, props.source, 'DmsReplication');

    const key = new kms.Key(this, 'Key', { enableKeyRotation: true, description: `${props.namePrefix} DMS replication`, removalPolicy });

    // DMS assumes this role to read the source secret: https://docs.aws.amazon.com/dms/latest/userguide/security_iam_secretsmanager.html
    this.secretAccessRole = new iam.Role(this, 'SecretAccessRole', {
      assumedBy: new iam.ServicePrincipal(`dms.${region}.amazonaws.com`),
      description: 'DMS reads the source database secret',
    });
    const secret = importSourceSecret(this, props.source.secretArn);
    secret.grantRead(this.secretAccessRole);

    const secretSettings = { secretsManagerSecretId: props.source.secretArn, secretsManagerAccessRoleArn: this.secretAccessRole.roleArn };
    this.sourceEndpoint = new dms.CfnEndpoint(this, 'Source', {
      endpointType: 'source',
      engineName: props.source.engine,
      databaseName: props.source.database,
      sslMode: 'require',
      kmsKeyId: key.keyArn,
      ...(props.source.engine === 'postgres' ? { postgreSqlSettings: secretSettings } : { mySqlSettings: secretSettings }),
    });
    this.sourceEndpoint.node.addDependency(this.secretAccessRole);

    // Dynamic references: CloudFormation resolves them at deploy, the template holds none of the SCRAM credentials.
    this.targetEndpoint = new dms.CfnEndpoint(this, 'Target', {
      endpointType: 'target',
      engineName: 'kafka',
      kafkaSettings: {
        broker: props.target.scramBootstrapBrokers,
        topic: props.topic,
        messageFormat: 'json',
        includeTransactionDetails: true,
        includePartitionValue: true,
        partitionIncludeSchemaTable: false,
        securityProtocol: 'sasl-ssl',
        saslUserName: props.target.scramSecret.secretValueFromJson('username').unsafeUnwrap(),
        saslPassword: props.target.scramSecret.secretValueFromJson('password').unsafeUnwrap(),
      },
    });

    this.replicationConfig = new dms.CfnReplicationConfig(this, 'Replication', {
      replicationConfigIdentifier: `${props.namePrefix}-cdc`,
      replicationType: 'full-load-and-cdc',
      sourceEndpointArn: this.sourceEndpoint.ref,
      targetEndpointArn: this.targetEndpoint.ref,
      computeConfig: {
        minCapacityUnits: props.minCapacityUnits,
        maxCapacityUnits: props.maxCapacityUnits,
        replicationSubnetGroupId: subnetGroup.ref,
        vpcSecurityGroupIds: [props.target.securityGroup.securityGroupId, this.securityGroup.securityGroupId],
        multiAz: removalPolicy === RemovalPolicy.RETAIN,
        kmsKeyId: key.keyArn,
      },
      tableMappings: dmsTableMappings(props.tables),
    });
    this.replicationConfig.node.addDependency(props.kafka.topicsReady);
    if (this.accountRoles !== undefined) this.replicationConfig.node.addDependency(this.accountRoles);

    NagSuppressions.addResourceSuppressions(
      this.secretAccessRole,
      [{ id: 'AwsSolutions-IAM5', reason: 'A partial secret ARN from the config is matched with Secrets Manager\'s random suffix (-??????); the grant is that one secret' }],
      true,
    );
  }
}

/**
 * Selection of the configured tables, and for each an object mapping that
 * keys its records by primary key, in the full load and in CDC alike.
 * `map-record-to-record` with `partition-key-type: primary-key` is DMS's
 * object mapping for Kafka targets ("Using object mapping to migrate data to
 * a Kafka topic", https://docs.aws.amazon.com/dms/latest/userguide/CHAP_Target.Kafka.html);
 * the records' metadata then reads `"partition-key-type": "primary-key"`.
 */
export function dmsTableMappings(tables: readonly string[]): { rules: Record<string, unknown>[] } {
  const rules: Record<string, unknown>[] = [];
  tables.forEach((qualified, i) => {
    const [schema, table] = qualified.split('.') as [string, string];
    const locator = { 'schema-name': schema, 'table-name': table };
    rules.push({ 'rule-type': 'selection', 'rule-id': String(2 * i + 1), 'rule-name': `select-${qualified}`, 'object-locator': locator, 'rule-action': 'include' });
    rules.push({
      'rule-type': 'object-mapping',
      'rule-id': String(2 * i + 2),
      'rule-name': `key-by-primary-key-${qualified}`,
      'rule-action': 'map-record-to-record',
      'object-locator': locator,
      'mapping-parameters': { 'partition-key-type': 'primary-key' },
    });
  });
  return { rules };
}

function validate(props: DmsReplicationProps): void {
  for (const key of ['minCapacityUnits', 'maxCapacityUnits'] as const) {
    if (!CAPACITY_UNITS.includes(props[key])) throw new ConstructPropsError(`DmsReplication: ${key} must be one of ${CAPACITY_UNITS.join(', ')}; got ${props[key]}`);
  }
  if (props.minCapacityUnits > props.maxCapacityUnits) {
    throw new ConstructPropsError(`DmsReplication: minCapacityUnits must not exceed maxCapacityUnits; got ${props.minCapacityUnits} > ${props.maxCapacityUnits}`);
  }
  if (props.tables.length === 0) throw new ConstructPropsError('DmsReplication: tables must list at least one table');
  const bad = props.tables.find((t) => !/^[^.]+\.[^.]+$/.test(t));
  if (bad !== undefined) throw new ConstructPropsError(`DmsReplication: tables must be 'schema.table'; got '${bad}'`);
}
