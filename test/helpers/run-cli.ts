import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The repository root (this file compiles to dist/test/helpers/run-cli.js). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export type CliResult = {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
};

/** Variables of the parent environment that would point the CLI somewhere else than the test app. */
const CONFIG_VARIABLES = ['DATABASE_URL', 'DATABASE_SCHEMA', 'DATA_DIR', 'PUBLIC_URL', 'PORT', 'LOG_LEVEL', 'NODE_TEST_CONTEXT'];

/**
 * Runs `node bin/mailroom.js …args` from the repository root as a real child process, with `env`
 * (a test app's `env`) merged over process.env. Resolves with the exit code and output; never
 * rejects on a non-zero exit.
 */
export function runCli(env: Record<string, string>, args: string[], options: { timeoutMs?: number } = {}): Promise<CliResult> {
  const base: NodeJS.ProcessEnv = { ...process.env };
  for (const name of CONFIG_VARIABLES) delete base[name];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/mailroom.js', ...args], {
      cwd: REPO_ROOT,
      env: { ...base, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: options.timeoutMs ?? 30_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** Describes a run for assertion messages. */
export function describeRun(args: string[], result: CliResult): string {
  return `mailroom ${args.join(' ')} → exit ${result.code}${result.signal ? ` (${result.signal})` : ''}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`;
}
