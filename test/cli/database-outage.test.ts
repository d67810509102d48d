import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { test, type TestContext } from 'node:test';
import pg from 'pg';
import { listening, startMailroom, until, type MailroomProcess } from '../helpers/mailroom-process.js';
import { runCli } from '../helpers/run-cli.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';
import { hostOf, startTcpProxy } from '../helpers/tcp-proxy.js';
import { TEST_DATABASE_URL, testSchemaName } from '../helpers/test-app.js';

/**
 * Issue 12, for real processes on PostgreSQL: `pg_terminate_backend` of every connection of a
 * Mailroom process (its pool and its LISTEN connection, found by `application_name`), and a
 * restart as clients see it (a TCP proxy in front of the shared server resets every connection
 * and refuses new ones for a few seconds; the server itself is never stopped). Every process
 * keeps running, the API answers 503 + Retry-After meanwhile and 200 again within seconds, the
 * workers finish the burst, nothing is lost, a second copy only where flagged possible_duplicate.
 */
type Deployment = { env: Record<string, string>; sink: SmtpSink; admin: pg.Client; schema: string };

async function deploy(t: TestContext, databaseUrl: string, extra: Record<string, string> = {}): Promise<Deployment> {
  // A relay that takes 100 ms per message, so a burst of a few hundred lasts seconds.
  const sink = await startSmtpSink({ replyDelayMs: 100 });
  t.after(() => sink.close());
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-outage-'));
  t.after(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  const schema = testSchemaName();
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  t.after(() => admin.end());
  return {
    sink,
    admin,
    schema,
    env: {
      DATABASE_URL: databaseUrl,
      DATABASE_SCHEMA: schema,
      SECRETS_KEY: randomBytes(32).toString('hex'),
      SMTP_URL: sink.url,
      DATA_DIR: dataDir,
      PORT: '0',
      LOG_LEVEL: 'info',
      ...extra,
    },
  };
}

function spawnKilledAfter(t: TestContext, args: string[], env: Record<string, string>): MailroomProcess {
  const proc = startMailroom(args, env);
  t.after(() => void proc.child.kill('SIGKILL'));
  return proc;
}

/** pg_terminate_backend of every session of these processes; returns what each session was doing. */
async function terminate(admin: pg.Client, processes: MailroomProcess[]): Promise<{ application_name: string; query: string }[]> {
  const { rows } = await admin.query<{ application_name: string; query: string }>(
    'select application_name, query from (select pid, application_name, query, pg_terminate_backend(pid) as killed from pg_stat_activity where application_name = any($1)) s where killed',
    [processes.map((p) => p.applicationName)],
  );
  return rows;
}

async function createLead(base: string, token: string): Promise<string> {
  const response = await fetch(`${base}/crm/v8/Leads`, {
    method: 'POST',
    headers: { authorization: `Zoho-oauthtoken ${token}` },
    body: JSON.stringify({ data: [{ Last_Name: 'Outage', Email: 'outage@example.com' }] }),
  });
  assert.equal(response.status, 201);
  return ((await response.json()) as { data: { details: { id: string } }[] }).data[0]!.details.id;
}

function sendMail(base: string, token: string, leadId: string, subjects: string[]): Promise<Response> {
  const data = subjects.map((subject, i) => ({ from: { email: 'admin@example.com' }, to: [{ email: `r${i}@example.com` }], subject }));
  return fetch(`${base}/crm/v8/Leads/${leadId}/actions/send_mail`, { method: 'POST', headers: { authorization: `Zoho-oauthtoken ${token}` }, body: JSON.stringify({ data }) });
}

async function accept(base: string, token: string, leadId: string, subjects: string[]): Promise<string[]> {
  const response = await sendMail(base, token, leadId, subjects);
  const body = (await response.json()) as { data: { code: string; details: { message_id: string } }[] };
  assert.equal(response.status, 200, JSON.stringify(body));
  return body.data.map((item) => item.details.message_id);
}

const healthy = async (base: string) => (await fetch(`${base}/health`).catch(() => null))?.status === 200;

/** How often each log event occurred (but the per-mail ones), e.g. `worker.paused 1, delivery.record_failed 12`. */
function eventCounts(output: string): string {
  const counts = new Map<string, number>();
  for (const [, event] of output.matchAll(/"event":"([a-z_.]+)"/g)) counts.set(event!, (counts.get(event!) ?? 0) + 1);
  counts.delete('delivery.attempted');
  return [...counts].map(([event, n]) => `${event} ${n}`).join(', ');
}

/** Every lost connection was handled where it happened: nothing reached the process's last-resort handlers. */
function assertHandledLocally(processes: MailroomProcess[]): void {
  for (const p of processes) assert.doesNotMatch(p.output(), /"event":"process\.(database_error_survived|crashed|unexpected_exit)"/, p.applicationName);
}

async function stopAll(processes: MailroomProcess[]): Promise<void> {
  for (const p of processes) p.child.kill('SIGTERM');
  for (const p of processes) assert.deepEqual(await p.exited, { code: 0, signal: null }, `${p.applicationName} exits 0 on SIGTERM:\n${p.output().slice(-3000)}`);
}

test('on PostgreSQL, an idle worker whose connections (LISTEN included) are terminated keeps running, reconnects, and still wakes on NOTIFY; so does the API', async (t) => {
  const d = await deploy(t, TEST_DATABASE_URL);
  const api = spawnKilledAfter(t, ['serve', '--no-worker'], d.env);
  const { base, token } = await listening(api, { banner: true });
  const leadId = await createLead(base, token);
  const worker = spawnKilledAfter(t, ['worker'], d.env);
  await until(() => worker.output().includes('"event":"worker.started"'), 30_000, 'the worker');
  await sleep(300);

  const killed = await terminate(d.admin, [worker]);
  assert.ok(killed.some((s) => s.query.startsWith('LISTEN')), `the LISTEN session was among those terminated: ${JSON.stringify(killed)}`);
  await until(() => worker.output().includes('"event":"wakeup.listen_restored"'), 15_000, 'the LISTEN connection to come back');
  assert.ok(worker.alive(), `the worker is still running:\n${worker.output()}`);

  // Its safety timer is up to 30 s away: a mail out within seconds came through NOTIFY.
  const sentAt = Date.now();
  await accept(base, token, leadId, ['after the LISTEN cut']);
  await d.sink.waitFor(1, 10_000);
  assert.ok(Date.now() - sentAt < 10_000, `delivered ${Date.now() - sentAt} ms after acceptance`);

  assert.ok((await terminate(d.admin, [api])).length >= 1);
  const cutAt = Date.now();
  await until(() => healthy(base), 10_000, 'the API to answer again');
  assert.ok(Date.now() - cutAt < 10_000);
  await accept(base, token, leadId, ['after the API cut']);
  await d.sink.waitFor(2, 10_000);

  await sleep(500);
  assert.ok(api.alive() && worker.alive(), 'both processes still run');
  assertHandledLocally([api, worker]);
  await stopAll([api, worker]);
});

test('on PostgreSQL, pg_terminate_backend of every connection during a burst and then a restart-like outage leave every process running; the burst is delivered, nothing lost', async (t) => {
  const proxy = await startTcpProxy(hostOf(TEST_DATABASE_URL));
  t.after(() => proxy.close());
  const d = await deploy(t, proxy.via(TEST_DATABASE_URL), { WORKER_LEASE_SECONDS: '5', WORKER_CONCURRENCY: '4' });
  const api = spawnKilledAfter(t, ['serve', '--no-worker'], d.env);
  const { base, token } = await listening(api, { banner: true });
  const leadId = await createLead(base, token);
  const lifted = await runCli({ ...d.env, DATABASE_URL: TEST_DATABASE_URL }, ['org', 'update', '--daily-mail-limit', '1000', '--json']);
  assert.equal(lifted.code, 0, lifted.stderr);
  const workers = [spawnKilledAfter(t, ['worker'], d.env), spawnKilledAfter(t, ['worker'], d.env)];
  await until(() => workers.every((w) => w.output().includes('"event":"worker.started"')), 30_000, 'both workers');
  const everyone = [api, ...workers];

  const subjects = (from: number, n: number) => Array.from({ length: n }, (_, i) => `Burst ${from + i}`);
  const accepted: string[] = [];
  accepted.push(...(await accept(base, token, leadId, subjects(0, 100))));
  accepted.push(...(await accept(base, token, leadId, subjects(100, 100))));

  // 1. Every session of every process terminated while mail is going out.
  await d.sink.waitFor(30, 30_000);
  const killed = await terminate(d.admin, everyone);
  assert.ok(new Set(killed.map((s) => s.application_name)).size >= 2, `sessions of several processes terminated: ${JSON.stringify(killed)}`);
  const terminatedAt = Date.now();
  await until(() => healthy(base), 10_000, 'the API after pg_terminate_backend');
  const apiBackAfter = Date.now() - terminatedAt;

  // 2. A restart: every connection reset, new ones refused for 3 s, then accepted again.
  accepted.push(...(await accept(base, token, leadId, subjects(200, 100))));
  await d.sink.waitFor(230, 30_000);
  proxy.cut();
  const during = await sendMail(base, token, leadId, ['during the restart']);
  assert.equal(during.status, 503);
  assert.equal(during.headers.get('retry-after'), '2');
  assert.equal(((await during.json()) as { code: string }).code, 'SERVICE_UNAVAILABLE');
  assert.equal((await fetch(`${base}/health`)).status, 503);
  await sleep(3000);
  proxy.restore();
  const restoredAt = Date.now();
  await until(() => healthy(base), 10_000, 'the API after the restart');
  const apiBackAfterRestart = Date.now() - restoredAt;

  const ids = () => new Set(d.sink.messages.map((m) => String(m.parsed.messageId).replace(/^<|@.*$/g, '')));
  await until(() => ids().size >= accepted.length, 90_000, `all ${accepted.length} mails at the sink`);
  assert.deepEqual(ids(), new Set(accepted), 'every accepted mail arrived, and nothing else (the 503 request left nothing)');

  const counts = async () =>
    (
      await d.admin.query<{ sent: number; flagged: number; open: number }>(
        `select (select count(*)::int from "${d.schema}".mail_recipients where status = 'sent') as sent,
                (select coalesce(sum(possible_duplicate), 0)::int from "${d.schema}".mail_recipients where status = 'sent') as flagged,
                (select count(*)::int from "${d.schema}".mails where state <> 'done') as open`,
      )
    ).rows[0]!;
  await until(async () => (await counts()).open === 0, 30_000, 'every outcome recorded');
  const { sent, flagged } = await counts();
  assert.equal(sent, accepted.length);
  const copies = d.sink.messages.length - accepted.length;
  assert.ok(copies <= flagged, `${copies} extra copies, ${flagged} flagged`);

  assert.ok(everyone.every((p) => p.alive()), 'every process still runs');
  assertHandledLocally(everyone);
  for (const w of workers) assert.match(w.output(), /"event":"worker\.(paused|resumed)"|"event":"wakeup\.listen_restored"/);
  for (const p of everyone) t.diagnostic(`${p.applicationName}: ${eventCounts(p.output())}`);
  t.diagnostic(`API back ${apiBackAfter} ms after pg_terminate_backend, ${apiBackAfterRestart} ms after the restart; ${copies} extra copies, ${flagged} flagged`);
  await stopAll(everyone);
});
