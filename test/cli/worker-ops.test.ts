import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { startMailroom as start, until } from '../helpers/mailroom-process.js';
import { startSmtpSink } from '../helpers/smtp-sink.js';
import { TEST_DATABASE_URL, testSchemaName } from '../helpers/test-app.js';

/**
 * A `mailroom worker` has no HTTP API; with METRICS_PORT it serves `/metrics`, `/livez` and
 * `/readyz` on a small port of its own (docs/operations.md "Metrics"). On PostgreSQL, beside an
 * API without worker: its queue depth, recipient outcomes, SMTP latency and claims move as a mail
 * is sent; its readiness holds until SIGTERM.
 */
test('on PostgreSQL, a worker with METRICS_PORT serves metrics that move as mail is sent, and /livez, /readyz', async (t) => {
  const sink = await startSmtpSink();
  t.after(() => sink.close());
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-worker-ops-'));
  t.after(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  const metricsToken = randomBytes(16).toString('hex');
  const env: Record<string, string> = {
    DATABASE_URL: TEST_DATABASE_URL,
    DATABASE_SCHEMA: testSchemaName(),
    SECRETS_KEY: randomBytes(32).toString('hex'),
    SMTP_URL: sink.url,
    DATA_DIR: dataDir,
    PORT: '0',
    LOG_LEVEL: 'info',
    METRICS_TOKEN: metricsToken,
  };
  const api = start(['serve', '--no-worker'], env);
  t.after(() => void api.child.kill('SIGKILL'));
  await until(() => /"event":"server\.listening","port":\d+/.test(api.output()) && api.output().includes('Refresh token:'), 30_000, 'the API');
  const base = `http://127.0.0.1:${/"event":"server\.listening","port":(\d+)/.exec(api.output())![1]}`;
  const headers = { authorization: `Zoho-oauthtoken ${/Access token:\s+(\S+)/.exec(api.output())![1]!}` };

  const worker = start(['worker'], { ...env, METRICS_PORT: '0' });
  t.after(() => void worker.child.kill('SIGKILL'));
  await until(() => /"event":"ops\.listening","port":\d+/.test(worker.output()), 30_000, 'the worker’s ops port');
  const ops = `http://127.0.0.1:${/"event":"ops\.listening","port":(\d+)/.exec(worker.output())![1]}`;
  const scrape = async () => {
    const response = await fetch(`${ops}/metrics`, { headers: { authorization: `Bearer ${metricsToken}` } });
    assert.equal(response.status, 200);
    return response.text();
  };
  const value = (text: string, pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? NaN);

  assert.equal((await fetch(`${ops}/metrics`)).status, 401, 'METRICS_TOKEN guards the worker’s port too');
  assert.deepEqual(await (await fetch(`${ops}/livez`)).json(), { status: 'ok' });
  const ready = await fetch(`${ops}/readyz`);
  assert.equal(ready.status, 200);
  const readyBody = (await ready.json()) as { status: string; database: string; checks: unknown };
  assert.deepEqual(readyBody.checks, { database: 'ok', migrations: 'ok', shutdown: 'ok', worker: 'ok', webhooks: 'ok' });
  assert.equal(readyBody.status, 'ok');
  assert.match(readyBody.database, /^(sqlite|postgres)$/, 'the same body as the API’s /readyz');
  assert.equal((await fetch(`${ops}/nothing`)).status, 404);

  const before = await scrape();
  assert.match(before, /mailroom_queue_due_mails\{[^}]*lane="0"[^}]*\} 0/);
  assert.match(before, /process="mailroom-worker"/);

  const lead = (await (await fetch(`${base}/crm/v8/Leads`, { method: 'POST', headers, body: JSON.stringify({ data: [{ Last_Name: 'Ops', Email: 'ops@example.com' }] }) })).json()) as {
    data: { details: { id: string } }[];
  };
  const sent = await fetch(`${base}/crm/v8/Leads/${lead.data[0]!.details.id}/actions/send_mail`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ data: [{ from: { email: 'admin@example.com' }, to: [{ email: 'ops@example.com' }], subject: 'Ops' }] }),
  });
  assert.equal(sent.status, 200);
  await sink.waitFor(1, 30_000);
  let after = '';
  await until(async () => {
    after = await scrape();
    return value(after, /mailroom_recipient_outcomes_total\{[^}]*status="sent"[^}]*\} (\d+)/) === 1;
  }, 10_000, 'the outcome in the worker’s metrics');
  assert.equal(value(after, /mailroom_worker_claimed_mails_total\{[^}]*\} (\d+)/), 1);
  assert.equal(value(after, /mailroom_smtp_transaction_duration_seconds_count\{[^}]*destination="relay:127\.0\.0\.1"[^}]*result="ok"[^}]*\} (\d+)/), 1);
  assert.match(after, /mailroom_queue_due_mails\{[^}]*lane="0"[^}]*\} 0/);

  worker.child.kill('SIGTERM');
  assert.equal((await worker.exited).code, 0);
});

test('mailroom inbound with METRICS_PORT serves its metrics (the inbound backlog) and health on its ops port', async (t) => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-inbound-ops-'));
  t.after(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  const inbound = start(['inbound', '--port', '0'], { DATA_DIR: dataDir, LOG_LEVEL: 'info', BOUNCE_ADDRESS: 'bounces@mail.example.test', METRICS_PORT: '0' });
  t.after(() => void inbound.child.kill('SIGKILL'));
  await until(() => /"event":"ops\.listening","port":\d+/.test(inbound.output()), 30_000, 'the inbound ops port');
  const ops = `http://127.0.0.1:${/"event":"ops\.listening","port":(\d+)/.exec(inbound.output())![1]}`;
  const metrics = await (await fetch(`${ops}/metrics`)).text();
  assert.match(metrics, /^mailroom_inbound_pending_messages\{process="mailroom-inbound"\} 0$/m);
  const ready = await fetch(`${ops}/readyz`);
  assert.equal(ready.status, 200);
  assert.deepEqual(((await ready.json()) as { checks: unknown }).checks, { database: 'ok', migrations: 'ok', shutdown: 'ok' });
  inbound.child.kill('SIGTERM');
  assert.equal((await inbound.exited).code, 0);
});
