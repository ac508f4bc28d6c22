import { z } from 'zod';
import { intBetween } from './config-rules.js';

/** The `alarms` section of the configuration: who is notified, and the thresholds that page. */
export const alarmsConfigSchema = z.strictObject({
  /**
   * Addresses subscribed to the alarm topic; each gets a confirmation mail
   * on deploy. With `emailParameter` false, at least one is required unless
   * `nobodyNotified` says otherwise.
   */
  emails: z.array(z.email('must be an e-mail address')),
  /**
   * Also subscribe one address given at deploy time as the observability
   * stack's CloudFormation parameter `AlarmEmail`
   * (`cdk deploy --parameters realtime-pipeline-<env>-observability:AlarmEmail=oncall@example.org`).
   * The config then needs no address of its own, synth still needs none,
   * and CloudFormation refuses the deploy until one is given; CDK reuses it
   * on later deploys.
   * @default false
   */
  emailParameter: z.boolean().default(false),
  /**
   * Deploy alarms that notify nobody: they still change state and show on
   * the dashboard. Without it, an alarm topic with no subscriber fails synth.
   * @default false
   */
  nobodyNotified: z.boolean().default(false),
  /** ESM OffsetLag (records behind) that pages. */
  offsetLagRecords: intBetween(1, 1_000_000_000),
  /** MSK EstimatedMaxTimeLag (seconds behind) that pages. */
  estimatedTimeLagSeconds: intBetween(1, 604_800),
  /** MSK MaxOffsetLag (records behind on the worst partition) that pages. */
  maxOffsetLagRecords: intBetween(1, 1_000_000_000),
  /** Messages added to a DLQ within one hour that count as growth. */
  deadLetterGrowthPerHour: intBetween(1, 1_000_000),
  /** Percent of the timeout the p99 duration may reach before it alarms. */
  durationPercentOfTimeout: intBetween(10, 100),
  /** End-to-end latency p99 in milliseconds (event time to commit). */
  latencyP99Ms: intBetween(100, 86_400_000),
  /** Consecutive minutes a condition must hold before the alarm fires. */
  evaluationMinutes: intBetween(1, 60),
});

export type AlarmsConfig = z.input<typeof alarmsConfigSchema>;

/** Alarms notify someone, or say that nobody is meant to be. */
export function checkAlarmsSubscribed(alarms: z.output<typeof alarmsConfigSchema>, ctx: z.RefinementCtx): void {
  const subscribed = alarms.emails.length > 0 || alarms.emailParameter;
  if (!subscribed && !alarms.nobodyNotified) {
    ctx.addIssue({
      code: 'custom',
      path: ['alarms', 'emails'],
      message: 'must list at least one address, or alarms.emailParameter must be true to take one at deploy: the alarms would notify nobody. Set alarms.nobodyNotified: true if that is meant',
    });
  }
  if (subscribed && alarms.nobodyNotified) {
    ctx.addIssue({ code: 'custom', path: ['alarms', 'nobodyNotified'], message: 'must be false when alarms.emails or alarms.emailParameter subscribes someone' });
  }
}
