import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

/** The repository root (this file compiles to dist/scripts/faults/processes.js). */
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * Mailroom processes of the fault suite (`node bin/mailroom.js serve|worker`), each with a log
 * file. The suite kills them on purpose (`kill`, then `start` again); one that dies on its own is
 * restarted too, and counted (`deaths`), so a fault that takes a process down shows in the table
 * instead of stopping the run.
 */
export type Role = { name: string; args: string[]; ready: RegExp };

/** Variables of the suite's own environment that must not leak into Mailroom's processes. */
const SCRUBBED = ['DATABASE_URL', 'DATABASE_SCHEMA', 'DATA_DIR', 'PUBLIC_URL', 'PORT', 'SMTP_URL', 'LOG_LEVEL', 'MAILROOM_FAULT_AT', 'NODE_TEST_CONTEXT'];

function mailroomEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = { ...process.env };
  for (const name of SCRUBBED) delete base[name];
  return { ...base, ...env };
}

/** Runs one `mailroom <args> --json` command to its end; resolves with its JSON output. */
export function runMailroomCommand(env: Record<string, string>, args: string[]): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['bin/mailroom.js', ...args, '--json'], { cwd: REPO_ROOT, env: mailroomEnv(env), timeout: 60_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`mailroom ${args.join(' ')} failed: ${error.message}\n${stdout}${stderr}`));
      else resolve(JSON.parse(stdout) as Record<string, unknown>);
    });
  });
}

export class MailroomProcess {
  /** Times it exited without the suite killing it. */
  deaths = 0;
  private child: ChildProcess | null = null;
  private output = '';
  private expectingExit = false;
  private stopped = false;

  constructor(
    readonly role: Role,
    private readonly env: Record<string, string>,
    private readonly logFile: string,
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get alive(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts the process and resolves once its log says it is ready. */
  async start(timeoutMs = 30_000): Promise<void> {
    const log = fs.openSync(this.logFile, 'a');
    fs.writeSync(log, `\n----- ${new Date().toISOString()} start ${this.role.args.join(' ')}\n`);
    const child = spawn(process.execPath, ['bin/mailroom.js', ...this.role.args], { cwd: REPO_ROOT, env: mailroomEnv(this.env), stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.output = '';
    this.expectingExit = false;
    const append = (chunk: Buffer) => {
      fs.writeSync(log, chunk);
      // Only the start-up lines are looked at; keep the tail short.
      if (this.output.length < 64 * 1024) this.output += chunk.toString('utf8');
    };
    child.stdout!.on('data', append);
    child.stderr!.on('data', append);
    child.once('exit', (code, signal) => {
      fs.writeSync(log, `----- exit code=${code} signal=${signal}\n`);
      fs.closeSync(log);
      if (this.child !== child || this.expectingExit || this.stopped) return;
      // Died on its own: count it and bring it back, as an operator's supervisor would.
      this.deaths += 1;
      void this.start().catch(() => undefined);
    });
    const deadline = Date.now() + timeoutMs;
    while (!this.role.ready.test(this.output)) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${this.role.name} exited while starting; see ${this.logFile}`);
      if (Date.now() > deadline) throw new Error(`${this.role.name} not ready within ${timeoutMs} ms; see ${this.logFile}`);
      await sleep(20);
    }
  }

  /** SIGKILL, and wait until it is gone. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || !this.alive) return;
    this.expectingExit = true;
    const gone = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await gone;
  }

  /** SIGTERM (graceful stop), SIGKILL after `graceMs`; it is not restarted. */
  async stop(graceMs = 10_000): Promise<void> {
    this.stopped = true;
    const child = this.child;
    if (!child || !this.alive) return;
    const gone = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await gone;
    clearTimeout(timer);
  }
}
