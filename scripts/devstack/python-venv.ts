import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { access, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { delimiter, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LocalStackError, LocalStackErrorReason } from './errors.js';
import { LOG_DIR, ROOT, RTP } from './paths.js';
import { logTail, requireTool, withLock } from './processes.js';
import { runToLog } from './supervised-process.js';

/**
 * The local stack's one Python virtual environment, `.rtp/venv`, holding
 * whatever `scripts/devstack/python/requirements.txt` lists (moto, and any
 * other Python tool the stack needs: add it to that file, not a second venv).
 */
export interface PythonVenv {
  /** The venv's interpreter, `.rtp/venv/bin/python`. */
  readonly python: string;
  /** `.rtp/venv/bin`, where the requirements' commands are (`moto_server`, …). */
  readonly bin: string;
}

export interface EnsurePythonVenvOptions {
  readonly onProgress?: (line: string) => void;
}

export const VENV_DIR = join(RTP, 'venv');
export const REQUIREMENTS = fileURLToPath(new URL('./python/requirements.txt', import.meta.url));

const BASE_PYTHON = 'python3';
// The oldest Python the pinned requirements accept (moto 5.2 declares Requires-Python >=3.10).
const MIN_PYTHON = { major: 3, minor: 10 } as const;
// Written last; while it is missing or names another requirements hash, the venv counts as not installed.
const MARKER = 'rtp-installed.json';
// Beside the venv, not in it: a broken venv is deleted and created again under this lock.
const LOCK = join(RTP, 'venv.lock');
const INSTALL_TIMEOUT_MS = 15 * 60_000;
const CREATE_TIMEOUT_MS = 2 * 60_000;

interface Marker {
  readonly requirementsSha256: string;
  /** `python3 --version` at the last install, for whoever reads the file. */
  readonly python: string;
}

const VENV: PythonVenv = { python: join(VENV_DIR, 'bin', 'python'), bin: join(VENV_DIR, 'bin') };

/**
 * Creates `.rtp/venv` once and installs the requirements into it with pip,
 * again whenever the requirements file changes (its hash is in the marker).
 * Concurrent callers wait on a lock file. A changed file is installed over
 * the existing venv, so pip only touches what changed; a package removed
 * from the file stays until `.rtp/venv` is deleted.
 */
export async function ensurePythonVenv(options: EnsurePythonVenvOptions = {}): Promise<PythonVenv> {
  const requirementsSha256 = createHash('sha256').update(await readFile(REQUIREMENTS)).digest('hex');
  if (await isInstalled(requirementsSha256)) return VENV;

  const pythonVersion = await requireBasePython();
  await mkdir(RTP, { recursive: true });
  const onWait = (owner: number): void => options.onProgress?.(`Python venv: process ${owner} is installing it, waiting`);
  return withLock(LOCK, { timeoutMs: INSTALL_TIMEOUT_MS, onWait }, async () => {
    if (await isInstalled(requirementsSha256)) return VENV;
    const started = Date.now();
    const logPath = join(LOG_DIR, 'python-venv-install.log');
    options.onProgress?.(
      `Python venv: installing ${relative(ROOT, REQUIREMENTS)} into ${relative(ROOT, VENV_DIR)}/ with pip (first run, or the file changed; log in ${relative(ROOT, logPath)})`,
    );
    // From here until the marker is written again, a crash leaves a venv that the next caller finishes.
    await rm(join(VENV_DIR, MARKER), { force: true });
    if (!(await venvPythonRuns())) await createVenv();

    const args = ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', '-r', REQUIREMENTS];
    const exitCode = await runToLog(VENV.python, args, logPath, INSTALL_TIMEOUT_MS, { env: venvEnvironment() });
    if (exitCode !== 0) {
      throw new LocalStackError(
        `pip could not install ${relative(ROOT, REQUIREMENTS)} (exit ${exitCode}); is PyPI (or your pip index) reachable? ${await logTail(logPath)}`,
        LocalStackErrorReason.FETCH_FAILED,
      );
    }
    const marker: Marker = { requirementsSha256, python: pythonVersion };
    await writeFile(join(VENV_DIR, MARKER), `${JSON.stringify(marker, null, 2)}\n`);
    options.onProgress?.(`Python venv: installed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return VENV;
  });
}

/**
 * The environment for the venv's commands: PYTHONHOME and PYTHONPATH would
 * mix another installation's packages into the venv, PIP_USER would make pip
 * refuse to install into it, and unbuffered output keeps the logs current.
 */
export function venvEnvironment(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...withoutPythonOverrides(env), VIRTUAL_ENV: VENV_DIR, PATH: `${VENV.bin}${delimiter}${env.PATH ?? ''}`, PYTHONUNBUFFERED: '1' };
}

function withoutPythonOverrides(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { PYTHONHOME: _home, PYTHONPATH: _path, PIP_USER: _user, ...rest } = env;
  return rest;
}

async function isInstalled(requirementsSha256: string): Promise<boolean> {
  let marker: Marker;
  try {
    marker = JSON.parse(await readFile(join(VENV_DIR, MARKER), 'utf8')) as Marker;
  } catch {
    return false;
  }
  if (marker.requirementsSha256 !== requirementsSha256) return false;
  // access() follows the interpreter's symlink, so a venv whose base Python was removed counts as not installed.
  return access(VENV.python, constants.X_OK).then(
    () => true,
    () => false,
  );
}

/** `python3 --version`, after checking it is new enough and has venv with ensurepip. */
async function requireBasePython(): Promise<string> {
  const wanted = `${MIN_PYTHON.major}.${MIN_PYTHON.minor}`;
  const install = `The local stack needs Python ${wanted}+ (\`${BASE_PYTHON}\` on PATH) once, to install its Python tools (moto) into ${relative(ROOT, VENV_DIR)}/: install it (e.g. \`apt-get install python3\`, \`brew install python\`).`;
  const output = (await requireTool(BASE_PYTHON, ['--version'], LocalStackErrorReason.PYTHON_MISSING, install)).trim();
  const [, major, minor] = /Python (\d+)\.(\d+)/.exec(output) ?? [];
  if (Number(major) * 1000 + Number(minor) < MIN_PYTHON.major * 1000 + MIN_PYTHON.minor) {
    throw new LocalStackError(`${install} Found: ${output || '(no version)'}`, LocalStackErrorReason.PYTHON_MISSING);
  }
  // Debian and Ubuntu ship ensurepip, without which `python3 -m venv` fails, in a separate package.
  await requireTool(
    BASE_PYTHON,
    ['-c', 'import venv, ensurepip'],
    LocalStackErrorReason.PYTHON_MISSING,
    `${output} has no venv module with ensurepip, needed to create ${relative(ROOT, VENV_DIR)}/: install it (on Debian/Ubuntu: \`apt-get install python3-venv\`).`,
  );
  return output;
}

async function venvPythonRuns(): Promise<boolean> {
  try {
    await requireTool(VENV.python, ['-c', 'import sys'], LocalStackErrorReason.PYTHON_MISSING, 'the venv is broken');
    return true;
  } catch {
    return false;
  }
}

async function createVenv(): Promise<void> {
  // Only ever a missing or broken venv here (its interpreter does not run), so nothing of value is lost.
  await rm(VENV_DIR, { recursive: true, force: true });
  const logPath = join(LOG_DIR, 'python-venv-create.log');
  const exitCode = await runToLog(BASE_PYTHON, ['-m', 'venv', VENV_DIR], logPath, CREATE_TIMEOUT_MS, { env: withoutPythonOverrides(process.env) });
  if (exitCode !== 0) {
    throw new LocalStackError(
      `\`${BASE_PYTHON} -m venv ${relative(ROOT, VENV_DIR)}\` failed (exit ${exitCode}); ${await logTail(logPath)}`,
      LocalStackErrorReason.PYTHON_MISSING,
    );
  }
}
