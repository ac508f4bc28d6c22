import { RemovalPolicy, aws_dynamodb as dynamodb, type aws_kms as kms } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { OPEN_WINDOWS_INDEX } from '../../functions/core/state/table-layout.js';

/**
 * The attributes the engine's single-table design keys on
 * (functions/core/state/dynamodb-state-table.ts, createStateTable).
 * Only OPEN_WINDOWS_INDEX is exported by functions/core today; the others
 * are repeated here, and test/infra/stream-processor.test.ts runs the
 * engine's own createStateTable against a mock to prove both agree.
 */
export const STATE_TABLE_ATTRIBUTES = {
  partitionKey: 'pk',
  sortKey: 'sk',
  /** Partition key of the sparse open-windows index: a write shard of the key-window item. */
  openShard: 'openShard',
  /** Sort key of the open-windows index: when the earliest open window of the item closes. */
  closesAt: 'closesAt',
  /** TTL of dedup markers and other expiring items, in epoch seconds. */
  expiresAt: 'expiresAt',
} as const;

export interface ProcessorTableProps {
  /** The table's name. */
  readonly tableName: string;
  /** The customer managed key the table is encrypted with. */
  readonly encryptionKey: kms.IKey;
  /**
   * What happens to the table when the stack deletes it. RETAIN also turns
   * on deletion protection, so the state survives a mistaken delete.
   */
  readonly removalPolicy: RemovalPolicy;
}

/**
 * One processor's state table: checkpoints, dedup markers, windows and
 * projections under `pk`/`sk`, the sparse `open-windows` index the engine
 * closes idle windows from, and TTL on `expiresAt`. On-demand, because a
 * replay or a backlog drain must not throttle on provisioned capacity.
 */
export class ProcessorTable extends Construct {
  public readonly table: dynamodb.Table;

  public constructor(scope: Construct, id: string, props: ProcessorTableProps) {
    super(scope, id);
    const retain = props.removalPolicy === RemovalPolicy.RETAIN;
    this.table = new dynamodb.Table(this, 'Table', {
      tableName: props.tableName,
      partitionKey: { name: STATE_TABLE_ATTRIBUTES.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: STATE_TABLE_ATTRIBUTES.sortKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: props.encryptionKey,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: STATE_TABLE_ATTRIBUTES.expiresAt,
      deletionProtection: retain,
      removalPolicy: props.removalPolicy,
    });
    // Keys only: the engine reads the item itself in the closing transaction.
    this.table.addGlobalSecondaryIndex({
      indexName: OPEN_WINDOWS_INDEX,
      partitionKey: { name: STATE_TABLE_ATTRIBUTES.openShard, type: dynamodb.AttributeType.STRING },
      sortKey: { name: STATE_TABLE_ATTRIBUTES.closesAt, type: dynamodb.AttributeType.NUMBER },
      projectionType: dynamodb.ProjectionType.KEYS_ONLY,
    });
  }
}
