import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import nodemailer from 'nodemailer';
import type { LightMyRequestResponse } from 'fastify';
import { createWorker, type Worker } from '../../src/delivery/worker.js';
import { createOrg } from '../../src/orgs/create-org.js';
import { createUser } from '../../src/users/create-user.js';
import { DATABASE_KINDS, json, startTestApp, type TestApp, type TestOrg } from '../helpers/test-app.js';

const CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; frame-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
const CHALLENGE = 'Basic realm="Mailroom mailbox", charset="UTF-8"';
const XSS_CONTENT =
  '<p>Hello</p><script>alert(1)</script><img src=x onerror=alert(1)><a href="javascript:alert(1)">x</a><svg onload=alert(1)>' +
  '<style>body{background:url(https://tracker.example/p.png)}</style><b style="color:red;background:url(https://tracker.example/q.png)">bold</b>';
const XSS_SUBJECT = '<script>alert(2)</script>';

const basic = (email: string, password: string) => `Basic ${Buffer.from(`${email}:${password}`, 'utf8').toString('base64')}`;

/** Undoes escapeHtml (the only entities the page writes into an attribute). */
const unescapeAttribute = (value: string) =>
  value.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

function srcdocOf(page: string): string {
  const match = /<iframe\b[^>]*\ssrcdoc="([^"]*)"/.exec(page);
  assert.ok(match, 'the page has an iframe with srcdoc');
  return unescapeAttribute(match[1]!);
}

for (const kind of DATABASE_KINDS) {
  describe(`local mailbox viewer [${kind}]`, () => {
    let testApp: TestApp;
    let worker: Worker;
    let org: TestOrg;
    let other: TestOrg;
    let adminEmail: string;
    let viewerEmail: string;
    const password = 'correct horse battery staple';
    let leadId: string;
    let plainId: string;
    let xssId: string;

    const get = (url: string, authorization?: string, remoteAddress?: string): Promise<LightMyRequestResponse> =>
      testApp.inject({ method: 'GET', url, headers: authorization ? { authorization } : {}, ...(remoteAddress ? { remoteAddress } : {}) });
    const withToken = (token: string) => `Zoho-oauthtoken ${token}`;

    async function sendMail(subject: string, content: string): Promise<string> {
      const response = await testApp.api('POST', `/crm/v8/Leads/${leadId}/actions/send_mail`, org.token, {
        data: [{ from: { user_name: 'Patricia Boyle', email: adminEmail }, to: [{ user_name: 'Ann Smith', email: 'smith@example.com' }], subject, content, mail_format: 'html' }],
      });
      assert.equal(response.statusCode, 200, response.body);
      assert.equal(await worker.runOnce(), 1);
      const list = json(await get('/mailbox/api/messages', withToken(org.token)));
      const found = list.messages.find((m: { subject: string }) => m.subject === subject);
      assert.ok(found, `mail "${subject}" is in the mailbox`);
      return found.id;
    }

    before(async () => {
      testApp = await startTestApp(kind); // no SMTP_URL: every mail goes to the local mailbox
      worker = createWorker(testApp.app);
      org = await testApp.createOrg();
      other = await testApp.createOrg();
      adminEmail = json(await testApp.api('GET', '/crm/v8/users?type=CurrentUser', org.token)).users[0].email;
      viewerEmail = `viewer-${randomBytes(4).toString('hex')}@example.com`;
      await createUser(testApp.app, { orgId: org.orgId, email: viewerEmail, name: 'Vera Viewer', password });
      leadId = json(await testApp.api('POST', '/crm/v8/Leads', org.token, { data: [{ Last_Name: 'Smith', Email: 'smith@example.com' }] })).data[0].details.id;
      plainId = await sendMail('Quarterly numbers', '<h3>Hello</h3><p>Line <b>two</b></p>');
      xssId = await sendMail(XSS_SUBJECT, XSS_CONTENT);
    });
    after(async () => {
      await worker.stop(1000);
      await testApp.close();
    });

    test('a sent mail is listed with its subject and envelope, newest first', async () => {
      const response = await get('/mailbox/api/messages', withToken(org.token));
      assert.equal(response.statusCode, 200);
      const body = json(response);
      assert.deepEqual(body.info, { page: 1, per_page: 50, count: 2, more_records: false });
      assert.deepEqual(body.messages.map((m: { id: string }) => m.id), [xssId, plainId]);
      const message = body.messages[1];
      assert.deepEqual(Object.keys(message).sort(), ['created_time', 'envelope_from', 'envelope_to', 'id', 'message_id', 'subject']);
      assert.equal(message.subject, 'Quarterly numbers');
      assert.equal(message.envelope_from, adminEmail);
      assert.deepEqual(message.envelope_to, ['smith@example.com']);
      assert.match(message.message_id, /^[0-9a-f]{64}$/);
      assert.match(message.created_time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d([+-]\d\d:\d\d|Z)$/);

      const paged = json(await get('/mailbox/api/messages?per_page=1&page=2', withToken(org.token)));
      assert.deepEqual(paged.info, { page: 2, per_page: 1, count: 1, more_records: false });
      assert.equal(paged.messages[0].id, plainId);
      assert.equal(json(await get('/mailbox/api/messages?per_page=1', withToken(org.token))).info.more_records, true);
      const bad = await get('/mailbox/api/messages?page=0', withToken(org.token));
      assert.equal(bad.statusCode, 400);
      assert.equal(json(bad).code, 'INVALID_DATA');

      const theirs = json(await get('/mailbox/api/messages', withToken(other.token)));
      assert.deepEqual(theirs.messages, []);
    });

    test("one message's JSON has headers, the text part and the HTML part", async () => {
      const response = await get(`/mailbox/api/messages/${plainId}`, withToken(org.token));
      assert.equal(response.statusCode, 200);
      const message = json(response);
      assert.equal(message.id, plainId);
      assert.equal(message.subject, 'Quarterly numbers');
      assert.match(message.html, /<p>Line <b>two<\/b><\/p>/);
      assert.match(message.text, /HELLO[\s\S]*Line two/);
      assert.equal(message.headers.subject, 'Quarterly numbers');
      assert.equal(message.headers.from, `"Patricia Boyle" <${adminEmail}>`);
      assert.equal(message.headers.to, '"Ann Smith" <smith@example.com>');
      assert.equal(message.headers.cc, null);
      assert.match(message.headers.message_id, new RegExp(`^<${message.message_id}@`));
      assert.match(message.headers.date, /^\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d [+-]\d{4}$/);
      assert.deepEqual(message.attachments, []);
    });

    test('the HTML page of an XSS mail escapes everything and shows the sanitised HTML part only in a sandboxed iframe', async () => {
      const response = await get(`/mailbox/${xssId}`, basic(viewerEmail, password));
      assert.equal(response.statusCode, 200);
      assert.match(String(response.headers['content-type']), /^text\/html; charset=utf-8$/);
      assert.equal(response.headers['content-security-policy'], CSP);
      assert.equal(response.headers['x-content-type-options'], 'nosniff');
      assert.equal(response.headers['referrer-policy'], 'no-referrer');
      const page = response.body;
      assert.doesNotMatch(page, /<script/i, 'no script element anywhere in the page (srcdoc is attribute-escaped)');
      assert.doesNotMatch(page, /<svg/i);
      assert.match(page, /<h1>&lt;script&gt;alert\(2\)&lt;\/script&gt;<\/h1>/);
      assert.match(page, /<title>&lt;script&gt;alert\(2\)&lt;\/script&gt; – Mailbox – Mailroom<\/title>/);
      assert.match(page, /<iframe sandbox="" /);
      assert.equal((page.match(/<iframe\b/g) ?? []).length, 1);
      assert.match(page, /<main>/);
      assert.match(page, /<th scope="row">Subject<\/th><td>&lt;script&gt;alert\(2\)&lt;\/script&gt;<\/td>/);

      const srcdoc = srcdocOf(page);
      assert.match(srcdoc, /<p>Hello<\/p>/);
      for (const forbidden of [/<script/i, /onerror\s*=/i, /onload\s*=/i, /javascript:/i, /<svg/i, /<style/i, /url\(/i, /alert\(1\)/]) {
        assert.doesNotMatch(srcdoc, forbidden);
      }
      assert.match(srcdoc, /<b style="color:red">bold<\/b>/);
      // The text part (from html-to-text) is escaped text in a <pre>.
      assert.match(page, /<pre>[^<]*Hello/);

      const list = await get('/mailbox', basic(viewerEmail, password));
      assert.equal(list.statusCode, 200);
      assert.equal(list.headers['content-security-policy'], CSP);
      assert.doesNotMatch(list.body, /<script/i);
      assert.match(list.body, new RegExp(`<a href="/mailbox/${xssId}">&lt;script&gt;alert\\(2\\)&lt;/script&gt;</a>`));
      assert.match(list.body, /<th scope="col">Subject<\/th>/);
      assert.match(list.body, new RegExp(`<a href="/mailbox/${plainId}">Quarterly numbers</a>`));
    });

    test('Basic auth: the right password opens the mailbox, a wrong one or none gets 401 with a Basic challenge', async () => {
      assert.equal((await get('/mailbox', basic(viewerEmail, password))).statusCode, 200);
      assert.equal((await get('/mailbox', basic(viewerEmail.toUpperCase(), password))).statusCode, 200);
      assert.equal((await get(`/mailbox/api/messages/${plainId}`, basic(viewerEmail, password))).statusCode, 200);
      for (const authorization of [basic(viewerEmail, 'wrong password'), basic('nobody@example.com', password), 'Basic !!!']) {
        const response = await get('/mailbox', authorization, '10.1.1.1');
        assert.equal(response.statusCode, 401, String(authorization));
        assert.equal(response.headers['www-authenticate'], CHALLENGE);
        assert.equal(response.headers['content-security-policy'], CSP);
        assert.match(String(response.headers['content-type']), /^text\/html/);
        assert.match(response.body, /<h1>Sign in required<\/h1>/);
      }
      // A browser without any credentials is sent to the one sign-in page (shared with /ui), and back after.
      const none = await get(`/mailbox/${plainId}`, undefined, '10.1.1.1');
      assert.equal(none.statusCode, 303);
      assert.equal(none.headers.location, `/ui/login?next=${encodeURIComponent(`/mailbox/${plainId}`)}`);
      const api = await get('/mailbox/api/messages', basic(viewerEmail, 'wrong password'), '10.1.1.2');
      assert.equal(api.statusCode, 401);
      assert.equal(json(api).code, 'AUTHENTICATION_FAILURE');
      const noAuth = await get('/mailbox/api/messages');
      assert.equal(noAuth.statusCode, 401);
      assert.equal(json(noAuth).code, 'AUTHENTICATION_FAILURE');
      const badToken = await get('/mailbox/api/messages', withToken(`1000.${'0'.repeat(32)}.${'0'.repeat(32)}`));
      assert.equal(json(badToken).code, 'INVALID_TOKEN');
    });

    test("another org's token gets exactly what a missing id gets", async () => {
      const missing = '1234567890123456789';
      for (const path of ['/mailbox/api/messages/', '/mailbox/']) {
        const theirs = await get(`${path}${plainId}`, withToken(other.token));
        const absent = await get(`${path}${missing}`, withToken(other.token));
        const malformed = await get(`${path}not-an-id`, withToken(other.token));
        assert.equal(theirs.statusCode, 404);
        for (const response of [absent, malformed]) {
          assert.equal(response.statusCode, theirs.statusCode);
          assert.equal(response.body, theirs.body);
          assert.equal(response.headers['content-type'], theirs.headers['content-type']);
        }
        assert.doesNotMatch(theirs.body, new RegExp(plainId));
      }
      assert.deepEqual(json(await get(`/mailbox/api/messages/${plainId}`, withToken(other.token))), {
        code: 'INVALID_DATA',
        details: {},
        message: 'the id given seems to be invalid',
        status: 'error',
      });
      for (const path of [`/mailbox/${plainId}/raw`, `/mailbox/${plainId}/attachments/0`]) {
        const theirs = await get(path, withToken(other.token));
        assert.equal(theirs.statusCode, 404);
        assert.equal(theirs.body, (await get(path.replace(plainId, missing), withToken(other.token))).body);
      }
    });

    test('a token without ZohoCRM.modules.emails.READ gets 401 OAUTH_SCOPE_MISMATCH; an emails.READ token reads', async () => {
      const usersOnly = await testApp.tokenFor(org, ['ZohoCRM.users.READ', 'ZohoCRM.send_mail.all.CREATE']);
      for (const path of ['/mailbox/api/messages', `/mailbox/api/messages/${plainId}`]) {
        const response = await get(path, withToken(usersOnly));
        assert.equal(response.statusCode, 401);
        assert.equal(json(response).code, 'OAUTH_SCOPE_MISMATCH');
      }
      const page = await get('/mailbox', `Bearer ${usersOnly}`);
      assert.equal(page.statusCode, 401);
      assert.equal(page.headers['www-authenticate'], CHALLENGE);
      const emailsRead = await testApp.tokenFor(org, ['ZohoCRM.modules.emails.READ']);
      assert.equal((await get('/mailbox/api/messages', `Bearer ${emailsRead}`)).statusCode, 200);
      assert.equal((await get(`/mailbox/${plainId}`, `Bearer ${emailsRead}`)).statusCode, 200);
    });

    test('attachments and the raw message download as attachments, never rendered', async () => {
      const composer = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
      const info = await composer.sendMail({
        from: 'sender@example.com',
        to: 'rcpt@example.com',
        subject: 'With attachment',
        text: 'See attached.',
        attachments: [
          { filename: 'report "final" ü.html', content: '<script>alert(3)</script>', contentType: 'text/html' },
          { filename: '../../etc/passwd', content: Buffer.from([0, 1, 2, 255]) },
        ],
      });
      const raw = (info.message as Buffer).toString('utf8');
      const id = testApp.app.ids.next();
      await testApp.app.db
        .insertInto('mailbox_messages')
        .values({
          id,
          org_id: org.orgId,
          message_id: 'f'.repeat(64),
          envelope_from: 'sender@example.com',
          envelope_to: JSON.stringify(['rcpt@example.com']),
          subject: 'With attachment',
          raw,
          created_at: testApp.app.clock.now(),
        })
        .execute();

      const message = json(await get(`/mailbox/api/messages/${id}`, withToken(org.token)));
      assert.deepEqual(message.attachments, [
        { index: 0, filename: 'report "final" ü.html', content_type: 'text/html', size: 25 },
        { index: 1, filename: '../../etc/passwd', content_type: 'application/octet-stream', size: 4 },
      ]);
      assert.equal(message.html, null);
      assert.match(message.text, /See attached\./);

      const page = await get(`/mailbox/${id}`, basic(viewerEmail, password));
      assert.equal(page.statusCode, 200);
      assert.doesNotMatch(page.body, /<iframe/);
      assert.match(page.body, new RegExp(`<a href="/mailbox/${id}/attachments/0" download>Download report &quot;final&quot; ü.html</a>`));
      assert.match(page.body, new RegExp(`<a href="/mailbox/${id}/raw" download>`));

      const first = await get(`/mailbox/${id}/attachments/0`, basic(viewerEmail, password));
      assert.equal(first.statusCode, 200);
      assert.equal(first.headers['content-type'], 'application/octet-stream');
      assert.equal(first.headers['content-disposition'], `attachment; filename="report _final_ _.html"; filename*=UTF-8''report%20%22final%22%20%C3%BC.html`);
      assert.equal(first.headers['x-content-type-options'], 'nosniff');
      assert.equal(first.body, '<script>alert(3)</script>');
      const second = await get(`/mailbox/${id}/attachments/1`, withToken(org.token));
      assert.equal(second.headers['content-disposition'], `attachment; filename="passwd"; filename*=UTF-8''passwd`);
      assert.deepEqual([...second.rawPayload], [0, 1, 2, 255]);
      assert.equal((await get(`/mailbox/${id}/attachments/2`, withToken(org.token))).statusCode, 404);
      assert.equal((await get(`/mailbox/${id}/attachments/x`, withToken(org.token))).statusCode, 404);

      const rawResponse = await get(`/mailbox/${id}/raw`, withToken(org.token));
      assert.equal(rawResponse.statusCode, 200);
      assert.equal(rawResponse.headers['content-type'], 'message/rfc822');
      assert.equal(rawResponse.headers['content-disposition'], `attachment; filename="message-${id}.eml"; filename*=UTF-8''message-${id}.eml`);
      assert.equal(rawResponse.headers['x-content-type-options'], 'nosniff');
      assert.equal(rawResponse.body, raw);
    });

    test('Basic auth finds the org whose user the password belongs to, when orgs share an email', async () => {
      const shared = `shared-${randomBytes(4).toString('hex')}@example.com`;
      await createUser(testApp.app, { orgId: org.orgId, email: shared, name: 'Sam One', password: 'first password' });
      const { org: second } = await createOrg(testApp.app, { name: 'Second', adminEmail: shared, adminPassword: 'second password' });
      const mine = json(await get('/mailbox/api/messages', basic(shared, 'first password')));
      assert.ok(mine.messages.some((m: { id: string }) => m.id === plainId));
      const theirs = await get('/mailbox/api/messages', basic(shared, 'second password'));
      assert.equal(theirs.statusCode, 200);
      assert.deepEqual(json(theirs).messages, []);
      assert.ok(second.id);
      assert.equal((await get(`/mailbox/${plainId}`, basic(shared, 'second password'))).statusCode, 404);
    });

    test('after 10 wrong passwords for one account from one address, its Basic sign-ins from there get 429 for a while', async () => {
      const address = '10.20.30.40';
      for (let i = 0; i < 10; i += 1) {
        assert.equal((await get('/mailbox', basic(viewerEmail, `wrong ${i}`), address)).statusCode, 401);
      }
      const blocked = await get('/mailbox', basic(viewerEmail, password), address);
      assert.equal(blocked.statusCode, 429);
      assert.ok(Number(blocked.headers['retry-after']) > 0);
      assert.match(blocked.body, /Too many failed sign-ins/);
      const api = await get('/mailbox/api/messages', basic(viewerEmail, password), address);
      assert.equal(api.statusCode, 429);
      assert.equal(json(api).code, 'TOO_MANY_REQUESTS');
      assert.equal((await get('/mailbox', basic(viewerEmail, password), '10.20.30.41')).statusCode, 200);
      assert.equal((await get('/mailbox', withToken(org.token), address)).statusCode, 200);
    });

    test('a mail without a subject is kept with one empty Subject field and listed as "(no subject)"', async () => {
      const response = await testApp.api('POST', `/crm/v8/Leads/${leadId}/actions/send_mail`, org.token, {
        data: [{ from: { email: adminEmail }, to: [{ email: 'smith@example.com' }], content: '<p>No subject</p>' }],
      });
      assert.equal(response.statusCode, 200, response.body);
      const messageId = json(response).data[0].details.message_id;
      assert.equal(await worker.runOnce(), 1);
      const found = json(await get('/mailbox/api/messages', withToken(org.token))).messages.find((m: { message_id: string }) => m.message_id === messageId);
      assert.equal(found.subject, '');
      const raw = (await get(`/mailbox/${found.id}/raw`, withToken(org.token))).body;
      const headers = raw.slice(0, raw.indexOf('\r\n\r\n')).split('\r\n');
      assert.deepEqual(headers.filter((line) => /^subject:/i.test(line)), ['Subject: ']);
      assert.match((await get('/mailbox', withToken(org.token))).body, /\(no subject\)/);
    });
  });
}
