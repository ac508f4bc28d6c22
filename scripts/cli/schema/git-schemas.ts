import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { promisify } from 'node:util';
import { SubjectCatalogError } from '../../../functions/core/serde/errors.js';
import { loadSubjects, type Subject } from '../../../functions/core/serde/subject-catalog.js';
import { CliError } from '../cli-error.js';

const run = promisify(execFile);

/**
 * The subjects of a schemas folder as they were at a git ref. The ref's
 * files are written to a temporary folder and read with `loadSubjects`, so
 * the ref is held to exactly the rules the working tree is. A ref without the
 * folder has no subjects (every subject is then new).
 */
export async function loadSubjectsAtRef(schemasDir: string, ref: string): Promise<Subject[]> {
  const top = await git(schemasDir, ['rev-parse', '--show-toplevel'], () => `${schemasDir} is not inside a git repository; --against <git-ref> needs one`);
  const folder = relative(top, await realpath(schemasDir)).split(sep).join('/');
  await git(top, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], () => `Unknown git ref '${ref}': fetch it first (for example \`git fetch origin main\`) or name a commit, branch or tag`);
  const listing = await git(top, ['ls-tree', '-r', '--name-only', '-z', ref, '--', folder === '' ? '.' : folder], () => `git ls-tree ${ref} failed`);
  const files = listing.split('\0').filter((f) => f !== '');
  if (files.length === 0) return [];

  const copy = await mkdtemp(join(tmpdir(), 'rtp-schemas-at-ref-'));
  try {
    for (const file of files) {
      const target = join(copy, folder === '' ? file : file.slice(folder.length + 1));
      await mkdir(dirname(target), { recursive: true });
      const { stdout } = await run('git', ['-C', top, 'cat-file', 'blob', `${ref}:${file}`], { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 });
      await writeFile(target, stdout);
    }
    const label = `${ref}:${folder}`;
    try {
      const subjects = await loadSubjects(copy);
      return subjects.map((s) => ({ ...s, versions: s.versions.map((v) => ({ ...v, file: v.file.replace(copy, label) })) }));
    } catch (error) {
      if (error instanceof SubjectCatalogError) throw new CliError(`At ${ref}: ${error.message.split(copy).join(label)}`);
      throw error;
    }
  } finally {
    await rm(copy, { recursive: true, force: true });
  }
}

async function git(cwd: string, args: readonly string[], failure: () => string): Promise<string> {
  try {
    const { stdout } = await run('git', ['-C', cwd, ...args], { maxBuffer: 16 * 1024 * 1024 });
    return stdout.trim();
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new CliError(`${failure()}${stderr === undefined || stderr === '' ? '' : ` (git: ${stderr})`}`);
  }
}
