import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { baseLocalProcessorResources } from '../../../../scripts/cli/ops/processor-resources.js';
import { currentStateVersion, readStateVersions, recordStateVersion, versionedResources } from '../../../../scripts/cli/ops/state-versions.js';
import { CliError } from '../../../../scripts/cli/cli-error.js';

let dir: string;
let path: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rtp-versions-'));
  path = join(dir, 'nested', 'state-versions.json');
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const base = baseLocalProcessorResources('inventory-projector', ['stock-movements']);

describe('state versions', () => {
  it('are version 1 without a record, and the recorded one after a switch, other processors kept', async () => {
    expect(currentStateVersion('inventory-projector', path)).toBe(1);
    const entry = { version: 2, stateTableName: 'inventory-projector-v2', consumerGroupIds: ['rtp-inventory-projector-v2'], from: 'a', switchedAt: 'b' };
    await recordStateVersion('inventory-projector', entry, path);
    await recordStateVersion('order-analytics', { ...entry, stateTableName: 'order-analytics-v2', consumerGroupIds: ['rtp-order-analytics-v2'] }, path);
    expect(readStateVersions(path)['inventory-projector']).toEqual(entry);
    expect(currentStateVersion('order-analytics', path)).toBe(2);
  });

  it('name version n by suffixing the table and each group, and back', () => {
    const v3 = versionedResources(base, 3);
    expect(v3).toMatchObject({ stateTableName: 'inventory-projector-v3', inputs: [{ topic: 'stock-movements', consumerGroupId: 'rtp-inventory-projector-v3' }], deadLetterQueueName: 'inventory-projector-dlq' });
    expect(versionedResources(base, 1)).toBe(base);
    expect(() => versionedResources(base, 0)).toThrow(CliError);
  });

  it('refuses a file that is not a record of versions, saying how to fix it', async () => {
    await writeFile(join(dir, 'bad.json'), JSON.stringify({ 'inventory-projector': { version: 'two' } }));
    expect(() => readStateVersions(join(dir, 'bad.json'))).toThrow(/fix or delete it/);
  });
});
