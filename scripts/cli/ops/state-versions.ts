import { readFileSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import type { ProcessorResources } from '../../../lib/config/resource-names.js';
import { STATE_VERSIONS_FILE } from '../../devstack/paths.js';
import { CliError } from '../cli-error.js';

/**
 * Versions of a processor's state, for Kappa-style reprocessing (`rtp
 * replay`). Version 1 is the processor's own table, read by its own consumer
 * groups; version n > 1 is `<table>-v<n>` read by `<group>-v<n>`, so a
 * replay builds a whole new state beside the one serving, and the switch is
 * one recorded number. The local stack records the current version per
 * processor in `<state dir>/state-versions.json`; a processor without an
 * entry is at version 1.
 */

export interface StateVersion {
  readonly version: number;
  readonly stateTableName: string;
  readonly consumerGroupIds: readonly string[];
  /** The timestamp the version was rebuilt from (ISO-8601). */
  readonly from: string;
  /** When it became current (ISO-8601). */
  readonly switchedAt: string;
}

export type StateVersions = Readonly<Record<string, StateVersion>>;

/** Where the local stack records them; tests pass their own path. */
export const STATE_VERSIONS_PATH = STATE_VERSIONS_FILE;

const stateVersions = z.record(
  z.string(),
  z.object({
    version: z.number().int().min(1),
    stateTableName: z.string().min(1),
    consumerGroupIds: z.array(z.string().min(1)),
    from: z.string(),
    switchedAt: z.string(),
  }),
);

/**
 * The recorded versions; none when the file does not exist. Synchronous,
 * because the local target resolves processor names when it is built.
 */
export function readStateVersions(path: string = STATE_VERSIONS_PATH): StateVersions {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw error;
  }
  const parsed = stateVersions.safeParse(JSON.parse(text));
  if (!parsed.success) throw new CliError(`${path} is not a record of state versions (${parsed.error.issues[0]?.message ?? 'invalid'}); fix or delete it (deleting it puts every processor back on version 1)`);
  return parsed.data;
}

/** Records `entry` as the current version of `processor`; written to a temporary file and renamed, so a reader never sees half of it. */
export async function recordStateVersion(processor: string, entry: StateVersion, path: string = STATE_VERSIONS_PATH): Promise<void> {
  const next = { ...readStateVersions(path), [processor]: entry };
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(next, null, 2)}\n`);
  await rename(temporary, path);
}

/** The current version of a processor: its recorded one, else 1. */
export function currentStateVersion(processor: string, path: string = STATE_VERSIONS_PATH): number {
  return readStateVersions(path)[processor]?.version ?? 1;
}

/** The names of version `version` of a processor whose version 1 is `base`. */
export function versionedResources(base: ProcessorResources, version: number): ProcessorResources {
  if (!Number.isInteger(version) || version < 1) throw new CliError(`a state version is an integer from 1, got ${version}`);
  if (version === 1) return base;
  return {
    ...base,
    inputs: base.inputs.map((i) => ({ ...i, consumerGroupId: `${i.consumerGroupId}-v${version}` })),
    stateTableName: `${base.stateTableName}-v${version}`,
  };
}
