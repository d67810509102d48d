import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { REPO_ROOT } from './run-cli.js';

/**
 * A long-running `node bin/mailroom.js <args>` (serve, worker) as a real child process, for tests
 * that kill, stop or starve it: its output so far, whether it still runs, and how it ended.
 */
export type MailroomProcess = {
  child: ChildProcess;
  /** stdout and stderr so far, interleaved. */
  output(): string;
  /** Still running (no exit seen). */
  alive(): boolean;
  /** The exit: code (null when killed by a signal) and signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** `application_name` of its PostgreSQL connections (`mailroom-api:<pid>`, `mailroom-worker:<pid>`). */
  applicationName: string;
};

export function startMailroom(args: string[], env: Record<string, string>): MailroomProcess {
  const base: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ['DATABASE_URL', 'DATABASE_SCHEMA', 'DATA_DIR', 'PUBLIC_URL', 'PORT', 'SMTP_URL', 'NODE_TEST_CONTEXT', 'MAILROOM_FAULT_AT']) delete base[name];
  const child = spawn(process.execPath, ['bin/mailroom.js', ...args], { cwd: REPO_ROOT, env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let running = true;
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (output += c));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (output += c));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => {
      running = false;
      resolve({ code, signal });
    }),
  );
  return {
    child,
    output: () => output,
    alive: () => running,
    exited,
    applicationName: `${args[0] === 'worker' ? 'mailroom-worker' : 'mailroom-api'}:${child.pid}`,
  };
}

/**
 * Waits for `serve` to listen (and, with `banner`, for the demo org's banner an empty database
 * gets); returns its base URL and the banner's access token.
 */
export async function listening(api: MailroomProcess, options: { banner: boolean }): Promise<{ base: string; token: string }> {
  const ready = () => /"event":"server\.listening","port":\d+/.test(api.output()) && (!options.banner || api.output().includes('Refresh token:'));
  await until(() => ready() || !api.alive(), 30_000, 'the API to listen');
  const port = /"event":"server\.listening","port":(\d+)/.exec(api.output())?.[1];
  if (!ready() || !port) throw new Error(`the API did not start:\n${api.output()}`);
  return { base: `http://127.0.0.1:${port}`, token: /Access token:\s+(\S+)/.exec(api.output())?.[1] ?? '' };
}

export async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}
