import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { freePort } from '../../test/helpers/free-port.js';
import { MailroomProcess, runMailroomCommand, type Role } from './processes.js';

/**
 * One Mailroom deployment for the fault suite, on one database, shared by the trials that run
 * on it one after the other (each trial mails its own recipients, so trials never mix):
 * - SQLite: the single process `mailroom serve` (API and worker together), as documented;
 * - PostgreSQL: `mailroom serve --no-worker` and two `mailroom worker` processes on a fresh schema.
 * Every PostgreSQL connection of these processes carries the application_name of this run (in
 * DATABASE_URL), which is how `pg_terminate_backend` finds Mailroom's connections and no one
 * else's. The shared PostgreSQL server itself is never stopped or restarted.
 */
export type DatabaseKind = 'sqlite' | 'postgres';

export type RecipientRow = { message_id: string; email: string; status: string; possible_duplicate: number; state: string };

export interface World {
  kind: DatabaseKind;
  baseUrl: string;
  token: string;
  leadId: string;
  adminEmail: string;
  /** The process answering HTTP, and those delivering (on SQLite the same single process). */
  api: MailroomProcess;
  workers: MailroomProcess[];
  processes: MailroomProcess[];
  /** Terminates every PostgreSQL backend of this deployment; resolves with how many. */
  terminateBackends(): Promise<number>;
  /** Every recipient (with its mail's state) whose address starts with `prefix`. */
  recipients(prefix: string): Promise<RecipientRow[]>;
  close(keepFiles: boolean): Promise<void>;
}

export type WorldOptions = { kind: DatabaseKind; smtpUrl: string; databaseUrl: string; dir: string; runId: string; workers: number };

const SERVE_READY = /"event":"server\.listening"/;
const WORKER_READY = /"event":"worker\.started"/;

export async function createWorld(options: WorldOptions): Promise<World> {
  const port = await freePort();
  const dataDir = path.join(options.dir, `${options.kind}-data`);
  fs.mkdirSync(dataDir, { recursive: true });
  const appName = `mailroom-faults-${options.runId}`;
  const schema = `faults_${options.runId}_${randomBytes(3).toString('hex')}`;
  const env: Record<string, string> = {
    DATA_DIR: dataDir,
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    SECRETS_KEY: randomBytes(32).toString('hex'),
    SMTP_URL: options.smtpUrl,
    MESSAGE_ID_DOMAIN: 'faults.test',
    LOG_LEVEL: 'info',
    // The shortest lease and SMTP timeout Mailroom allows, and a quick first retry, so that a
    // trial drains in seconds.
    WORKER_LEASE_SECONDS: '5',
    SMTP_TIMEOUT_SECONDS: '2',
    RETRY_FIRST_SECONDS: '1',
    RETRY_MAX_AGE_HOURS: '1',
    SHUTDOWN_GRACE_SECONDS: '2',
    API_RATE_LIMITS: 'false',
    // The Idempotency-Key of a request whose API process died is free again after 3 heartbeats.
    HEARTBEAT_SECONDS: '2',
    ACCESS_TOKEN_TTL_SECONDS: '86400',
  };
  if (options.kind === 'postgres') {
    const url = new URL(options.databaseUrl);
    url.searchParams.set('application_name', appName);
    env.DATABASE_URL = url.toString();
    env.DATABASE_SCHEMA = schema;
  }

  const cli = (args: string[]) => runMailroomCommand(env, args);
  await cli(['migrate']);
  const adminEmail = 'faults-admin@example.com';
  const org = await cli(['org', 'create', '--name', 'Faults', '--admin-email', adminEmail]);
  await cli(['org', 'update', '--id', String(org.id), '--daily-mail-limit', '100000000']);
  const token = String((await cli(['token', 'create', '--org', String(org.id), '--scopes', 'ZohoCRM.modules.ALL,ZohoCRM.send_mail.all.CREATE'])).access_token);

  const log = (name: string) => path.join(options.dir, `${options.kind}-${name}.log`);
  const make = (role: Role) => new MailroomProcess(role, env, log(role.name));
  let api: MailroomProcess;
  let workers: MailroomProcess[];
  if (options.kind === 'sqlite') {
    api = make({ name: 'single', args: ['serve'], ready: SERVE_READY });
    workers = [api];
  } else {
    api = make({ name: 'api', args: ['serve', '--no-worker'], ready: SERVE_READY });
    workers = Array.from({ length: options.workers }, (_, i) => make({ name: `worker${i + 1}`, args: ['worker'], ready: WORKER_READY }));
  }
  const processes = [...new Set([api, ...workers])];
  await Promise.all(processes.map((p) => p.start()));

  const baseUrl = `http://127.0.0.1:${port}`;
  const headers = { authorization: `Zoho-oauthtoken ${token}`, 'content-type': 'application/json' };
  const lead = await fetch(`${baseUrl}/crm/v8/Leads`, { method: 'POST', headers, body: JSON.stringify({ data: [{ Last_Name: 'Faults', Email: 'faults-lead@example.com' }] }) });
  const leadId = ((await lead.json()) as { data: { details: { id: string } }[] }).data[0]!.details.id;

  // The suite's own view of the database: read-only on SQLite; on PostgreSQL a client of its own
  // (another application_name, so the terminations spare it).
  let sqlite: SQLite.Database | null = null;
  let client: pg.Client | null = null;
  if (options.kind === 'sqlite') {
    sqlite = new SQLite(path.join(dataDir, 'mailroom.db'), { readonly: true });
  } else {
    client = new pg.Client({ connectionString: options.databaseUrl, application_name: 'mailroom-faults-observer' });
    await client.connect();
  }
  const query = (tables: string, parameter: string) => `
    select r.message_id, r.email, r.status, r.possible_duplicate, m.state
      from ${tables}mail_recipients r join ${tables}mails m on m.message_id = r.message_id
     where r.email like ${parameter}`;

  return {
    kind: options.kind,
    baseUrl,
    token,
    leadId,
    adminEmail,
    api,
    workers,
    processes,
    async terminateBackends() {
      if (!client) return 0;
      const { rows } = await client.query<{ n: number }>(
        'select count(pg_terminate_backend(pid))::int as n from pg_stat_activity where application_name = $1 and pid <> pg_backend_pid()',
        [appName],
      );
      return rows[0]?.n ?? 0;
    },
    async recipients(prefix) {
      if (sqlite) return sqlite.prepare(query('', '?')).all(`${prefix}%`) as RecipientRow[];
      const { rows } = await client!.query<RecipientRow>(query(`"${schema}".`, '$1'), [`${prefix}%`]);
      return rows.map((r) => ({ ...r, possible_duplicate: Number(r.possible_duplicate) }));
    },
    async close(keepFiles) {
      await Promise.all(processes.map((p) => p.stop()));
      sqlite?.close();
      if (client) {
        await client.query(`drop schema if exists "${schema}" cascade`).catch(() => undefined);
        await client.end();
      }
      if (!keepFiles) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
