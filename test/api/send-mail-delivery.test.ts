import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createWorker, type Worker } from '../../src/delivery/worker.js';
import { DATABASE_KINDS, json, startTestApp, type TestApp, type TestOrg } from '../helpers/test-app.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';

for (const kind of DATABASE_KINDS) {
  describe(`send_mail delivered over SMTP [${kind}]`, () => {
    let sink: SmtpSink;
    let testApp: TestApp;
    let worker: Worker;
    let org: TestOrg;
    let adminEmail: string;
    let leadId: string;

    before(async () => {
      sink = await startSmtpSink({
        onRcpt: (address) =>
          address.startsWith('gone@') ? { code: 550, message: '5.1.1 User unknown' } : address.startsWith('full@') ? { code: 552, message: '5.2.2 Mailbox full' } : null,
      });
      testApp = await startTestApp(kind, { env: { SMTP_URL: sink.url, MESSAGE_ID_DOMAIN: 'mail.test' } });
      worker = createWorker(testApp.app);
      org = await testApp.createOrg();
      adminEmail = json(await testApp.api('GET', '/crm/v8/users?type=CurrentUser', org.token)).users[0].email;
      const lead = await testApp.api('POST', '/crm/v8/Leads', org.token, { data: [{ Last_Name: 'Smith', Email: 'smith@example.com' }] });
      leadId = json(lead).data[0].details.id;
    });
    after(async () => {
      await worker.stop(1000);
      await testApp.close();
      await sink.close();
    });

    test('a mail with to, cc, bcc, reply_to and a UTF-8 subject arrives with the right headers and envelope', async () => {
      const response = await testApp.api('POST', `/crm/v8/Leads/${leadId}/actions/send_mail`, org.token, {
        data: [
          {
            from: { user_name: 'Patricia Boyle', email: adminEmail },
            to: [{ user_name: 'Ann Smith', email: 'smith@example.com' }],
            cc: [{ email: 'cc.person@example.com' }],
            bcc: [{ user_name: 'Hidden', email: 'hidden@example.com' }],
            reply_to: { user_name: 'Desk', email: 'desk@example.com' },
            subject: 'Grüße aus Köln ☃',
            content: '<h3>Hello</h3><p>Line <b>two</b></p>',
            mail_format: 'html',
          },
        ],
      });
      assert.equal(response.statusCode, 200);
      const item = json(response).data[0];
      assert.equal(item.message, 'Your mail has been sent successfully.');
      assert.match(item.details.message_id, /^[0-9a-f]{64}$/);
      assert.equal(await worker.runOnce(), 1);
      const [message] = await sink.waitFor(1);
      const parsed = message!.parsed;
      assert.equal(parsed.subject, 'Grüße aus Köln ☃');
      assert.equal(parsed.messageId, `<${item.details.message_id}@mail.test>`);
      assert.deepEqual(parsed.from?.value, [{ address: adminEmail, name: 'Patricia Boyle' }]);
      const addresses = (field: unknown) => (field as { value: { address: string; name: string }[] }).value;
      assert.deepEqual(addresses(parsed.to), [{ address: 'smith@example.com', name: 'Ann Smith' }]);
      assert.deepEqual(addresses(parsed.cc), [{ address: 'cc.person@example.com', name: '' }]);
      assert.deepEqual(addresses(parsed.replyTo), [{ address: 'desk@example.com', name: 'Desk' }]);
      assert.equal(parsed.headers.get('bcc'), undefined);
      assert.doesNotMatch(message!.raw.toString('utf8'), /hidden@example\.com/);
      assert.deepEqual([...message!.envelopeTo].sort(), ['cc.person@example.com', 'hidden@example.com', 'smith@example.com']);
      assert.equal(message!.envelopeFrom, adminEmail);
      assert.match(String(parsed.html), /<b>two<\/b>/);
      assert.match(String(parsed.text), /HELLO[\s\S]*Line two/);

      const list = json(await testApp.api('GET', `/crm/v8/Leads/${leadId}/Emails`, org.token));
      const statuses = list.Emails[0].status.map((s: { email: string; type: string; status_code: string }) => [s.email, s.type, s.status_code]);
      assert.deepEqual(statuses, [
        ['smith@example.com', 'sent', '2.0.0'],
        ['cc.person@example.com', 'sent', '2.0.0'],
        ['hidden@example.com', 'sent', '2.0.0'],
      ]);
    });

    test('a mail without a subject goes on the wire with one empty Subject field; a subject is never doubled', async () => {
      const subjectLines = (raw: Buffer) => {
        const text = raw.toString('utf8');
        return text.slice(0, text.indexOf('\r\n\r\n')).split('\r\n').filter((line) => /^subject:/i.test(line));
      };
      for (const subject of [undefined, 'With a subject']) {
        const response = await testApp.api('POST', `/crm/v8/Leads/${leadId}/actions/send_mail`, org.token, {
          data: [{ from: { email: adminEmail }, to: [{ email: 'smith@example.com' }], content: `<p>${subject ?? 'none'}</p>`, ...(subject ? { subject } : {}) }],
        });
        assert.equal(response.statusCode, 200, response.body);
        const before = sink.messages.length;
        assert.equal(await worker.runOnce(), 1);
        const [message] = (await sink.waitFor(before + 1)).slice(before);
        assert.deepEqual(subjectLines(message!.raw), [subject ? `Subject: ${subject}` : 'Subject: ']);
        assert.equal(message!.parsed.subject, subject);
        assert.match(String(message!.parsed.html), new RegExp(subject ?? 'none'));
      }
    });

    test('a reply with in_reply_to arrives with In-Reply-To and References naming the original', async () => {
      const mail = (extra: Record<string, unknown>) => ({ from: { email: adminEmail }, to: [{ email: 'smith@example.com' }], subject: 'Thread', ...extra });
      const original = json(await testApp.api('POST', `/crm/v8/Leads/${leadId}/actions/send_mail`, org.token, { data: [mail({})] })).data[0].details.message_id;
      const reply = json(
        await testApp.api('POST', `/crm/v2.1/Leads/${leadId}/actions/send_mail`, org.token, { data: [mail({ subject: 'Re: Thread', in_reply_to: original })] }),
      ).data[0].details.message_id;
      const before = sink.messages.length;
      await worker.runOnce();
      const received = await sink.waitFor(before + 2);
      const answer = received.slice(before).find((m) => m.parsed.messageId === `<${reply}@mail.test>`)!;
      assert.equal(answer.parsed.inReplyTo, `<${original}@mail.test>`);
      assert.deepEqual([answer.parsed.references].flat(), [`<${original}@mail.test>`]);
    });

    test('a 550 5.1.1 bounces that recipient and blocks the address for good; a 552 5.2.2 blocks it until unblock_email lifts it', async () => {
      const blockedLead = json(
        await testApp.api('POST', '/crm/v8/Leads', org.token, { data: [{ Last_Name: 'Gone', Email: 'gone@example.com' }] }),
      ).data[0].details.id;
      const mail = { from: { email: adminEmail }, to: [{ email: 'gone@example.com' }, { email: 'smith@example.com' }], subject: 'Bounce' };
      const first = json(await testApp.api('POST', `/crm/v8/Leads/${blockedLead}/actions/send_mail`, org.token, { data: [mail] }));
      await worker.runOnce();
      const detail = json(await testApp.api('GET', `/crm/v8/Leads/${blockedLead}/Emails/${first.data[0].details.message_id}`, org.token)).Emails[0];
      const gone = detail.status.find((s: { email: string }) => s.email === 'gone@example.com');
      assert.equal(gone.type, 'bounced');
      assert.equal(gone.status_code, '5.1.1');
      assert.match(gone.diagnostic, /User unknown/);
      assert.equal(gone.category, 'Permanently blocked');
      assert.equal(gone.sub_category, 'Invalid Mailbox');
      assert.equal(detail.status.find((s: { email: string }) => s.email === 'smith@example.com').type, 'sent');

      const refused = await testApp.api('POST', `/crm/v5/Leads/${blockedLead}/actions/send_mail`, org.token, { data: [mail] });
      assert.equal(refused.statusCode, 400);
      assert.equal(json(refused).data[0].code, 'NOT_ALLOWED');
      assert.equal(json(refused).data[0].message, "Email cannot be sent as record's email field contain one or more blocked emaill");

      const skipped = json(await testApp.api('POST', `/crm/v8/Leads/${blockedLead}/actions/send_mail`, org.token, { data: [mail] }));
      assert.equal(skipped.data[0].code, 'SUCCESS');
      assert.deepEqual(skipped.data[0].details.blocked_email_addresses.map((b: { email: string }) => b.email), ['gone@example.com']);
      await worker.runOnce();

      // A hard bounce (no such user) is permanent: Zoho refuses to unblock it.
      const permanent = json(await testApp.api('POST', `/crm/v8/Leads/${blockedLead}/actions/unblock_email`, org.token, { unblock_fields: ['Email'] }));
      assert.equal(permanent.data[0].code, 'NOT_ALLOWED');
      assert.equal(permanent.data[0].message, 'Cannot unblock, Email is blocked permanently');

      // A soft one (mailbox full) blocks until unblock_email lifts it.
      const fullLead = json(await testApp.api('POST', '/crm/v8/Leads', org.token, { data: [{ Last_Name: 'Full', Email: 'full@example.com' }] })).data[0].details.id;
      const fullMail = { from: { email: adminEmail }, to: [{ email: 'full@example.com' }], subject: 'Bounce' };
      const sent = json(await testApp.api('POST', `/crm/v8/Leads/${fullLead}/actions/send_mail`, org.token, { data: [fullMail] }));
      await worker.runOnce();
      const full = json(await testApp.api('GET', `/crm/v8/Leads/${fullLead}/Emails/${sent.data[0].details.message_id}`, org.token)).Emails[0].status[0];
      assert.equal(full.type, 'bounced');
      assert.equal(full.category, 'Temporarily blocked');
      assert.equal(full.sub_category, 'Mailbox Full');
      const unblock = await testApp.api('POST', `/crm/v8/Leads/${fullLead}/actions/unblock_email`, org.token, { unblock_fields: ['Email'] });
      assert.equal(unblock.statusCode, 200);
      assert.deepEqual(json(unblock).data[0], { code: 'SUCCESS', details: { id: fullLead }, message: 'Unblocked successfully', status: 'success' });
      // Both blocks and the unblock are in the audit trail.
      const audit = json(await testApp.api('GET', '/crm/v8/settings/audit_log', org.token)).audit_log as { action: string; details: { email?: string; permanent?: boolean } }[];
      const blocks = audit.filter((e) => e.action === 'email.blocked');
      assert.equal(blocks.find((e) => e.details.email === 'gone@example.com')?.details.permanent, true);
      assert.equal(blocks.find((e) => e.details.email === 'full@example.com')?.details.permanent, false);
      assert.ok(audit.some((e) => e.action === 'email.unblocked'));
      const again = await testApp.api('POST', `/crm/v8/Leads/${fullLead}/actions/unblock_email`, org.token, { unblock_fields: ['Email'] });
      assert.equal(json(again).data[0].message, 'Email is already unblocked');
      const after = json(await testApp.api('POST', `/crm/v5/Leads/${fullLead}/actions/send_mail`, org.token, { data: [fullMail] }));
      assert.equal(after.data[0].code, 'SUCCESS');
      await worker.runOnce();
    });
  });
}
