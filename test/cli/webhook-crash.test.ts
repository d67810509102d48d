import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { createDatabase } from '../../src/db/database.js';
import { createSecretBox, loadSecretKey } from '../../src/secrets.js';
import { messagesOfEndpoint } from '../../src/webhooks/outbox-repository.js';
import { listening, startMailroom, until, type MailroomProcess } from '../helpers/mailroom-process.js';
import { startSmtpSink } from '../helpers/smtp-sink.js';
import { DATABASE_KINDS, TEST_DATABASE_URL, testSchemaName } from '../helpers/test-app.js';
import { registerEndpoint, startWebhookReceiver } from '../helpers/webhook-receiver.js';

/**
 * Issue 15 item 4: a `mailroom worker` SIGKILLed while its webhook POST is held open by the
 * endpoint loses no event: once the dead worker's lease runs out, another worker process sends
 * the message again — the same webhook-id, flagged possible_duplicate in the outbox and the log —
 * and every event of the mail arrives, verified with standardwebhooks.
 */
for (const kind of DATABASE_KINDS) {
  test(`[${kind}] a worker SIGKILLed mid-POST: another worker delivers the webhook, flagged possible_duplicate, nothing lost`, async (t) => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-webhook-'));
    t.after(() => fs.rmSync(dataDir, { recursive: true, force: true }));
    const sink = await startSmtpSink();
    t.after(() => sink.close());
    const receiver = await startWebhookReceiver();
    t.after(() => receiver.close());
    const env: Record<string, string> = {
      DATA_DIR: dataDir,
      PORT: '0',
      LOG_LEVEL: 'info',
      SMTP_URL: sink.url,
      SECRETS_KEY: randomBytes(32).toString('hex'),
      WEBHOOK_ALLOW_PRIVATE_HOSTS: 'true',
      WEBHOOK_TIMEOUT_MS: '3000',
      WEBHOOK_POLL_MS: '200',
      // The killed worker may hold the mail too: its lease runs out soon.
      WORKER_LEASE_SECONDS: '5',
      ...(kind === 'postgres' ? { DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: testSchemaName() } : {}),
    };
    const processes: MailroomProcess[] = [];
    const start = (args: string[]) => {
      const proc = startMailroom(args, env);
      processes.push(proc);
      return proc;
    };
    t.after(() => processes.forEach((p) => p.child.kill('SIGKILL')));

    const api = start(['serve', '--no-worker']);
    const { base, token } = await listening(api, { banner: true });
    const orgId = /Org id:\s+(\S+)/.exec(api.output())![1]!;
    const config = loadConfig(env);
    const handle = await createDatabase(config.database);
    t.after(() => handle.close());
    const endpointId = await registerEndpoint(handle.db, createSecretBox(loadSecretKey(config)), {
      orgId,
      url: receiver.url,
      secret: receiver.secret,
      eventTypes: ['mail.accepted', 'recipient.sent'],
      now: Date.now(),
    });

    // The endpoint holds every request open: the first worker is killed while its POST waits.
    receiver.hold = true;
    const headers = { authorization: `Zoho-oauthtoken ${token}` };
    const lead = await fetch(`${base}/crm/v8/Leads`, { method: 'POST', headers, body: JSON.stringify({ data: [{ Last_Name: 'Hook', Email: 'hook@example.com' }] }) });
    const leadId = ((await lead.json()) as { data: { details: { id: string } }[] }).data[0]!.details.id;
    const sent = await fetch(`${base}/crm/v8/Leads/${leadId}/actions/send_mail`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ data: [{ from: { email: 'admin@example.com' }, to: [{ email: 'hook@example.com' }], subject: 'Hooked' }] }),
    });
    assert.equal(sent.status, 200);
    const messageId = ((await sent.json()) as { data: { details: { message_id: string } }[] }).data[0]!.details.message_id;

    const first = start(['worker']);
    await receiver.waitFor((r) => r.length >= 1, 20_000);
    first.child.kill('SIGKILL');
    assert.equal((await first.exited).signal, 'SIGKILL');
    const heldIds = new Set(receiver.received.map((r) => r.id));
    assert.ok(receiver.received.every((r) => r.answered === null), 'the killed worker got no answer');

    receiver.hold = false;
    const second = start(['worker']);
    await until(() => new Set(receiver.delivered().map((r) => r.verified?.type)).size === 2, 40_000, 'both events delivered by the second worker').catch((error: unknown) => {
      throw new Error(`${String(error)}\nreceived: ${JSON.stringify(receiver.received.map((r) => [r.id, r.verified?.type, r.answered]))}\nsecond worker:\n${second.output()}`);
    });
    await until(async () => (await messagesOfEndpoint(handle.db, endpointId)).every((m) => m.state === 'delivered'), 10_000, 'the outbox to record the deliveries');

    const delivered = receiver.delivered();
    assert.ok(delivered.every((r) => r.verified !== null && r.verified.data.message_id === messageId), 'every request verifies and is about the mail');
    // Each event delivered once; the held ones were sent again with the same webhook-id.
    const deliveredIds = delivered.map((r) => r.id);
    assert.equal(new Set(deliveredIds).size, deliveredIds.length);
    for (const id of heldIds) assert.ok(deliveredIds.includes(id), `held ${id} arrived again`);
    const log = await messagesOfEndpoint(handle.db, endpointId);
    assert.equal(log.length, 2);
    for (const m of log) {
      assert.equal(m.state, 'delivered');
      assert.equal(m.possible_duplicate, heldIds.has(m.event_id) ? 1 : 0, `${m.event_type}: flagged only if the killed worker was sending it`);
    }
    assert.match(second.output(), /"event":"webhook\.possible_duplicate"/);

    second.child.kill('SIGTERM');
    assert.equal((await second.exited).code, 0);
    api.child.kill('SIGTERM');
    assert.equal((await api.exited).code, 0);
  });
}
