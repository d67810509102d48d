import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createWorker, type Worker } from '../../src/delivery/worker.js';
import { DATABASE_KINDS, json, startTestApp, type TestApp, type TestOrg } from '../helpers/test-app.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';
import { deliveredWithSubject } from '../helpers/mail-world.js';

for (const kind of DATABASE_KINDS) {
  describe(`Data Subject Requests [${kind}]`, () => {
    let sink: SmtpSink;
    let testApp: TestApp;
    let worker: Worker;
    let org: TestOrg;
    let from: string;
    let contactId: string;

    const create = async (module: string, fields: Record<string, unknown>, token = org.token) =>
      testApp.api('POST', `/crm/v8/${module}`, token, { data: [fields] });
    const send = (id: string, extra: Record<string, unknown>, module = 'Contacts', token = org.token) =>
      testApp.api('POST', `/crm/v8/${module}/${id}/actions/send_mail`, token, {
        data: [{ from: { email: from }, to: [{ email: 'jane.doe@example.com' }], subject: 'Your data', content: '<p>Attached.</p>', ...extra }],
      });
    const delivered = (subject: string) => deliveredWithSubject({ worker, sink }, subject);

    before(async () => {
      sink = await startSmtpSink();
      testApp = await startTestApp(kind, { env: { SMTP_URL: sink.url } });
      worker = createWorker(testApp.app);
      org = await testApp.createOrg();
      from = json(await testApp.api('GET', '/crm/v8/users?type=CurrentUser', org.token)).users[0].email;
      const contact = await create('Contacts', {
        First_Name: 'Jane',
        Last_Name: 'Doe',
        Email: 'jane.doe@example.com',
        Phone: '+44 20 7946 0000',
        Mailing_City: 'London',
        Description: '=HYPERLINK("http://evil.example")',
      });
      contactId = json(contact).data[0].details.id;
    });
    after(async () => {
      await worker.stop(1000);
      await testApp.close();
      await sink.close();
    });

    test('the Data_Subject_Requests module through the Records API: type and Parent_Id are checked', async () => {
      const created = await create('Data_Subject_Requests', { Request_Type: 'access', Parent_Id: contactId, Requested_Date: '2026-11-20', Request_Source: 'Email' });
      assert.equal(created.statusCode, 201, created.body);
      const id = json(created).data[0].details.id;
      const read = json(await testApp.api('GET', `/crm/v8/Data_Subject_Requests/${id}`, org.token)).data[0];
      assert.equal(read.Request_Type, 'access');
      assert.deepEqual(read.Parent_Id, { name: 'Jane Doe', id: contactId });
      assert.equal(read.Is_Closed, false);
      const closed = await testApp.api('PUT', `/crm/v8/Data_Subject_Requests/${id}`, org.token, { data: [{ Is_Closed: true, Closed_Date: '2026-11-21' }] });
      assert.equal(closed.statusCode, 200, closed.body);

      const badType = await create('Data_Subject_Requests', { Request_Type: 'erase', Parent_Id: contactId });
      assert.equal(badType.statusCode, 400);
      assert.deepEqual(json(badType).data[0].details.supported_values, ['access', 'rectify', 'export']);
      const account = json(await create('Accounts', { Account_Name: 'Acme' })).data[0].details.id;
      const badParent = await create('Data_Subject_Requests', { Request_Type: 'access', Parent_Id: account });
      assert.equal(json(badParent).data[0].details.api_name, 'Parent_Id');
      const missing = await create('Data_Subject_Requests', { Request_Type: 'access' });
      assert.equal(json(missing).data[0].code, 'MANDATORY_NOT_FOUND');
      // A request cannot itself be mailed.
      assert.equal(json(await send(id, {}, 'Data_Subject_Requests')).code, 'INVALID_MODULE');
    });

    test('an access request mail carries the CSV of the subject\'s personal fields; the mail is linked to the request', async () => {
      const request = json(await create('Data_Subject_Requests', { Request_Type: 'access', Parent_Id: contactId })).data[0].details.id;
      const accepted = await send(contactId, { subject: 'Your personal data', data_subject_request: { id: request, type: 'access' } });
      assert.equal(accepted.statusCode, 200, accepted.body);
      const messageId = json(accepted).data[0].details.message_id;
      const message = await delivered('Your personal data');
      const csv = message.parsed.attachments.find((a) => a.contentType === 'text/csv');
      assert.ok(csv, 'a CSV is attached');
      assert.equal(csv.filename, `personal-data-${contactId}.csv`);
      const text = csv.content.toString('utf8').replace(/^\ufeff/, '');
      const lines = text.split('\r\n');
      assert.equal(lines[0], 'Field,Value');
      assert.ok(lines.includes('First Name,Jane'));
      assert.ok(lines.includes('Last Name,Doe'));
      assert.ok(lines.includes('Email,jane.doe@example.com'));
      assert.ok(lines.includes('Phone,+44 20 7946 0000') || lines.includes("Phone,'+44 20 7946 0000"));
      assert.ok(lines.includes('Mailing City,London'));
      // A cell a spreadsheet would run as a formula is neutralised.
      assert.ok(lines.includes(`Description,"'=HYPERLINK(""http://evil.example"")"`), text);
      const row = await testApp.app.db.selectFrom('mails').select(['dsr_id', 'dsr_type']).where('message_id', '=', messageId).executeTakeFirstOrThrow();
      assert.deepEqual(row, { dsr_id: request, dsr_type: 'access' });
    });

    test('rectify attaches a CSV to correct; export a copy', async () => {
      const rectify = json(await create('Data_Subject_Requests', { Request_Type: 'rectify', Parent_Id: contactId })).data[0].details.id;
      assert.equal(json(await send(contactId, { subject: 'Please correct', data_subject_request: { id: rectify, type: 'rectify' } })).data[0].code, 'SUCCESS');
      const message = await delivered('Please correct');
      const csv = message.parsed.attachments.find((a) => a.contentType === 'text/csv')!;
      assert.equal(csv.filename, `personal-data-to-correct-${contactId}.csv`);
      const lines = csv.content.toString('utf8').replace(/^\ufeff/, '').split('\r\n');
      assert.equal(lines[0], 'Field,Current value,Corrected value');
      assert.ok(lines.includes('First Name,Jane,'));
      const exportId = json(await create('Data_Subject_Requests', { Request_Type: 'export', Parent_Id: contactId })).data[0].details.id;
      assert.equal(json(await send(contactId, { subject: 'Export', data_subject_request: { id: exportId, type: 'export' } })).data[0].code, 'SUCCESS');
      assert.ok((await delivered('Export')).parsed.attachments.some((a) => a.contentType === 'text/csv'));
    });

    test("an unknown request, a request about another record, another org's request or a type mismatch → INVALID_DATA", async () => {
      const other = json(await create('Contacts', { Last_Name: 'Other', Email: 'other@example.com' })).data[0].details.id;
      const aboutOther = json(await create('Data_Subject_Requests', { Request_Type: 'access', Parent_Id: other })).data[0].details.id;
      const access = json(await create('Data_Subject_Requests', { Request_Type: 'access', Parent_Id: contactId })).data[0].details.id;
      const otherOrg = await testApp.createOrg();
      const foreignContact = json(await create('Contacts', { Last_Name: 'Foreign', Email: 'f@example.com' }, otherOrg.token)).data[0].details.id;
      const foreign = json(await create('Data_Subject_Requests', { Request_Type: 'access', Parent_Id: foreignContact }, otherOrg.token)).data[0].details.id;
      const expected = {
        code: 'INVALID_DATA',
        details: { api_name: 'id', json_path: '$.data[0].data_subject_request.id' },
        message: 'invalid data',
        status: 'error',
      };
      for (const dsr of [
        { id: '1234567890123456789', type: 'access' },
        { id: aboutOther, type: 'access' },
        { id: foreign, type: 'access' },
        { id: access, type: 'export' },
        { id: 'abc', type: 'access' },
      ]) {
        const response = await send(contactId, { data_subject_request: dsr });
        assert.equal(response.statusCode, 400, JSON.stringify(dsr));
        assert.deepEqual(json(response).data[0], expected, JSON.stringify(dsr));
      }
      const badType = await send(contactId, { data_subject_request: { id: access, type: 'erase' } });
      assert.deepEqual(json(badType).data[0].details.supported_values, ['access', 'rectify', 'export']);
      const noId = await send(contactId, { data_subject_request: { type: 'access' } });
      assert.equal(json(noId).data[0].code, 'MANDATORY_NOT_FOUND');
    });
  });
}
