import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import nodemailer from 'nodemailer';
import { after, before, describe, test } from 'node:test';
import { createInboundProcessor, type InboundProcessor } from '../../src/inbound/inbound-processor.js';
import { startInboundListener, type InboundListener } from '../../src/inbound/inbound-listener.js';
import { listInboundMessages } from '../../src/inbound/inbound-repository.js';
import { sendRaw as sendTo } from '../helpers/reports.js';
import { DATABASE_KINDS, startTestApp, type TestApp } from '../helpers/test-app.js';

const DSN = (token: string) =>
  [
    'From: MAILER-DAEMON@relay.example.net',
    `To: bounces+${token}@bounce.test`,
    'Subject: Undelivered Mail Returned to Sender',
    'Message-ID: <dsn-1@relay.example.net>',
    '',
    'This is a bounce.',
    '',
  ].join('\r\n');

for (const kind of DATABASE_KINDS) {
  describe(`inbound SMTP listener [${kind}]`, () => {
    let testApp: TestApp;
    let listener: InboundListener;
    let processor: InboundProcessor;

    before(async () => {
      testApp = await startTestApp(kind, {
        env: { BOUNCE_ADDRESS: 'Bounces@Bounce.test', INBOUND_MAX_MESSAGE_BYTES: '65536', INBOUND_MESSAGES_PER_MINUTE: '6' },
      });
      processor = createInboundProcessor(testApp.app);
      listener = await startInboundListener(testApp.app, { port: 0, onStored: () => processor.kick() });
    });
    after(async () => {
      await listener.close();
      await processor.stop();
      await testApp.close();
    });

    test('a message for the bounce address (with a token, any case) is stored before its 250 and then processed', async () => {
      const answer = await sendTo(listener.port, ['BOUNCES+abc123@bounce.TEST'], DSN('abc123'));
      const id = /Stored as (\d+)/.exec(answer)?.[1];
      assert.ok(id, answer);
      assert.match(answer, /^250 /);
      await processor.idle();
      const [row] = await listInboundMessages(testApp.app.db, { limit: 10 });
      assert.equal(row?.id, id);
      assert.equal(row?.mail_from, '');
      assert.deepEqual(JSON.parse(row!.rcpt_to), ['BOUNCES+abc123@bounce.test']); // smtp-server lower-cases the domain
      assert.notEqual(row?.state, 'pending');
    });

    test('postmaster is taken too; any other recipient is refused at RCPT with 550 and nothing is stored', async () => {
      const before = (await listInboundMessages(testApp.app.db, { limit: 100 })).length;
      await assert.rejects(sendTo(listener.port, ['someone@bounce.test'], DSN('x')), (error: { responseCode?: number }) => error.responseCode === 550);
      await assert.rejects(sendTo(listener.port, ['bounces@other.test'], DSN('x')), (error: { responseCode?: number }) => error.responseCode === 550);
      assert.match(await sendTo(listener.port, ['postmaster@bounce.test'], DSN('x')), /^250 /);
      assert.equal((await listInboundMessages(testApp.app.db, { limit: 100 })).length, before + 1);
    });

    test('a message over INBOUND_MAX_MESSAGE_BYTES gets 552 and is not stored', async () => {
      const before = (await listInboundMessages(testApp.app.db, { limit: 100 })).length;
      const big = `${DSN('x')}${'x'.repeat(70_000)}\r\n`;
      await assert.rejects(sendTo(listener.port, ['bounces@bounce.test'], big), (error: { responseCode?: number }) => error.responseCode === 552);
      assert.equal((await listInboundMessages(testApp.app.db, { limit: 100 })).length, before);
    });

    test('beyond INBOUND_MESSAGES_PER_MINUTE a client gets a temporary refusal (451) and nothing is stored', async () => {
      // Earlier tests of this suite already used some of the 6 slots of this minute.
      let refused = 0;
      for (let i = 0; i < 8; i += 1) {
        try {
          await sendTo(listener.port, ['bounces@bounce.test'], DSN('y'));
        } catch (error) {
          assert.equal((error as { responseCode?: number }).responseCode, 451);
          refused += 1;
        }
      }
      assert.ok(refused >= 2, `refused ${refused}`);
      const stored = await listInboundMessages(testApp.app.db, { limit: 100 });
      assert.ok(stored.length <= 6, `stored ${stored.length}`);
    });
  });
}

describe('inbound SMTP listener with a certificate offers STARTTLS [sqlite]', () => {
  let testApp: TestApp;
  let listener: InboundListener;
  let dir: string;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-inbound-tls-'));
    const keyFile = path.join(dir, 'key.pem');
    const certFile = path.join(dir, 'cert.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '2', '-subj', '/CN=mx.bounce.test'], { stdio: 'pipe' });
    testApp = await startTestApp('sqlite', { env: { BOUNCE_ADDRESS: 'bounces@bounce.test', INBOUND_TLS_CERT: certFile, INBOUND_TLS_KEY: keyFile } });
    listener = await startInboundListener(testApp.app, { port: 0 });
  });
  after(async () => {
    await listener.close();
    await testApp.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('a sender that requires TLS upgrades with STARTTLS and gets its 250; the certificate is the configured one', async () => {
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: listener.port, secure: false, requireTLS: true, tls: { rejectUnauthorized: false } });
    try {
      const info = await transport.sendMail({ envelope: { from: '', to: ['bounces@bounce.test'] }, raw: DSN('tls') });
      assert.match(info.response, /^250 /);
    } finally {
      transport.close();
    }
    // The same listener, asked plainly for its capabilities, names STARTTLS and, once upgraded, presents the configured certificate.
    const peerName = await new Promise<string | undefined>((resolve, reject) => {
      const plain = net.connect(listener.port, '127.0.0.1');
      let buffer = '';
      plain.setEncoding('utf8');
      plain.on('error', reject);
      plain.on('data', (chunk: string) => {
        buffer += chunk;
        if (/^220 /m.test(buffer) && !buffer.includes('EHLO-SENT')) {
          buffer += 'EHLO-SENT';
          plain.write('EHLO client.test\r\n');
        } else if (/^250 /m.test(buffer.split('EHLO-SENT')[1] ?? '') && !buffer.includes('TLS-SENT')) {
          assert.match(buffer, /STARTTLS/);
          buffer += 'TLS-SENT';
          plain.write('STARTTLS\r\n');
        } else if (buffer.includes('TLS-SENT') && /^220 /m.test(buffer.split('TLS-SENT')[1] ?? '')) {
          plain.removeAllListeners('data');
          const secure = tls.connect({ socket: plain, rejectUnauthorized: false }, () => {
            const subject = secure.getPeerCertificate().subject?.CN;
            secure.destroy();
            resolve(typeof subject === 'string' ? subject : undefined);
          });
          secure.on('error', reject);
        }
      });
    });
    assert.equal(peerName, 'mx.bounce.test');
  });
});
