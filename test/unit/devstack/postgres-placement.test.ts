import { chmod, mkdir, mkdtemp, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  placementDirFor,
  placementRecordPath,
  planPostgresPlacement,
  preparePostgresPlacement,
  removePostgresPlacement,
} from '../../../scripts/devstack/postgres-placement.js';
import { caught } from '../../helpers/caught.js';

const exists = async (path: string): Promise<boolean> => (await stat(path).catch(() => undefined)) !== undefined;

// What is decided here depends on the postgres account, which only root switches to.
describe.runIf(process.getuid?.() === 0)('where the local Postgres keeps its data, run as root', () => {
  const made: string[] = [];
  const privateFolder = async (): Promise<string> => {
    const dir = await mkdtemp(join(tmpdir(), 'rtp-placement-'));
    made.push(dir);
    return dir;
  };
  afterEach(async () => {
    for (const dir of made.splice(0)) {
      await removePostgresPlacement(join(dir, 'clone', '.rtp', 'postgres', 'data')).catch(() => undefined);
      await rm(placementDirFor(join(dir, 'clone', '.rtp', 'postgres', 'data')), { recursive: true, force: true });
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('places the data under /var/tmp when the postgres account cannot enter a parent, naming that parent', async () => {
    const dir = await privateFolder();
    const requested = join(dir, 'clone', '.rtp', 'postgres', 'data');

    const plan = await planPostgresPlacement(requested);

    expect(plan.account?.name).toBe('postgres');
    expect(plan.dataDir).toBe(join(placementDirFor(requested), 'data'));
    expect(plan.placementDir).toBe(placementDirFor(requested));
    expect(plan.reasons).toContain(`the postgres account cannot enter ${dir}, a parent of the data folder ${requested}`);
  });

  it('keeps the data in the project when the account can reach it', async () => {
    const dir = await privateFolder();
    await chmod(dir, 0o755);
    const requested = join(dir, 'clone', '.rtp', 'postgres', 'data');

    const plan = await planPostgresPlacement(requested);

    expect(plan.dataDir).toBe(requested);
    expect(plan.reasons.filter((reason) => reason.includes('data folder'))).toEqual([]);
  });

  it('gives each data folder a placement folder of its own, and the same one again', () => {
    expect(placementDirFor('/root/a/.rtp/postgres/data')).toMatch(/^\/var\/tmp\/rtp-postgres-[0-9a-f]{16}$/);
    expect(placementDirFor('/root/a/.rtp/postgres/data')).toBe(placementDirFor('/root/a/.rtp/postgres/data'));
    expect(placementDirFor('/root/a/.rtp/postgres/data')).not.toBe(placementDirFor('/root/b/.rtp/postgres/data'));
  });

  it('records the placement in the project and keeps it on the next plan, even once the folder became reachable', async () => {
    const dir = await privateFolder();
    const requested = join(dir, 'clone', '.rtp', 'postgres', 'data');
    await preparePostgresPlacement(await planPostgresPlacement(requested));
    await chmod(dir, 0o755);

    const again = await planPostgresPlacement(requested);

    expect(await exists(placementRecordPath(requested))).toBe(true);
    expect(again.dataDir).toBe(join(placementDirFor(requested), 'data'));
    expect((await stat(placementDirFor(requested))).mode & 0o777).toBe(0o711);
  });

  it('throws when the placement folder is a link or folder it did not make, neither following nor deleting it', async () => {
    const dir = await privateFolder();
    const requested = join(dir, 'clone', '.rtp', 'postgres', 'data');
    const target = join(dir, 'elsewhere');
    await mkdir(target);
    await writeFile(join(target, 'precious'), 'keep me');
    await symlink(target, placementDirFor(requested));
    try {
      const error = await caught(preparePostgresPlacement(await planPostgresPlacement(requested)));

      expect((error as Error).message).toBe(
        `${placementDirFor(requested)} is where the Postgres data of ${requested} goes, but it is not a folder that only root can write; remove it and start again`,
      );
      expect(await exists(join(target, 'precious'))).toBe(true);
    } finally {
      await rm(placementDirFor(requested), { force: true });
    }
  });

  it('removes the placement folder of a data folder whose state was deleted, on any later start', async () => {
    const gone = await privateFolder();
    const goneData = join(gone, 'clone', '.rtp', 'postgres', 'data');
    await preparePostgresPlacement(await planPostgresPlacement(goneData));
    await rm(join(gone, 'clone'), { recursive: true, force: true });
    const other = await privateFolder();

    await preparePostgresPlacement(await planPostgresPlacement(join(other, 'clone', '.rtp', 'postgres', 'data')));

    expect(await exists(placementDirFor(goneData))).toBe(false);
    expect(await exists(placementDirFor(join(other, 'clone', '.rtp', 'postgres', 'data')))).toBe(true);
  });

  it('deletes the data, its record and its placement folder together', async () => {
    const dir = await privateFolder();
    const requested = join(dir, 'clone', '.rtp', 'postgres', 'data');
    await preparePostgresPlacement(await planPostgresPlacement(requested));

    await removePostgresPlacement(requested);

    expect(await exists(placementDirFor(requested))).toBe(false);
    expect(await exists(placementRecordPath(requested))).toBe(false);
  });
});
