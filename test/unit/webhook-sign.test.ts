import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { ConfigError, loadConfig } from '../../src/config.js';
import { signWebhook, webhookHeaders } from '../../src/webhooks/sign.js';
import { mailEvent, newEventId, recipientEvent } from '../../src/webhooks/webhook-events.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

test('the signature is the Standard Webhooks one: the same as standardwebhooks signs, and it verifies', () => {
  const id = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
  const timestamp = 1614265330;
  const body = '{"test": 2432232314}';
  assert.equal(signWebhook(SECRET, id, timestamp, body), new Webhook(SECRET).sign(id, new Date(timestamp * 1000), body));
  // The specification's published example.
  assert.equal(signWebhook(SECRET, id, timestamp, body), 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  const now = Math.floor(Date.now() / 1000);
  const headers = webhookHeaders(SECRET, id, now, body);
  assert.deepEqual(new Webhook(SECRET).verify(body, headers), { test: 2432232314 });
  assert.throws(() => new Webhook(SECRET).verify(body.replace('2', '3'), headers));
  assert.throws(() => new Webhook('whsec_' + Buffer.alloc(24, 1).toString('base64')).verify(body, headers));
});

test('event ids are msg_ and 24 url-safe characters, unique; payloads carry type, ISO timestamp and data', () => {
  const ids = new Set(Array.from({ length: 1000 }, () => newEventId()));
  assert.equal(ids.size, 1000);
  for (const id of ids) assert.match(id, /^msg_[A-Za-z0-9_-]{24}$/);
  const mail = { org_id: 'o', message_id: 'm', thread_id: 't', module: 'Leads', record_id: 'r', subject: 'S', from_email: 'a@x.test', from_name: null, scheduled_at: Date.UTC(2026, 0, 2) };
  const accepted = mailEvent('mail.scheduled', mail, 3, Date.UTC(2026, 0, 1));
  assert.deepEqual(JSON.parse(accepted.payload), {
    type: 'mail.scheduled',
    timestamp: '2026-01-01T00:00:00.000Z',
    data: { org_id: 'o', message_id: 'm', thread_id: 't', module: 'Leads', record_id: 'r', subject: 'S', from: { email: 'a@x.test', name: null }, recipients: 3, scheduled_time: '2026-01-02T00:00:00.000Z' },
  });
  const recipient = { id: 'rc', email: 'b@y.test', kind: 'cc' as const, status: 'bounced', action: 'failed', status_code: '5.1.1', diagnostic: 'no', remote_mta: null };
  const bounced = recipientEvent('recipient.bounced', mail, recipient, Date.UTC(2026, 0, 1), { bounce: { category: 'Permanently blocked', sub_category: 'Invalid Mailbox' } });
  assert.equal(bounced.orgId, 'o');
  assert.equal(bounced.type, 'recipient.bounced');
  assert.deepEqual(JSON.parse(bounced.payload).data.recipient, { id: 'rc', email: 'b@y.test', kind: 'cc' });
  assert.deepEqual(JSON.parse(bounced.payload).data.bounce, { category: 'Permanently blocked', sub_category: 'Invalid Mailbox' });
});

test('WEBHOOK_RETRY_SCHEDULE: the default retries for about 4 days; units; a bad schedule is refused with the fix', () => {
  const base = { SECRETS_KEY: 'a'.repeat(64) };
  const schedule = loadConfig(base).webhooks.retryScheduleMs;
  assert.deepEqual(schedule, [5_000, 60_000, 300_000, 1_800_000, 7_200_000, 21_600_000, 43_200_000, 86_400_000, 86_400_000, 86_400_000]);
  assert.equal(loadConfig(base).webhooks.disableAfterMs, 120 * 3_600_000);
  assert.deepEqual(loadConfig({ ...base, WEBHOOK_RETRY_SCHEDULE: '200ms, 2s,1d' }).webhooks.retryScheduleMs, [200, 2000, 86_400_000]);
  for (const bad of ['5', '5x', '0s', '1s,,2s', '31d']) {
    assert.throws(() => loadConfig({ ...base, WEBHOOK_RETRY_SCHEDULE: bad }), (error: unknown) => error instanceof ConfigError && /WEBHOOK_RETRY_SCHEDULE=.* must be 1 to 30/.test(error.message), bad);
  }
  assert.equal(loadConfig({ ...base, SMTP_ALLOW_PRIVATE_HOSTS: 'true' }).webhooks.allowPrivateHosts, true);
  assert.equal(loadConfig(base).webhooks.allowPrivateHosts, false);
});
