import {
  Duration,
  RemovalPolicy,
  Stack,
  Token,
  aws_ec2 as ec2,
  aws_iam as iam,
  aws_kms as kms,
  aws_logs as logs,
  aws_msk as msk,
  aws_secretsmanager as secretsmanager,
  custom_resources as cr,
} from 'aws-cdk-lib';
import { NagSuppressions } from 'cdk-nag';
import { Construct, DependencyGroup, type IDependable } from 'constructs';
import type { EnvironmentConfig } from '../config/environments.js';
import { encryptedLogGroup } from './encrypted-logs.js';
import type { KafkaClusterAccess } from './kafka-cluster-access.js';
import { MskActions, MskResourceArns } from './msk-iam-arns.js';
import { ConstructPropsError } from '../errors.js';

/** MSK's port for IAM-authenticated clients (SASL/IAM over TLS). */
export const MSK_IAM_PORT = 9098;
/** MSK's port for SASL/SCRAM clients (over TLS). */
export const MSK_SCRAM_PORT = 9096;

/** A SASL/SCRAM user of the cluster, for clients that cannot sign with IAM. */
export interface ScramClient {
  /** The cluster's SASL/SCRAM bootstrap brokers, `host:9096,...`. */
  readonly scramBootstrapBrokers: string;
  /** The user's secret (`AmazonMSK_…`, customer-key encrypted) holding `username` and `password`, associated with the cluster. */
  readonly scramSecret: secretsmanager.ISecret;
  /** Attach to the SCRAM client: it reaches the brokers on 9096 only, and the brokers admit it there. */
  readonly securityGroup: ec2.ISecurityGroup;
}

type ProvisionedMsk = Extract<EnvironmentConfig['msk'], { kind: 'provisioned' }>;

export interface MskClusterProps {
  /** Letters, digits and '-', 1 to 64 characters; part of every topic and group ARN. */
  readonly clusterName: string;
  readonly msk: EnvironmentConfig['msk'];
  readonly vpc: ec2.IVpc;
  /** One subnet per zone; a provisioned cluster places brokers evenly across them. */
  readonly vpcSubnets: ec2.SubnetSelection;
  /** The key that encrypts the broker log group; its policy must admit CloudWatch Logs (see LogsKey). */
  readonly logsKey: kms.IKey;
  /**
   * What deleting the stack does to the cluster, its storage key and its logs.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Also admit SASL/SCRAM clients on port 9096, with one generated user,
   * for a client that cannot authenticate with IAM (AWS DMS). Provisioned
   * clusters only: MSK Serverless accepts IAM alone.
   * @default false
   */
  readonly scram?: boolean;
  /**
   * How long the logs of the bootstrap-broker lookup function are kept (in a group encrypted with `logsKey`).
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly functionLogRetention?: logs.RetentionDays;
}

/**
 * The pipeline's MSK cluster, provisioned or serverless per environment,
 * reachable only over TLS with IAM authentication (port 9098) from
 * `clientSecurityGroup`. Provisioned brokers keep data encrypted with a
 * rotated customer key, log to an encrypted log group and publish
 * per-topic-per-partition metrics; serverless encrypts at rest and in transit
 * by design (AWS-owned keys, TLS only).
 */
export class MskCluster extends Construct implements KafkaClusterAccess {
  public readonly clusterArn: string;
  public readonly clusterName: string;
  public readonly bootstrapBrokers: string;
  public readonly clientSecurityGroup: ec2.SecurityGroup;
  /** Attached to the brokers, and to the ENIs of Lambda event source mappings, which take the cluster's groups. */
  public readonly clusterSecurityGroup: ec2.SecurityGroup;
  /** Completes once what {@link topicsReadyAfter} was given completes (the KafkaTopics resource). */
  public readonly topicsReady = new DependencyGroup();
  /** The cluster resource, for dependencies. */
  public readonly resource: IDependable;
  /** Encrypts broker storage (provisioned only). */
  public readonly storageKey?: kms.Key;
  public readonly brokerLogGroup?: logs.LogGroup;
  private readonly arns: MskResourceArns;
  private readonly scram?: ScramClient;

  public constructor(scope: Construct, id: string, props: MskClusterProps) {
    super(scope, id);
    if (!Token.isUnresolved(props.clusterName) && !/^[A-Za-z0-9-]{1,64}$/.test(props.clusterName)) {
      throw new ConstructPropsError(`MskCluster: clusterName must be 1 to 64 letters, digits or '-'; got '${props.clusterName}'`);
    }
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const subnetIds = props.vpc.selectSubnets(props.vpcSubnets).subnetIds;
    this.clusterName = props.clusterName;

    // Security groups are additive: a workload's own group cannot narrow what this one allows, so this
    // one allows the brokers' IAM port and nothing else. Each workload adds what else it needs.
    this.clientSecurityGroup = new ec2.SecurityGroup(this, 'ClientSecurityGroup', {
      vpc: props.vpc,
      description: `Clients of MSK cluster ${props.clusterName}; the brokers admit this group on the IAM port`,
      allowAllOutbound: false,
    });
    this.clusterSecurityGroup = new ec2.SecurityGroup(this, 'ClusterSecurityGroup', {
      vpc: props.vpc,
      description: `Brokers of MSK cluster ${props.clusterName}`,
      allowAllOutbound: false,
    });
    this.clusterSecurityGroup.addIngressRule(this.clientSecurityGroup, ec2.Port.tcp(MSK_IAM_PORT), 'Kafka clients, IAM auth over TLS');
    this.clientSecurityGroup.addEgressRule(this.clusterSecurityGroup, ec2.Port.tcp(MSK_IAM_PORT), 'MSK brokers, IAM auth over TLS');
    // An event source mapping's pollers run in ENIs with the cluster's own
    // groups: they reach the brokers through this group, and Lambda and STS
    // over HTTPS (https://docs.aws.amazon.com/lambda/latest/dg/with-msk-cluster-network.html).
    this.clusterSecurityGroup.addIngressRule(this.clusterSecurityGroup, ec2.Port.tcp(MSK_IAM_PORT), 'Lambda event source mapping pollers, IAM auth over TLS');
    this.clusterSecurityGroup.addEgressRule(this.clusterSecurityGroup, ec2.Port.tcp(MSK_IAM_PORT), 'Lambda event source mapping pollers to the brokers');
    this.clusterSecurityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'Lambda event source mapping pollers to Lambda and STS');

    if (props.scram === true && props.msk.kind !== 'provisioned') {
      throw new ConstructPropsError("MskCluster: scram needs msk.kind 'provisioned'; MSK Serverless accepts IAM authentication only");
    }
    let scramSecret: secretsmanager.Secret | undefined;
    if (props.msk.kind === 'provisioned') {
      validateProvisioned(props.msk, subnetIds);
      this.storageKey = new kms.Key(this, 'StorageKey', {
        description: `MSK cluster ${props.clusterName}: broker storage`,
        enableKeyRotation: true,
        removalPolicy,
      });
      this.brokerLogGroup = encryptedLogGroup(this, 'BrokerLogs', {
        encryptionKey: props.logsKey,
        retention: props.msk.brokerLogRetentionDays,
        removalPolicy,
      });
      const cluster = this.provisionedCluster(props.msk, subnetIds, this.storageKey, this.brokerLogGroup, props.scram === true);
      cluster.applyRemovalPolicy(removalPolicy);
      this.clusterArn = cluster.attrArn;
      this.resource = cluster;
      if (props.scram === true) scramSecret = this.addScramUser(removalPolicy);
    } else {
      const cluster = new msk.CfnServerlessCluster(this, 'Cluster', {
        clusterName: props.clusterName,
        clientAuthentication: { sasl: { iam: { enabled: true } } },
        vpcConfigs: [{ subnetIds, securityGroups: [this.clusterSecurityGroup.securityGroupId] }],
      });
      cluster.applyRemovalPolicy(removalPolicy);
      this.clusterArn = cluster.attrArn;
      this.resource = cluster;
    }
    this.arns = new MskResourceArns(this, this.clusterArn, props.clusterName);
    const lookupLogs = encryptedLogGroup(this, 'BootstrapBrokersLogs', {
      encryptionKey: props.logsKey,
      retention: props.functionLogRetention ?? logs.RetentionDays.THREE_MONTHS,
      removalPolicy,
    });
    const brokers = this.lookUpBootstrapBrokers(scramSecret !== undefined, lookupLogs);
    this.bootstrapBrokers = brokers.iam;
    if (scramSecret !== undefined && brokers.scram !== undefined) {
      this.scram = { scramBootstrapBrokers: brokers.scram, scramSecret, securityGroup: this.scramClientSecurityGroup(props.vpc) };
    }
  }

  /** The SASL/SCRAM user and brokers; only when the cluster was built with `scram`. */
  public scramClient(): ScramClient {
    if (this.scram === undefined) throw new ConstructPropsError('MskCluster: scramClient() needs the cluster built with scram: true');
    return this.scram;
  }

  /**
   * One SCRAM user in a secret MSK can read: its name must start with
   * `AmazonMSK_` and it must be encrypted with a customer managed key
   * (https://docs.aws.amazon.com/msk/latest/developerguide/msk-password.html).
   * With no Kafka ACLs set, MSK lets every authenticated SCRAM user in
   * (allow.everyone.if.no.acl.found), which the one user relies on.
   */
  private addScramUser(removalPolicy: RemovalPolicy): secretsmanager.Secret {
    const key = new kms.Key(this, 'ScramKey', {
      description: `MSK cluster ${this.clusterName}: SASL/SCRAM user secret`,
      enableKeyRotation: true,
      removalPolicy,
    });
    const secret = new secretsmanager.Secret(this, 'ScramSecret', {
      secretName: `AmazonMSK_${this.clusterName}-dms`,
      description: `SASL/SCRAM user of MSK cluster ${this.clusterName}, for AWS DMS`,
      encryptionKey: key,
      generateSecretString: { secretStringTemplate: JSON.stringify({ username: 'dms' }), generateStringKey: 'password', excludePunctuation: true, passwordLength: 32 },
      removalPolicy,
    });
    NagSuppressions.addResourceSuppressions(secret, [
      {
        id: 'AwsSolutions-SMG4',
        reason: 'The DMS target endpoint resolves this password when the stack deploys; a rotation outside the deploy would lock DMS out until the next deploy, so rotate by redeploying.',
      },
    ]);
    new msk.CfnBatchScramSecret(this, 'ScramSecrets', { clusterArn: this.clusterArn, secretArnList: [secret.secretArn] });
    return secret;
  }

  /** The SCRAM client's own group, so the IAM clients never get the SCRAM port and the SCRAM client never the IAM one. */
  private scramClientSecurityGroup(vpc: ec2.IVpc): ec2.SecurityGroup {
    const group = new ec2.SecurityGroup(this, 'ScramClientSecurityGroup', {
      vpc,
      description: `SASL/SCRAM clients of MSK cluster ${this.clusterName} (AWS DMS); the brokers admit this group on the SCRAM port`,
      allowAllOutbound: false,
    });
    group.connections.allowTo(this.clusterSecurityGroup, ec2.Port.tcp(MSK_SCRAM_PORT), 'Kafka clients, SASL/SCRAM over TLS (AWS DMS)');
    return group;
  }

  /** Makes `topicsReady` wait for `dependable`, the resource that creates the topics. */
  public topicsReadyAfter(dependable: IDependable): void {
    this.topicsReady.add(dependable);
  }

  public topicArn(topicPattern: string): string {
    return this.arns.topicArn(topicPattern);
  }

  public groupArn(groupPattern: string): string {
    return this.arns.groupArn(groupPattern);
  }

  public grantConsume(grantee: iam.IGrantable, topics: readonly string[], consumerGroup: string): iam.Grant {
    return this.grantCluster(grantee, MskActions.CLUSTER_CLIENT)
      .combine(this.grant(grantee, MskActions.TOPIC_READ, topics.map((t) => this.topicArn(t))))
      .combine(this.grant(grantee, MskActions.GROUP_MEMBER, [this.groupArn(consumerGroup)]));
  }

  public grantEventSourceMapping(grantee: iam.IGrantable, topics: readonly string[], consumerGroup: string): iam.Grant {
    return this.grantConsume(grantee, topics, consumerGroup).combine(
      this.grantCluster(grantee, [...MskActions.CLUSTER_DESCRIBE_CONFIG, ...MskActions.EVENT_SOURCE_CLUSTER]),
    );
  }

  public grantProduce(grantee: iam.IGrantable, topics: readonly string[]): iam.Grant {
    return this.grantCluster(grantee, [...MskActions.CLUSTER_CLIENT, ...MskActions.CLUSTER_IDEMPOTENT_WRITE]).combine(
      this.grant(grantee, MskActions.TOPIC_WRITE, topics.map((t) => this.topicArn(t))),
    );
  }

  public grantManageTopics(grantee: iam.IGrantable, topicPatterns: readonly string[]): iam.Grant {
    return this.grantCluster(grantee, MskActions.CLUSTER_CLIENT).combine(this.grant(grantee, MskActions.TOPIC_MANAGE, topicPatterns.map((t) => this.topicArn(t))));
  }

  public grantConsumerGroups(grantee: iam.IGrantable, groupPattern: string): iam.Grant {
    return this.grantCluster(grantee, MskActions.CLUSTER_CLIENT).combine(this.grant(grantee, MskActions.GROUP_MEMBER, [this.groupArn(groupPattern)]));
  }

  private grantCluster(grantee: iam.IGrantable, actions: readonly string[]): iam.Grant {
    return this.grant(grantee, actions, [this.clusterArn]);
  }

  private grant(grantee: iam.IGrantable, actions: readonly string[], resourceArns: readonly string[]): iam.Grant {
    return iam.Grant.addToPrincipal({ grantee, actions: [...actions], resourceArns: [...resourceArns] });
  }

  private provisionedCluster(config: ProvisionedMsk, subnetIds: string[], storageKey: kms.IKey, brokerLogs: logs.ILogGroup, scram: boolean): msk.CfnCluster {
    const replication = Math.min(3, config.brokerCount);
    const configuration = new msk.CfnConfiguration(this, 'Configuration', {
      name: `${this.clusterName}-brokers`,
      description: 'realtime-pipeline broker defaults: topics are created on purpose, writes survive one broker down',
      kafkaVersionsList: [config.kafkaVersion],
      serverProperties: brokerProperties(replication),
    });
    return new msk.CfnCluster(this, 'Cluster', {
      clusterName: this.clusterName,
      kafkaVersion: config.kafkaVersion,
      numberOfBrokerNodes: config.brokerCount,
      brokerNodeGroupInfo: {
        instanceType: config.instanceType,
        clientSubnets: subnetIds,
        securityGroups: [this.clusterSecurityGroup.securityGroupId],
        storageInfo: { ebsStorageInfo: { volumeSize: config.volumeSizeGiB } },
      },
      storageMode: config.tieredStorage ? 'TIERED' : 'LOCAL',
      encryptionInfo: {
        encryptionAtRest: { dataVolumeKmsKeyId: storageKey.keyArn },
        encryptionInTransit: { clientBroker: 'TLS', inCluster: true },
      },
      clientAuthentication: { sasl: { iam: { enabled: true }, ...(scram ? { scram: { enabled: true } } : {}) }, unauthenticated: { enabled: false } },
      loggingInfo: { brokerLogs: { cloudWatchLogs: { enabled: true, logGroup: brokerLogs.logGroupName } } },
      enhancedMonitoring: 'PER_TOPIC_PER_PARTITION',
      openMonitoring: { prometheus: { jmxExporter: { enabledInBroker: false }, nodeExporter: { enabledInBroker: false } } },
      configurationInfo: { arn: configuration.attrArn, revision: configuration.attrLatestRevisionRevision },
    });
  }

  /**
   * MSK publishes the brokers' addresses only through its API, so a
   * deploy-time SDK call reads them, allowed on this cluster only. Called on
   * create and on update, so a replaced cluster's brokers are read again.
   */
  private lookUpBootstrapBrokers(scram: boolean, logGroup: logs.ILogGroup): { iam: string; scram?: string } {
    const call: cr.AwsSdkCall = {
      service: 'Kafka',
      action: 'GetBootstrapBrokers',
      parameters: { ClusterArn: this.clusterArn },
      physicalResourceId: cr.PhysicalResourceId.of(`${this.clusterName}-bootstrap-brokers`),
      outputPaths: ['BootstrapBrokerStringSaslIam', ...(scram ? ['BootstrapBrokerStringSaslScram'] : [])],
    };
    const lookup = new cr.AwsCustomResource(this, 'BootstrapBrokers', {
      onCreate: call,
      onUpdate: call,
      policy: cr.AwsCustomResourcePolicy.fromSdkCalls({ resources: [this.clusterArn] }),
      installLatestAwsSdk: false,
      timeout: Duration.minutes(2),
      // The stack's one AwsCustomResource function: this is the only resource that configures it.
      logGroup,
    });
    this.suppressSdkCallFunctionFindings();
    return {
      iam: lookup.getResponseField('BootstrapBrokerStringSaslIam'),
      ...(scram ? { scram: lookup.getResponseField('BootstrapBrokerStringSaslScram') } : {}),
    };
  }

  /** The singleton function behind every AwsCustomResource of the stack, which CDK owns. */
  private suppressSdkCallFunctionFindings(): void {
    const provider = Stack.of(this).node.tryFindChild(`AWS${cr.AwsCustomResource.PROVIDER_FUNCTION_UUID.replace(/-/g, '')}`);
    if (provider === undefined) return;
    NagSuppressions.addResourceSuppressions(
      provider,
      [
        { id: 'AwsSolutions-IAM4', reason: 'CDK-managed AwsCustomResource function: AWSLambdaBasicExecutionRole only lets it write its own logs.' },
        { id: 'AwsSolutions-L1', reason: 'CDK-managed AwsCustomResource function: aws-cdk-lib pins its runtime and upgrades it with the library.' },
      ],
      true,
    );
  }
}

/** Broker defaults: no topic appears by accident, and acknowledged writes survive a broker loss. */
function brokerProperties(replication: number): string {
  return [
    'auto.create.topics.enable=false',
    `default.replication.factor=${replication}`,
    `min.insync.replicas=${Math.max(1, Math.min(2, replication - 1))}`,
    'unclean.leader.election.enable=false',
  ].join('\n');
}

function validateProvisioned(config: ProvisionedMsk, subnetIds: readonly string[]): void {
  if (subnetIds.length < 2) {
    throw new ConstructPropsError(`MskCluster: vpcSubnets must select at least 2 subnets in different zones; got ${subnetIds.length}`);
  }
  if (config.brokerCount % subnetIds.length !== 0) {
    throw new ConstructPropsError(`MskCluster: msk.brokerCount must be a multiple of the ${subnetIds.length} subnets of vpcSubnets (one per zone); got ${config.brokerCount}`);
  }
  // https://docs.aws.amazon.com/msk/latest/developerguide/msk-tiered-storage.html
  if (config.tieredStorage && /^kafka\.t3\./.test(config.instanceType)) {
    throw new ConstructPropsError(`MskCluster: msk.tieredStorage needs a broker type other than kafka.t3; got '${config.instanceType}'`);
  }
}
