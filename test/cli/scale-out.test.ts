import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import pg from 'pg';
import { startMailroom as start, until } from '../helpers/mailroom-process.js';
import { runCli } from '../helpers/run-cli.js';
import { startSmtpSink } from '../helpers/smtp-sink.js';
import { TEST_DATABASE_URL, testSchemaName } from '../helpers/test-app.js';

/**
 * The scaled deployment for real: one API process without a worker and two `mailroom worker`
 * processes on one PostgreSQL, one of them killed with SIGKILL mid-run. Every accepted mail must
 * arrive, and a second copy only where Mailroom flagged possible_duplicate.
 */
test('on PostgreSQL, an API without worker plus two workers deliver 300 mails although one worker is SIGKILLed', async (t) => {
  const sink = await startSmtpSink();
  t.after(() => sink.close());
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-scale-'));
  t.after(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  const env: Record<string, string> = {
    DATABASE_URL: TEST_DATABASE_URL,
    DATABASE_SCHEMA: testSchemaName(),
    SECRETS_KEY: randomBytes(32).toString('hex'),
    SMTP_URL: sink.url,
    DATA_DIR: dataDir,
    PORT: '0',
    LOG_LEVEL: 'info',
    WORKER_LEASE_SECONDS: '5',
    WORKER_CONCURRENCY: '4',
  };
  const api = start(['serve', '--no-worker'], env);
  t.after(() => void api.child.kill('SIGKILL'));
  await until(() => /"event":"server\.listening","port":\d+/.test(api.output()) && api.output().includes('Refresh token:'), 30_000, 'the API');
  const port = Number(/"event":"server\.listening","port":(\d+)/.exec(api.output())![1]);
  const token = /Access token:\s+(\S+)/.exec(api.output())![1]!;
  const base = `http://127.0.0.1:${port}`;
  const headers = { authorization: `Zoho-oauthtoken ${token}` };
  const lead = (await (
    await fetch(`${base}/crm/v8/Leads`, { method: 'POST', headers, body: JSON.stringify({ data: [{ Last_Name: 'Scale', Email: 'scale@example.com' }] }) })
  ).json()) as { data: { details: { id: string } }[] };
  const leadId = lead.data[0]!.details.id;

  // The demo org (enterprise, one user) may send 300 mails a day: lift that for this run.
  const lifted = await runCli(env, ['org', 'update', '--daily-mail-limit', '1000', '--json']);
  assert.equal(lifted.code, 0, lifted.stderr);

  const workers = [start(['worker'], env), start(['worker'], env)];
  t.after(() => workers.forEach((w) => w.child.kill('SIGKILL')));
  await until(() => workers.every((w) => w.output().includes('worker.started')), 30_000, 'both workers');

  const accepted: string[] = [];
  for (let batch = 0; batch < 3; batch += 1) {
    const data = Array.from({ length: 100 }, (_, i) => ({
      from: { email: 'admin@example.com' },
      to: [{ email: `r${batch * 100 + i}@example.com` }],
      subject: `Mail ${batch * 100 + i}`,
    }));
    const response = await fetch(`${base}/crm/v8/Leads/${leadId}/actions/send_mail`, { method: 'POST', headers, body: JSON.stringify({ data }) });
    assert.equal(response.status, 200);
    const body = (await response.json()) as { data: { code: string; details: { message_id: string } }[] };
    for (const item of body.data) {
      assert.equal(item.code, 'SUCCESS');
      accepted.push(item.details.message_id);
    }
    if (batch === 0) {
      await until(() => sink.messages.length >= 20, 30_000, 'the first deliveries');
      workers[0]!.child.kill('SIGKILL');
    }
  }
  assert.equal((await workers[0]!.exited).signal, 'SIGKILL', 'the first worker was killed, not stopped');

  const ids = () => new Set(sink.messages.map((m) => String(m.parsed.messageId).replace(/^<|@.*$/g, '')));
  await until(() => ids().size >= 300, 60_000, 'all 300 mails at the sink');
  assert.deepEqual(ids(), new Set(accepted));

  // A second copy is allowed only for recipients Mailroom flagged as possible duplicates.
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  t.after(() => client.end());
  // The sink has a message before its worker records the outcome (after the server's reply):
  // wait for the last outcomes to commit.
  const sentCount = async () =>
    (
      await client.query(
        `select count(*)::int as sent, coalesce(sum(possible_duplicate), 0)::int as flagged from "${env.DATABASE_SCHEMA}".mail_recipients where status = 'sent'`,
      )
    ).rows[0] as { sent: number; flagged: number };
  await until(async () => (await sentCount()).sent >= 300, 30_000, 'every outcome recorded').catch(() => undefined);
  const rows = [await sentCount()];
  assert.equal(rows[0]!.sent, 300);
  const copies = sink.messages.length - 300;
  assert.ok(copies <= rows[0]!.flagged, `${copies} extra copies, ${rows[0]!.flagged} flagged`);
  const stuck = await client.query(`select count(*)::int as n from "${env.DATABASE_SCHEMA}".mails where state <> 'done'`);
  assert.equal(stuck.rows[0].n, 0, 'no mail is left queued or sending');

  workers[1]!.child.kill('SIGTERM');
  assert.equal((await workers[1]!.exited).code, 0);
  api.child.kill('SIGTERM');
  assert.equal((await api.exited).code, 0);
});
