import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createSign } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { createSnsVerifier, isSnsCertificateUrl, parseSesNotification, verifySnsMessage, type SnsVerifier } from '../../../src/bounces/ses-sns.js';

/**
 * The signing certificates are made here with the openssl command (node:crypto makes keys, not
 * certificates): a test needs nothing from Amazon.
 */
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-sns-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function makeCertificate(name: string): { key: string; cert: string } {
  const keyFile = path.join(dir, `${name}.key`);
  const certFile = path.join(dir, `${name}.pem`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '2', '-subj', '/CN=sns.amazonaws.com'], { stdio: 'pipe' });
  return { key: fs.readFileSync(keyFile, 'utf8'), cert: fs.readFileSync(certFile, 'utf8') };
}

const signer = makeCertificate('signer');
const stranger = makeCertificate('stranger');
const CERT_URL = 'https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-abc123.pem';
const CN_CERT_URL = 'https://sns.cn-north-1.amazonaws.com.cn/SimpleNotificationService-abc123.pem';

function verifierFor(certs: Record<string, string>, now = Date.now): { verifier: SnsVerifier; fetched: string[] } {
  const fetched: string[] = [];
  const verifier = createSnsVerifier({
    now,
    fetchCertificate: async (url) => {
      fetched.push(url);
      const cert = certs[url];
      if (!cert) throw new Error(`404 ${url}`);
      return cert;
    },
  });
  return { verifier, fetched };
}

/** SNS's string to sign, written out here from the SNS documentation (not with the module's own builder). */
function canonical(envelope: Record<string, string>): string {
  const keys = envelope.Type === 'Notification' ? ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'] : ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'];
  return keys.filter((key) => envelope[key] !== undefined).map((key) => `${key}\n${envelope[key]}\n`).join('');
}

function signed(envelope: Record<string, string>, key: string, version: '1' | '2' = '2'): Record<string, string> {
  const signature = createSign(version === '1' ? 'RSA-SHA1' : 'RSA-SHA256').update(canonical(envelope)).sign(key, 'base64');
  return { ...envelope, SignatureVersion: version, Signature: signature, SigningCertURL: envelope.SigningCertURL ?? CERT_URL };
}

const SES_BOUNCE = {
  notificationType: 'Bounce',
  bounce: {
    bounceType: 'Permanent',
    bounceSubType: 'General',
    bouncedRecipients: [
      { emailAddress: 'Bob@Y.example', action: 'failed', status: '5.1.1', diagnosticCode: 'smtp; 550 5.1.1 user unknown' },
      { emailAddress: 'carol@y.example', action: 'failed', status: '5.0.0', diagnosticCode: 'smtp; 550 rejected' },
    ],
    timestamp: '2026-12-03T10:00:05.000Z',
    feedbackId: '0100018c-feedback-000000',
    reportingMTA: 'dsn; a1-2.smtp-out.eu-west-1.amazonses.com',
  },
  mail: {
    timestamp: '2026-12-03T10:00:00.000Z',
    messageId: '0100018c-ses-id-000000',
    source: 'bounces+token@mail.example.com',
    destination: ['bob@y.example', 'carol@y.example'],
    headers: [
      { name: 'From', value: 'p.boyle@abc.example' },
      { name: 'Message-ID', value: '<abc123@mail.example.com>' },
    ],
    commonHeaders: { messageId: '<abc123@mail.example.com>' },
  },
};

function notification(message: unknown = SES_BOUNCE): Record<string, string> {
  return {
    Type: 'Notification',
    MessageId: '22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324',
    TopicArn: 'arn:aws:sns:eu-west-1:123456789012:ses-events',
    Subject: 'Amazon SES Email Event Notification',
    Message: JSON.stringify(message),
    Timestamp: '2026-12-03T10:00:06.000Z',
    SigningCertURL: CERT_URL,
    UnsubscribeURL: 'https://sns.eu-west-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=x',
  };
}

test('a correctly signed notification verifies, with SignatureVersion 1 (SHA1) and 2 (SHA256); the certificate is fetched once', async () => {
  const { verifier, fetched } = verifierFor({ [CERT_URL]: signer.cert });
  for (const version of ['1', '2'] as const) {
    const body = JSON.stringify(signed(notification(), signer.key, version));
    const result = await verifySnsMessage(body, verifier);
    assert.equal(result.ok, true, JSON.stringify(result));
    if (!result.ok || result.message.type !== 'notification') throw new Error('expected a notification');
    assert.equal(result.message.topicArn, 'arn:aws:sns:eu-west-1:123456789012:ses-events');
    assert.deepEqual(JSON.parse(result.message.message), SES_BOUNCE);
  }
  assert.deepEqual(fetched, [CERT_URL]);
  const withoutSubject = notification();
  delete (withoutSubject as Partial<Record<string, string>>).Subject;
  const result = await verifySnsMessage(Buffer.from(JSON.stringify(signed(withoutSubject, signer.key))), verifier);
  assert.equal(result.ok, true, 'Subject is optional');
});

test('refused: an altered body, a signature by another key, an unknown SignatureVersion, a missing field', async () => {
  const { verifier } = verifierFor({ [CERT_URL]: signer.cert });
  const good = signed(notification(), signer.key);
  const altered = { ...good, Message: good.Message!.replace('Permanent', 'Transient') };
  assert.deepEqual(await verifySnsMessage(JSON.stringify(altered), verifier), { ok: false, reason: 'bad signature' });
  const retargeted = { ...good, TopicArn: 'arn:aws:sns:eu-west-1:999999999999:other' };
  assert.deepEqual(await verifySnsMessage(JSON.stringify(retargeted), verifier), { ok: false, reason: 'bad signature' });
  const byStranger = signed(notification(), stranger.key);
  assert.deepEqual(await verifySnsMessage(JSON.stringify(byStranger), verifier), { ok: false, reason: 'bad signature' });
  assert.deepEqual(await verifySnsMessage(JSON.stringify({ ...good, Signature: 'bm90IGEgc2lnbmF0dXJl' }), verifier), { ok: false, reason: 'bad signature' });
  const version3 = await verifySnsMessage(JSON.stringify({ ...good, SignatureVersion: '3' }), verifier);
  assert.equal(version3.ok, false);
  const { MessageId: _dropped, ...noId } = good;
  assert.equal((await verifySnsMessage(JSON.stringify(noId), verifier)).ok, false);
  for (const garbage of ['', 'not json', '[]', 'null', '{"Type":"Notification"}', JSON.stringify({ ...good, Message: 42 })]) {
    assert.equal((await verifySnsMessage(garbage, verifier)).ok, false, garbage);
  }
});

test('the certificate must be the one at the SigningCertURL (a stranger\'s cert there fails), valid now, at an https SNS URL', async () => {
  const wrongCert = verifierFor({ [CERT_URL]: stranger.cert });
  assert.deepEqual(await verifySnsMessage(JSON.stringify(signed(notification(), signer.key)), wrongCert.verifier), { ok: false, reason: 'bad signature' });

  const later = verifierFor({ [CERT_URL]: signer.cert }, () => Date.now() + 5 * 24 * 3600 * 1000);
  assert.deepEqual(await verifySnsMessage(JSON.stringify(signed(notification(), signer.key)), later.verifier), { ok: false, reason: 'signing certificate expired or not yet valid' });

  const bad = [
    'http://sns.eu-west-1.amazonaws.com/SimpleNotificationService-abc123.pem',
    'https://sns.eu-west-1.amazonaws.com.evil.example/SimpleNotificationService-abc123.pem',
    'https://evil.example/sns.eu-west-1.amazonaws.com/cert.pem',
    'https://sns.eu-west-1.amazonaws.com:8443/SimpleNotificationService-abc123.pem',
    'https://user:pw@sns.eu-west-1.amazonaws.com/SimpleNotificationService-abc123.pem',
    'https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-abc123.txt',
    'https://s3.amazonaws.com/SimpleNotificationService-abc123.pem',
    'not a url',
  ];
  const all = verifierFor(Object.fromEntries(bad.map((url) => [url, signer.cert])));
  for (const url of bad) {
    assert.equal(isSnsCertificateUrl(url), false, url);
    const result = await verifySnsMessage(JSON.stringify(signed({ ...notification(), SigningCertURL: url }, signer.key)), all.verifier);
    assert.deepEqual(result, { ok: false, reason: 'SigningCertURL is not an https SNS URL' }, url);
  }
  assert.deepEqual(all.fetched, [], 'no certificate is fetched from a refused URL');

  const china = verifierFor({ [CN_CERT_URL]: signer.cert });
  assert.equal((await verifySnsMessage(JSON.stringify(signed({ ...notification(), SigningCertURL: CN_CERT_URL }, signer.key)), china.verifier)).ok, true);
});

test('a certificate that cannot be fetched refuses the message, and is fetched again next time', async () => {
  let fail = true;
  const fetched: string[] = [];
  const verifier = createSnsVerifier({
    fetchCertificate: async (url) => {
      fetched.push(url);
      if (fail) throw new Error('timeout');
      return signer.cert;
    },
  });
  const body = JSON.stringify(signed(notification(), signer.key));
  assert.deepEqual(await verifySnsMessage(body, verifier), { ok: false, reason: 'signing certificate unavailable: timeout' });
  fail = false;
  assert.equal((await verifySnsMessage(body, verifier)).ok, true);
  assert.equal(fetched.length, 2);
});

test('SubscriptionConfirmation: verified, its SubscribeURL given to the caller; one pointing elsewhere is refused', async () => {
  const { verifier } = verifierFor({ [CERT_URL]: signer.cert });
  const confirmation = {
    Type: 'SubscriptionConfirmation',
    MessageId: '165545c9-2a5c-472c-8df2-7ff2be2b3b1b',
    Token: '2336412f37fb687f5d51e6e241d09c805a5a57b30d712f794cc5f6a988666d92768dd60a747ba6f3beb71854e285d6ad02428b09ceece29417f1f02d609c582afbacc99c583a916b9981dd2728f4ae6fdb82efd087cc3b7849e05798d2d2785c03b0879594eeac82c01f235d0e717736',
    TopicArn: 'arn:aws:sns:eu-west-1:123456789012:ses-events',
    Message: 'You have chosen to subscribe to the topic arn:aws:sns:eu-west-1:123456789012:ses-events.',
    SubscribeURL: 'https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=arn:aws:sns:eu-west-1:123456789012:ses-events&Token=2336412f37',
    Timestamp: '2026-12-03T10:00:00.000Z',
    SigningCertURL: CERT_URL,
  };
  const result = await verifySnsMessage(JSON.stringify(signed(confirmation, signer.key, '1')), verifier);
  assert.equal(result.ok, true, JSON.stringify(result));
  if (!result.ok || result.message.type !== 'subscription-confirmation') throw new Error('expected a subscription confirmation');
  assert.equal(result.message.subscribeUrl, confirmation.SubscribeURL);
  const elsewhere = { ...confirmation, SubscribeURL: 'https://internal.example/admin?delete=all' };
  assert.deepEqual(await verifySnsMessage(JSON.stringify(signed(elsewhere, signer.key)), verifier), { ok: false, reason: 'SubscribeURL is not an https SNS URL' });
  const tampered = { ...signed(confirmation, signer.key), SubscribeURL: 'https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription&Token=other' };
  assert.deepEqual(await verifySnsMessage(JSON.stringify(tampered), verifier), { ok: false, reason: 'bad signature' });
  const unsubscribe = await verifySnsMessage(JSON.stringify(signed({ ...confirmation, Type: 'UnsubscribeConfirmation' }, signer.key)), verifier);
  assert.equal(unsubscribe.ok && unsubscribe.message.type, 'unsubscribe-confirmation');
});

test('SES Bounce (Permanent): one bounced event per recipient, our Message-ID, SES id, hard', () => {
  const result = parseSesNotification(JSON.stringify(SES_BOUNCE));
  assert.equal(result.ok, true);
  if (!result.ok) return;
  assert.deepEqual(
    result.events.map((e) => [e.kind, e.relay, e.eventId, e.messageId, e.relayMessageId, e.recipient, e.status, e.bounce?.outcome, e.bounce?.subCategory, e.occurredAt]),
    [
      ['bounced', 'ses', '0100018c-feedback-000000:bob@y.example', 'abc123@mail.example.com', '0100018c-ses-id-000000', 'bob@y.example', '5.1.1', 'hard', 'Invalid Mailbox', Date.parse('2026-12-03T10:00:05.000Z')],
      ['bounced', 'ses', '0100018c-feedback-000000:carol@y.example', 'abc123@mail.example.com', '0100018c-ses-id-000000', 'carol@y.example', '5.0.0', 'hard', 'Message Rejected', Date.parse('2026-12-03T10:00:05.000Z')],
    ],
  );
  assert.equal(result.events[0]!.diagnostic, 'smtp; 550 5.1.1 user unknown');
  assert.equal(result.events[0]!.bounce?.category, 'Permanently blocked');
  assert.equal(result.events[0]!.envelopeSender, 'bounces+token@mail.example.com');
});

test('SES Bounce (Transient, Undetermined, suppression list) and event publishing (eventType) forms', () => {
  const bounce = (bounceType: string, bounceSubType: string, status?: string) => ({
    eventType: 'Bounce',
    bounce: { bounceType, bounceSubType, bouncedRecipients: [{ emailAddress: 'x@y.example', ...(status ? { status, diagnosticCode: `smtp; 550 ${status} no` } : {}) }], timestamp: '2026-12-03T10:00:05.000Z', feedbackId: 'f' },
    mail: { messageId: 'ses-1', timestamp: '2026-12-03T10:00:00.000Z', commonHeaders: {} },
  });
  const outcome = (message: object) => {
    const result = parseSesNotification(message);
    assert.equal(result.ok, true);
    const event = result.ok ? result.events[0]! : null;
    return [event?.bounce?.outcome, event?.bounce?.category, event?.bounce?.subCategory, event?.messageId];
  };
  assert.deepEqual(outcome(bounce('Transient', 'MailboxFull', '4.2.2')), ['soft', 'Temporarily blocked', 'Mailbox Full', null]);
  assert.deepEqual(outcome(bounce('Transient', 'General', '5.1.1')), ['soft', 'Temporarily blocked', 'Invalid Mailbox', null]);
  assert.deepEqual(outcome(bounce('Undetermined', 'Undetermined')), ['soft', 'Temporarily blocked', 'Unknown', null]);
  assert.deepEqual(outcome(bounce('Permanent', 'OnAccountSuppressionList')), ['hard', 'Permanently blocked', 'Invalid Mailbox', null]);
  assert.deepEqual(outcome(bounce('Permanent', 'General')), ['hard', 'Permanently blocked', 'Invalid Mailbox', null]);
});

test('SES Complaint, Delivery, DeliveryDelay; other event types ignored; garbage refused without throwing', () => {
  const mail = { messageId: 'ses-2', timestamp: '2026-12-03T10:00:00.000Z', headers: [{ name: 'message-id', value: '<m2@mail.example.com>' }] };
  const complaint = parseSesNotification({
    notificationType: 'Complaint',
    complaint: { complainedRecipients: [{ emailAddress: 'erin@hotmail.example' }], timestamp: '2026-12-03T11:00:00.000Z', feedbackId: 'c-1', complaintFeedbackType: 'abuse' },
    mail,
  });
  assert.deepEqual(complaint.ok && complaint.events.map((e) => [e.kind, e.eventId, e.recipient, e.messageId, e.feedbackType, e.bounce]), [['complained', 'c-1:erin@hotmail.example', 'erin@hotmail.example', 'm2@mail.example.com', 'abuse', null]]);
  const delivery = parseSesNotification({ eventType: 'Delivery', delivery: { recipients: ['A@x.example', 'b@x.example'], timestamp: '2026-12-03T10:00:02.000Z', smtpResponse: '250 ok' }, mail });
  assert.deepEqual(delivery.ok && delivery.events.map((e) => [e.kind, e.recipient, e.diagnostic, e.eventId]), [
    ['delivered', 'a@x.example', '250 ok', 'ses-2:delivery:a@x.example'],
    ['delivered', 'b@x.example', '250 ok', 'ses-2:delivery:b@x.example'],
  ]);
  const delay = parseSesNotification({
    eventType: 'DeliveryDelay',
    deliveryDelay: { delayType: 'MailboxFull', delayedRecipients: [{ emailAddress: 'f@x.example', status: '4.2.2', diagnosticCode: 'smtp; 452 4.2.2 full' }], timestamp: '2026-12-03T10:30:00.000Z' },
    mail,
  });
  assert.deepEqual(delay.ok && delay.events.map((e) => [e.kind, e.recipient, e.status, e.bounce?.outcome, e.bounce?.subCategory]), [['deferred', 'f@x.example', '4.2.2', 'delayed', 'Mailbox Full']]);
  assert.deepEqual(parseSesNotification({ eventType: 'Send', mail }), { ok: true, events: [] });
  assert.deepEqual(parseSesNotification({ eventType: 'Open', mail }), { ok: true, events: [] });
  for (const garbage of ['not json', '42', '[]', JSON.stringify({ notificationType: 'Bounce' }), JSON.stringify({ notificationType: 'Complaint', mail: 7 })]) {
    assert.equal(parseSesNotification(garbage).ok, false, garbage);
  }
});
