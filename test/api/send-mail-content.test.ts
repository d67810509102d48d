import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createWorker, type Worker } from '../../src/delivery/worker.js';
import { DATABASE_KINDS, json, startTestApp, type TestApp, type TestOrg } from '../helpers/test-app.js';
import { pdfText } from '../helpers/pdf-tools.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';

const SCOPES = ['ZohoCRM.modules.ALL', 'ZohoCRM.users.READ', 'ZohoCRM.send_mail.all.CREATE', 'ZohoCRM.templates.ALL', 'ZohoCRM.Files.ALL'];

for (const kind of DATABASE_KINDS) {
  describe(`send_mail with templates, merge fields and inventory PDFs [${kind}]`, () => {
    let sink: SmtpSink;
    let testApp: TestApp;
    let worker: Worker;
    let org: TestOrg;
    let from: string;
    let leadId: string;

    const deliverOne = async () => {
      const before = sink.messages.length;
      await worker.runOnce();
      return (await sink.waitFor(before + 1)).slice(before)[0]!;
    };
    const createTemplate = async (template: Record<string, unknown>): Promise<string> => {
      const response = await testApp.api('POST', '/crm/v8/settings/email_templates', org.token, { email_templates: [template] });
      assert.equal(response.statusCode, 201, response.body);
      return json(response).email_templates[0].details.id;
    };
    const send = (module: string, id: string, extra: Record<string, unknown>) =>
      testApp.api('POST', `/crm/v8/${module}/${id}/actions/send_mail`, org.token, {
        data: [{ from: { email: from }, to: [{ email: 'ann@example.com' }], ...extra }],
      });

    before(async () => {
      sink = await startSmtpSink();
      testApp = await startTestApp(kind, { env: { SMTP_URL: sink.url } });
      worker = createWorker(testApp.app);
      org = await testApp.createOrg({ scopes: SCOPES });
      from = json(await testApp.api('GET', '/crm/v8/users?type=CurrentUser', org.token)).users[0].email;
      leadId = json(
        await testApp.api('POST', '/crm/v8/Leads', org.token, {
          data: [{ Last_Name: 'Lovelace', First_Name: 'Ada <b>', Company: 'Analytical & Co', Email: 'ann@example.com' }],
        }),
      ).data[0].details.id;
    });
    after(async () => {
      await worker.stop(1000);
      await testApp.close();
      await sink.close();
    });

    test('a template supplies subject and body with the record’s fields merged, HTML-escaped in html', async () => {
      const templateId = await createTemplate({
        name: 'Welcome',
        module: 'Leads',
        subject: 'Welcome, ${Leads.First Name} from ${Leads.Company}',
        content: '<p>Dear ${Leads.First Name} ${Leads.Last Name},</p><p>${Leads.No Such Field}|${Users.Full Name}</p>',
      });
      const response = await send('Leads', leadId, { template: { id: templateId } });
      assert.equal(json(response).data[0].code, 'SUCCESS', response.body);
      const message = await deliverOne();
      assert.equal(message.parsed.subject, 'Welcome, Ada <b> from Analytical & Co');
      const html = String(message.parsed.html);
      assert.match(html, /Dear Ada &lt;b&gt; Lovelace,/);
      assert.match(html, /<p>\|Patricia Boyle<\/p>/);

      const template = json(await testApp.api('GET', `/crm/v8/settings/email_templates/${templateId}`, org.token)).email_templates[0];
      assert.notEqual(template.last_usage_time, null);
      assert.equal(template.last_version_statistics.sent, 1);
    });

    test('keys in the request win over the template’s; merge fields work in text given directly', async () => {
      const templateId = await createTemplate({ name: 'Promo', module: 'Leads', subject: 'Template subject', content: '<p>Template body</p>' });
      await send('Leads', leadId, { template: { id: templateId }, subject: 'Hi ${Leads.Last Name}' });
      const message = await deliverOne();
      assert.equal(message.parsed.subject, 'Hi Lovelace');
      assert.match(String(message.parsed.html), /Template body/);
      await send('Leads', leadId, { subject: 'Direct', content: 'Plain ${Leads.First Name}', mail_format: 'text' });
      const plain = await deliverOne();
      assert.equal(plain.parsed.text?.trim(), 'Plain Ada <b>');
      assert.equal(plain.parsed.html, false);
    });

    test('a template of another module, or an unknown one, is refused clearly', async () => {
      const contactsTemplate = await createTemplate({ name: 'For contacts', module: 'Contacts', subject: 'S', content: 'C' });
      const mismatch = await send('Leads', leadId, { template: { id: contactsTemplate } });
      assert.equal(mismatch.statusCode, 400);
      assert.equal(json(mismatch).data[0].code, 'INVALID_DATA');
      assert.equal(json(mismatch).data[0].message, 'The template given belongs to another module');
      assert.deepEqual(json(mismatch).data[0].details, { api_name: 'id', json_path: '$.data[0].template.id' });
      const unknown = await send('Leads', leadId, { template: { id: '1234567890123456789' } });
      assert.equal(json(unknown).data[0].message, 'the template id given seems to be invalid');
    });

    test('a Quote sent with its inventory template carries a PDF showing its line item and total', async () => {
      const productId = json(await testApp.api('POST', '/crm/v8/Products', org.token, { data: [{ Product_Name: 'CT Scanner X9', Unit_Price: 1250 }] })).data[0]
        .details.id;
      const quoteId = json(
        await testApp.api('POST', '/crm/v8/Quotes', org.token, {
          data: [{ Subject: 'Scanner offer', Quoted_Items: [{ Product_Name: { id: productId }, Quantity: 3, List_Price: 1250 }] }],
        }),
      ).data[0].details.id;
      const templates = json(await testApp.api('GET', '/crm/v8/settings/inventory_templates?module=Quotes', org.token)).inventory_templates;
      const response = await send('Quotes', quoteId, {
        subject: 'Your quote',
        content: '<p>Please find the quote attached.</p>',
        inventory_details: { inventory_template: { id: templates[0].id }, paper_type: 'A4', view_type: 'portrait' },
      });
      assert.equal(json(response).data[0].code, 'SUCCESS', response.body);
      const message = await deliverOne();
      const pdf = message.parsed.attachments.find((a) => a.contentType === 'application/pdf');
      assert.ok(pdf, 'a PDF is attached');
      assert.match(pdf!.filename ?? '', /\.pdf$/);
      const text = await pdfText(pdf!.content);
      assert.match(text, /CT Scanner X9/);
      assert.match(text, /3,750/);

      const wrongModule = await send('Leads', leadId, { subject: 'x', inventory_details: { inventory_template: { id: templates[0].id } } });
      assert.equal(json(wrongModule).data[0].code, 'INVALID_DATA');
      const unknownTemplate = await send('Quotes', quoteId, { subject: 'x', inventory_details: { inventory_template: { id: '1234567890123456789' } } });
      assert.equal(json(unknownTemplate).data[0].code, 'INVALID_DATA');
      assert.equal(json(unknownTemplate).data[0].details.json_path, '$.data[0].inventory_details.inventory_template.id');
    });

    test('inventory_details problems name their key by the version, like every other key of a mail (v2.1: index and parent_api_name)', async () => {
      const productId = json(await testApp.api('POST', '/crm/v8/Products', org.token, { data: [{ Product_Name: 'Probe', Unit_Price: 10 }] })).data[0].details.id;
      const quoteId = json(
        await testApp.api('POST', '/crm/v8/Quotes', org.token, { data: [{ Subject: 'Versions', Quoted_Items: [{ Product_Name: { id: productId } }] }] }),
      ).data[0].details.id;
      const item = (inventory: unknown) => ({ from: { email: from }, to: [{ email: 'ann@example.com' }], subject: 'x', inventory_details: inventory });
      const answer = async (version: string, inventory: unknown) =>
        json(await testApp.api('POST', `/crm/${version}/Quotes/${quoteId}/actions/send_mail`, org.token, { data: [item(inventory)] })).data[0];
      const noId = { inventory_template: { name: 'x' } };
      assert.deepEqual((await answer('v2.1', noId)).details, { api_name: 'id', parent_api_name: 'inventory_template', index: 0 });
      assert.deepEqual((await answer('v8', noId)).details, { api_name: 'id', json_path: '$.data[0].inventory_details.inventory_template.id' });
      const paper = await answer('v2.1', { inventory_template: { id: '1' }, paper_type: 'A3' });
      assert.equal(paper.code, 'INVALID_DATA');
      assert.deepEqual(paper.details, { supported_values: ['default', 'A4', 'us_letter'], api_name: 'paper_type', parent_api_name: 'inventory_details', index: 0 });
      const unknown = await answer('v2.1', { inventory_template: { id: '1234567890123456789' } });
      assert.equal(unknown.message, 'the inventory template id given seems to be invalid');
      assert.deepEqual(unknown.details, { api_name: 'id', parent_api_name: 'inventory_template', index: 0 });
    });
  });
}
