import { Aspects } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { consumerRole, expectNagClean, policyStatements } from './helpers/streaming-fixtures.js';

describe('KafkaClusterAccess grants', () => {
  it('builds topic and group ARNs from the cluster name and the UUID cut out of the cluster ARN', () => {
    // prod's streaming stack, unbundled: the ARNs do not depend on the topics function's code.
    const { streaming } = consumerRole();
    const topicArn = JSON.stringify(streaming.resolve(streaming.kafka.topicArn('orders')));
    const groupArn = JSON.stringify(streaming.resolve(streaming.kafka.groupArn('order-analytics')));

    expect(topicArn).toContain(':kafka:');
    expect(topicArn).toContain(':topic/realtime-pipeline-prod/');
    expect(topicArn).toContain('{"Fn::Select":[2,{"Fn::Split":["/",{"Fn::GetAtt":["MskCluster');
    expect(topicArn).toMatch(/\/orders"\]\]\}$/);
    expect(groupArn).toContain(':group/realtime-pipeline-prod/');
    expect(groupArn).toMatch(/\/order-analytics"\]\]\}$/);
  });

  it('grantConsume gives a Kafka client the data-plane actions only: no MSK control plane, no EC2', () => {
    const { stack, role, streaming } = consumerRole();
    Aspects.of(stack).add(new AwsSolutionsChecks());

    streaming.kafka.grantConsume(role, ['orders'], 'order-analytics');

    const statements = policyStatements(stack);
    const byAction = (action: string) => statements.find((st) => ([] as string[]).concat(st.Action).includes(action));
    expect(byAction('kafka-cluster:Connect')?.Action).toEqual(['kafka-cluster:Connect', 'kafka-cluster:DescribeCluster']);
    expect(JSON.stringify(byAction('kafka-cluster:Connect')?.Resource)).toContain('Fn::ImportValue');
    expect(byAction('kafka-cluster:ReadData')?.Action).toEqual(['kafka-cluster:DescribeTopic', 'kafka-cluster:ReadData']);
    expect(JSON.stringify(byAction('kafka-cluster:ReadData')?.Resource)).toContain('/orders');
    expect(byAction('kafka-cluster:AlterGroup')?.Action).toEqual(['kafka-cluster:DescribeGroup', 'kafka-cluster:AlterGroup']);
    expect(JSON.stringify(byAction('kafka-cluster:AlterGroup')?.Resource)).toContain('/order-analytics');
    const actions = statements.flatMap((st) => ([] as string[]).concat(st.Action));
    expect(actions.filter((a) => !a.startsWith('kafka-cluster:'))).toEqual([]);
    expect(statements.filter((st) => st.Resource === '*')).toEqual([]);
    expectNagClean(stack);
  });

  it('grantEventSourceMapping adds what the mapping reads of the cluster, on the cluster ARN, and no EC2 action', () => {
    const { stack, role, streaming } = consumerRole();

    streaming.kafka.grantEventSourceMapping(role, ['orders'], 'order-analytics');

    const statements = policyStatements(stack);
    const onCluster = statements.filter((st) => JSON.stringify(st.Resource).includes('Fn::ImportValue') && !JSON.stringify(st.Resource).includes('Fn::Join'));
    expect(onCluster.flatMap((st) => ([] as string[]).concat(st.Action)).sort()).toEqual([
      'kafka-cluster:Connect',
      'kafka-cluster:DescribeCluster',
      'kafka-cluster:DescribeClusterDynamicConfiguration',
      'kafka:DescribeClusterV2',
      'kafka:GetBootstrapBrokers',
    ]);
    expect(statements.flatMap((st) => ([] as string[]).concat(st.Action)).filter((a) => a.startsWith('ec2:'))).toEqual([]);
  });

  it('grantProduce allows idempotent writes to the topics', () => {
    const { stack, role, streaming } = consumerRole();

    streaming.kafka.grantProduce(role, ['orders']);

    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: ['kafka-cluster:Connect', 'kafka-cluster:DescribeCluster', 'kafka-cluster:WriteDataIdempotently'] }),
          Match.objectLike({ Action: ['kafka-cluster:DescribeTopic', 'kafka-cluster:WriteData'] }),
        ]),
      },
    });
  });

  it('grantManageTopics and grantConsumerGroups accept patterns', () => {
    const { stack, role, streaming } = consumerRole();

    streaming.kafka.grantManageTopics(role, ['connect-*']);
    streaming.kafka.grantConsumerGroups(role, 'connect-cluster');

    const policy = JSON.stringify(Template.fromStack(stack).findResources('AWS::IAM::Policy'));
    expect(policy).toContain('/connect-*');
    expect(policy).toContain('kafka-cluster:CreateTopic');
    expect(policy).toContain('/connect-cluster');
  });
});
