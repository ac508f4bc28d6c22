import { App, Stack, aws_iam as iam } from 'aws-cdk-lib';
import { NagSuppressions } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { ENVIRONMENT_NAMES, type EnvironmentName } from '../../lib/config/environments.js';
import type { PipelineConfig } from '../../lib/config/pipeline-config.js';
import { collectSuppressions, reasonsNamingAnotherPrincipal, rulesByPath, type Suppression } from './helpers/nag-suppressions.js';
import { buildUnbundledApp, prodWithDms } from './helpers/unbundled-app.js';

/** Every suppression of one environment's app once synthesized (cdk-nag adds some at synth). */
function suppressionsOf(env: EnvironmentName, config?: PipelineConfig): Suppression[] {
  const { app } = buildUnbundledApp(env, config);
  app.synth();
  return collectSuppressions(app, env);
}

// Every suppression sits on the resource whose finding it answers. A new one
// (or one spreading to more resources) must be added here on purpose.
const SHARED: Record<string, string[]> = {
  '<env>-streaming/AWS679f53fac002430cb0da5b7982bd2287/ServiceRole/Resource': ['AwsSolutions-IAM4', 'AwsSolutions-L1'],
  '<env>-streaming/AWS679f53fac002430cb0da5b7982bd2287/Resource': ['AwsSolutions-IAM4', 'AwsSolutions-L1'],
  '<env>-streaming/Topics/HandlerRole/Resource': ['AwsSolutions-IAM5'],
  '<env>-streaming/Topics/Provider/framework-onEvent/ServiceRole/Resource': ['AwsSolutions-IAM4', 'AwsSolutions-IAM5', 'AwsSolutions-L1'],
  '<env>-streaming/Topics/Provider/framework-onEvent/ServiceRole/DefaultPolicy/Resource': ['AwsSolutions-IAM4', 'AwsSolutions-IAM5', 'AwsSolutions-L1'],
  '<env>-streaming/Topics/Provider/framework-onEvent/Resource': ['AwsSolutions-IAM4', 'AwsSolutions-IAM5', 'AwsSolutions-L1'],
  '<env>-processing/AccessLogs/Bucket/Resource': ['AwsSolutions-S1'],
  '<env>-processing/Processor-order-analytics/Queues/DeadLetterQueue/Resource': ['AwsSolutions-SQS3'],
  '<env>-processing/Processor-order-analytics/Queues/OnFailureQueue/Resource': ['AwsSolutions-SQS3'],
  '<env>-processing/Processor-order-analytics/Queues/AlertsDeadLetterQueue/Resource': ['AwsSolutions-SQS3'],
  '<env>-processing/Processor-order-analytics/Role/Resource': ['AwsSolutions-IAM5'],
  '<env>-processing/Processor-order-analytics/Role/DefaultPolicy/Resource': ['AwsSolutions-IAM5'],
  '<env>-processing/Processor-inventory-projector/Queues/DeadLetterQueue/Resource': ['AwsSolutions-SQS3'],
  '<env>-processing/Processor-inventory-projector/Queues/OnFailureQueue/Resource': ['AwsSolutions-SQS3'],
  '<env>-processing/Processor-inventory-projector/Queues/AlertsDeadLetterQueue/Resource': ['AwsSolutions-SQS3'],
  '<env>-processing/Processor-inventory-projector/Role/Resource': ['AwsSolutions-IAM5'],
  '<env>-processing/Processor-inventory-projector/Role/DefaultPolicy/Resource': ['AwsSolutions-IAM5'],
};

const DEBEZIUM: Record<string, string[]> = {
  '<env>-cdc/Debezium/Task/TaskRole/Resource': ['AwsSolutions-IAM5'],
  '<env>-cdc/Debezium/Task/TaskRole/DefaultPolicy/Resource': ['AwsSolutions-IAM5'],
  '<env>-cdc/Debezium/Task/Resource': ['AwsSolutions-ECS2'],
  '<env>-cdc/Debezium/Task/ExecutionRole/Resource': ['AwsSolutions-IAM5'],
  '<env>-cdc/Debezium/Task/ExecutionRole/DefaultPolicy/Resource': ['AwsSolutions-IAM5'],
  '<env>-cdc/Debezium/RegisterOnEvent/ServiceRole/Resource': ['AwsSolutions-IAM4'],
  '<env>-cdc/Debezium/RegisterOnEvent/Resource': ['AwsSolutions-IAM4'],
  '<env>-cdc/Debezium/RegisterIsComplete/ServiceRole/Resource': ['AwsSolutions-IAM4'],
  '<env>-cdc/Debezium/RegisterIsComplete/Resource': ['AwsSolutions-IAM4'],
  '<env>-cdc/Debezium/RegistrationProvider/framework-onEvent/ServiceRole/Resource': ['AwsSolutions-IAM4', 'AwsSolutions-IAM5', 'AwsSolutions-L1'],
  '<env>-cdc/Debezium/RegistrationProvider/framework-onEvent/ServiceRole/DefaultPolicy/Resource': ['AwsSolutions-IAM4', 'AwsSolutions-IAM5', 'AwsSolutions-L1'],
  '<env>-cdc/Debezium/RegistrationProvider/framework-onEvent/Resource': ['AwsSolutions-IAM4', 'AwsSolutions-IAM5', 'AwsSolutions-L1'],
  '<env>-cdc/Debezium/RegistrationProvider/framework-isComplete/ServiceRole/Resource': ['AwsSolutions-IAM4', 'AwsSolutions-IAM5', 'AwsSolutions-L1'],
  '<env>-cdc/Debezium/RegistrationProvider/framework-isComplete/ServiceRole/DefaultPolicy/Resource': ['AwsSolutions-IAM4', 'AwsSolutions-IAM5', 'AwsSolutions-L1'],
  '<env>-cdc/Debezium/RegistrationProvider/framework-isComplete/Resource': ['AwsSolutions-IAM4', 'AwsSolutions-IAM5', 'AwsSolutions-L1'],
  '<env>-cdc/Debezium/RegistrationProvider/framework-onTimeout/ServiceRole/Resource': ['AwsSolutions-IAM4', 'AwsSolutions-IAM5', 'AwsSolutions-L1'],
  '<env>-cdc/Debezium/RegistrationProvider/framework-onTimeout/ServiceRole/DefaultPolicy/Resource': ['AwsSolutions-IAM4', 'AwsSolutions-IAM5', 'AwsSolutions-L1'],
  '<env>-cdc/Debezium/RegistrationProvider/framework-onTimeout/Resource': ['AwsSolutions-IAM4', 'AwsSolutions-IAM5', 'AwsSolutions-L1'],
  '<env>-cdc/Debezium/RegistrationProvider/waiter-state-machine/Role/Resource': ['AwsSolutions-IAM5'],
  '<env>-cdc/Debezium/RegistrationProvider/waiter-state-machine/Role/DefaultPolicy/Resource': ['AwsSolutions-IAM5'],
  '<env>-cdc/Debezium/RegistrationProvider/waiter-state-machine/Resource': ['AwsSolutions-SF1', 'AwsSolutions-SF2'],
};

const DMS: Record<string, string[]> = {
  '<env>-streaming/Msk/ScramSecret/Resource': ['AwsSolutions-SMG4'],
  '<env>-cdc/Dms/SecretAccessRole/Resource': ['AwsSolutions-IAM5'],
  '<env>-cdc/Dms/SecretAccessRole/DefaultPolicy/Resource': ['AwsSolutions-IAM5'],
};

describe.each(ENVIRONMENT_NAMES)('cdk-nag suppressions in %s', (env) => {
  const suppressions = suppressionsOf(env);

  it('are exactly the pinned set, resource by resource', () => {
    expect(rulesByPath(suppressions)).toEqual({ ...SHARED, ...DEBEZIUM });
  });

  it("give each role its own principal's reason, never another's", () => {
    expect(suppressions.filter((s) => s.principal !== undefined).length).toBeGreaterThan(0);
    expect(reasonsNamingAnotherPrincipal(suppressions)).toEqual([]);
  });

  it('leave the Debezium task role with no EC2 action and no event-source-mapping reason', () => {
    const onTaskRole = suppressions.filter((s) => s.path.startsWith('<env>-cdc/Debezium/Task/TaskRole/'));
    expect(onTaskRole.map((s) => s.principal)).toEqual(['ecs-tasks', 'ecs-tasks']);
    for (const s of onTaskRole) expect(s.reason).not.toMatch(/event source mapping|EC2|network-interface/i);
  });
});

describe('cdk-nag suppressions with DMS (prod)', () => {
  const suppressions = suppressionsOf('prod', prodWithDms());

  it('are exactly the pinned set, resource by resource', () => {
    expect(rulesByPath(suppressions)).toEqual({ ...SHARED, ...DMS });
  });

  it("give each role its own principal's reason, never another's", () => {
    expect(suppressions.find((s) => s.path === '<env>-cdc/Dms/SecretAccessRole/Resource')?.principal).toBe('dms');
    expect(reasonsNamingAnotherPrincipal(suppressions)).toEqual([]);
  });
});

describe('the principal check itself', () => {
  it("catches an event source mapping's reason on an ECS task role", () => {
    const app = new App();
    const stack = new Stack(app, 'realtime-pipeline-dev-cdc');
    const role = new iam.Role(stack, 'TaskRole', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
    role.addToPolicy(new iam.PolicyStatement({ actions: ['ec2:CreateNetworkInterface'], resources: ['*'] }));
    NagSuppressions.addResourceSuppressions(role, [{ id: 'AwsSolutions-IAM5', reason: "MSK event source mapping: EC2's network-interface actions are only authorized on '*'." }], true);

    expect(reasonsNamingAnotherPrincipal(collectSuppressions(app, 'dev'))).toEqual([
      "<env>-cdc/TaskRole/Resource (ecs-tasks) AwsSolutions-IAM5: MSK event source mapping: EC2's network-interface actions are only authorized on '*'.",
      "<env>-cdc/TaskRole/DefaultPolicy/Resource (ecs-tasks) AwsSolutions-IAM5: MSK event source mapping: EC2's network-interface actions are only authorized on '*'.",
    ]);
  });
});
