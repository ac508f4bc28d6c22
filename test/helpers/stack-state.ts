/**
 * Points RTP_STATE_DIR at a test's own folder, apart from a developer's
 * stack, and returns what puts the previous value back. Call it before the
 * first import of any script: paths.ts reads the variable when it loads.
 */
export function useStackStateDir(stateDir: string): () => void {
  const saved = process.env.RTP_STATE_DIR;
  process.env.RTP_STATE_DIR = stateDir;
  return () => {
    if (saved === undefined) delete process.env.RTP_STATE_DIR;
    else process.env.RTP_STATE_DIR = saved;
  };
}

/** Deletes a test stack's state folder, Postgres's data wherever it is placed included. */
export async function removeStackState(stateDir: string): Promise<void> {
  // Imported here, not at the top: the scripts read RTP_STATE_DIR when they
  // load, and tests set it before their own first import of them.
  const { removeStateDir } = await import('../../scripts/devstack/postgres.js');
  await removeStateDir(stateDir);
}
