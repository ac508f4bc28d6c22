import type { Stack} from 'aws-cdk-lib';
import { aws_iam as iam, type aws_dynamodb as dynamodb, type aws_kms as kms, type aws_s3 as s3, type aws_sqs as sqs } from 'aws-cdk-lib';
import { NagSuppressions } from 'cdk-nag';

/**
 * The action lists a processor's execution role is granted, in one place.
 * CDK's grant helpers (grantReadWriteData, grantSendMessages, grantPut) add
 * `kms:ReEncrypt*` and `kms:GenerateDataKey*` on the key; these grants name
 * the exact actions instead, on the exact resources.
 */

/** What the engine's DynamoDB adapter calls: BatchGetItem, Query on the table and its index, TransactWriteItems. */
export const STATE_TABLE_ACTIONS = [
  'dynamodb:BatchGetItem',
  'dynamodb:GetItem',
  'dynamodb:Query',
  'dynamodb:ConditionCheckItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
] as const;

/** SendMessage(Batch) of the dead-letter writer and the FIFO emitter; SqsDlq grants the same three on the mappings' on-failure queue. */
export const SEND_MESSAGE_ACTIONS = ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'] as const;

/** SQS, DynamoDB and S3 call KMS with the caller's credentials for these on a customer managed key. */
export const KEY_USE_ACTIONS = ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'] as const;

/** Glue lookups of the record decoder and of the mapping's schema-registry integration. */
export const SCHEMA_REGISTRY_ACTIONS = ['glue:GetRegistry', 'glue:GetSchemaByDefinition', 'glue:GetSchemaVersion'] as const;

/**
 * Network interfaces of a function in a VPC, and of its MSK event source
 * mapping's pollers in the cluster's subnets: Lambda creates both with the
 * function's role. EC2 authorizes the Describe calls only on `*`, and Lambda
 * creates the interfaces before their ARNs exist.
 */
export const VPC_ACCESS_ACTIONS = [
  'ec2:CreateNetworkInterface',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DescribeSubnets',
  'ec2:DeleteNetworkInterface',
  'ec2:AssignPrivateIpAddresses',
  'ec2:UnassignPrivateIpAddresses',
  'ec2:DescribeVpcs',
  'ec2:DescribeSecurityGroups',
] as const;

export function grantStateTable(grantee: iam.IGrantable, table: dynamodb.ITable): iam.Grant {
  return iam.Grant.addToPrincipal({
    grantee,
    actions: [...STATE_TABLE_ACTIONS],
    resourceArns: [table.tableArn, `${table.tableArn}/index/*`],
  });
}

export function grantSendMessages(grantee: iam.IGrantable, queues: readonly sqs.IQueue[]): iam.Grant {
  return iam.Grant.addToPrincipal({ grantee, actions: [...SEND_MESSAGE_ACTIONS], resourceArns: queues.map((q) => q.queueArn) });
}

export function grantPutObjects(grantee: iam.IGrantable, bucket: s3.IBucket): iam.Grant {
  return iam.Grant.addToPrincipal({ grantee, actions: ['s3:PutObject'], resourceArns: [bucket.arnForObjects('*')] });
}

export function grantKeyUse(grantee: iam.IGrantable, key: kms.IKey): iam.Grant {
  return key.grant(grantee, ...KEY_USE_ACTIONS);
}

/** The registry and its schemas' ARNs, for the lookups that name them. */
export function schemaRegistryResourceArns(scope: Stack, registryName: string, registryArn: string): string[] {
  return [registryArn, scope.formatArn({ service: 'glue', resource: 'schema', resourceName: `${registryName}/*` })];
}

export function grantSchemaRegistry(grantee: iam.IGrantable, scope: Stack, registryName: string, registryArn: string): iam.Grant {
  const scoped = iam.Grant.addToPrincipal({
    grantee,
    actions: [...SCHEMA_REGISTRY_ACTIONS],
    resourceArns: schemaRegistryResourceArns(scope, registryName, registryArn),
  });
  // The decoder fetches a writer schema by the version id in the record's
  // header, and Glue authorizes GetSchemaVersion by id only on `*`
  // (awslabs/aws-glue-schema-registry#68 and #151: "GetSchemaVersion does
  // not support resource based policies yet").
  const byVersionId = iam.Grant.addToPrincipal({ grantee, actions: ['glue:GetSchemaVersion'], resourceArns: ['*'] });
  return scoped.combine(byVersionId);
}

export function grantVpcAccess(grantee: iam.IGrantable): iam.Grant {
  return iam.Grant.addToPrincipal({ grantee, actions: [...VPC_ACCESS_ACTIONS], resourceArns: ['*'] });
}

/**
 * The cdk-nag AwsSolutions-IAM5 findings the grants above leave on a
 * processor's role, each with the reason its wildcard is needed; any other
 * wildcard on the role is still a finding.
 */
export function suppressServiceWildcards(role: iam.IRole): void {
  NagSuppressions.addResourceSuppressions(
    role,
    [
      {
        id: 'AwsSolutions-IAM5',
        reason:
          'Only where the service demands it: EC2 authorizes the network-interface calls of a VPC function on `*`; ' +
          'X-Ray PutTraceSegments/PutTelemetryRecords have no resource-level permissions; Glue authorizes GetSchemaVersion by ' +
          'schema version id only on `*` (awslabs/aws-glue-schema-registry#68). Every other statement names its ARNs.',
        appliesTo: ['Resource::*'],
      },
      {
        id: 'AwsSolutions-IAM5',
        reason: 'The registry\'s schemas (schema/<registry>/*): the decoder reads any subject of its own registry and no other.',
        appliesTo: [{ regex: '/^Resource::arn:<AWS::Partition>:glue:<AWS::Region>:<AWS::AccountId>:schema\\/.*\\/\\*$/g' }],
      },
      {
        id: 'AwsSolutions-IAM5',
        reason: 'Dead-letter payloads are written under generated keys of this processor\'s own bucket; s3:PutObject only.',
        appliesTo: [{ regex: '/^Resource::<.*DeadLetterPayloads.*\\.Arn>\\/\\*$/g' }],
      },
      {
        id: 'AwsSolutions-IAM5',
        reason: 'The state table\'s indexes (table/<name>/index/*): the engine queries its open-windows index.',
        appliesTo: [{ regex: '/^Resource::<.*State.*\\.Arn>\\/index\\/\\*$/g' }],
      },
    ],
    true,
  );
}
