import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createWorker, type Worker } from '../../src/delivery/worker.js';
import { createInboundProcessor, type InboundProcessor } from '../../src/inbound/inbound-processor.js';
import { startInboundListener, type InboundListener } from '../../src/inbound/inbound-listener.js';
import { getInboundMessage, listInboundMessages } from '../../src/inbound/inbound-repository.js';
import { processInboundMessage } from '../../src/inbound/process-inbound-message.js';
import { sendRaw } from '../helpers/reports.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';
import { createUser } from '../../src/users/create-user.js';
import { signIn } from '../helpers/ui-session.js';
import { DATABASE_KINDS, json, startTestApp, type TestApp, type TestOrg } from '../helpers/test-app.js';
import { registerEndpoint, startWebhookReceiver } from '../helpers/webhook-receiver.js';
import { createWebhookSender } from '../../src/webhooks/webhook-sender.js';
import { failPendingOfEndpoint } from '../../src/webhooks/outbox-repository.js';

const REPLY_TO = /^replies\+[0-9a-z]{29}@reply\.test$/;

/** A reply as a mail client writes it. */
function replyMessage(input: {
  from: string;
  to?: string;
  subject?: string;
  messageId: string;
  inReplyTo?: string;
  references?: string;
  headers?: string[];
  body?: string;
}): string {
  return [
    `From: ${input.from}`,
    `To: ${input.to ?? 'replies@reply.test'}`,
    `Subject: ${input.subject ?? 'Re: Hello'}`,
    `Message-ID: ${input.messageId}`,
    ...(input.inReplyTo ? [`In-Reply-To: ${input.inReplyTo}`] : []),
    ...(input.references ? [`References: ${input.references}`] : []),
    ...(input.headers ?? []),
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    input.body ?? 'Thanks, that works for me.',
    '',
  ].join('\r\n');
}

for (const kind of DATABASE_KINDS) {
  describe(`replies on the record through the inbound listener [${kind}]`, () => {
    let sink: SmtpSink;
    let testApp: TestApp;
    let worker: Worker;
    let listener: InboundListener;
    let processor: InboundProcessor;
    let org: TestOrg;
    let adminEmail: string;

    before(async () => {
      sink = await startSmtpSink();
      testApp = await startTestApp(kind, {
        env: { SMTP_URL: sink.url, MESSAGE_ID_DOMAIN: 'mail.test', BOUNCE_ADDRESS: 'bounces@bounce.test', REPLY_ADDRESS: 'replies@reply.test', WEBHOOK_ALLOW_PRIVATE_HOSTS: 'true' },
      });
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

    async function newLead(email: string): Promise<string> {
      return json(await testApp.api('POST', '/crm/v8/Leads', org.token, { data: [{ Last_Name: email.split('@')[0], Email: email }] })).data[0].details.id as string;
    }

    /** Mails the lead once (optionally with a user reply_to) and delivers it to the relay: ids and the message as delivered. */
    async function mail(leadId: string, email: string, options: { replyTo?: string; subject?: string } = {}) {
      const sent = json(
        await testApp.api('POST', `/crm/v8/Leads/${leadId}/actions/send_mail`, org.token, {
          data: [{ from: { email: adminEmail }, to: [{ email }], ...(options.replyTo ? { reply_to: { email: options.replyTo } } : {}), subject: options.subject ?? 'Hello', content: 'Hi' }],
        }),
      );
      const messageId = sent.data[0].details.message_id as string;
      const count = sink.messages.length;
      assert.equal(await worker.runOnce(), 1);
      const delivered = (await sink.waitFor(count + 1)).slice(count)[0]!;
      return { messageId, delivered };
    }

    async function mailedLead(email: string) {
      const leadId = await newLead(email);
      return { leadId, ...(await mail(leadId, email)) };
    }

    async function deliver(to: string, raw: string | Buffer): Promise<string> {
      const answer = await sendRaw(listener.port, [to], raw);
      assert.match(answer, /^250 /);
      await processor.idle();
      return /Stored as (\d+)/.exec(answer)![1]!;
    }

    async function emailsOf(leadId: string, query = '') {
      const response = await testApp.api('GET', `/crm/v8/Leads/${leadId}/Emails${query}`, org.token);
      return response.statusCode === 204 ? { Emails: [], info: null } : json(response);
    }

    async function statusOf(leadId: string, messageId: string, email: string): Promise<string> {
      const detail = json(await testApp.api('GET', `/crm/v8/Leads/${leadId}/Emails/${messageId}`, org.token)).Emails[0];
      return detail.status.find((s: { email: string }) => s.email === email).type;
    }

    async function inboundRow(id: string) {
      const rows = await listInboundMessages(testApp.app.db, { limit: 200 });
      const row = rows.find((r) => r.id === id)!;
      return { ...row, summary: JSON.parse(row.summary ?? '{}') };
    }

    test('webhooks: a person\'s reply sends recipient.replied for its mail, signed (standardwebhooks), in the change\'s transaction; an auto-reply sends nothing', async () => {
      const receiver = await startWebhookReceiver();
      const sender = createWebhookSender(testApp.app);
      const endpointId = await registerEndpoint(testApp.app.db, testApp.app.secrets, { orgId: org.orgId, url: receiver.url, secret: receiver.secret, eventTypes: ['recipient.replied'], now: Date.now() });
      try {
        const { messageId } = await mailedLead('hook@example.com');
        const parent = `<${messageId}@mail.test>`;
        await deliver('replies@reply.test', replyMessage({ from: 'hook@example.com', messageId: '<auto-hook@client.example>', inReplyTo: parent, headers: ['Auto-Submitted: auto-replied'] }));
        assert.equal(await sender.runOnce(), 0, 'an auto-reply changes no status: no event');
        await deliver('replies@reply.test', replyMessage({ from: 'Hook Person <hook@example.com>', subject: 'Re: Hello there', messageId: '<person-hook@client.example>', inReplyTo: parent }));
        assert.equal(await sender.runOnce(), 1);
        const [hook, ...more] = receiver.delivered();
        assert.deepEqual(more, []);
        assert.ok(hook!.verified, 'the signature verifies');
        assert.equal(hook!.verified.type, 'recipient.replied');
        const data = hook!.verified.data;
        assert.equal(data.message_id, messageId);
        assert.equal(data.org_id, org.orgId);
        assert.deepEqual([data.recipient.email, data.status, data.action], ['hook@example.com', 'replied', 'delivered']);
        assert.equal(data.reply.from, 'hook@example.com');
        assert.equal(data.reply.subject, 'Re: Hello there');
        assert.match(data.reply.id, /^r\d+$/);
        // A second reply keeps the status: nothing changed, nothing reported.
        await deliver('replies@reply.test', replyMessage({ from: 'hook@example.com', messageId: '<person-hook-2@client.example>', inReplyTo: parent }));
        assert.equal(await sender.runOnce(), 0);
      } finally {
        await testApp.app.db.updateTable('webhook_endpoints').set({ enabled: 0 }).where('id', '=', endpointId).execute();
        await failPendingOfEndpoint(testApp.app.db, endpointId, 'the test is over');
        await sender.stop(1000);
        await receiver.close();
      }
    });

    test('a mail goes out with Reply-To: the sender\'s name and a reply token; a user reply_to is kept as given', async () => {
      const { delivered } = await mailedLead('token@example.com');
      const replyTo = delivered.parsed.replyTo?.value[0];
      assert.match(replyTo?.address ?? '', REPLY_TO);
      assert.equal(replyTo?.name, delivered.parsed.from?.value[0]?.name);
      // The token is not a VERP token: the return path differs from the Reply-To's local part.
      assert.notEqual(delivered.envelopeFrom.split('@')[0]!.split('+')[1], replyTo!.address!.split('@')[0]!.split('+')[1]);

      const leadId = await newLead('own@example.com');
      const { delivered: own } = await mail(leadId, 'own@example.com', { replyTo: 'desk@zylker.example' });
      assert.deepEqual(own.parsed.replyTo?.value.map((a) => a.address), ['desk@zylker.example']);
    });

    test('a reply threaded by In-Reply-To to the bare address: listed in the thread (sent:false, from the replier, to the sender), the recipient replied', async () => {
      const { leadId, messageId } = await mailedLead('ted@example.com');
      const before = (await emailsOf(leadId)).Emails[0];
      assert.equal(before.status[0].type, 'sent');
      const inboundId = await deliver(
        'replies@reply.test',
        replyMessage({ from: 'Ted Watson <ted@example.com>', messageId: '<reply-1@client.example>', inReplyTo: `<${messageId}@mail.test>`, references: `<${messageId}@mail.test>` }),
      );
      const row = await inboundRow(inboundId);
      assert.equal(row.state, 'processed');
      assert.equal(row.kind, 'reply');
      assert.equal(row.summary.matched_by, 'in_reply_to');

      const list = (await emailsOf(leadId)).Emails;
      assert.equal(list.length, 2);
      const reply = list.find((e: { sent: boolean }) => e.sent === false);
      const original = list.find((e: { sent: boolean }) => e.sent === true);
      assert.match(reply.message_id, /^r\d+$/);
      assert.equal(list[0].message_id, reply.message_id, 'newest first: the reply before the mail');
      assert.equal(reply.thread_id, original.thread_id);
      assert.equal(reply.from.email, 'ted@example.com');
      assert.equal(reply.from.user_name, 'Ted Watson');
      assert.deepEqual(reply.to.map((p: { email: string }) => p.email), [adminEmail]);
      assert.equal(reply.in_reply_to, messageId);
      assert.equal(reply.auto_reply, false);
      assert.equal(reply.subject, 'Re: Hello');
      assert.equal(original.status[0].type, 'replied');
      assert.equal(original.status[0].action, 'delivered');
      assert.equal(await statusOf(leadId, messageId, 'ted@example.com'), 'replied');

      const detail = json(await testApp.api('GET', `/crm/v8/Leads/${leadId}/Emails/${reply.message_id}`, org.token)).Emails[0];
      assert.equal(detail.sent, false);
      assert.equal(detail.mail_format, 'text');
      assert.match(detail.content, /that works for me/);
      assert.deepEqual(detail.attachments, []);

      // A second reply of the same person: stored too, the status stays replied.
      await deliver('replies@reply.test', replyMessage({ from: 'ted@example.com', messageId: '<reply-2@client.example>', references: `<other@x.example> <${messageId}@mail.test>` }));
      const again = (await emailsOf(leadId)).Emails;
      assert.equal(again.length, 3);
      assert.equal(again.filter((e: { sent: boolean }) => !e.sent).length, 2);
      assert.equal(await statusOf(leadId, messageId, 'ted@example.com'), 'replied');
    });

    test('a reply to the tokenised Reply-To without threading headers, from another address: matched by the token, its recipient replied', async () => {
      const { leadId, messageId, delivered } = await mailedLead('alias@example.com');
      const replyTo = delivered.parsed.replyTo!.value[0]!.address!;
      const inboundId = await deliver(replyTo, replyMessage({ from: 'assistant@other.example', to: replyTo, messageId: '<reply-3@client.example>' }));
      assert.equal((await inboundRow(inboundId)).summary.matched_by, 'token');
      assert.equal(await statusOf(leadId, messageId, 'alias@example.com'), 'replied');
      const reply = (await emailsOf(leadId)).Emails.find((e: { sent: boolean }) => !e.sent);
      assert.equal(reply.from.email, 'assistant@other.example');
    });

    test('who replied: the recipient the From names (a Cc here); the sender\'s own answer through the dropbox changes no status', async () => {
      const leadId = await newLead('main@example.com');
      const sent = json(
        await testApp.api('POST', `/crm/v8/Leads/${leadId}/actions/send_mail`, org.token, {
          data: [{ from: { email: adminEmail }, to: [{ email: 'main@example.com' }], cc: [{ email: 'boss@example.com' }], subject: 'Offer', content: 'Hi' }],
        }),
      );
      const messageId = sent.data[0].details.message_id as string;
      const count = sink.messages.length;
      await worker.runOnce();
      await sink.waitFor(count + 2);
      await deliver('replies@reply.test', replyMessage({ from: 'Boss <BOSS@example.com>', messageId: '<boss@client.example>', inReplyTo: `<${messageId}@mail.test>` }));
      assert.equal(await statusOf(leadId, messageId, 'boss@example.com'), 'replied');
      assert.equal(await statusOf(leadId, messageId, 'main@example.com'), 'sent');

      const ownId = await deliver('replies@reply.test', replyMessage({ from: adminEmail, to: 'main@example.com', messageId: '<own@client.example>', references: `<${messageId}@mail.test> <boss@client.example>` }));
      const own = await inboundRow(ownId);
      assert.equal(own.state, 'processed');
      assert.equal(own.summary.recipient_id, null);
      assert.equal(own.summary.matched_by, 'references');
      assert.equal(await statusOf(leadId, messageId, 'main@example.com'), 'sent');
      const replies = (await emailsOf(leadId)).Emails.filter((e: { sent: boolean }) => !e.sent);
      assert.deepEqual(replies.map((r: { from: { email: string } }) => r.from.email).sort(), [adminEmail, 'boss@example.com'].sort());
    });

    test('an auto-reply (RFC 3834 and common marks) is listed and marked, the status stays sent', async () => {
      const { leadId, messageId, delivered } = await mailedLead('away@example.com');
      const replyTo = delivered.parsed.replyTo!.value[0]!.address!;
      const marks = [['Auto-Submitted: auto-replied'], ['X-Autoreply: yes'], ['Precedence: bulk']];
      for (const [i, headers] of marks.entries()) {
        const id = await deliver(replyTo, replyMessage({ from: 'away@example.com', to: replyTo, subject: 'Out of office', messageId: `<ooo-${i}@client.example>`, headers }));
        assert.equal((await inboundRow(id)).kind, 'auto_reply');
      }
      // Auto-Submitted: no is a person's reply.
      const list = (await emailsOf(leadId)).Emails;
      const replies = list.filter((e: { sent: boolean }) => !e.sent);
      assert.equal(replies.length, 3);
      assert.ok(replies.every((r: { auto_reply: boolean }) => r.auto_reply === true));
      assert.equal(await statusOf(leadId, messageId, 'away@example.com'), 'sent');

      await deliver(replyTo, replyMessage({ from: 'away@example.com', to: replyTo, messageId: '<person@client.example>', headers: ['Auto-Submitted: no'] }));
      assert.equal(await statusOf(leadId, messageId, 'away@example.com'), 'replied');
    });

    test('a forged or altered token with no known references: ignored with the reason, nothing changes', async () => {
      const { leadId, messageId, delivered } = await mailedLead('victim@example.com');
      const replyTo = delivered.parsed.replyTo!.value[0]!.address!;
      const token = /\+([0-9a-z]{29})@/.exec(replyTo)![1]!;
      const altered = replyTo.replace(token, `${token.slice(0, 28)}${token.endsWith('a') ? 'b' : 'a'}`);
      const forged = 'replies+0000000000001aaaaaaaaaaaaaaaa@reply.test';
      for (const [i, address] of [altered, forged, 'replies@reply.test'].entries()) {
        const id = await deliver(address, replyMessage({ from: 'victim@example.com', to: address, messageId: `<forged-${i}@evil.example>`, inReplyTo: '<0000000000000000000000000000000000000000000000000000000000000000@mail.test>', references: '<unknown@elsewhere.example>' }));
        const row = await inboundRow(id);
        assert.equal(row.state, 'ignored');
        assert.equal(row.kind, 'reply');
        assert.match(row.summary.reason, /no valid reply token/);
      }
      assert.equal((await emailsOf(leadId)).Emails.length, 1);
      assert.equal(await statusOf(leadId, messageId, 'victim@example.com'), 'sent');
      // A bounce token is no reply token (distinct keys).
      const verpToken = /\+([0-9a-z]{29})@/.exec(delivered.envelopeFrom)![1]!;
      const id = await deliver(`replies+${verpToken}@reply.test`, replyMessage({ from: 'victim@example.com', to: 'x@reply.test', messageId: '<verp@evil.example>' }));
      assert.equal((await inboundRow(id)).state, 'ignored');
      assert.equal(await statusOf(leadId, messageId, 'victim@example.com'), 'sent');
    });

    test('a copy of our own mail sent to the reply address is not a reply', async () => {
      const { leadId, messageId, delivered } = await mailedLead('copy@example.com');
      const id = await deliver('replies@reply.test', delivered.raw);
      const row = await inboundRow(id);
      assert.equal(row.state, 'ignored');
      assert.match(row.summary.reason, /copy of one of our own mails/);
      assert.equal(await statusOf(leadId, messageId, 'copy@example.com'), 'sent');
    });

    test('html with a script and an attachment: stored sanitised, the attachment listed and downloadable; the same inbound processed twice stores one reply', async () => {
      const { leadId, messageId } = await mailedLead('html@example.com');
      const boundary = 'b-1';
      const raw = [
        'From: html@example.com',
        'To: replies@reply.test',
        'Subject: Re: Hello',
        'Message-ID: <html-1@client.example>',
        `In-Reply-To: <${messageId}@mail.test>`,
        'MIME-Version: 1.0',
        `Content-Type: multipart/mixed; boundary="${boundary}"`,
        '',
        `--${boundary}`,
        'Content-Type: text/html; charset=utf-8',
        '',
        '<p onclick="steal()">Sure, <b>see attached</b><script>alert(1)</script><a href="javascript:alert(2)">x</a></p>',
        `--${boundary}`,
        'Content-Type: text/plain; name="notes.txt"',
        'Content-Disposition: attachment; filename="notes.txt"',
        'Content-Transfer-Encoding: base64',
        '',
        Buffer.from('attached notes\n').toString('base64'),
        `--${boundary}--`,
        '',
      ].join('\r\n');
      const inboundId = await deliver('replies@reply.test', raw);
      const reply = (await emailsOf(leadId)).Emails.find((e: { sent: boolean }) => !e.sent);
      assert.equal(reply.has_attachment, true);
      const detail = json(await testApp.api('GET', `/crm/v8/Leads/${leadId}/Emails/${reply.message_id}`, org.token)).Emails[0];
      assert.equal(detail.mail_format, 'html');
      assert.match(detail.content, /<b>see attached<\/b>/);
      assert.doesNotMatch(detail.content, /<script|onclick|javascript:/i);
      assert.deepEqual(detail.attachments, [{ size: '15', name: 'notes.txt', id: `${reply.message_id}-0` }]);
      const download = await testApp.api('GET', `/crm/v8/Leads/${leadId}/Emails/${reply.message_id}/attachments/${reply.message_id}-0`, org.token);
      assert.equal(download.statusCode, 200);
      assert.equal(download.body, 'attached notes\n');
      assert.match(String(download.headers['content-disposition']), /notes\.txt/);

      // The record page shows it in its recipient's story under its mail, sanitised, inside a sandboxed frame.
      await createUser(testApp.app, { orgId: org.orgId, email: 'ui@zylker.example', name: 'Ui User', password: 'a long enough password 1' });
      const { cookie } = await signIn(testApp, 'ui@zylker.example', 'a long enough password 1');
      const page = await testApp.inject({ method: 'GET', url: `/ui/records/Leads/${leadId}`, headers: { cookie } });
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /<li class="step st-replied">/);
      assert.match(page.body, /Show the reply/);
      assert.match(page.body, /<iframe sandbox="" [^>]*srcdoc="[^"]*see attached/);
      assert.match(page.body, /notes\.txt/);
      assert.match(page.body, /s-replied">replied</);
      assert.doesNotMatch(page.body, /alert\(1\)|steal\(\)|javascript:alert/);
      const mailRowAt = page.body.indexOf('<td>Hello');
      assert.ok(mailRowAt >= 0 && mailRowAt < page.body.indexOf('<li class="step st-replied">'), 'the reply comes under its mail');

      // Processing the same stored message again (a second listener, a crash before it was marked) stores nothing more.
      const stored = (await getInboundMessage(testApp.app.db, inboundId))!;
      const result = await processInboundMessage(testApp.app, stored);
      assert.equal(result.state, 'processed');
      assert.equal((result.summary as { reply_id: string }).reply_id, reply.message_id);
      assert.equal((await emailsOf(leadId)).Emails.filter((e: { sent: boolean }) => !e.sent).length, 1);
    });

    test('tenant isolation: another org sees neither the reply nor its record', async () => {
      const { leadId, messageId } = await mailedLead('iso@example.com');
      await deliver('replies@reply.test', replyMessage({ from: 'iso@example.com', messageId: '<iso@client.example>', inReplyTo: `<${messageId}@mail.test>` }));
      const replyId = (await emailsOf(leadId)).Emails.find((e: { sent: boolean }) => !e.sent).message_id;
      const other = await testApp.createOrg();
      const otherLead = json(await testApp.api('POST', '/crm/v8/Leads', other.token, { data: [{ Last_Name: 'x', Email: 'x@example.com' }] })).data[0].details.id;
      // Zoho's "not found" for an id in the path: 400 INVALID_DATA naming the path segment.
      const onOwn = await testApp.api('GET', `/crm/v8/Leads/${otherLead}/Emails/${replyId}`, other.token);
      assert.equal(onOwn.statusCode, 400);
      assert.equal(json(onOwn).code, 'INVALID_DATA');
      assert.equal(json(onOwn).details.resource_path_index, 3);
      const onTheirs = await testApp.api('GET', `/crm/v8/Leads/${leadId}/Emails/${replyId}`, other.token);
      assert.equal(onTheirs.statusCode, 400);
      assert.equal(json(onTheirs).details.resource_path_index, 1);
      const download = await testApp.api('GET', `/crm/v8/Leads/${leadId}/Emails/${replyId}/attachments/${replyId}-0`, other.token);
      assert.equal(download.statusCode, 400);
      // The owner's reply is there.
      assert.equal((await testApp.api('GET', `/crm/v8/Leads/${leadId}/Emails/${replyId}`, org.token)).statusCode, 200);
      assert.equal((await testApp.api('GET', `/crm/v8/Leads/${otherLead}/Emails`, other.token)).statusCode, 204);
    });

    test('pagination over mails and replies merged: ten a page, every entry once, newest first', async () => {
      const leadId = await newLead('pages@example.com');
      const expected: string[] = [];
      for (let i = 0; i < 6; i += 1) {
        const { messageId } = await mail(leadId, 'pages@example.com', { subject: `Mail ${i}` });
        expected.push(messageId);
        await deliver('replies@reply.test', replyMessage({ from: 'pages@example.com', messageId: `<page-${i}@client.example>`, inReplyTo: `<${messageId}@mail.test>` }));
      }
      const first = await emailsOf(leadId);
      assert.equal(first.Emails.length, 10);
      assert.equal(first.info.more_records, true);
      const second = await emailsOf(leadId, `?index=${first.info.next_index}`);
      assert.equal(second.Emails.length, 2);
      assert.equal(second.info.more_records, false);
      const all = [...first.Emails, ...second.Emails];
      assert.equal(new Set(all.map((e: { message_id: string }) => e.message_id)).size, 12);
      assert.equal(all.filter((e: { sent: boolean }) => !e.sent).length, 6);
      for (const id of expected) assert.ok(all.some((e: { message_id: string }) => e.message_id === id));
      // The mail sent last and its reply come first.
      assert.equal(all[0].sent, false);
      assert.equal(all[0].in_reply_to, expected[5]);
      assert.equal(all[1].message_id, expected[5]);
    });
  });

  describe(`the listener with REPLY_ADDRESS alone [${kind}]`, () => {
    test('it runs, takes the reply address (bare, tokenised) and its postmaster, refuses the rest', async () => {
      const testApp = await startTestApp(kind, { env: { MESSAGE_ID_DOMAIN: 'mail.test', REPLY_ADDRESS: 'replies@reply.test' } });
      const processor = createInboundProcessor(testApp.app);
      const listener = await startInboundListener(testApp.app, { port: 0, onStored: () => processor.kick() });
      try {
        for (const to of ['replies@reply.test', 'Replies+anything@Reply.test', 'postmaster@reply.test']) assert.match(await sendRaw(listener.port, [to], replyMessage({ from: 'a@example.com', messageId: '<x@y.example>' })), /^250 /, to);
        for (const to of ['bounces@reply.test', 'replies@other.test', 'bounces@bounce.test']) await assert.rejects(sendRaw(listener.port, [to], replyMessage({ from: 'a@example.com', messageId: '<x@y.example>' })), /550/, to);
        await processor.idle();
        const rows = await listInboundMessages(testApp.app.db, { limit: 10 });
        assert.equal(rows.length, 3);
        // Not replies to anything of ours, and not reports: kept, ignored.
        assert.ok(rows.every((r) => r.state === 'ignored'));
      } finally {
        await listener.close();
        await processor.stop();
        await testApp.close();
      }
    });
  });
}
