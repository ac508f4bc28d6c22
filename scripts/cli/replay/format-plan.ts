import type { ReplayPlan } from './replay-plan.js';

/** The plan as the operator reads it before saying yes. */
export function formatPlan(plan: ReplayPlan, versionsPath: string): string[] {
  const { current, next } = plan;
  const lines = [
    `Replay of ${plan.processor} on the ${plan.target} from ${plan.from} (${plan.fromMs})`,
    `  state version ${plan.currentVersion} → ${plan.newVersion}`,
    `  table: ${current.stateTableName} (serving) → ${next.stateTableName} (new)`,
  ];
  for (const input of plan.inputs) {
    lines.push(`  ${input.topic}: consumer group ${input.consumerGroupId} (new)`);
    for (const p of input.partitions) lines.push(`    partition ${p.partition}: from offset ${p.startOffset} to ${p.endOffset}: ${p.records} record(s)`);
  }
  lines.push(`  records to reprocess: ${plan.records} (more if the topic is being written)`);
  lines.push(...plan.warnings.map((w) => `  warning: ${w}`));
  lines.push('', ...(plan.kind === 'local' ? localSteps(plan, versionsPath) : awsSteps(plan)));
  return lines;
}

function localSteps(plan: ReplayPlan, versionsPath: string): string[] {
  const { current, next } = plan;
  return [
    'Steps:',
    `  1. create table ${next.stateTableName}`,
    `  2. run ${plan.processor} into it as ${next.inputs.map((i) => i.consumerGroupId).join(', ')} from the offsets above, while version ${plan.currentVersion} keeps serving`,
    `  3. wait until the new group's lag is 0 (restarting the processor if it or Kafka goes down)`,
    `  4. switch: record version ${plan.newVersion} as current in ${versionsPath} (rtp lag/dlq and readers use it)`,
    `  5. keep ${current.stateTableName} for rollback`,
    'Roll back: set the entry of this processor in that file back to version 1 (or delete the entry), then delete the new table',
    `  (aws dynamodb delete-table --table-name ${next.stateTableName} --endpoint-url <DynamoDB Local>) and its consumer group.`,
  ];
}

function awsSteps(plan: ReplayPlan): string[] {
  const { current, next } = plan;
  return [
    'On AWS this is a printed plan today: the processor is CDK-managed and rtp runs nothing there.',
    'Deploy steps:',
    `  1. deploy a second table ${next.stateTableName} and a second event source mapping of ${plan.processor} with consumer group(s) ${next.inputs.map((i) => i.consumerGroupId).join(', ')},`,
    `     startingPosition AT_TIMESTAMP, startingPositionTimestamp ${Math.floor(plan.fromMs / 1000)} (seconds), writing STATE_TABLE_NAME=${next.stateTableName}.`,
    '     lib/constructs/stream-processor.ts has no state-version setting yet: this needs a second StreamProcessor (or such a setting) in lib/config/<env>.ts.',
    `  2. watch it catch up: rtp lag ${plan.processor} --env <env> once the target knows the new group (today: the MSK console or kafka-consumer-groups.sh --describe --group ${next.inputs[0]?.consumerGroupId ?? ''})`,
    `  3. switch readers to ${next.stateTableName}, then remove the old mapping in a second deploy`,
    `  4. keep ${current.stateTableName} (RemovalPolicy RETAIN) until the new version is trusted; rollback is pointing readers back at it`,
  ];
}
