import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { test } from 'node:test';
import { parseSendgridEvents, SENDGRID_TOLERANCE_MS, sendgridPublicKey, verifySendgridSignature } from '../../../src/bounces/sendgrid.js';

const pair = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const other = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
/** What SendGrid's settings page shows: the verification key, base64 DER SPKI. */
const PUBLIC_KEY = pair.publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
const NOW = Date.UTC(2026, 11, 3, 10, 0, 0);
const TIMESTAMP = String(NOW / 1000);

function signature(timestamp: string, body: string, privateKey = pair.privateKey): string {
  return sign('sha256', Buffer.from(timestamp + body), privateKey).toString('base64');
}

const EVENTS = [
  { email: 'Bob@Y.example', timestamp: 1796292000, 'smtp-id': '<abc@mail.example.com>', event: 'bounce', type: 'bounce', status: '5.1.1', reason: '550 5.1.1 The email account that you tried to reach does not exist', sg_event_id: 'ev-bounce', sg_message_id: 'sgid.filter0001.1' },
  { email: 'carol@y.example', timestamp: 1796292001, 'smtp-id': '<abc@mail.example.com>', event: 'bounce', type: 'blocked', status: '5.1.1', reason: '550 5.1.1 blocked', sg_event_id: 'ev-blocked', sg_message_id: 'sgid.filter0001.2' },
  { email: 'dan@y.example', timestamp: 1796292002, event: 'dropped', reason: 'Bounced Address', sg_event_id: 'ev-dropped', sg_message_id: 'sgid.3' },
  { email: 'eve@y.example', timestamp: 1796292003, event: 'dropped', reason: 'Unsubscribed Address', sg_event_id: 'ev-dropped-2', sg_message_id: 'sgid.4' },
  { email: 'fay@y.example', timestamp: 1796292004, event: 'deferred', response: '451 4.4.1 try again later', attempt: '3', sg_event_id: 'ev-deferred', sg_message_id: 'sgid.5' },
  { email: 'gus@y.example', timestamp: 1796292005, event: 'delivered', response: '250 OK', sg_event_id: 'ev-delivered', sg_message_id: 'sgid.6', 'smtp-id': '<def@mail.example.com>' },
  { email: 'hal@y.example', timestamp: 1796292006, event: 'spamreport', sg_event_id: 'ev-spam', sg_message_id: 'sgid.7' },
  { email: 'ida@y.example', timestamp: 1796292007, event: 'open', sg_event_id: 'ev-open' },
  { email: 'jon@y.example', timestamp: 1796292008, event: 'processed', sg_event_id: 'ev-processed' },
  'not an event',
];
const BODY = JSON.stringify(EVENTS);

test('a correctly signed body verifies (base64 DER SPKI key, or a PEM, or a KeyObject)', () => {
  const sig = signature(TIMESTAMP, BODY);
  assert.deepEqual(verifySendgridSignature({ publicKey: PUBLIC_KEY, signature: sig, timestamp: TIMESTAMP, rawBody: Buffer.from(BODY), now: NOW }), { ok: true });
  const pem = pair.publicKey.export({ format: 'pem', type: 'spki' }).toString();
  assert.deepEqual(verifySendgridSignature({ publicKey: pem, signature: sig, timestamp: TIMESTAMP, rawBody: BODY, now: NOW }), { ok: true });
  assert.deepEqual(verifySendgridSignature({ publicKey: sendgridPublicKey(PUBLIC_KEY), signature: sig, timestamp: TIMESTAMP, rawBody: BODY, now: NOW + SENDGRID_TOLERANCE_MS }), { ok: true });
});

test('refused: altered body, another timestamp, another key, garbage signature, missing headers, a bad key', () => {
  const sig = signature(TIMESTAMP, BODY);
  const base = { publicKey: PUBLIC_KEY, signature: sig, timestamp: TIMESTAMP, rawBody: BODY, now: NOW };
  assert.deepEqual(verifySendgridSignature({ ...base, rawBody: BODY.replace('bounce', 'bounced') }), { ok: false, reason: 'bad signature' });
  assert.deepEqual(verifySendgridSignature({ ...base, rawBody: `${BODY} ` }), { ok: false, reason: 'bad signature' }, 'the raw bytes are signed, not the JSON');
  assert.deepEqual(verifySendgridSignature({ ...base, timestamp: String(NOW / 1000 + 1) }), { ok: false, reason: 'bad signature' });
  assert.deepEqual(verifySendgridSignature({ ...base, signature: signature(TIMESTAMP, BODY, other.privateKey) }), { ok: false, reason: 'bad signature' });
  assert.deepEqual(verifySendgridSignature({ ...base, signature: 'AAAA' }), { ok: false, reason: 'bad signature' });
  assert.deepEqual(verifySendgridSignature({ ...base, signature: undefined }), { ok: false, reason: 'signature or timestamp header missing' });
  assert.deepEqual(verifySendgridSignature({ ...base, timestamp: undefined }), { ok: false, reason: 'signature or timestamp header missing' });
  assert.deepEqual(verifySendgridSignature({ ...base, timestamp: '1e9' }), { ok: false, reason: 'timestamp is not a number of seconds' });
  assert.equal(verifySendgridSignature({ ...base, publicKey: 'bm90IGEga2V5' }).ok, false);
  const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
  assert.match(JSON.stringify(verifySendgridSignature({ ...base, publicKey: rsa })), /EC P-256/);
});

test('a timestamp outside the tolerance (10 minutes either way) is refused even with a good signature', () => {
  const stale = String(NOW / 1000 - SENDGRID_TOLERANCE_MS / 1000 - 1);
  const future = String(NOW / 1000 + SENDGRID_TOLERANCE_MS / 1000 + 1);
  for (const timestamp of [stale, future]) {
    const result = verifySendgridSignature({ publicKey: PUBLIC_KEY, signature: signature(timestamp, BODY), timestamp, rawBody: BODY, now: NOW });
    assert.deepEqual(result, { ok: false, reason: 'timestamp outside the tolerance' }, timestamp);
  }
});

test('events map to RelayEvents; untracked events are counted as ignored', () => {
  const result = parseSendgridEvents(BODY);
  assert.equal(result.ok, true);
  if (!result.ok) return;
  assert.equal(result.ignored, 3);
  assert.deepEqual(
    result.events.map((e) => [e.kind, e.relay, e.eventId, e.recipient, e.messageId, e.relayMessageId, e.status, e.bounce?.outcome ?? null, e.bounce?.subCategory ?? null, e.occurredAt]),
    [
      ['bounced', 'sendgrid', 'ev-bounce', 'bob@y.example', 'abc@mail.example.com', 'sgid.filter0001.1', '5.1.1', 'hard', 'Invalid Mailbox', 1796292000000],
      ['bounced', 'sendgrid', 'ev-blocked', 'carol@y.example', 'abc@mail.example.com', 'sgid.filter0001.2', '5.1.1', 'soft', 'Invalid Mailbox', 1796292001000],
      ['bounced', 'sendgrid', 'ev-dropped', 'dan@y.example', null, 'sgid.3', null, 'hard', 'Invalid Mailbox', 1796292002000],
      ['bounced', 'sendgrid', 'ev-dropped-2', 'eve@y.example', null, 'sgid.4', null, 'soft', 'Message Rejected', 1796292003000],
      ['deferred', 'sendgrid', 'ev-deferred', 'fay@y.example', null, 'sgid.5', '4.4.1', 'delayed', 'Temporary Domain Failure', 1796292004000],
      ['delivered', 'sendgrid', 'ev-delivered', 'gus@y.example', 'def@mail.example.com', 'sgid.6', null, null, null, 1796292005000],
      ['complained', 'sendgrid', 'ev-spam', 'hal@y.example', null, 'sgid.7', null, null, null, 1796292006000],
    ],
  );
  assert.equal(result.events[0]!.bounce?.category, 'Permanently blocked');
  assert.equal(result.events[1]!.bounce?.category, 'Temporarily blocked');
  assert.equal(result.events[4]!.diagnostic, '451 4.4.1 try again later');
  assert.equal(result.events[6]!.feedbackType, 'abuse');
});

test('an event without sg_event_id gets a stable id; bodies that are not an array of events are refused without throwing', () => {
  const once = parseSendgridEvents([{ email: 'a@x.example', event: 'delivered', timestamp: 1, sg_message_id: 'm' }]);
  const twice = parseSendgridEvents([{ email: 'a@x.example', event: 'delivered', timestamp: 1, sg_message_id: 'm' }]);
  assert.equal(once.ok && once.events[0]!.eventId, 'm:delivered:1:a@x.example');
  assert.deepEqual(once, twice);
  for (const garbage of ['', 'nope', '{}', '42', 'null']) assert.equal(parseSendgridEvents(garbage).ok, false, garbage);
  assert.deepEqual(parseSendgridEvents('[]'), { ok: true, events: [], ignored: 0 });
});
