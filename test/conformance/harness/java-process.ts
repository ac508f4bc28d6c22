import { spawn } from 'node:child_process';

export interface JavaProcessResult {
  readonly exitCode: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs a reference's JVM to the end, feeding it `input` on stdin when
 * given, and returns all it printed. The reference suites' Java programs
 * write one JSON line per case, which can run to megabytes, past what
 * execFile buffers by default.
 */
export function runJavaProcess(java: string, args: readonly string[], input?: string): Promise<JavaProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(java, args, { stdio: 'pipe' });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', reject);
    child.on('close', (exitCode) => resolve({ exitCode, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') }));
    child.stdin.end(input ?? '');
  });
}
