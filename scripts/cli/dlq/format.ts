import type { InspectReport, InspectSample } from './inspect.js';
import type { PurgeReport } from './purge.js';
import type { ReplayReport } from './replay.js';

/** Human text of `rtp dlq inspect`; `--json` prints the report itself. */
export function formatInspect(report: InspectReport): string[] {
  const lines = [
    `${report.processor} ${report.queue} queue on the ${report.target}: ${report.depth.visible} visible, ${report.depth.inFlight} in flight (SQS approximate counts)`,
    `read ${report.scanned} message(s)${report.complete ? '' : ' (partial: counts cover only these)'}${report.offloaded > 0 ? `, ${report.offloaded} with the payload in S3` : ''}`,
  ];
  if (report.scanned === 0) return [...lines, 'nothing to show'];
  lines.push(...table(report.queue === 'on-failure' ? 'by condition' : 'by reason', report.byReason));
  lines.push(...table('by topic', report.byTopic));
  lines.push(...table('by partition', report.byPartition));
  if (report.samples.length > 0) lines.push('', `samples (${report.samples.length}):`);
  for (const sample of report.samples) lines.push(...formatSample(sample));
  return lines;
}

function formatSample(sample: InspectSample): string[] {
  if (sample.kind === 'invalid') return [`- message ${sample.messageId}: not readable: ${sample.error}`];
  if (sample.kind === 'on-failure') {
    return [
      `- ${sample.condition} at ${sample.timestamp} (request ${sample.requestId}), ${sample.batchSize} record(s), no payload:`,
      ...sample.ranges.map((r) => `    ${r.topic}/${r.partition} offsets ${r.firstOffset}..${r.lastOffset} (${r.firstTimestamp} .. ${r.lastTimestamp})`),
    ];
  }
  const lines = [
    `- ${sample.reason} ${sample.topic}/${sample.partition}@${sample.offset} (record time ${sample.timestamp}, failed ${sample.failedAt})`,
    `    error: ${sample.error.name}: ${sample.error.message}`,
  ];
  if (sample.schemaVersionId !== undefined) lines.push(`    writer schema: ${sample.schemaVersionId}`);
  if (sample.payloadLocation !== undefined) lines.push(`    payload: ${sample.payloadLocation}`);
  if (sample.resolveError !== undefined) return [...lines, `    payload not readable: ${sample.resolveError}`];
  if (sample.key !== undefined) lines.push(`    key: ${sample.key === null ? '(none)' : 'text' in sample.key ? sample.key.text : `base64 ${sample.key.base64}`}`);
  if (sample.headers !== undefined && Object.keys(sample.headers).length > 0) lines.push(`    headers: ${JSON.stringify(sample.headers)}`);
  const value = sample.value;
  if (value === null) lines.push('    value: (tombstone)');
  else if (value !== undefined && value.decoded) lines.push(`    value (${value.format}${value.schemaVersionId === undefined ? '' : ` ${value.schemaVersionId}`}): ${JSON.stringify(value.value)}`);
  else if (value !== undefined) lines.push(`    value (base64): ${value.base64}`, `    does not decode: ${value.decodeError}`);
  return lines;
}

function table(title: string, counts: Readonly<Record<string, number>>): string[] {
  const entries = Object.entries(counts);
  if (entries.length === 0) return [];
  const width = Math.max(...entries.map(([name]) => name.length));
  return ['', `${title}:`, ...entries.map(([name, count]) => `  ${name.padEnd(width)}  ${count}`)];
}

export function formatReplay(report: ReplayReport): string[] {
  const verb = report.dryRun ? 'would replay' : 'replayed';
  const lines = [
    `${report.processor} dead letters on the ${report.target}${report.reason === undefined ? '' : ` (reason ${report.reason})`}: ${verb} ${report.replayed.length}`,
  ];
  if (report.dryRun) {
    lines.push(...report.replayed.map((r) => `  ${r.reason} ${r.topic}/${r.partition}@${r.offset} (message ${r.messageId})`));
    lines.push('dry run: nothing was produced or deleted');
  }
  const left: string[] = [];
  if (report.duplicatesDeleted > 0) lines.push(`deleted ${report.duplicatesDeleted} duplicate letter(s) of records replayed in this run`);
  if (report.otherReasons > 0) left.push(`${report.otherReasons} of other reasons`);
  if (report.foreign > 0) left.push(`${report.foreign} naming another processor or topic`);
  if (report.invalid > 0) left.push(`${report.invalid} not readable as dead letters`);
  if (report.unresolved.length > 0) left.push(`${report.unresolved.length} whose S3 payload could not be read (first: ${report.unresolved[0]?.error ?? ''})`);
  if (report.notDeleted > 0) left.push(`${report.notDeleted} produced but not deleted (SQS refused the delete): a later replay produces them again`);
  if (left.length > 0) lines.push(`left in the queue: ${left.join('; ')}`);
  if (report.payloadsLeft > 0) lines.push(`${report.payloadsLeft} offloaded payload(s) could not be deleted from S3; the bucket's lifecycle rule removes them`);
  if (report.error !== undefined) lines.push(`stopped: ${report.error}. Nothing of that send was deleted; fix the cause and run replay again.`);
  return lines;
}

export function formatPurge(report: PurgeReport): string[] {
  if (!report.purged) return [`not purged: ${report.queueUrl} is as it was`];
  const lines = [`purged ${report.queueUrl} (about ${report.depth.visible + report.depth.inFlight} message(s); SQS may take up to 60 s to finish)`];
  if (report.payloadsDeleted > 0) lines.push(`deleted ${report.payloadsDeleted} offloaded payload(s) from S3`);
  if (report.payloadsLeft > 0) lines.push(`${report.payloadsLeft} offloaded payload(s) could not be deleted; the bucket's lifecycle rule removes them`);
  return lines;
}
