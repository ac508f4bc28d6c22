import { rm } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Deletes a test stack's state folder. Postgres's data goes first, since it
 * may be placed outside the folder (run as root from a clone the postgres
 * account cannot reach) and would otherwise be left behind.
 */
export async function removeStackState(stateDir: string): Promise<void> {
  // Imported here, not at the top: the scripts read RTP_STATE_DIR when they
  // load, and tests set it before their own first import of them.
  const { removePostgresData } = await import('../../scripts/local/postgres.js');
  await removePostgresData(join(stateDir, 'postgres', 'data'));
  await rm(stateDir, { recursive: true, force: true });
}
