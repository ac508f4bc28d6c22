import { z } from 'zod';
import { alarmsConfigSchema, checkAlarmsSubscribed } from './alarms-config.js';
import { cdcConfigSchema, checkCdc } from './cdc-config.js';
import { intBetween, kebabName } from './config-rules.js';
import { checkProcessors, processorConfigSchema } from './processor-config.js';
import { checkTopics, mskConfigSchema, topicConfigSchema } from './streaming-config.js';

/**
 * The shape of one environment's configuration (lib/config/<env>.ts). Every
 * rule here runs at synth, before any construct is built, so a wrong value
 * fails `cdk synth` with the key's path and the rule it broke. Ranges follow
 * the AWS limits of the property each key becomes; the links name them.
 *
 * This file holds the environment itself (account, region, removal policy,
 * VPC) and the rules across sections; each other section has a file of its
 * own: streaming-config.ts (msk, topics), cdc-config.ts, processor-config.ts
 * and alarms-config.ts.
 */

export const RemovalPolicyName = { RETAIN: 'retain', DESTROY: 'destroy' } as const;

const newVpc = z.strictObject({
  kind: z.literal('new'),
  /** The VPC's IPv4 range. */
  cidr: z.string().regex(/^\d{1,3}(\.\d{1,3}){3}\/(1[6-9]|2[0-8])$/, 'must be an IPv4 CIDR block from /16 to /28'),
  /** Availability zones the VPC spans; a provisioned MSK cluster puts brokers in each. */
  availabilityZones: intBetween(2, 3),
  /** NAT gateways for the private subnets' egress (ECR, Secrets Manager, the Glue and DynamoDB endpoints are private). */
  natGateways: intBetween(1, 3),
});

const existingVpc = z.strictObject({
  kind: z.literal('existing'),
  vpcId: z.string().regex(/^vpc-[0-9a-f]{8,17}$/, "must be a VPC id such as 'vpc-0abc12345def67890'"),
  /** The zones of `privateSubnetIds`, in the same order; synth needs them without an AWS lookup. */
  availabilityZones: z.array(z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d[a-z]$/, "must be a zone name such as 'eu-west-1a'")).min(2).max(3),
  /** Private subnets with egress, one per zone. */
  privateSubnetIds: z.array(z.string().regex(/^subnet-[0-9a-f]{8,17}$/, "must be a subnet id such as 'subnet-0abc1234'")).min(2).max(3),
});

const vpcConfigSchema = z.discriminatedUnion('kind', [newVpc, existingVpc]);

export const pipelineConfigSchema = z
  .strictObject({
    /** Optional: without them the stacks are environment-agnostic and synth needs no AWS account. */
    account: z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id').optional(),
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, "must be a region such as 'eu-west-1'").optional(),
    /** What happens to tables, queues, buckets, keys and logs when the stack is deleted. */
    removalPolicy: z.enum([RemovalPolicyName.RETAIN, RemovalPolicyName.DESTROY]),
    vpc: vpcConfigSchema,
    msk: mskConfigSchema,
    topics: z.record(z.string().regex(/^[A-Za-z0-9._-]{1,249}$/, 'must be a Kafka topic name'), topicConfigSchema),
    cdc: cdcConfigSchema,
    processors: z.record(kebabName('processor name (a folder of functions/)'), processorConfigSchema),
    alarms: alarmsConfigSchema,
  })
  .superRefine((c, ctx) => {
    checkTopics(c.topics, c.msk, ctx);
    if (c.msk.kind === 'provisioned') {
      const zones = c.vpc.kind === 'new' ? c.vpc.availabilityZones : c.vpc.availabilityZones.length;
      if (c.msk.brokerCount % zones !== 0) {
        ctx.addIssue({ code: 'custom', path: ['msk', 'brokerCount'], message: `must be a multiple of the VPC's ${zones} availability zones` });
      }
    }
    checkAlarmsSubscribed(c.alarms, ctx);
    if (c.vpc.kind === 'existing' && c.vpc.availabilityZones.length !== c.vpc.privateSubnetIds.length) {
      ctx.addIssue({ code: 'custom', path: ['vpc', 'privateSubnetIds'], message: 'must have one subnet per entry of vpc.availabilityZones' });
    }
    checkProcessors(c.processors, c.topics, ctx);
    checkCdc(c.cdc, c.topics, c.msk, ctx);
  });

/** One environment's configuration as written in lib/config/<env>.ts. */
export type PipelineConfig = z.input<typeof pipelineConfigSchema>;
export type VpcConfig = z.input<typeof vpcConfigSchema>;
