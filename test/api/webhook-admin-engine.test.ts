import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { FakeClock } from '../../src/clock.js';
import { createWorker, type Worker } from '../../src/delivery/worker.js';
import { createWebhookSender, type WebhookSender } from '../../src/webhooks/webhook-sender.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';
import { DATABASE_KINDS, json, startTestApp, type TestApp } from '../helpers/test-app.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';

const BASE = '/crm/v8/settings/webhooks';

/**
 * The admin surface over the real engine: an endpoint made through the API (its `whsec_` secret
 * answered once) receives events the engine signs with it, verifiable with `standardwebhooks`;
 * the delivery log shows the engine's attempts; "send again" makes a failed delivery go once more;
 * a rotated secret signs what follows.
 */
for (const kind of DATABASE_KINDS) {
  describe(`webhook endpoints over the engine [${kind}]`, () => {
    let sink: SmtpSink;
    let clock: FakeClock;
    let app: TestApp;
    let worker: Worker;
    let sender: WebhookSender;
    before(async () => {
      sink = await startSmtpSink();
      clock = new FakeClock(Date.now());
      app = await startTestApp(kind, { clock, env: { SMTP_URL: sink.url, WEBHOOK_ALLOW_PRIVATE_HOSTS: 'true', WEBHOOK_RETRY_SCHEDULE: '1s', WEBHOOK_TIMEOUT_MS: '3000' } });
      worker = createWorker(app.app);
      sender = createWebhookSender(app.app);
    });
    after(async () => {
      await worker.stop(1000);
      await sender.stop(1000);
      await app.close();
      await sink.close();
    });

    test('signed with the secret the API answered; failed, sent again, delivered; rotated secret signs the next', async () => {
      const org = await app.createOrg();
      const from = json(await app.api('GET', '/crm/v8/users?type=CurrentUser', org.token)).users[0].email;
      // The receiver's port first, then the endpoint (its secret), then the receiver with that secret.
      const probe = await startWebhookReceiver();
      const port = probe.port;
      await probe.close();
      const created = await app.api('POST', BASE, org.token, { webhooks: [{ url: `http://127.0.0.1:${port}/hook`, events: ['recipient.sent'] }] });
      assert.equal(created.statusCode, 201, created.body);
      const { id, secret } = json(created).webhooks[0].details;
      let receiver: WebhookReceiver = await startWebhookReceiver({ port, secret });
      try {
        const send = async (email: string) => {
          const lead = json(await app.api('POST', '/crm/v8/Leads', org.token, { data: [{ Last_Name: 'L', Email: email }] })).data[0].details.id;
          const sent = await app.api('POST', `/crm/v8/Leads/${lead}/actions/send_mail`, org.token, { data: [{ from: { email: from }, to: [{ email }], subject: 'S', content: 'c' }] });
          assert.equal(sent.statusCode, 200, sent.body);
          assert.ok((await worker.runOnce()) >= 1);
        };
        receiver.status = 500;
        await send('ann@example.com');
        await sender.runOnce();
        assert.equal(receiver.received.length, 1);
        assert.ok(receiver.received[0]!.verified, 'verifies with the secret the API answered');
        const eventId = receiver.received[0]!.id;
        clock.advance(2_000);
        await sender.runOnce(); // the last attempt of the schedule: failed
        let [delivery] = json(await app.api('GET', `${BASE}/${id}/deliveries/${eventId}`, org.token)).deliveries;
        assert.equal(delivery.state, 'failed');
        assert.equal(delivery.last_status, 500);
        assert.equal(delivery.attempt_log.length, 2);

        receiver.status = 200;
        const again = await app.api('POST', `${BASE}/${id}/deliveries/${eventId}/actions/send_again`, org.token);
        assert.equal(again.statusCode, 200, again.body);
        assert.equal(await sender.runOnce(), 1);
        [delivery] = json(await app.api('GET', `${BASE}/${id}/deliveries/${eventId}`, org.token)).deliveries;
        assert.equal(delivery.state, 'delivered');
        assert.equal(delivery.attempt_log.length, 3);
        assert.equal(receiver.delivered().length, 1);
        assert.equal(receiver.delivered()[0]!.id, eventId, 'the same webhook-id');

        const rotated = json(await app.api('POST', `${BASE}/${id}/actions/rotate_secret`, org.token)).webhooks[0].details.secret;
        await receiver.close();
        receiver = await startWebhookReceiver({ port, secret: rotated });
        await send('bob@example.com');
        assert.equal(await sender.runOnce(), 1);
        assert.ok(receiver.received[0]!.verified, 'the rotated secret signs what follows');
      } finally {
        await receiver.close();
      }
    });
  });
}
