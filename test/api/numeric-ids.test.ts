import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { FakeClock } from '../../src/clock.js';
import { ALL_SCOPES, DATABASE_KINDS, json, startTestApp, type TestApp, type TestOrg } from '../helpers/test-app.js';

/**
 * Zoho's SDKs for other languages send 19-digit ids as bare JSON numbers, which `JSON.parse`
 * rounds (…701632 → …701600). Every body here is written as raw JSON text with the ids
 * unquoted (JSON.stringify of a JS number would round them in the test itself); every answer
 * must carry the ids digit for digit, as strings.
 *
 * A Mailroom id is 10^18 + ms × 2^20 + node × 2^12 + counter: the first id of a millisecond is a
 * multiple of 128, which a double near 10^18 holds exactly, so `JSON.parse` would not round it.
 * The app runs on a clock that stands still (the counter goes up) and `insert` keeps only ids a
 * double cannot hold, so each test fails on a parser that rounds.
 */
const SCOPES = [...ALL_SCOPES, 'ZohoCRM.templates.ALL', 'ZohoCRM.settings.ALL', 'ZohoCRM.Files.ALL', 'ZohoCRM.modules.lockinginformation.CREATE'];
/** The built-in Quote template (the Quotes module id + 100000): beyond 2^53 like every Zoho id. */
const QUOTE_TEMPLATE = '1000000000000100007';

type World = { org: TestOrg; from: string; contactId: string; productId: string; leadId: string };

/** True when `JSON.parse` would change this id written as a bare number. */
const roundsAsDouble = (id: string): boolean => BigInt(Number(id)) !== BigInt(id);

async function world(app: TestApp): Promise<World> {
  const org = await app.createOrg({ scopes: SCOPES });
  const from = json(await app.api('GET', '/crm/v8/users?type=CurrentUser', org.token)).users[0].email as string;
  const insert = async (module: string, fields: Record<string, unknown>): Promise<string> => {
    for (;;) {
      const response = await app.api('POST', `/crm/v8/${module}`, org.token, { data: [fields] });
      assert.equal(response.statusCode, 201, response.body);
      const id = json(response).data[0].details.id as string;
      if (roundsAsDouble(id)) return id;
    }
  };
  const contactId = await insert('Contacts', { Last_Name: 'Lovelace', Email: 'ada@example.com' });
  const productId = await insert('Products', { Product_Name: 'Widget', Unit_Price: 25 });
  const leadId = await insert('Leads', { Last_Name: 'Smith', Email: 'smith@example.com' });
  return { org, from, contactId, productId, leadId };
}

const mailJson = (from: string, extra = '') => `{"from":{"email":"${from}"},"to":[{"email":"smith@example.com"}],"subject":"Hello","content":"<p>Hi</p>"${extra}}`;

for (const kind of DATABASE_KINDS) describe(`ids sent as JSON numbers [${kind}]`, () => {
  let testApp: TestApp;
  const get = () => testApp;
  before(async () => {
    testApp = await startTestApp(kind, { clock: new FakeClock() });
  });
  after(async () => {
    await testApp.close();
  });

  test('records: lookups, Owner and line-item products as bare 19-digit numbers read back digit for digit', async () => {
    const { org, contactId, productId } = await world(get());
    const created = await get().api(
      'POST',
      '/crm/v8/Quotes',
      org.token,
      `{"data":[{"Subject":"Numbers","Contact_Name":{"id":${contactId}},"Owner":{"id":${org.adminId}},"Quoted_Items":[{"Product_Name":{"id":${productId}},"Quantity":3}]}]}`,
    );
    assert.equal(created.statusCode, 201, created.body);
    const quoteId = json(created).data[0].details.id as string;
    const quote = json(await get().api('GET', `/crm/v8/Quotes/${quoteId}`, org.token)).data[0];
    assert.deepEqual(quote.Contact_Name, { name: 'Lovelace', id: contactId });
    assert.equal(quote.Owner.id, org.adminId);
    assert.deepEqual(quote.Quoted_Items[0].Product_Name, { name: 'Widget', id: productId });
    assert.equal(quote.Quoted_Items[0].Total, 75);

    // A lookup given as a bare number (no {id}), on another module; and a bulk update naming its record by a number.
    const deal = await get().api('POST', '/crm/v8/Deals', org.token, `{"data":[{"Deal_Name":"D","Stage":"Qualification","Contact_Name":${contactId}}]}`);
    assert.equal(deal.statusCode, 201, deal.body);
    const dealId = json(deal).data[0].details.id as string;
    assert.deepEqual(json(await get().api('GET', `/crm/v8/Deals/${dealId}`, org.token)).data[0].Contact_Name, { name: 'Lovelace', id: contactId });
    const updated = await get().api('PUT', '/crm/v8/Deals', org.token, `{"data":[{"id":${dealId},"Deal_Name":"Renamed"}]}`);
    assert.equal(updated.statusCode, 200, updated.body);
    assert.equal(json(updated).data[0].details.id, dealId);
    assert.equal(json(await get().api('GET', `/crm/v8/Deals/${dealId}`, org.token)).data[0].Deal_Name, 'Renamed');
  });

  test('ids that are not ids stay refused as before: fractions, zero, negative, 20 digits', async () => {
    const { org } = await world(get());
    for (const bad of ['1.5', '0', '-1096694392965701632', '10966943929657016320', '1e18']) {
      const response = await get().api('POST', '/crm/v8/Deals', org.token, `{"data":[{"Deal_Name":"D","Stage":"S","Contact_Name":{"id":${bad}}}]}`);
      assert.equal(response.statusCode, 400, bad);
      assert.deepEqual(json(response).data[0].details, { api_name: 'Contact_Name', json_path: '$.data[0].Contact_Name', expected_data_type: 'lookup' }, bad);
    }
  });

  test('numeric fields with 17 to 20 digits behave as before: currencies and line items take the double, integers refuse', async () => {
    const { org, productId } = await world(get());
    const money = await get().api('POST', '/crm/v8/Accounts', org.token, '{"data":[{"Account_Name":"Big","Annual_Revenue":12345678901234567}]}');
    assert.equal(money.statusCode, 201, money.body);
    const account = json(await get().api('GET', `/crm/v8/Accounts/${json(money).data[0].details.id}`, org.token)).data[0];
    assert.equal(account.Annual_Revenue, 12345678901234568);
    const employees = await get().api('POST', '/crm/v8/Accounts', org.token, '{"data":[{"Account_Name":"Many","Employees":1234567890123456789}]}');
    assert.equal(employees.statusCode, 400);
    assert.deepEqual(json(employees).data[0].details, { api_name: 'Employees', json_path: '$.data[0].Employees', expected_data_type: 'integer' });
    const quote = await get().api(
      'POST',
      '/crm/v8/Quotes',
      org.token,
      `{"data":[{"Subject":"Huge","Quoted_Items":[{"Product_Name":${productId},"Quantity":12345678901234567890,"List_Price":1234567890123456789}]}]}`,
    );
    assert.equal(quote.statusCode, 201, quote.body);
    const line = json(await get().api('GET', `/crm/v8/Quotes/${json(quote).data[0].details.id}`, org.token)).data[0].Quoted_Items[0];
    assert.equal(line.Quantity, 12345678901234567000);
    assert.equal(line.List_Price, 1234567890123456800);
  });

  test('send_mail: template.id, inventory_template.id and in_reply_to.owner.id as numbers; the answers and the Emails list agree', async () => {
    const { org, from, leadId, contactId, productId } = await world(get());
    const template = await get().api('POST', '/crm/v8/settings/email_templates', org.token, {
      email_templates: [{ name: 'Numeric', module: 'Leads', subject: 'From the template', content: '<p>Dear ${Leads.Last Name}</p>' }],
    });
    assert.equal(template.statusCode, 201, template.body);
    const templateId = json(template).email_templates[0].details.id as string;
    const sent = await get().api(
      'POST',
      `/crm/v8/Leads/${leadId}/actions/send_mail`,
      org.token,
      `{"data":[{"from":{"email":"${from}"},"to":[{"email":"smith@example.com"}],"template":{"id":${templateId}}}]}`,
    );
    assert.equal(sent.statusCode, 200, sent.body);
    const first = json(sent).data[0].details.message_id as string;

    const reply = await get().api(
      'POST',
      `/crm/v8/Leads/${leadId}/actions/send_mail`,
      org.token,
      `{"data":[${mailJson(from, `,"subject":"Re: From the template","in_reply_to":{"message_id":"${first}","owner":{"id":${org.adminId}}}`)}]}`,
    );
    assert.equal(reply.statusCode, 200, reply.body);
    const second = json(reply).data[0].details.message_id as string;
    const listed = json(await get().api('GET', `/crm/v8/Leads/${leadId}/Emails`, org.token)).Emails as { message_id: string; thread_id: string; subject: string }[];
    const byId = new Map(listed.map((m) => [m.message_id, m]));
    assert.equal(byId.get(first)!.subject, 'From the template');
    assert.equal(byId.get(second)!.thread_id, first);
    const used = json(await get().api('GET', `/crm/v8/settings/email_templates/${templateId}`, org.token)).email_templates[0];
    assert.equal(used.last_version_statistics.sent, 1);

    const quote = json(
      await get().api('POST', '/crm/v8/Quotes', org.token, { data: [{ Subject: 'Spring order', Contact_Name: contactId, Quoted_Items: [{ Product_Name: productId }] }] }),
    ).data[0].details.id as string;
    const withPdf = await get().api(
      'POST',
      `/crm/v8/Quotes/${quote}/actions/send_mail`,
      org.token,
      `{"data":[${mailJson(from, `,"inventory_details":{"inventory_template":{"id":${QUOTE_TEMPLATE}}}`)}]}`,
    );
    assert.equal(withPdf.statusCode, 200, withPdf.body);
    const pdfMail = json(await get().api('GET', `/crm/v8/Quotes/${quote}/Emails/${json(withPdf).data[0].details.message_id}`, org.token)).Emails[0];
    assert.deepEqual(pdfMail.attachments.map((a: { name: string }) => a.name), ['Quote - Spring order.pdf']);
    const builtIn = json(await get().api('GET', `/crm/v8/settings/inventory_templates/${QUOTE_TEMPLATE}`, org.token)).inventory_templates[0];
    assert.notEqual(builtIn.last_usage_time, null);
  });

  test('send_mail: linked_record.id and data_subject_request.id as numbers', async () => {
    const { org, from, contactId, leadId } = await world(get());
    const linked = await get().api(
      'POST',
      `/crm/v8/Leads/${leadId}/actions/send_mail`,
      org.token,
      `{"data":[${mailJson(from, `,"linked_record":{"module":{"api_name":"Contacts"},"id":${contactId}}`)}]}`,
    );
    assert.equal(linked.statusCode, 200, linked.body);
    const mail = json(await get().api('GET', `/crm/v8/Leads/${leadId}/Emails/${json(linked).data[0].details.message_id}`, org.token)).Emails[0];
    assert.equal(mail.linked_record.id, contactId);

    const dsr = json(await get().api('POST', '/crm/v8/Data_Subject_Requests', org.token, { data: [{ Request_Type: 'access', Parent_Id: contactId }] })).data[0].details.id as string;
    const answered = await get().api(
      'POST',
      `/crm/v8/Contacts/${contactId}/actions/send_mail`,
      org.token,
      `{"data":[{"from":{"email":"${from}"},"to":[{"email":"ada@example.com"}],"subject":"Your data","data_subject_request":{"id":${dsr},"type":"access"}}]}`,
    );
    assert.equal(answered.statusCode, 200, answered.body);
    const withCsv = json(await get().api('GET', `/crm/v8/Contacts/${contactId}/Emails/${json(answered).data[0].details.message_id}`, org.token)).Emails[0];
    assert.deepEqual(withCsv.attachments.map((a: { name: string }) => a.name), [`personal-data-${contactId}.csv`]);
  });

  test('an Idempotency-Key with a numeric-id body replays; the same ids as strings are the same request', async () => {
    const { org, from, leadId, contactId } = await world(get());
    const body = (id: string) => `{"data":[${mailJson(from, `,"linked_record":{"module":{"api_name":"Contacts"},"id":${id}}`)}]}`;
    const send = (payload: string) =>
      get().inject({
        method: 'POST',
        url: `/crm/v8/Leads/${leadId}/actions/send_mail`,
        headers: { authorization: `Zoho-oauthtoken ${org.token}`, 'idempotency-key': 'numeric-ids-1' },
        payload,
      });
    const first = await send(body(contactId));
    assert.equal(first.statusCode, 200, first.body);
    const again = await send(body(contactId));
    assert.equal(again.statusCode, 200, again.body);
    assert.equal(again.headers['idempotent-replayed'], 'true');
    assert.deepEqual(json(again), json(first));
    const asString = await send(body(`"${contactId}"`));
    assert.equal(asString.headers['idempotent-replayed'], 'true');
    const other = await send(body(String(BigInt(contactId) + 1n)));
    assert.equal(other.statusCode, 422);
  });

  test('email templates: module, folder and attachment ids and the bulk update id as numbers', async () => {
    const { org } = await world(get());
    const modules = json(await get().api('GET', '/crm/v8/settings/modules', org.token)).modules as { api_name: string; id: string }[];
    const leads = modules.find((m) => m.api_name === 'Leads')!;
    const created = await get().api(
      'POST',
      '/crm/v8/settings/email_templates',
      org.token,
      `{"email_templates":[{"name":"By number","module":{"id":${leads.id}},"subject":"S","content":"<p>x</p>"}]}`,
    );
    assert.equal(created.statusCode, 201, created.body);
    const templateId = json(created).email_templates[0].details.id as string;
    const folderId = json(await get().api('GET', `/crm/v8/settings/email_templates/${templateId}`, org.token)).email_templates[0].folder.id as string;
    const updated = await get().api(
      'PUT',
      '/crm/v8/settings/email_templates',
      org.token,
      `{"email_templates":[{"id":${templateId},"subject":"Changed","folder":{"id":${folderId}}}]}`,
    );
    assert.equal(updated.statusCode, 200, updated.body);
    assert.equal(json(updated).email_templates[0].details.id, templateId);
    const read = json(await get().api('GET', `/crm/v8/settings/email_templates/${templateId}`, org.token)).email_templates[0];
    assert.equal(read.subject, 'Changed');
    assert.equal(read.module.api_name, 'Leads');
    // An attachment id given as a number is read as an id: this org has no such file.
    const attachment = await get().api('PUT', `/crm/v8/settings/email_templates/${templateId}`, org.token, '{"email_templates":[{"attachments":[{"id":1096694392965701632}]}]}');
    assert.equal(attachment.statusCode, 400);
    assert.equal(json(attachment).email_templates[0].message, 'There is no file exists with the given id');
  });

  test('unblock_email ids and lock_excluded_profiles ids as numbers', async () => {
    const { org, leadId } = await world(get());
    const unblock = await get().api('POST', '/crm/v8/Leads/actions/unblock_email', org.token, `{"unblock_fields":["Email"],"ids":[${leadId}]}`);
    // Nothing was blocked: the record was found by its exact id.
    assert.deepEqual(json(unblock).data[0], { code: 'NOT_ALLOWED', details: { id: leadId }, message: 'Email is already unblocked', status: 'error' });
    const configured = await get().api(
      'PUT',
      '/crm/v8/settings/record_locking_configurations?module=Leads',
      org.token,
      '{"record_locking_configurations":[{"locked_for":"all_profiles_except_excluded_profiles","lock_excluded_profiles":[{"id":1000000000000100002}]}]}',
    );
    assert.equal(configured.statusCode, 200, configured.body);
    const config = json(await get().api('GET', '/crm/v8/settings/record_locking_configurations?module=Leads', org.token)).record_locking_configurations[0];
    assert.deepEqual(config.lock_excluded_profiles, [{ name: 'Standard', id: '1000000000000100002' }]);
  });

  test('a 19-digit number in place of any value of these bodies never answers 500 (nothing serialises a bigint unguarded)', async () => {
    const { org, from, leadId, productId } = await world(get());
    const big = '1096694392965701633';
    const bodies: [string, string, unknown][] = [
      ['POST', `/crm/v8/Leads/${leadId}/actions/send_mail`, { data: [{
        from: { email: from, user_name: 'x' }, to: [{ email: 'a@example.com', user_name: 'y' }], cc: [{ email: 'b@example.com' }], reply_to: { email: from },
        subject: 'S', content: 'c', mail_format: 'html', scheduled_time: '2026-01-16T10:00:00Z', in_reply_to: { message_id: 'abc@x', owner: { id: '1' } },
        template: { id: '1' }, attachments: [{ id: 'x' }], linked_record: { module: { api_name: 'Leads' }, id: leadId }, consent_email: false, org_email: false,
        data_subject_request: { id: '1', type: 'access' }, inventory_details: { inventory_template: { id: '1', name: 'n' }, paper_type: 'A4', view_type: 'portrait' },
      }] }],
      ['POST', '/crm/v8/Leads', { data: [{ Last_Name: 'L', Email: 'e@example.com', Annual_Revenue: 5, No_of_Employees: 3, Email_Opt_Out: false, Owner: { id: org.adminId }, Data_Processing_Basis_Details: { Data_Processing_Basis: 'Consent', Contact_Through_Email: true } }] }],
      ['POST', '/crm/v8/Quotes', { data: [{ Subject: 'S', Quoted_Items: [{ Product_Name: { id: productId }, Quantity: 1, Discount: 0, Tax: 0, List_Price: 3, Product_Description: 'd' }], Adjustment: 1 }] }],
      ['PUT', '/crm/v8/Leads', { data: [{ id: leadId, Last_Name: 'Z' }] }],
      ['POST', '/crm/v8/settings/email_templates', { email_templates: [{ name: 'n', module: { api_name: 'Leads', id: '1' }, subject: 's', content: 'c', folder: { name: 'f', id: '1' }, attachments: [{ id: 'x' }], editor_mode: 'rich_text', category: 'normal', description: 'd', active: true, favorite: false }] }],
      ['POST', '/crm/v8/settings/inventory_templates', { inventory_templates: [{ name: 'n', module: 'Quotes', title: 't', header_text: 'h', footer_text: 'f', active: true }] }],
      ['PUT', '/crm/v8/settings/record_locking_configurations?module=Leads', { record_locking_configurations: [{ locked_for: 'all_profiles', lock_excluded_profiles: [{ id: '1', name: 'Standard' }], restricted_actions: ['update'], lock_for_portal_users: false }] }],
      ['POST', '/crm/v8/Leads/actions/unblock_email', { unblock_fields: ['Email'], ids: [leadId] }],
      ['POST', `/crm/v8/Leads/${leadId}/Locking_Information__s`, { data: [{ Locked_Reason__s: 'r' }] }],
    ];
    /** The body as JSON text with the value at `path` (the whole body for []) replaced by the bare number. */
    const withBigAt = (body: unknown, path: string[]): string => {
      if (path.length === 0) return big;
      const copy = structuredClone(body) as Record<string, unknown>;
      let holder = copy;
      for (const key of path.slice(0, -1)) holder = holder[key] as Record<string, unknown>;
      holder[path.at(-1)!] = '__big__';
      return JSON.stringify(copy).replace('"__big__"', big);
    };
    const leaves = (value: unknown, path: string[] = []): string[][] =>
      value !== null && typeof value === 'object' ? [path, ...Object.entries(value).flatMap(([key, child]) => leaves(child, [...path, key]))] : [path];
    let tried = 0;
    for (const [method, url, body] of bodies) {
      for (const path of leaves(body)) {
        // With an Idempotency-Key, so the request fingerprint serialises the body too.
        const response = await get().inject({
          method: method as 'POST',
          url,
          headers: { authorization: `Zoho-oauthtoken ${org.token}`, 'idempotency-key': `fuzz-${tried}` },
          payload: withBigAt(body, path),
        });
        assert.ok(response.statusCode < 500, `${method} ${url} at ${path.join('.')}: ${response.statusCode} ${response.body}`);
        tried += 1;
      }
    }
    assert.ok(tried > 100);
  });
});
