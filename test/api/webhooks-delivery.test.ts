import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import { FakeClock } from '../../src/clock.js';
import { createWorker, type Worker } from '../../src/delivery/worker.js';
import { createInboundProcessor, type InboundProcessor } from '../../src/inbound/inbound-processor.js';
import { startInboundListener, type InboundListener } from '../../src/inbound/inbound-listener.js';
import { attemptsOfEndpoint, emitWebhookEvents, failPendingOfEndpoint, messagesOfEndpoint } from '../../src/webhooks/outbox-repository.js';
import { inTransaction } from '../../src/db/database.js';
import { recipientEvent } from '../../src/webhooks/webhook-events.js';
import { createWebhookSender, type WebhookSender } from '../../src/webhooks/webhook-sender.js';
import { dsnMessage, sendRaw } from '../helpers/reports.js';
import { scriptedLookup } from '../helpers/scripted-lookup.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';
import { ALL_SCOPES, DATABASE_KINDS, json, startTestApp, type TestApp, type TestOrg } from '../helpers/test-app.js';
import { registerEndpoint, startWebhookReceiver, type ReceivedWebhook, type WebhookReceiver } from '../helpers/webhook-receiver.js';

const BASE = 'https://mailroom.test';
const BROWSER = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15';
const GOOGLE_PROXY = 'Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)';
const SCHEDULE = '200ms,200ms,200ms,200ms,200ms,200ms,200ms,200ms,200ms,200ms';
const HOUR = 3_600_000;

const typesOf = (received: readonly ReceivedWebhook[]) => received.map((r) => r.verified?.type ?? `unverified:${r.id}`);

for (const kind of DATABASE_KINDS) {
  describe(`webhook delivery: events in the outbox, signed POSTs, retries, duplicates, SSRF, disabling [${kind}]`, () => {
    let sink: SmtpSink;
    let clock: FakeClock;
    let testApp: TestApp;
    let worker: Worker;
    let sender: WebhookSender;
    let listener: InboundListener;
    let processor: InboundProcessor;
    let org: TestOrg;
    let n = 0;
    /** What the relay answers to RCPT TO of these addresses (others: 250). */
    const rcptAnswers = new Map<string, { code: number; message: string }>([
      ['later@defer.test', { code: 451, message: '4.7.1 Try again later' }],
      ['nobody@gone.test', { code: 550, message: '5.1.1 User unknown' }],
    ]);
    // Names only this resolver knows: the POST must go to the address it answered.
    const lookup = scriptedLookup({ 'hooks.customer.test': [['127.0.0.1']] });
    const fromOf = new Map<string, string>();

    before(async () => {
      sink = await startSmtpSink({ onRcpt: (address) => rcptAnswers.get(address.toLowerCase()) ?? null });
      // Near real time: standardwebhooks checks webhook-timestamp against the receiver's clock.
      clock = new FakeClock(Date.now());
      testApp = await startTestApp(kind, {
        clock,
        lookup,
        env: {
          SMTP_URL: sink.url,
          PUBLIC_URL: BASE,
          MESSAGE_ID_DOMAIN: 'mail.test',
          BOUNCE_ADDRESS: 'bounces@bounce.test',
          WEBHOOK_ALLOW_PRIVATE_HOSTS: 'true',
          WEBHOOK_RETRY_SCHEDULE: SCHEDULE,
          WEBHOOK_TIMEOUT_MS: '3000',
        },
      });
      worker = createWorker(testApp.app);
      sender = createWebhookSender(testApp.app);
      processor = createInboundProcessor(testApp.app);
      listener = await startInboundListener(testApp.app, { port: 0, onStored: () => processor.kick() });
    });
    after(async () => {
      await worker.stop(1000);
      await sender.stop(1000);
      await listener.close();
      await processor.stop();
      await testApp.close();
      await sink.close();
    });

    /** Each test in an org of its own: no other test's endpoints receive its events. */
    beforeEach(async () => {
      org = await testApp.createOrg();
      fromOf.set(org.orgId, json(await testApp.api('GET', '/crm/v8/users?type=CurrentUser', org.token)).users[0].email);
    });

    const endpoints: string[] = [];
    const endpoint = async (receiver: WebhookReceiver, eventTypes: Parameters<typeof registerEndpoint>[2]['eventTypes'], owner = org, url = receiver.url) => {
      const id = await registerEndpoint(testApp.app.db, testApp.app.secrets, { orgId: owner.orgId, url, secret: receiver.secret, eventTypes, now: clock.now() });
      endpoints.push(id);
      return id;
    };
    /** A test's endpoints retire with it: later mail of its org (retries) reaches no one. */
    afterEach(async () => {
      for (const id of endpoints.splice(0)) {
        await testApp.app.db.updateTable('webhook_endpoints').set({ enabled: 0 }).where('id', '=', id).execute();
        await failPendingOfEndpoint(testApp.app.db, id, 'the test is over');
      }
    });

    /** A Lead mailed once (html, tracked) and handed to the relay: its ids, the pixel and the VERP return path. */
    async function mailedLead(email: string, owner = org) {
      n += 1;
      const leadId = json(await testApp.api('POST', '/crm/v8/Leads', owner.token, { data: [{ Last_Name: `Lead ${n}`, Email: email }] })).data[0].details.id as string;
      const sent = await testApp.api('POST', `/crm/v8/Leads/${leadId}/actions/send_mail`, owner.token, {
        data: [{ from: { email: fromOf.get(owner.orgId) }, to: [{ email }], subject: `Hello ${n}`, content: '<p>Hi <a href="https://example.com/offer">offer</a></p>', mail_format: 'html' }],
      });
      assert.equal(sent.statusCode, 200, sent.body);
      const messageId = json(sent).data[0].details.message_id as string;
      return { leadId, messageId };
    }
    async function deliverAll(to: string): Promise<{ pixel: string; returnPath: string; links: string[]; raw: string }> {
      const before = sink.messages.length;
      assert.ok((await worker.runOnce()) >= 1);
      await sink.waitFor(before + 1);
      const message = sink.messages.slice(before).find((m) => m.envelopeTo.includes(to));
      assert.ok(message, `a message to ${to}`);
      const htmlText = typeof message!.parsed.html === 'string' ? message!.parsed.html : '';
      const pixel = /<img src="([^"]*\/t\/o\/[^"]*)"/.exec(htmlText)?.[1] ?? '';
      const links = [...htmlText.matchAll(/<a\b[^>]*\shref="([^"]*\/t\/c\/[^"]*)"/g)].map((m) => m[1]!.replace(/&amp;/g, '&').slice(BASE.length));
      return { pixel: pixel.slice(BASE.length), returnPath: message!.envelopeFrom, links, raw: message!.raw.toString('utf8') };
    }

    test('recipient.sent after a delivery, recipient.opened after the pixel, recipient.bounced after a DSN: each for its mail, signed, verifiable; unsubscribed types are not sent', async () => {
      const receiver = await startWebhookReceiver();
      const other = await startWebhookReceiver();
      try {
        const endpointId = await endpoint(receiver, ['recipient.sent', 'recipient.bounced', 'recipient.opened']);
        await endpoint(other, ['mail.accepted']);
        const { leadId, messageId } = await mailedLead('ann@example.com');
        const { pixel, returnPath } = await deliverAll('ann@example.com');

        assert.equal(await sender.runOnce(), 2, 'mail.accepted for one endpoint, recipient.sent for the other');
        assert.deepEqual(typesOf(receiver.received), ['recipient.sent']);
        assert.deepEqual(typesOf(other.received), ['mail.accepted']);
        const sent = receiver.received[0]!;
        assert.ok(sent.verified, 'the signature verifies with standardwebhooks');
        assert.equal(sent.headers['content-type'], 'application/json');
        assert.equal(sent.headers['user-agent'], 'Mailroom-Webhooks/1');
        assert.match(sent.id, /^msg_[A-Za-z0-9_-]{24}$/);
        assert.match(String(sent.headers['webhook-signature']), /^v1,[A-Za-z0-9+/]+=*$/);
        assert.equal(sent.headers['webhook-timestamp'], String(Math.floor(clock.now() / 1000)));
        const data = sent.verified.data;
        assert.equal(data.message_id, messageId);
        assert.equal(data.org_id, org.orgId);
        assert.equal(data.module, 'Leads');
        assert.equal(data.record_id, leadId);
        assert.equal(typeof data.thread_id, 'string');
        assert.deepEqual(data.recipient, { id: data.recipient.id, email: 'ann@example.com', kind: 'to' });
        assert.equal(data.status, 'sent');
        assert.equal(data.action, 'delivered');
        assert.equal(sent.verified.timestamp, data.occurred_at);
        const accepted = other.received[0]!.verified!;
        assert.equal(accepted.data.message_id, messageId);
        assert.equal(accepted.data.recipients, 1);
        assert.equal(accepted.data.scheduled_time, null);
        assert.deepEqual(accepted.data.from, { email: fromOf.get(org.orgId), name: accepted.data.from.name });

        // A tampered body does not verify: the receiver really checks.
        const forged = sent.headers as unknown as Record<string, string>;
        const { Webhook } = await import('standardwebhooks');
        assert.throws(() => new Webhook(receiver.secret).verify(sent.body.replace('ann@', 'eve@'), forged));

        // A prefetching proxy's fetch is flagged: no event. The person's fetch: recipient.opened.
        assert.equal((await testApp.inject({ method: 'GET', url: pixel, headers: { 'user-agent': GOOGLE_PROXY }, remoteAddress: '66.249.84.1' })).statusCode, 200);
        assert.equal(await sender.runOnce(), 0, 'a flagged prefetch is not reported');
        assert.equal((await testApp.inject({ method: 'GET', url: pixel, headers: { 'user-agent': BROWSER }, remoteAddress: '198.51.100.7' })).statusCode, 200);
        assert.equal(await sender.runOnce(), 1);
        const opened = receiver.received[1]!.verified!;
        assert.equal(opened.type, 'recipient.opened');
        assert.equal(opened.data.message_id, messageId);
        assert.equal(opened.data.first_open, true);
        assert.equal(opened.data.user_agent, BROWSER);

        await testApp.inject({ method: 'GET', url: pixel, headers: { 'user-agent': BROWSER }, remoteAddress: '198.51.100.7' });
        assert.equal(await sender.runOnce(), 1);
        assert.equal(receiver.received[2]!.verified!.data.first_open, false);

        // A DSN through the inbound listener: recipient.bounced with Zoho's category.
        assert.match(
          await sendRaw(listener.port, [returnPath], dsnMessage({ to: returnPath, recipient: 'ann@example.com', action: 'failed', status: '5.1.1', diagnostic: '550 5.1.1 User unknown', originalMessageId: `${messageId}@mail.test` })),
          /^250 /,
        );
        await processor.idle();
        assert.equal(await sender.runOnce(), 1);
        const bounced = receiver.received[3]!.verified!;
        assert.equal(bounced.type, 'recipient.bounced');
        assert.equal(bounced.data.message_id, messageId);
        assert.equal(bounced.data.status, 'bounced');
        assert.equal(bounced.data.status_code, '5.1.1');
        assert.deepEqual(bounced.data.bounce, { category: 'Permanently blocked', sub_category: 'Invalid Mailbox' });

        assert.ok(receiver.received.every((r) => r.verified !== null));
        const log = await messagesOfEndpoint(testApp.app.db, endpointId);
        assert.deepEqual(log.map((m) => `${m.event_type} ${m.state} ${m.attempts}`).sort(), [
          'recipient.bounced delivered 1',
          'recipient.opened delivered 1',
          'recipient.opened delivered 1',
          'recipient.sent delivered 1',
        ]);
      } finally {
        await receiver.close();
        await other.close();
      }
    });

    test('an org without endpoints writes nothing to the outbox', async () => {
      const { messageId } = await mailedLead('solo@example.com');
      await deliverAll('solo@example.com');
      const rows = await testApp.app.db.selectFrom('webhook_messages').select('event_id').where('org_id', '=', org.orgId).execute();
      assert.deepEqual(rows, []);
      assert.ok(messageId);
    });

    test('emission: only subscribed types of enabled endpoints of the org; 2,500 events of one change in chunks', async () => {
      const receiver = await startWebhookReceiver();
      try {
        const wanted = await endpoint(receiver, ['recipient.sent']);
        const other = await testApp.createOrg();
        await endpoint(receiver, ['recipient.sent'], other);
        const mail = { org_id: org.orgId, message_id: 'm1', thread_id: 't1', module: 'Leads', record_id: 'r1' };
        const events = Array.from({ length: 2500 }, (_, i) =>
          recipientEvent(i % 2 === 0 ? 'recipient.sent' : 'recipient.deferred', mail, { id: `rc${i}`, email: `r${i}@example.com`, kind: 'to', status: 'sent', action: 'delivered', status_code: '2.0.0', diagnostic: 'ok', remote_mta: null }, clock.now(), { next_attempt_time: null }),
        );
        const written = await inTransaction(testApp.app.db, (tx) => emitWebhookEvents(tx, events, clock.now()));
        assert.equal(written, 1250, 'the sent events, for the one endpoint of the org that wants them');
        const log = await messagesOfEndpoint(testApp.app.db, wanted);
        assert.equal(log.length, 1250);
        assert.ok(log.every((m) => m.event_type === 'recipient.sent' && m.state === 'pending' && m.org_id === org.orgId));
        assert.equal(new Set(log.map((m) => m.event_id)).size, 1250);
        assert.equal(log.find((m) => m.event_id === events[0]!.id)?.payload, events[0]!.payload, 'the body is stored as built');
        assert.equal(await inTransaction(testApp.app.db, (tx) => emitWebhookEvents(tx, [], clock.now())), 0);
      } finally {
        await receiver.close();
      }
    });

    test('an endpoint answering 500, then down: the events wait and arrive once it is back, each once; every attempt logged', async () => {
      const receiver = await startWebhookReceiver();
      try {
        const endpointId = await endpoint(receiver, ['mail.accepted', 'recipient.sent']);
        receiver.status = 500;
        const { messageId } = await mailedLead('bob@example.com');
        await deliverAll('bob@example.com');
        assert.equal(await sender.runOnce(), 2);
        assert.equal(receiver.delivered().length, 0);
        let log = await messagesOfEndpoint(testApp.app.db, endpointId);
        assert.deepEqual(log.map((m) => [m.state, m.last_status]), [['pending', 500], ['pending', 500]]);
        assert.match(log[0]!.last_error ?? '', /HTTP 500: endpoint says no/);
        const endpointRow = await testApp.app.db.selectFrom('webhook_endpoints').select(['failing_since']).where('id', '=', endpointId).executeTakeFirstOrThrow();
        assert.equal(Number(endpointRow.failing_since), clock.now());

        // Not due yet: nothing is sent before the retry time.
        assert.equal(await sender.runOnce(), 0);
        await receiver.down();
        clock.advance(1000);
        assert.equal(await sender.runOnce(), 2);
        log = await messagesOfEndpoint(testApp.app.db, endpointId);
        assert.deepEqual(log.map((m) => [m.state, m.last_status, m.attempts]), [['pending', null, 2], ['pending', null, 2]]);
        assert.match(log[0]!.last_error ?? '', /ECONNREFUSED/);

        await receiver.up();
        receiver.status = 200;
        clock.advance(1000);
        assert.equal(await sender.runOnce(), 2);
        assert.equal(await sender.runOnce(), 0);
        const delivered = receiver.delivered();
        assert.deepEqual(typesOf(delivered).sort(), ['mail.accepted', 'recipient.sent']);
        assert.ok(delivered.every((r) => r.verified?.data.message_id === messageId));
        // The same webhook-id on every attempt; delivered once each.
        const ids = receiver.received.map((r) => r.id);
        assert.equal(new Set(ids).size, 2);
        assert.equal(new Set(delivered.map((r) => r.id)).size, 2);
        log = await messagesOfEndpoint(testApp.app.db, endpointId);
        assert.deepEqual(log.map((m) => [m.state, m.attempts, m.possible_duplicate]), [['delivered', 3, 0], ['delivered', 3, 0]]);
        const attempts = await attemptsOfEndpoint(testApp.app.db, endpointId);
        assert.equal(attempts.length, 6);
        assert.deepEqual(attempts.map((a) => a.status_code).sort(), [200, 200, 500, 500, null, null].sort());
        const after = await testApp.app.db.selectFrom('webhook_endpoints').select(['failing_since', 'last_success_at']).where('id', '=', endpointId).executeTakeFirstOrThrow();
        assert.equal(after.failing_since, null, 'a success clears failing_since');
        assert.equal(Number(after.last_success_at), clock.now());
      } finally {
        await receiver.close();
      }
    });

    test('the endpoint host is resolved once by the guard and the POST goes to that address, Host naming the endpoint', async () => {
      const receiver = await startWebhookReceiver();
      try {
        await endpoint(receiver, ['mail.accepted'], org, `http://hooks.customer.test:${receiver.port}/in?src=mailroom`);
        const calls = lookup.calls.length;
        const { messageId } = await mailedLead('host@example.com');
        assert.equal(await sender.runOnce(), 1);
        assert.equal(lookup.calls.length, calls + 1);
        const [request] = receiver.delivered();
        assert.equal(request!.headers.host, `hooks.customer.test:${receiver.port}`);
        assert.equal(request!.path, '/in?src=mailroom');
        assert.equal(request!.verified!.data.message_id, messageId);
      } finally {
        await receiver.close();
      }
    });

    test('recipient.deferred with its next attempt time, recipient.bounced from a 5xx at once, then recipient.skipped for the blocked address', async () => {
      const receiver = await startWebhookReceiver();
      try {
        await endpoint(receiver, ['recipient.deferred', 'recipient.bounced', 'recipient.skipped']);
        const leadId = json(await testApp.api('POST', '/crm/v8/Leads', org.token, { data: [{ Last_Name: 'Defer', Email: 'later@defer.test' }] })).data[0].details.id as string;
        const send = (cc: string) =>
          testApp.api('POST', `/crm/v8/Leads/${leadId}/actions/send_mail`, org.token, {
            data: [{ from: { email: fromOf.get(org.orgId) }, to: [{ email: 'later@defer.test' }], cc: [{ email: cc }], subject: 'Mixed', content: 'c' }],
          });
        const first = await send('nobody@gone.test');
        assert.equal(first.statusCode, 200, first.body);
        const messageId = json(first).data[0].details.message_id as string;
        assert.ok((await worker.runOnce()) >= 1);
        assert.equal(await sender.runOnce(), 2);
        const byType = new Map(receiver.received.map((r) => [r.verified!.type, r.verified!.data]));
        const deferred = byType.get('recipient.deferred')!;
        assert.equal(deferred.message_id, messageId);
        assert.equal(deferred.recipient.email, 'later@defer.test');
        assert.equal(deferred.status, 'deferred');
        assert.match(deferred.status_code, /^4\./);
        assert.match(deferred.next_attempt_time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
        assert.ok(Date.parse(deferred.next_attempt_time) > clock.now());
        const bounced = byType.get('recipient.bounced')!;
        assert.equal(bounced.recipient.email, 'nobody@gone.test');
        assert.equal(bounced.recipient.kind, 'cc');
        assert.equal(bounced.status_code, '5.1.1');
        assert.equal(bounced.bounce.sub_category, 'Invalid Mailbox');

        // The bounced address is blocked now: a new mail skips it at acceptance.
        const second = await send('nobody@gone.test');
        assert.equal(second.statusCode, 200, second.body);
        assert.equal(await sender.runOnce(), 1, JSON.stringify(receiver.received.map((r) => r.verified)));
        const skipped = receiver.received[2]!.verified!;
        assert.equal(skipped.type, 'recipient.skipped');
        assert.equal(skipped.data.message_id, json(second).data[0].details.message_id);
        assert.equal(skipped.data.recipient.email, 'nobody@gone.test');
        assert.equal(skipped.data.status, 'skipped');
      } finally {
        rcptAnswers.delete('later@defer.test');
        await receiver.close();
      }
    });

    test('a redirect is not followed: a 302 is a failed attempt', async () => {
      const receiver = await startWebhookReceiver();
      try {
        const endpointId = await endpoint(receiver, ['mail.accepted']);
        receiver.status = 302;
        await mailedLead('carl@example.com');
        assert.equal(await sender.runOnce(), 1);
        const [message] = await messagesOfEndpoint(testApp.app.db, endpointId);
        assert.equal(message!.state, 'pending');
        assert.equal(message!.last_status, 302);
        await testApp.app.db.updateTable('webhook_endpoints').set({ enabled: 0 }).where('id', '=', endpointId).execute();
        clock.advance(1000);
        assert.equal(await sender.runOnce(), 1);
        assert.equal((await messagesOfEndpoint(testApp.app.db, endpointId))[0]!.state, 'failed', 'a disabled endpoint gets nothing more');
      } finally {
        await receiver.close();
      }
    });

    test('mail.scheduled then mail.cancelled; recipient.clicked with its url; recipient.unsubscribed from the one-click link, once', async () => {
      const receiver = await startWebhookReceiver();
      try {
        await endpoint(receiver, ['mail.scheduled', 'mail.cancelled', 'recipient.clicked', 'recipient.unsubscribed']);
        assert.equal((await testApp.api('PUT', '/crm/v8/org', org.token, { org: [{ one_click_unsubscribe: true }] })).statusCode, 200);

        const leadId = json(await testApp.api('POST', '/crm/v8/Leads', org.token, { data: [{ Last_Name: 'Later', Email: 'later@example.com' }] })).data[0].details.id as string;
        const when = new Date(Math.ceil((clock.now() + HOUR) / 1000) * 1000).toISOString().replace('.000Z', 'Z');
        const scheduled = await testApp.api('POST', `/crm/v8/Leads/${leadId}/actions/send_mail`, org.token, {
          data: [{ from: { email: fromOf.get(org.orgId) }, to: [{ email: 'later@example.com' }], subject: 'Later', content: 'c', scheduled_time: when }],
        });
        assert.equal(scheduled.statusCode, 200, scheduled.body);
        const scheduledId = json(scheduled).data[0].details.message_id as string;
        assert.equal((await testApp.api('POST', `/crm/v8/Leads/${leadId}/Emails/${scheduledId}/actions/cancel`, org.token)).statusCode, 200);
        assert.equal(await sender.runOnce(), 2);
        const byType = new Map(receiver.received.map((r) => [r.verified!.type, r.verified!.data]));
        assert.deepEqual([...byType.keys()].sort(), ['mail.cancelled', 'mail.scheduled']);
        assert.equal(byType.get('mail.scheduled')!.message_id, scheduledId);
        assert.equal(byType.get('mail.scheduled')!.scheduled_time, new Date(when).toISOString());
        assert.equal(byType.get('mail.cancelled')!.message_id, scheduledId);
        assert.equal(byType.get('mail.cancelled')!.recipients, 1);

        const { messageId } = await mailedLead('eve@example.com');
        const { links, raw } = await deliverAll('eve@example.com');
        assert.equal(links.length, 1);
        clock.advance(2 * 60_000);
        const click = await testApp.inject({ method: 'GET', url: links[0]!, headers: { 'user-agent': BROWSER }, remoteAddress: '198.51.100.7' });
        assert.equal(click.statusCode, 302);
        const unsubscribe = /List-Unsubscribe:\s*<https:\/\/mailroom\.test(\/unsubscribe\/[a-z0-9]+)>/i.exec(raw)?.[1];
        assert.ok(unsubscribe, raw.slice(0, 3000));
        for (let i = 0; i < 2; i += 1) {
          const posted = await testApp.inject({ method: 'POST', url: unsubscribe, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'List-Unsubscribe=One-Click' });
          assert.ok(posted.statusCode < 300, posted.body);
        }
        assert.equal(await sender.runOnce(), 2, 'the replayed POST changes nothing and reports nothing');
        const clicked = receiver.received[2]!.verified!;
        const unsubscribed = receiver.received[3]!.verified!;
        assert.deepEqual([clicked.type, unsubscribed.type].sort(), ['recipient.clicked', 'recipient.unsubscribed']);
        const [c, u] = clicked.type === 'recipient.clicked' ? [clicked, unsubscribed] : [unsubscribed, clicked];
        assert.equal(c.data.message_id, messageId);
        assert.equal(c.data.url, 'https://example.com/offer');
        assert.equal(u.data.message_id, messageId);
        assert.equal(u.data.source, 'one_click');
        assert.equal(u.data.recipient.email, 'eve@example.com');
      } finally {
        await receiver.close();
      }
    });

    test('an endpoint failing for longer than WEBHOOK_DISABLE_AFTER_HOURS is disabled with the reason, its pending messages fail', async () => {
      const receiver = await startWebhookReceiver();
      try {
        const endpointId = await endpoint(receiver, ['mail.accepted']);
        receiver.status = 503;
        await mailedLead('dora@example.com');
        await mailedLead('dora2@example.com');
        assert.equal(await sender.runOnce(), 2);
        const since = clock.now();
        clock.advance(119 * HOUR);
        assert.equal(await sender.runOnce(), 2);
        let row = await testApp.app.db.selectFrom('webhook_endpoints').selectAll().where('id', '=', endpointId).executeTakeFirstOrThrow();
        assert.equal(Number(row.enabled), 1, 'not yet: 119 h');
        clock.advance(2 * HOUR);
        assert.ok((await sender.runOnce()) >= 1);
        row = await testApp.app.db.selectFrom('webhook_endpoints').selectAll().where('id', '=', endpointId).executeTakeFirstOrThrow();
        assert.equal(Number(row.enabled), 0);
        assert.equal(Number(row.disabled_at), clock.now());
        assert.equal(row.disabled_reason, `disabled automatically: failing since ${new Date(since).toISOString()} (121 h without a successful delivery)`);
        const log = await messagesOfEndpoint(testApp.app.db, endpointId);
        assert.deepEqual(log.map((m) => m.state), ['failed', 'failed']);
        assert.equal(await sender.runOnce(), 0);
        // A disabled endpoint is not written to any more.
        await mailedLead('dora3@example.com', { ...org, token: await testApp.tokenFor(org, ALL_SCOPES) });
        assert.equal((await messagesOfEndpoint(testApp.app.db, endpointId)).length, 2);
      } finally {
        await receiver.close();
      }
    });
  });

  describe(`webhook SSRF guard: private addresses and plain http refused without the allow flag [${kind}]`, () => {
    let testApp: TestApp;
    let sender: WebhookSender;
    let org: TestOrg;
    let receiver: WebhookReceiver;
    const lookup = scriptedLookup({ 'hooks.internal.test': [['10.0.0.5']], 'rebind.test': [['93.184.216.34'], ['127.0.0.1']] });

    before(async () => {
      testApp = await startTestApp(kind, { lookup });
      sender = createWebhookSender(testApp.app);
      org = await testApp.createOrg();
      receiver = await startWebhookReceiver();
    });
    after(async () => {
      await receiver.close();
      await testApp.close();
    });

    test('https to a name resolving to a private address, and http to loopback, are refused; nothing reaches the receiver', async () => {
      const now = Date.now();
      const privateName = await registerEndpoint(testApp.app.db, testApp.app.secrets, { orgId: org.orgId, url: 'https://hooks.internal.test/in', secret: receiver.secret, eventTypes: ['mail.accepted'], now });
      const loopback = await registerEndpoint(testApp.app.db, testApp.app.secrets, { orgId: org.orgId, url: receiver.url, secret: receiver.secret, eventTypes: ['mail.accepted'], now });
      const literal = await registerEndpoint(testApp.app.db, testApp.app.secrets, { orgId: org.orgId, url: `https://127.0.0.1:${receiver.port}/x`, secret: receiver.secret, eventTypes: ['mail.accepted'], now });
      const from = json(await testApp.api('GET', '/crm/v8/users?type=CurrentUser', org.token)).users[0].email;
      const lead = json(await testApp.api('POST', '/crm/v8/Leads', org.token, { data: [{ Last_Name: 'X', Email: 'x@example.com' }] })).data[0].details.id;
      const sent = await testApp.api('POST', `/crm/v8/Leads/${lead}/actions/send_mail`, org.token, { data: [{ from: { email: from }, to: [{ email: 'x@example.com' }], subject: 'S', content: 'c' }] });
      assert.equal(sent.statusCode, 200, sent.body);
      assert.equal(await sender.runOnce(), 3);
      assert.deepEqual(receiver.received, []);
      const [a] = await messagesOfEndpoint(testApp.app.db, privateName);
      assert.match(a!.last_error ?? '', /refused: the host must resolve to public internet addresses only/);
      const [b] = await messagesOfEndpoint(testApp.app.db, loopback);
      assert.match(b!.last_error ?? '', /http:\/\/ endpoints are not allowed/);
      const [c] = await messagesOfEndpoint(testApp.app.db, literal);
      assert.match(c!.last_error ?? '', /refused/);
      assert.ok(lookup.calls.includes('hooks.internal.test'));
    });
  });
}
