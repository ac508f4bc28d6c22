import { Token, aws_ec2 as ec2 } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { DatabaseSourceConfig } from '../config/cdc-config.js';
import { ConstructPropsError } from '../errors.js';

/** The IPv4 prefix lengths a database range may have: a subnet or one address, never a /0 to /7 that would open the port to the internet. */
const MIN_PREFIX = 8;

/**
 * Opens the source database's port from `securityGroup` to the database
 * only: to its security group (which then admits `securityGroup`) when
 * `source.securityGroupId` is set, to `source.cidr` when that is set, both
 * when both are. Throws, naming `owner`'s prop, when neither is set or the
 * CIDR is wider than /8: the database port is never opened to 0.0.0.0/0.
 */
export function allowDatabaseEgress(scope: Construct, securityGroup: ec2.SecurityGroup, source: DatabaseSourceConfig, owner: string): void {
  const { securityGroupId, cidr } = source;
  if (securityGroupId === undefined && cidr === undefined) {
    throw new ConstructPropsError(`${owner}: source.cidr is required when source.securityGroupId is not set: the database port ${source.port} is opened only to the database's security group or CIDR, never to 0.0.0.0/0`);
  }
  const port = ec2.Port.tcp(source.port);
  if (securityGroupId !== undefined) {
    const databaseGroup = ec2.SecurityGroup.fromSecurityGroupId(scope, 'DatabaseSecurityGroup', securityGroupId, { mutable: true });
    securityGroup.connections.allowTo(databaseGroup, port, 'Source database');
  }
  if (cidr !== undefined) {
    const prefix = Number(cidr.split('/')[1]);
    if (!Token.isUnresolved(cidr) && !(Number.isInteger(prefix) && prefix >= MIN_PREFIX && prefix <= 32)) {
      throw new ConstructPropsError(`${owner}: source.cidr must be an IPv4 CIDR block from /${MIN_PREFIX} to /32 (the database's subnet or address); got '${cidr}'`);
    }
    securityGroup.addEgressRule(ec2.Peer.ipv4(cidr), port, 'Source database');
  }
}
