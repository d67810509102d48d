import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createWorker, type Worker } from '../../src/delivery/worker.js';
import { listInboundMessages } from '../../src/inbound/inbound-repository.js';
import { freePort } from '../helpers/free-port.js';
import { startMailroom, until, type MailroomProcess } from '../helpers/mailroom-process.js';
import { dsnMessage, sendRaw } from '../helpers/reports.js';
import { runCli } from '../helpers/run-cli.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';
import { DATABASE_KINDS, json, startTestApp, type TestApp, type TestOrg } from '../helpers/test-app.js';

/**
 * `mailroom inbound` as a real process, killed with SIGKILL right after it answered 250 for a DSN
 * (before processing it) and right after the commit (before the 250): nothing it stored is lost —
 * the next start processes it, and the sender's retry of an unanswered one changes nothing more.
 */
for (const kind of DATABASE_KINDS) {
  describe(`mailroom inbound survives SIGKILL [${kind}]`, () => {
    let sink: SmtpSink;
    let testApp: TestApp;
    let worker: Worker;
    let org: TestOrg;
    let adminEmail: string;
    const running: MailroomProcess[] = [];

    before(async () => {
      sink = await startSmtpSink();
      testApp = await startTestApp(kind, { env: { SMTP_URL: sink.url, MESSAGE_ID_DOMAIN: 'mail.test', BOUNCE_ADDRESS: 'bounces@bounce.test' } });
      worker = createWorker(testApp.app);
      org = await testApp.createOrg();
      adminEmail = json(await testApp.api('GET', '/crm/v8/users?type=CurrentUser', org.token)).users[0].email;
    });
    after(async () => {
      for (const proc of running) if (proc.alive()) proc.child.kill('SIGKILL');
      await worker.stop(1000);
      await testApp.close();
      await sink.close();
    });

    async function mailed(email: string) {
      const leadId = json(await testApp.api('POST', '/crm/v8/Leads', org.token, { data: [{ Last_Name: 'X', Email: email }] })).data[0].details.id as string;
      const sent = json(await testApp.api('POST', `/crm/v8/Leads/${leadId}/actions/send_mail`, org.token, { data: [{ from: { email: adminEmail }, to: [{ email }], subject: 'Hi' }] }));
      const before = sink.messages.length;
      await worker.runOnce();
      const [message] = (await sink.waitFor(before + 1)).slice(before);
      return { leadId, messageId: sent.data[0].details.message_id as string, returnPath: message!.envelopeFrom };
    }

    async function typeOf(leadId: string, messageId: string): Promise<string> {
      return json(await testApp.api('GET', `/crm/v8/Leads/${leadId}/Emails/${messageId}`, org.token)).Emails[0].status[0].type;
    }

    async function inbound(port: number, faultAt?: string): Promise<MailroomProcess> {
      const proc = startMailroom(['inbound', '--port', String(port)], { ...testApp.env, LOG_LEVEL: 'info', ...(faultAt ? { MAILROOM_FAULT_AT: faultAt } : {}) });
      running.push(proc);
      await until(() => proc.output().includes('inbound SMTP listening') || !proc.alive(), 30_000, 'the inbound listener');
      assert.ok(proc.alive(), proc.output());
      return proc;
    }

    test('killed right after its 250, before processing: the next start bounces the recipient', async () => {
      const { leadId, messageId, returnPath } = await mailed('after250@example.com');
      const port = await freePort();
      const doomed = await inbound(port, 'inbound.after_reply');
      const answer = await sendRaw(port, [returnPath], dsnMessage({ to: returnPath, recipient: 'after250@example.com', action: 'failed', status: '5.1.1', diagnostic: '550 5.1.1 User unknown', originalMessageId: `${messageId}@mail.test` }));
      assert.match(answer, /^250 /);
      const exit = await doomed.exited;
      assert.equal(exit.signal, 'SIGKILL');
      assert.match(doomed.output(), /fault point inbound\.after_reply: SIGKILL/);
      assert.equal(await typeOf(leadId, messageId), 'sent');
      assert.equal((await listInboundMessages(testApp.app.db, { limit: 1 }))[0]?.state, 'pending');

      const next = await inbound(port);
      await until(async () => (await typeOf(leadId, messageId)) === 'bounced', 20_000, 'the stored DSN to be processed');
      next.child.kill('SIGTERM');
      assert.deepEqual(await next.exited, { code: 0, signal: null });
    });

    test('killed after the commit, before its 250: the sender sees no 250 and retries; the DSN is applied once', async () => {
      const { leadId, messageId, returnPath } = await mailed('before250@example.com');
      const dsn = dsnMessage({ to: returnPath, recipient: 'before250@example.com', action: 'failed', status: '5.1.1', diagnostic: '550 5.1.1 User unknown', originalMessageId: `${messageId}@mail.test` });
      const port = await freePort();
      const doomed = await inbound(port, 'inbound.after_commit');
      await assert.rejects(sendRaw(port, [returnPath], dsn));
      assert.equal((await doomed.exited).signal, 'SIGKILL');

      const next = await inbound(port);
      // The sender retries the message it got no 250 for.
      assert.match(await sendRaw(port, [returnPath], dsn), /^250 /);
      await until(async () => (await typeOf(leadId, messageId)) === 'bounced', 20_000, 'the DSN to be processed');
      await until(async () => (await listInboundMessages(testApp.app.db, { limit: 10 })).filter((m) => m.state === 'pending').length === 0, 20_000, 'nothing pending');
      const audit = json(await testApp.api('GET', '/crm/v8/settings/audit_log', org.token)).audit_log as { action: string; details: { email?: string } }[];
      assert.equal(audit.filter((e) => e.action === 'email.blocked' && e.details.email === 'before250@example.com').length, 1);
      next.child.kill('SIGTERM');
      assert.equal((await next.exited).code, 0);

      // Admins see both copies: one applied, the other processed without a second effect.
      const listed = await runCli(testApp.env, ['inbound', 'list', '--json']);
      assert.equal(listed.code, 0, listed.stderr);
      const messages = JSON.parse(listed.stdout).inbound_messages as { state: string; kind: string; summary: { effect?: string } }[];
      const dsns = messages.filter((m) => m.kind === 'dsn' && m.summary.effect !== undefined).slice(0, 2);
      assert.deepEqual(dsns.map((m) => m.summary.effect).sort(), ['bounced', 'unchanged']);
    });
  });
}
