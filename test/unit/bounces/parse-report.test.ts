import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import { MAX_REPORT_BYTES, parseFieldGroups, parseReport, stripTypePrefix, type DsnReport, type ParsedReport } from '../../../src/bounces/parse-report.js';

const FIXTURES = new URL('../../../../test/fixtures/bounces/', import.meta.url);

function fixture(name: string): Buffer {
  return fs.readFileSync(new URL(name, FIXTURES));
}

async function dsn(name: string | Buffer): Promise<DsnReport> {
  const report: ParsedReport = await parseReport(typeof name === 'string' ? fixture(name) : name);
  assert.equal(report.kind, 'dsn', JSON.stringify(report));
  return report as DsnReport;
}

test('RFC 3464 (Postfix): per-recipient groups, folded Diagnostic-Code, rfc822; prefixes, Original-Envelope-Id, original Message-ID from text/rfc822-headers', async () => {
  const report = await dsn('rfc3464-postfix.eml');
  assert.equal(report.format, 'rfc3464');
  assert.equal(report.reportingMta, 'mx.y.example');
  assert.equal(report.originalEnvelopeId, 'mr-1000000000000000001');
  assert.equal(report.originalMessageId, '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08@mail.example.com');
  assert.equal(report.originalTo, 'bob@y.example');
  assert.equal(report.recipients.length, 2);
  const [bob, carol] = report.recipients;
  assert.deepEqual(
    { recipient: bob!.recipient, originalRecipient: bob!.originalRecipient, action: bob!.action, status: bob!.status, remoteMta: bob!.remoteMta },
    { recipient: 'bob@y.example', originalRecipient: 'bob@y.example', action: 'failed', status: '5.1.1', remoteMta: 'mx.y.example' },
  );
  assert.equal(bob!.diagnostic, '550 5.1.1 <bob@y.example>: Recipient address rejected: User unknown in local recipient table');
  assert.deepEqual([bob!.bounce.outcome, bob!.bounce.category, bob!.bounce.subCategory], ['hard', 'Permanently blocked', 'Invalid Mailbox']);
  assert.deepEqual([carol!.recipient, carol!.action, carol!.status, carol!.bounce.outcome], ['carol@y.example', 'delayed', '4.4.1', 'delayed']);
  assert.equal(carol!.diagnostic, 'connect to mx2.y.example[192.0.2.26]:25: Connection timed out');
});

test('RFC 3464 (Gmail): nested human-readable part, three folded 550- lines, original Message-ID from a message/rfc822 part', async () => {
  const report = await dsn('rfc3464-gmail.eml');
  assert.equal(report.format, 'rfc3464');
  assert.equal(report.originalMessageId, 'aaaa1111@mail.example.com');
  assert.equal(report.recipients.length, 1, 'addresses in the returned message are not recipients');
  assert.equal(report.recipients[0]!.recipient, 'alice@gmail.example');
  assert.match(report.recipients[0]!.diagnostic ?? '', /^550-5\.1\.1 The email account .* unnecessary spaces\.$/);
  assert.equal(report.recipients[0]!.bounce.outcome, 'hard');
});

test('RFC 3464 (Office 365): HTML human-readable part, base64 delivery-status, 5.1.10 recipient not found', async () => {
  const report = await dsn('rfc3464-office365.eml');
  assert.equal(report.reportingMta, 'DB9PR01MB1234.eurprd01.prod.exchangelabs.com');
  assert.equal(report.originalMessageId, 'o365-original@mail.example.com');
  assert.deepEqual(
    report.recipients.map((r) => [r.recipient, r.status, r.bounce.outcome, r.bounce.subCategory]),
    [['dave@contoso.example', '5.1.10', 'hard', 'Invalid Mailbox']],
  );
});

test('ARF complaint (RFC 5965): feedback type, original mail from (the VERP address), recipient, Message-ID of an inline message/rfc822', async () => {
  const report = await parseReport(fixture('arf-complaint.eml'));
  assert.deepEqual(report, {
    kind: 'complaint',
    feedbackType: 'abuse',
    originalMessageId: 'complained-1@mail.example.com',
    originalRecipient: 'erin@hotmail.example',
    originalMailFrom: 'bounces+0ld5q3x7a9kzmabcdefghijklmnop@mail.example.com',
    userAgent: 'SomeGenerator/1.0',
    arrivalDate: Date.UTC(2026, 11, 3, 9, 58),
    sourceIp: '192.0.2.1',
  });
});

test('plain-text bounces: qmail blocks (two recipients, the quoted original ignored)', async () => {
  const report = await dsn('qmail.eml');
  assert.equal(report.format, 'text');
  assert.equal(report.originalMessageId, 'qmail-original@mail.example.com');
  assert.deepEqual(
    report.recipients.map((r) => [r.recipient, r.action, r.status, r.bounce.outcome, r.bounce.subCategory]),
    [
      ['frank@qmail.example', 'failed', '5.1.1', 'hard', 'Invalid Mailbox'],
      ['grace@other.example', 'failed', '5.2.2', 'soft', 'Mailbox Full'],
    ],
  );
});

test('plain-text bounces: Exim failure (indented address, folded reply) and Exim delay warning', async () => {
  const failed = await dsn('exim.eml');
  assert.equal(failed.originalMessageId, 'exim-original@mail.example.com');
  assert.equal(failed.recipients.length, 1);
  assert.equal(failed.recipients[0]!.recipient, 'ivan@exim-dest.example');
  assert.equal(failed.recipients[0]!.diagnostic, '550 5.7.1 <ivan@exim-dest.example>: Message rejected, listed on Spamhaus ZEN blocklist');
  assert.deepEqual([failed.recipients[0]!.bounce.outcome, failed.recipients[0]!.bounce.subCategory], ['soft', 'Spam Blocked']);
  const delayed = await dsn('exim-delay.eml');
  assert.deepEqual(
    delayed.recipients.map((r) => [r.recipient, r.action, r.status, r.bounce.outcome, r.bounce.category]),
    [['judy@slow.example', 'delayed', '4.3.0', 'delayed', null]],
  );
});

test('plain-text bounces: Postfix without DSN (a block without a status is not reported), Exchange NDR, Gmail', async () => {
  const postfix = await dsn('postfix-text.eml');
  assert.deepEqual(
    postfix.recipients.map((r) => [r.recipient, r.status, r.bounce.outcome]),
    [['ned@relay-dest.example', '5.1.1', 'hard']],
  );
  assert.match(postfix.recipients[0]!.diagnostic ?? '', /said: 550 5\.1\.1 <ned@relay-dest\.example>: Recipient address rejected: User unknown \(in reply to RCPT TO command\)$/);
  const exchange = await dsn('exchange-text.eml');
  assert.equal(exchange.originalMessageId, 'exchange-original@mail.example.com');
  assert.deepEqual(
    exchange.recipients.map((r) => [r.recipient, r.diagnostic, r.bounce.outcome]),
    [['kim@fabrikam.example', '550 5.1.1 RESOLVER.ADR.RecipNotFound; not found', 'hard']],
  );
  const gmail = await dsn('gmail-text.eml');
  assert.deepEqual(
    gmail.recipients.map((r) => [r.recipient, r.status, r.bounce.outcome]),
    [['leo@gmail.example', '5.7.26', 'soft']],
  );
  assert.match(gmail.recipients[0]!.diagnostic ?? '', /^550 5\.7\.26 This mail has been blocked .* SPF or DKIM\.$/);
});

test('a bounce whose address cannot be found still reports the failure, with a null recipient (the VERP envelope names it)', async () => {
  const raw = Buffer.from('From: MAILER-DAEMON@x.example\r\nSubject: Returned mail: see transcript for details\r\n\r\nThe original message was rejected.\r\n   ----- Transcript of session follows -----\r\n... while talking to mx.x.example.:\r\n>>> DATA\r\n<<< 554 5.7.1 Message refused\r\n');
  const report = await dsn(raw);
  assert.deepEqual(report.recipients.map((r) => [r.recipient, r.status, r.bounce.outcome]), [[null, '5.7.1', 'soft']]);
});

test('not reports: an out-of-office reply, a bounce without any status, garbage, empty, oversize; never throws', async () => {
  assert.deepEqual(await parseReport(fixture('out-of-office.eml')), { kind: 'unknown', reason: 'neither a delivery report nor a feedback report' });
  const noStatus = await parseReport(Buffer.from('From: MAILER-DAEMON@x.example\r\nSubject: Undelivered Mail Returned to Sender\r\n\r\nSomething went wrong.\r\n'));
  assert.equal(noStatus.kind, 'unknown');
  assert.equal((await parseReport(Buffer.alloc(0))).kind, 'unknown');
  const oversize = await parseReport(Buffer.alloc(MAX_REPORT_BYTES + 1, 0x61));
  assert.deepEqual(oversize, { kind: 'unknown', reason: `larger than ${MAX_REPORT_BYTES} bytes` });
  const garbage = [
    Buffer.from([0x00, 0xff, 0xfe, 0x0d, 0x0a, 0x0d, 0x0a, 0x80]),
    Buffer.from('Content-Type: multipart/report; report-type=delivery-status; boundary=x\r\n\r\n--x\r\nContent-Type: message/delivery-status\r\n\r\n\r\n--x--\r\n'),
    Buffer.from('Content-Type: multipart/report; report-type=delivery-status; boundary=x\r\n\r\n--x\r\nContent-Type: message/delivery-status\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!!\r\n'),
    Buffer.from('Content-Type: multipart/report; report-type=feedback-report; boundary=x\r\n\r\n--x\r\nContent-Type: message/feedback-report\r\n\r\nVersion: 1\r\n--x--\r\n'),
    Buffer.from(`Content-Type: multipart/mixed; boundary=a\r\n\r\n${'--a\r\nContent-Type: multipart/mixed; boundary=a\r\n\r\n'.repeat(500)}`),
  ];
  for (const raw of garbage) assert.equal((await parseReport(raw)).kind, 'unknown', raw.toString('latin1').slice(0, 60));
});

test('a report larger than the parsed prefix is still read from its first parts (the returned message comes last)', async () => {
  const base = fixture('rfc3464-postfix.eml').toString('latin1');
  const closing = '--4F1A2B3C4D.1764756000/mx.y.example--';
  const padded = base.replace(closing, `--4F1A2B3C4D.1764756000/mx.y.example\nContent-Type: message/rfc822\n\nSubject: big\n\n${'x'.repeat(1000)}\n`.concat('y'.repeat(2 * 1024 * 1024)));
  const report = await dsn(Buffer.from(padded, 'latin1'));
  assert.equal(report.recipients[0]!.status, '5.1.1');
});

test('the field parser: groups, unfolding, case-insensitive names, first of repeated fields; type prefixes stripped', () => {
  const groups = parseFieldGroups('Reporting-MTA: dns; a\r\n\r\nFINAL-recipient: rfc822; b@x\r\nDiagnostic-Code: smtp; 550\r\n  folded\r\n\tagain\r\nAction: failed\r\nAction: delayed\r\n\r\n\r\n');
  assert.equal(groups.length, 2);
  assert.equal(groups[0]!.get('reporting-mta'), 'dns; a');
  assert.equal(groups[1]!.get('final-recipient'), 'rfc822; b@x');
  assert.equal(groups[1]!.get('diagnostic-code'), 'smtp; 550 folded again');
  assert.equal(groups[1]!.get('action'), 'failed');
  assert.equal(stripTypePrefix('rfc822;b@x'), 'b@x');
  assert.equal(stripTypePrefix('utf-8; b@x'), 'b@x');
  assert.equal(stripTypePrefix(undefined), null);
});
