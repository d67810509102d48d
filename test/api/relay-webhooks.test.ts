import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createSign, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createWorker, type Worker } from '../../src/delivery/worker.js';
import { DATABASE_KINDS, json, startTestApp, type TestApp, type TestOrg } from '../helpers/test-app.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';

/**
 * Relay event webhooks (issue 14): Amazon SES through SNS and SendGrid's signed Event Webhook,
 * through HTTP, about mails really sent through an SMTP sink. The SNS signing certificate is made
 * here with openssl and handed to the app through its injectable `relayHttp`; the SendGrid key
 * pair with node:crypto. Nothing reaches Amazon or SendGrid.
 */
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-webhooks-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', path.join(dir, 'k.pem'), '-out', path.join(dir, 'c.pem'), '-days', '2', '-subj', '/CN=sns.amazonaws.com'], { stdio: 'pipe' });
const SNS_KEY = fs.readFileSync(path.join(dir, 'k.pem'), 'utf8');
const SNS_CERT = fs.readFileSync(path.join(dir, 'c.pem'), 'utf8');
const CERT_URL = 'https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-test.pem';
const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:ses-events';
const OTHER_TOPIC = 'arn:aws:sns:eu-west-1:123456789012:someone-else';

const sendgridPair = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const strangerPair = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const SENDGRID_KEY = sendgridPair.publicKey.export({ format: 'der', type: 'spki' }).toString('base64');

/** SNS's string to sign, written out from the SNS documentation. */
function snsSigned(envelope: Record<string, string>): Record<string, string> {
  const keys = envelope.Type === 'Notification' ? ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'] : ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'];
  const toSign = keys.filter((key) => envelope[key] !== undefined).map((key) => `${key}\n${envelope[key]}\n`).join('');
  return { ...envelope, SignatureVersion: '2', Signature: createSign('RSA-SHA256').update(toSign).sign(SNS_KEY, 'base64'), SigningCertURL: CERT_URL };
}

function snsNotification(message: unknown, topic = TOPIC): Record<string, string> {
  return snsSigned({
    Type: 'Notification',
    MessageId: randomBytes(8).toString('hex'),
    TopicArn: topic,
    Subject: 'Amazon SES Email Event Notification',
    Message: JSON.stringify(message),
    Timestamp: new Date().toISOString(),
  });
}

function sesBounce(messageId: string, email: string, bounce: { type: string; subType: string; status: string; diagnostic: string }) {
  return {
    notificationType: 'Bounce',
    bounce: {
      bounceType: bounce.type,
      bounceSubType: bounce.subType,
      bouncedRecipients: [{ emailAddress: email, action: 'failed', status: bounce.status, diagnosticCode: bounce.diagnostic }],
      timestamp: new Date().toISOString(),
      feedbackId: `fb-${randomBytes(6).toString('hex')}`,
    },
    mail: {
      timestamp: new Date().toISOString(),
      messageId: `ses-${randomBytes(6).toString('hex')}`,
      source: 'sender@example.com',
      destination: [email],
      headers: [{ name: 'Message-ID', value: `<${messageId}@mail.test>` }],
      commonHeaders: { messageId: `<${messageId}@mail.test>` },
    },
  };
}

function sendgridRequest(events: unknown[], options: { at?: number; key?: typeof sendgridPair.privateKey } = {}) {
  const body = JSON.stringify(events);
  const timestamp = String(Math.floor((options.at ?? Date.now()) / 1000));
  const signature = sign('sha256', Buffer.from(timestamp + body), options.key ?? sendgridPair.privateKey).toString('base64');
  return {
    method: 'POST' as const,
    url: '/webhooks/sendgrid',
    headers: { 'content-type': 'application/json', 'x-twilio-email-event-webhook-signature': signature, 'x-twilio-email-event-webhook-timestamp': timestamp },
    payload: body,
  };
}

const sesRequest = (envelope: Record<string, string>) => ({ method: 'POST' as const, url: '/webhooks/ses', headers: { 'content-type': 'text/plain; charset=UTF-8', 'x-amz-sns-message-type': envelope.Type! }, payload: JSON.stringify(envelope) });

type Status = { email: string; type: string; bounced_time?: string; bounced_reason?: string; category?: string; sub_category?: string };

for (const kind of DATABASE_KINDS) {
  describe(`relay event webhooks: SES through SNS and SendGrid [${kind}]`, () => {
    let sink: SmtpSink;
    let testApp: TestApp;
    let worker: Worker;
    let org: TestOrg;
    let from: string;
    const confirmed: string[] = [];
    const fetched: string[] = [];

    before(async () => {
      sink = await startSmtpSink();
      testApp = await startTestApp(kind, {
        env: { SMTP_URL: sink.url, MESSAGE_ID_DOMAIN: 'mail.test', BOUNCE_ADDRESS: 'bounces@mail.test', SES_SNS_TOPIC_ARNS: `${TOPIC}, arn:aws:sns:us-east-1:123456789012:spare`, SENDGRID_WEBHOOK_PUBLIC_KEY: SENDGRID_KEY },
        relayHttp: {
          fetchSnsCertificate: async (url) => {
            fetched.push(url);
            if (url !== CERT_URL) throw new Error('404');
            return SNS_CERT;
          },
          confirmSnsSubscription: async (url) => {
            confirmed.push(url);
          },
        },
      });
      worker = createWorker(testApp.app);
      org = await testApp.createOrg();
      from = json(await testApp.api('GET', '/crm/v8/users?type=CurrentUser', org.token)).users[0].email;
    });
    after(async () => {
      await worker.stop(1000);
      await testApp.close();
      await sink.close();
    });

    const createLead = async (email: string, owner = org) => {
      const response = await testApp.api('POST', '/crm/v8/Leads', owner.token, { data: [{ Last_Name: 'Smith', Email: email }] });
      assert.equal(response.statusCode, 201, response.body);
      return json(response).data[0].details.id as string;
    };
    const sendFrom = (leadId: string, email: string, owner = org, sender = from) =>
      testApp.api('POST', `/crm/v8/Leads/${leadId}/actions/send_mail`, owner.token, { data: [{ from: { email: sender }, to: [{ email }], subject: 'Hello', content: '<p>Hi</p>' }] });
    /** Sends one mail from the lead to its address through the SMTP sink; its message id. */
    const sent = async (leadId: string, email: string, owner = org, sender = from) => (await sentWithEnvelope(leadId, email, owner, sender)).messageId;
    /** …and the envelope sender it went out with (VERP: BOUNCE_ADDRESS is set). */
    const sentWithEnvelope = async (leadId: string, email: string, owner = org, sender = from) => {
      const response = await sendFrom(leadId, email, owner, sender);
      assert.equal(response.statusCode, 200, response.body);
      const messageId = json(response).data[0].details.message_id as string;
      const before = sink.messages.length;
      assert.equal(await worker.runOnce(), 1);
      const message = (await sink.waitFor(before + 1))[before]!;
      assert.equal((await statusOf(leadId, owner)).type, 'sent');
      return { messageId, envelopeFrom: message.envelopeFrom };
    };
    const statusOf = async (leadId: string, owner = org): Promise<Status> => json(await testApp.api('GET', `/crm/v8/Leads/${leadId}/Emails`, owner.token)).Emails[0].status[0];
    const unblock = (leadId: string) => testApp.api('POST', `/crm/v8/Leads/${leadId}/actions/unblock_email`, org.token, { unblock_fields: ['Email'] });

    test('a signed SES Permanent bounce (5.1.1) bounces the recipient and blocks the address permanently; a replay changes nothing', async () => {
      const leadId = await createLead('gone@example.com');
      const messageId = await sent(leadId, 'gone@example.com');
      const request = sesRequest(snsNotification(sesBounce(messageId, 'Gone@Example.com', { type: 'Permanent', subType: 'General', status: '5.1.1', diagnostic: 'smtp; 550 5.1.1 <gone@example.com>: Recipient address rejected: User unknown' })));

      const response = await testApp.inject(request);
      assert.equal(response.statusCode, 200, response.body);
      assert.deepEqual(json(response), { status: 'ok', applied: 1, replayed: 0, unmatched: 0 });
      assert.deepEqual(fetched, [CERT_URL]);

      const status = await statusOf(leadId);
      assert.equal(status.type, 'bounced');
      assert.match(status.bounced_time!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/);
      assert.match(status.bounced_reason!, /User unknown/);
      assert.equal(status.category, 'Permanently blocked');
      assert.equal(status.sub_category, 'Invalid Mailbox');

      const refused = await sendFrom(leadId, 'gone@example.com');
      assert.equal(refused.statusCode, 400);
      assert.equal(json(refused).data[0].code, 'NOT_ALLOWED');
      assert.equal(json(refused).data[0].message, "Email cannot be sent as record's email field contain one or more blocked emaill");
      const permanent = await unblock(leadId);
      assert.equal(json(permanent).data[0].code, 'NOT_ALLOWED');
      assert.equal(json(permanent).data[0].message, 'Cannot unblock, Email is blocked permanently');

      const replay = await testApp.inject(request);
      assert.equal(replay.statusCode, 200, replay.body);
      assert.deepEqual(json(replay), { status: 'ok', applied: 0, replayed: 1, unmatched: 0 });
      assert.deepEqual(await statusOf(leadId), status);
      assert.deepEqual(fetched, [CERT_URL], 'the certificate is fetched once');
    });

    test('SES events without our Message-ID match by the VERP envelope sender (mail.source); a forged token matches nothing', async () => {
      const deliveredLead = await createLead('arrived@example.com');
      const arrived = await sentWithEnvelope(deliveredLead, 'arrived@example.com');
      assert.match(arrived.envelopeFrom, /^bounces\+[0-9a-z]{29}@mail\.test$/);
      const delayedLead = await createLead('slow@example.com');
      const slow = await sentWithEnvelope(delayedLead, 'slow@example.com');
      const mail = (source: string, email: string) => ({ timestamp: new Date().toISOString(), messageId: `ses-${randomBytes(6).toString('hex')}`, source, destination: [email] });
      const delivery = { eventType: 'Delivery', mail: mail(arrived.envelopeFrom, 'arrived@example.com'), delivery: { timestamp: new Date().toISOString(), recipients: ['arrived@example.com'], smtpResponse: '250 2.0.0 OK queued' } };
      const delay = {
        eventType: 'DeliveryDelay',
        mail: mail(slow.envelopeFrom, 'slow@example.com'),
        deliveryDelay: { timestamp: new Date().toISOString(), delayType: 'MailboxFull', delayedRecipients: [{ emailAddress: 'slow@example.com', status: '4.2.2', diagnosticCode: 'smtp; 452 4.2.2 Mailbox full, try later' }] },
      };
      const last = slow.envelopeFrom.at(-13) === 'a' ? 'b' : 'a';
      const forgedSource = `${slow.envelopeFrom.slice(0, -13)}${last}${slow.envelopeFrom.slice(-12)}`;
      const forged = { ...delay, mail: mail(forgedSource, 'slow@example.com'), deliveryDelay: { ...delay.deliveryDelay, timestamp: new Date(Date.now() + 1000).toISOString() } };

      const forgedAnswer = await testApp.inject(sesRequest(snsNotification(forged)));
      assert.deepEqual(json(forgedAnswer), { status: 'ok', applied: 0, replayed: 0, unmatched: 1 });
      const beforeDelay = json(await testApp.api('GET', `/crm/v8/Leads/${delayedLead}/Emails`, org.token)).Emails[0].status[0];
      const beforeDelivery = json(await testApp.api('GET', `/crm/v8/Leads/${deliveredLead}/Emails`, org.token)).Emails[0].status[0];
      assert.doesNotMatch(String(beforeDelivery.diagnostic), /OK queued/);
      assert.notEqual(beforeDelay.action, 'delayed');

      for (const message of [delivery, delay]) {
        const response = await testApp.inject(sesRequest(snsNotification(message)));
        assert.deepEqual(json(response), { status: 'ok', applied: 1, replayed: 0, unmatched: 0 }, response.body);
      }
      const arrivedStatus = json(await testApp.api('GET', `/crm/v8/Leads/${deliveredLead}/Emails`, org.token)).Emails[0].status[0];
      assert.equal(arrivedStatus.type, 'sent');
      assert.equal(arrivedStatus.action, 'delivered');
      assert.match(arrivedStatus.diagnostic, /OK queued/, "the relay's words are recorded");
      const slowStatus = json(await testApp.api('GET', `/crm/v8/Leads/${delayedLead}/Emails`, org.token)).Emails[0].status[0];
      assert.equal(slowStatus.type, 'deferred', 'shown as deferred with the remote\'s reason');
      assert.equal(slowStatus.action, 'delayed');
      assert.match(slowStatus.diagnostic, /Mailbox full, try later/);
    });

    test('a bad signature, another topic, a malformed body: refused, nothing changes', async () => {
      const leadId = await createLead('kept@example.com');
      const messageId = await sent(leadId, 'kept@example.com');
      const bounce = sesBounce(messageId, 'kept@example.com', { type: 'Permanent', subType: 'General', status: '5.1.1', diagnostic: 'smtp; 550 5.1.1 user unknown' });

      const altered = snsNotification(bounce);
      altered.Message = altered.Message!.replace('kept@example.com', 'kept@example.com ');
      const bad = await testApp.inject(sesRequest(altered));
      assert.equal(bad.statusCode, 403);
      assert.deepEqual(json(bad), { code: 'INVALID_SIGNATURE', details: { reason: 'bad signature' }, message: 'The webhook request is not signed by the relay', status: 'error' });

      const foreign = await testApp.inject(sesRequest(snsNotification(bounce, OTHER_TOPIC)));
      assert.equal(foreign.statusCode, 403);
      assert.equal(json(foreign).code, 'INVALID_SIGNATURE');

      const unsigned = await testApp.inject({ method: 'POST', url: '/webhooks/ses', headers: { 'content-type': 'text/plain' }, payload: 'hello' });
      assert.equal(unsigned.statusCode, 400);
      assert.equal(json(unsigned).code, 'INVALID_DATA');

      assert.equal((await statusOf(leadId)).type, 'sent');
      assert.equal(json(await sendFrom(leadId, 'kept@example.com')).data[0].code, 'SUCCESS');
      await worker.runOnce();
    });

    test('a SubscriptionConfirmation of a configured topic is confirmed (GET of its SubscribeURL); of another topic refused', async () => {
      const confirmation = (topic: string) =>
        snsSigned({
          Type: 'SubscriptionConfirmation',
          MessageId: randomBytes(8).toString('hex'),
          Token: 'token-123',
          TopicArn: topic,
          Message: 'You have chosen to subscribe to the topic.',
          SubscribeURL: `https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=${topic}&Token=token-123`,
          Timestamp: new Date().toISOString(),
        });
      const mine = confirmation(TOPIC);
      const ok = await testApp.inject(sesRequest(mine));
      assert.equal(ok.statusCode, 200, ok.body);
      assert.deepEqual(confirmed, [mine.SubscribeURL]);

      const other = await testApp.inject(sesRequest(confirmation(OTHER_TOPIC)));
      assert.equal(other.statusCode, 403);
      assert.deepEqual(confirmed, [mine.SubscribeURL]);
    });

    test('a signed SendGrid soft bounce (4.2.2 mailbox full) blocks temporarily (unblock works); a spamreport opts the lead out, audited', async () => {
      const fullLead = await createLead('full@example.com');
      const fullId = await sent(fullLead, 'full@example.com');
      const response = await testApp.inject(
        sendgridRequest([
          { email: 'full@example.com', timestamp: Math.floor(Date.now() / 1000), 'smtp-id': `<${fullId}@mail.test>`, event: 'bounce', type: 'bounce', status: '4.2.2', reason: '452 4.2.2 Mailbox full', sg_event_id: `ev-${fullId}` },
          { email: 'full@example.com', timestamp: Math.floor(Date.now() / 1000), 'smtp-id': `<${fullId}@mail.test>`, event: 'open', sg_event_id: `open-${fullId}` },
        ]),
      );
      assert.equal(response.statusCode, 200, response.body);
      assert.deepEqual(json(response), { status: 'ok', applied: 1, replayed: 0, unmatched: 0 });
      const status = await statusOf(fullLead);
      assert.equal(status.type, 'bounced');
      assert.equal(status.category, 'Temporarily blocked');
      assert.equal(status.sub_category, 'Mailbox Full');
      assert.equal(json(await sendFrom(fullLead, 'full@example.com')).data[0].code, 'NOT_ALLOWED');
      const lifted = await unblock(fullLead);
      assert.equal(lifted.statusCode, 200, lifted.body);
      assert.equal(json(lifted).data[0].message, 'Unblocked successfully');

      const spamLead = await createLead('spam@example.com');
      const spamId = await sent(spamLead, 'spam@example.com');
      const complaint = await testApp.inject(
        sendgridRequest([{ email: 'spam@example.com', timestamp: Math.floor(Date.now() / 1000), 'smtp-id': `<${spamId}@mail.test>`, event: 'spamreport', sg_event_id: `spam-${spamId}` }]),
      );
      assert.deepEqual(json(complaint), { status: 'ok', applied: 1, replayed: 0, unmatched: 0 });
      const record = json(await testApp.api('GET', `/crm/v8/Leads/${spamLead}`, org.token)).data[0];
      assert.equal(record.Email_Opt_Out, true);
      const audit = json(await testApp.api('GET', '/crm/v8/settings/audit_log?action=opt_out.changed', org.token)).audit_log as { record_id: string; reason: string }[];
      assert.deepEqual(audit.map((a) => [a.record_id, a.reason]), [[spamLead, 'complaint']]);
    });

    test('SendGrid: a stale timestamp or a stranger\'s signature is refused and changes nothing; a bogus or foreign Message-ID matches nothing', async () => {
      const leadId = await createLead('late@example.com');
      const messageId = await sent(leadId, 'late@example.com');
      const event = { email: 'late@example.com', timestamp: Math.floor(Date.now() / 1000), 'smtp-id': `<${messageId}@mail.test>`, event: 'bounce', type: 'bounce', status: '5.1.1', reason: '550 5.1.1 no such user', sg_event_id: `ev-${messageId}` };

      const stale = await testApp.inject(sendgridRequest([event], { at: Date.now() - 11 * 60 * 1000 }));
      assert.equal(stale.statusCode, 403);
      assert.equal(json(stale).details.reason, 'timestamp outside the tolerance');
      const forged = await testApp.inject(sendgridRequest([event], { key: strangerPair.privateKey }));
      assert.equal(forged.statusCode, 403);
      const unsigned = await testApp.inject({ method: 'POST', url: '/webhooks/sendgrid', headers: { 'content-type': 'application/json' }, payload: JSON.stringify([event]) });
      assert.equal(unsigned.statusCode, 403);
      assert.equal((await statusOf(leadId)).type, 'sent');

      // Another org's mail to the same address, and Message-IDs of no mail or another domain.
      const orgB = await testApp.createOrg();
      const fromB = json(await testApp.api('GET', '/crm/v8/users?type=CurrentUser', orgB.token)).users[0].email;
      const leadB = await createLead('late@example.com', orgB);
      const messageIdB = await sent(leadB, 'late@example.com', orgB, fromB);
      const response = await testApp.inject(
        sendgridRequest([
          { ...event, 'smtp-id': `<${messageIdB}@mail.test>`, sg_event_id: `ev-${messageIdB}` },
          { ...event, 'smtp-id': `<${'0'.repeat(64)}@mail.test>`, sg_event_id: 'ev-bogus' },
          { ...event, 'smtp-id': `<${messageId}@elsewhere.test>`, sg_event_id: 'ev-elsewhere' },
          { ...event, email: 'someone@example.com', sg_event_id: 'ev-other-address' },
        ]),
      );
      assert.deepEqual(json(response), { status: 'ok', applied: 1, replayed: 0, unmatched: 3 });
      assert.equal((await statusOf(leadB, orgB)).type, 'bounced');
      assert.equal((await statusOf(leadId)).type, 'sent', "org A's mail to the same address is untouched");
      assert.equal(json(await sendFrom(leadId, 'late@example.com')).data[0].code, 'SUCCESS', 'the block is org B\'s only');
      await worker.runOnce();
    });
  });
}

describe('relay webhooks not configured answer 404 like any unknown URL', () => {
  let testApp: TestApp;
  before(async () => {
    testApp = await startTestApp('sqlite');
  });
  after(async () => {
    await testApp.close();
  });
  test('POST /webhooks/ses and /webhooks/sendgrid', async () => {
    const unknown = await testApp.inject({ method: 'POST', url: '/webhooks/nowhere', payload: '{}' });
    for (const url of ['/webhooks/ses', '/webhooks/sendgrid']) {
      const response = await testApp.inject({ method: 'POST', url, headers: { 'content-type': 'text/plain' }, payload: '{}' });
      assert.equal(response.statusCode, 404);
      assert.deepEqual(json(response), json(unknown));
    }
  });
});
