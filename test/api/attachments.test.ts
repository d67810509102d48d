import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createWorker, type Worker } from '../../src/delivery/worker.js';
import { DATABASE_KINDS, json, startTestApp, type TestApp, type TestOrg } from '../helpers/test-app.js';
import { multipartBody, TINY_PNG } from '../helpers/multipart.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';

const sha = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

for (const kind of DATABASE_KINDS) {
  describe(`attachments and inline images [${kind}]`, () => {
    let sink: SmtpSink;
    let testApp: TestApp;
    let worker: Worker;
    let org: TestOrg;
    let from: string;
    let leadId: string;

    const upload = async (files: Parameters<typeof multipartBody>[0], query = ''): Promise<string[]> => {
      const { payload, contentType } = multipartBody(files);
      const response = await testApp.inject({
        method: 'POST',
        url: `/crm/v8/files${query}`,
        headers: { authorization: `Zoho-oauthtoken ${org.token}`, 'content-type': contentType },
        payload,
      });
      assert.equal(response.statusCode, 200, response.body);
      return json(response).data.map((d: { details: { id: string } }) => d.details.id);
    };
    const send = (extra: Record<string, unknown>, token = org.token, id = leadId) =>
      testApp.api('POST', `/crm/v8/Leads/${id}/actions/send_mail`, token, {
        data: [{ from: { email: from }, to: [{ email: 'smith@example.com' }], subject: 'Files', content: '<p>See attached</p>', ...extra }],
      });

    before(async () => {
      sink = await startSmtpSink();
      testApp = await startTestApp(kind, { env: { SMTP_URL: sink.url } });
      worker = createWorker(testApp.app);
      org = await testApp.createOrg({ scopes: ['ZohoCRM.modules.ALL', 'ZohoCRM.users.READ', 'ZohoCRM.send_mail.all.CREATE', 'ZohoCRM.Files.CREATE', 'ZohoCRM.Files.READ'] });
      from = json(await testApp.api('GET', '/crm/v8/users?type=CurrentUser', org.token)).users[0].email;
      leadId = json(await testApp.api('POST', '/crm/v8/Leads', org.token, { data: [{ Last_Name: 'Smith', Email: 'smith@example.com' }] })).data[0].details.id;
    });
    after(async () => {
      await worker.stop(1000);
      await testApp.close();
      await sink.close();
    });

    test('a 300 KB upload attached to a mail arrives byte-identical with its name and type', async () => {
      const bytes = randomBytes(300 * 1024);
      const [fileId] = await upload([{ name: 'Quarterly Report.pdf', type: 'application/pdf', bytes }]);
      const response = await send({ attachments: [{ id: fileId }] });
      assert.equal(json(response).data[0].code, 'SUCCESS');
      const before = sink.messages.length;
      await worker.runOnce();
      const [message] = (await sink.waitFor(before + 1)).slice(before);
      const [attachment] = message!.parsed.attachments;
      assert.equal(attachment!.filename, 'Quarterly Report.pdf');
      assert.equal(attachment!.contentType, 'application/pdf');
      assert.equal(sha(attachment!.content), sha(bytes));

      const messageId = json(response).data[0].details.message_id;
      const email = json(await testApp.api('GET', `/crm/v8/Leads/${leadId}/Emails/${messageId}`, org.token)).Emails[0];
      assert.equal(email.has_attachment, true);
      assert.deepEqual(email.attachments, [{ size: String(bytes.length), name: 'Quarterly Report.pdf', id: fileId }]);
    });

    test('files together over 10 MB are refused with FILE_SIZE_EXCEEDS; exactly 10 MB is accepted', async () => {
      const [a, b] = await upload([
        { name: 'a.bin', bytes: Buffer.alloc(6 * 1024 * 1024, 1) },
        { name: 'b.bin', bytes: Buffer.alloc(6 * 1024 * 1024, 2) },
      ]);
      const refused = await send({ attachments: [{ id: a }, { id: b }] });
      assert.equal(refused.statusCode, 400);
      assert.deepEqual(json(refused).data[0], {
        code: 'FILE_SIZE_EXCEEDS',
        details: { size: 10 * 1024 * 1024, api_name: 'attachments', json_path: '$.data[0].attachments' },
        message: 'Total file(s) size should not exceed 10MB',
        status: 'error',
      });
      const [c, d, e] = await upload([
        { name: 'c.bin', bytes: Buffer.alloc(5 * 1024 * 1024, 3) },
        { name: 'd.bin', bytes: Buffer.alloc(5 * 1024 * 1024, 4) },
        { name: 'e.bin', bytes: Buffer.alloc(1, 5) },
      ]);
      assert.equal(json(await send({ attachments: [{ id: c }, { id: d }] })).data[0].code, 'SUCCESS');
      assert.equal(json(await send({ attachments: [{ id: c }, { id: d }, { id: e }] })).data[0].code, 'FILE_SIZE_EXCEEDS');
      await testApp.app.db.updateTable('mails').set({ state: 'done', due_at: null }).where('org_id', '=', org.orgId).where('state', '=', 'queued').execute();
    });

    test('an unknown or foreign file id gets Zoho’s message', async () => {
      const other = await testApp.createOrg({ scopes: ['ZohoCRM.Files.CREATE'] });
      const { payload, contentType } = multipartBody([{ name: 'x.txt', bytes: Buffer.from('x') }]);
      const foreignId = json(
        await testApp.inject({ method: 'POST', url: '/crm/v8/files', headers: { authorization: `Zoho-oauthtoken ${other.token}`, 'content-type': contentType }, payload }),
      ).data[0].details.id;
      for (const id of [foreignId, 'f'.repeat(64), 'not-an-id']) {
        const response = await send({ attachments: [{ id }] });
        assert.equal(response.statusCode, 400);
        assert.deepEqual(json(response).data[0], {
          code: 'INVALID_DATA',
          details: { api_name: 'id', json_path: '$.data[0].attachments[0].id' },
          message: 'There is no file exists with the given id',
          status: 'error',
        });
      }
    });

    test('an inline image goes as a cid: part referenced from the html; remote images are left alone', async () => {
      const [imageId] = await upload([{ name: 'logo.png', type: 'image/png', bytes: TINY_PNG }], '?type=inline');
      const content =
        `<p>Logo:</p><img src="https://www.zohoapis.com/crm/viewInLineImage?fileContent=${imageId}">` +
        '<img src="https://cdn.example.com/banner.png">';
      assert.equal(json(await send({ content })).data[0].code, 'SUCCESS');
      const before = sink.messages.length;
      await worker.runOnce();
      const [message] = (await sink.waitFor(before + 1)).slice(before);
      const html = String(message!.parsed.html);
      const raw = message!.raw.toString('utf8');
      const cid = /src="cid:([^"]+)"/.exec(raw.replace(/=\r\n/g, '').replace(/=3D/g, '='))?.[1];
      assert.ok(cid, 'the html references a cid');
      const part = message!.parsed.attachments.find((a) => a.cid === cid);
      assert.ok(part, 'a part carries that Content-ID');
      assert.equal(part!.contentType, 'image/png');
      assert.deepEqual(part!.content, TINY_PNG);
      assert.match(raw, /multipart\/related/);
      assert.match(html, /https:\/\/cdn\.example\.com\/banner\.png/);
      assert.doesNotMatch(html, /viewInLineImage/);
    });
  });
}
