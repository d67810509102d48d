import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createWorker, type Worker } from '../../src/delivery/worker.js';
import { createInboundProcessor, type InboundProcessor } from '../../src/inbound/inbound-processor.js';
import { startInboundListener, type InboundListener } from '../../src/inbound/inbound-listener.js';
import { listInboundMessages } from '../../src/inbound/inbound-repository.js';
import { arfComplaint, dsnMessage, sendRaw } from '../helpers/reports.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';
import { DATABASE_KINDS, json, startTestApp, type TestApp, type TestOrg } from '../helpers/test-app.js';

const VERP = /^bounces\+[0-9a-z]{29}@bounce\.test$/;

for (const kind of DATABASE_KINDS) {
  describe(`late bounces and complaints through the inbound listener [${kind}]`, () => {
    let sink: SmtpSink;
    let testApp: TestApp;
    let worker: Worker;
    let listener: InboundListener;
    let processor: InboundProcessor;
    let org: TestOrg;
    let adminEmail: string;

    before(async () => {
      // A relay that accepts every recipient with 250: the truth comes later, as a DSN.
      sink = await startSmtpSink();
      testApp = await startTestApp(kind, { env: { SMTP_URL: sink.url, MESSAGE_ID_DOMAIN: 'mail.test', BOUNCE_ADDRESS: 'bounces@bounce.test' } });
      worker = createWorker(testApp.app);
      processor = createInboundProcessor(testApp.app);
      listener = await startInboundListener(testApp.app, { port: 0, onStored: () => processor.kick() });
      org = await testApp.createOrg();
      adminEmail = json(await testApp.api('GET', '/crm/v8/users?type=CurrentUser', org.token)).users[0].email;
    });
    after(async () => {
      await worker.stop(1000);
      await listener.close();
      await processor.stop();
      await testApp.close();
      await sink.close();
    });

    /** A lead with this address, mailed once and delivered to the relay: its id, the mail's id and the envelope sender it went out with. */
    async function mailedLead(email: string, options: { cc?: string } = {}) {
      const leadId = json(await testApp.api('POST', '/crm/v8/Leads', org.token, { data: [{ Last_Name: email.split('@')[0], Email: email }] })).data[0].details.id as string;
      const sent = json(
        await testApp.api('POST', `/crm/v8/Leads/${leadId}/actions/send_mail`, org.token, {
          data: [{ from: { email: adminEmail }, to: [{ email }], ...(options.cc ? { cc: [{ email: options.cc }] } : {}), subject: 'Hello', content: 'Hi' }],
        }),
      );
      const messageId = sent.data[0].details.message_id as string;
      const before = sink.messages.length;
      assert.equal(await worker.runOnce(), 1);
      const arrived = await sink.waitFor(before + (options.cc ? 2 : 1));
      const mine = arrived.slice(before);
      const returnPath = mine.find((m) => m.envelopeTo.includes(email))!.envelopeFrom;
      return { leadId, messageId, returnPath, all: mine };
    }

    async function statusOf(leadId: string, messageId: string, email: string) {
      const detail = json(await testApp.api('GET', `/crm/v8/Leads/${leadId}/Emails/${messageId}`, org.token)).Emails[0];
      return detail.status.find((s: { email: string }) => s.email === email);
    }

    async function deliverReport(returnPath: string, raw: string): Promise<void> {
      assert.match(await sendRaw(listener.port, [returnPath], raw), /^250 /);
      await processor.idle();
    }

    test('each recipient goes out in its own transaction with its own VERP return path; the header From is unchanged', async () => {
      const { all } = await mailedLead('two@example.com', { cc: 'copy@example.com' });
      assert.equal(all.length, 2);
      for (const message of all) {
        assert.match(message.envelopeFrom, VERP);
        assert.equal(message.envelopeTo.length, 1);
        assert.deepEqual(message.parsed.from?.value.map((a) => a.address), [adminEmail]);
      }
      assert.notEqual(all[0]!.envelopeFrom, all[1]!.envelopeFrom);
    });

    test('a DSN 5.1.1 for a recipient the relay took: bounced with Zoho\'s fields, blocked for ever, the next send_mail refused', async () => {
      const { leadId, messageId, returnPath } = await mailedLead('nobody@example.com');
      assert.match(returnPath, VERP);
      assert.equal((await statusOf(leadId, messageId, 'nobody@example.com')).type, 'sent');

      await deliverReport(returnPath, dsnMessage({ to: returnPath, recipient: 'nobody@example.com', action: 'failed', status: '5.1.1', diagnostic: '550 5.1.1 <nobody@example.com>: Recipient address rejected: User unknown', originalMessageId: `${messageId}@mail.test` }));

      const status = await statusOf(leadId, messageId, 'nobody@example.com');
      assert.equal(status.type, 'bounced');
      assert.equal(status.status_code, '5.1.1');
      assert.match(status.bounced_reason, /User unknown/);
      assert.match(status.bounced_time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/);
      assert.equal(status.category, 'Permanently blocked');
      assert.equal(status.sub_category, 'Invalid Mailbox');

      const refused = await testApp.api('POST', `/crm/v8/Leads/${leadId}/actions/send_mail`, org.token, {
        data: [{ from: { email: adminEmail }, to: [{ email: 'nobody@example.com' }], subject: 'Again' }],
      });
      assert.equal(refused.statusCode, 400);
      assert.equal(json(refused).data[0].code, 'NOT_ALLOWED');
      assert.equal(json(refused).data[0].message, "Email cannot be sent as record's email field contain one or more blocked emaill");
      assert.deepEqual(json(refused).data[0].details.blocked_email_addresses.map((b: { email: string }) => b.email), ['nobody@example.com']);

      const unblock = json(await testApp.api('POST', `/crm/v8/Leads/${leadId}/actions/unblock_email`, org.token, { unblock_fields: ['Email'] }));
      assert.equal(unblock.data[0].code, 'NOT_ALLOWED');
      assert.equal(unblock.data[0].message, 'Cannot unblock, Email is blocked permanently');

      // The same DSN again (a retry by the remote) changes nothing.
      await deliverReport(returnPath, dsnMessage({ to: returnPath, recipient: 'nobody@example.com', action: 'failed', status: '5.1.1', diagnostic: '550 5.1.1 again', originalMessageId: `${messageId}@mail.test` }));
      assert.match((await statusOf(leadId, messageId, 'nobody@example.com')).bounced_reason, /User unknown/);
    });

    test('a DSN 4.2.2 (mailbox full, the remote gave up) blocks temporarily: unblock_email lifts it', async () => {
      const { leadId, messageId, returnPath } = await mailedLead('full@example.com');
      await deliverReport(returnPath, dsnMessage({ to: returnPath, recipient: 'full@example.com', action: 'failed', status: '4.2.2', diagnostic: '452 4.2.2 Mailbox full', originalMessageId: `${messageId}@mail.test` }));
      const status = await statusOf(leadId, messageId, 'full@example.com');
      assert.equal(status.type, 'bounced');
      assert.equal(status.category, 'Temporarily blocked');
      assert.equal(status.sub_category, 'Mailbox Full');
      const unblock = json(await testApp.api('POST', `/crm/v8/Leads/${leadId}/actions/unblock_email`, org.token, { unblock_fields: ['Email'] }));
      assert.equal(unblock.data[0].message, 'Unblocked successfully');
    });

    test('a delayed DSN shows the recipient deferred with the remote\'s reason, and blocks nothing', async () => {
      const { leadId, messageId, returnPath } = await mailedLead('slow@example.com');
      await deliverReport(returnPath, dsnMessage({ to: returnPath, recipient: 'slow@example.com', action: 'delayed', status: '4.4.1', diagnostic: '421 4.4.1 Connection timed out, still trying', originalMessageId: `${messageId}@mail.test` }));
      const status = await statusOf(leadId, messageId, 'slow@example.com');
      assert.equal(status.type, 'deferred');
      assert.equal(status.action, 'delayed');
      assert.match(status.diagnostic, /still trying/);
      const again = await testApp.api('POST', `/crm/v8/Leads/${leadId}/actions/send_mail`, org.token, { data: [{ from: { email: adminEmail }, to: [{ email: 'slow@example.com' }], subject: 'Again' }] });
      assert.equal(json(again).data[0].code, 'SUCCESS');
      await worker.runOnce();
    });

    test('a DSN with a forged or altered token changes nothing (kept, ignored)', async () => {
      const { leadId, messageId, returnPath } = await mailedLead('victim@example.com');
      const token = /\+([0-9a-z]{29})@/.exec(returnPath)![1]!;
      const altered = returnPath.replace(token, `${token.slice(0, 28)}${token.endsWith('a') ? 'b' : 'a'}`);
      const forged = 'bounces+0000000000001aaaaaaaaaaaaaaaa@bounce.test';
      for (const address of [altered, forged, 'bounces@bounce.test']) {
        await deliverReport(address, dsnMessage({ to: address, recipient: 'victim@example.com', action: 'failed', status: '5.1.1', diagnostic: '550 5.1.1 User unknown', originalMessageId: `${messageId}@mail.test` }));
      }
      assert.equal((await statusOf(leadId, messageId, 'victim@example.com')).type, 'sent');
      const ok = await testApp.api('POST', `/crm/v8/Leads/${leadId}/actions/send_mail`, org.token, { data: [{ from: { email: adminEmail }, to: [{ email: 'victim@example.com' }], subject: 'Again' }] });
      assert.equal(json(ok).data[0].code, 'SUCCESS');
      await worker.runOnce();
      const kept = await listInboundMessages(testApp.app.db, { limit: 3 });
      assert.deepEqual(kept.map((m) => m.state), ['ignored', 'ignored', 'ignored']);
      assert.match(JSON.parse(kept[0]!.summary!).reason, /VERP/);
    });

    test('an ARF complaint opts the record out, audited with reason complaint; a second one changes nothing', async () => {
      const { leadId, messageId, returnPath } = await mailedLead('angry@example.com');
      // Feedback loops write to their own address (here the bounce address itself, no token): the
      // returned message's return path names the recipient.
      for (let i = 0; i < 2; i += 1) {
        await deliverReport('bounces@bounce.test', arfComplaint({ to: 'bounces@bounce.test', returnPath, recipient: 'angry@example.com', originalMessageId: `${messageId}@mail.test` }));
      }
      const lead = json(await testApp.api('GET', `/crm/v8/Leads/${leadId}`, org.token)).data[0];
      assert.equal(lead.Email_Opt_Out, true);
      const audit = json(await testApp.api('GET', '/crm/v8/settings/audit_log', org.token)).audit_log as { action: string; reason: string; record_id?: string }[];
      const entries = audit.filter((e) => e.action === 'opt_out.changed' && e.reason === 'complaint');
      assert.equal(entries.length, 1);
      const refused = await testApp.api('POST', `/crm/v8/Leads/${leadId}/actions/send_mail`, org.token, { data: [{ from: { email: adminEmail }, to: [{ email: 'angry@example.com' }], subject: 'Again' }] });
      assert.equal(refused.statusCode, 403);
    });
  });
}
