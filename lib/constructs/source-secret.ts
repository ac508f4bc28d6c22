import { Arn, ArnFormat, aws_secretsmanager as secretsmanager } from 'aws-cdk-lib';
import type { Construct } from 'constructs';

/**
 * The CDC source's secret from `cdc.source.secretArn`. A complete ARN ends
 * in the six characters Secrets Manager appends to the name; without them
 * the ARN is partial, and IAM statements must match any suffix.
 */
export function importSourceSecret(scope: Construct, arn: string): secretsmanager.ISecret {
  // CDK's ARN parser, which refuses a string that is not an ARN; a token's name is unknown, so it is taken as partial.
  const name = Arn.split(arn, ArnFormat.COLON_RESOURCE_NAME).resourceName ?? '';
  return /-[A-Za-z0-9]{6}$/.test(name)
    ? secretsmanager.Secret.fromSecretCompleteArn(scope, 'SourceSecret', arn)
    : secretsmanager.Secret.fromSecretPartialArn(scope, 'SourceSecret', arn);
}
