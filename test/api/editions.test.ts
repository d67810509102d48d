import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { systemTemplateId } from '../../src/inventory/inventory-templates.js';
import { updateOrg } from '../../src/orgs/update-org.js';
import { createCustomModule } from '../../src/records/create-custom-module.js';
import { STANDARD_MODULES } from '../../src/records/modules.js';
import { closeMailWorld, openMailWorld, type MailWorld } from '../helpers/mail-world.js';
import { DATABASE_KINDS, describeEachDatabase, json, type TestApp, type TestOrg } from '../helpers/test-app.js';

/** The edition gate of send_mail: top level (it is about the module in the URL), HTTP 400, `details: {}`. */
const NOT_IN_EDITION = { code: 'NOT_ALLOWED', details: {}, message: 'This feature is not supported for your edition.', status: 'error' };

async function insert(app: TestApp, org: TestOrg, module: string, record: Record<string, unknown>): Promise<string> {
  const response = await app.api('POST', `/crm/v8/${module}`, org.token, { data: [record] });
  assert.equal(response.statusCode, 201, response.body);
  return json(response).data[0].details.id;
}

/** One record of each inventory module and of a custom module (its default fields include Email). */
async function mailableRecords(app: TestApp, org: TestOrg): Promise<Record<string, string>> {
  const product = await insert(app, org, 'Products', { Product_Name: 'Widget', Unit_Price: 10 });
  const vendor = await insert(app, org, 'Vendors', { Vendor_Name: 'Acme Supply', Email: 'supply@example.com' });
  const line = [{ Product_Name: product, Quantity: 2 }];
  await createCustomModule(app.app, { orgId: org.orgId, apiName: 'Projects' });
  return {
    Quotes: await insert(app, org, 'Quotes', { Subject: 'Q', Quoted_Items: line }),
    Sales_Orders: await insert(app, org, 'Sales_Orders', { Subject: 'SO', Ordered_Items: line }),
    Purchase_Orders: await insert(app, org, 'Purchase_Orders', { Subject: 'PO', Vendor_Name: vendor, Purchased_Items: line }),
    Invoices: await insert(app, org, 'Invoices', { Subject: 'I', Invoiced_Items: line }),
    Projects: await insert(app, org, 'Projects', { Name: 'Apollo', Email: 'apollo@example.com' }),
  };
}

const senderOf = async (app: TestApp, org: TestOrg): Promise<string> =>
  json(await app.api('GET', '/crm/v8/users?type=CurrentUser', org.token)).users[0].email;

const item = (from: string, extra: Record<string, unknown> = {}) => ({
  from: { email: from },
  to: [{ email: 'buyer@example.com' }],
  subject: 'Your order',
  content: '<p>Hello</p>',
  ...extra,
});

describeEachDatabase('editions: what send_mail refuses on the free edition', (get) => {
  test('free: every inventory module and custom modules answer NOT_ALLOWED at top level on every version; nothing is queued', async () => {
    const org = await get().createOrg({ edition: 'free' });
    const from = await senderOf(get(), org);
    const records = await mailableRecords(get(), org);
    for (const [module, id] of Object.entries(records)) {
      for (const version of ['v2.1', 'v8']) {
        const response = await get().api('POST', `/crm/${version}/${module}/${id}/actions/send_mail`, org.token, { data: [item(from)] });
        assert.equal(response.statusCode, 400, `${module} ${version}`);
        assert.deepEqual(json(response), NOT_IN_EDITION, `${module} ${version}`);
      }
    }
    // The inventory PDF goes with its module: the request is refused before the item is read.
    const pdf = await get().api('POST', `/crm/v8/Quotes/${records.Quotes}/actions/send_mail`, org.token, {
      data: [item(from, { inventory_details: { inventory_template: { id: '1' } } })],
    });
    assert.deepEqual(json(pdf), NOT_IN_EDITION);
    // The module decides, before the record is looked at: a missing id answers the same.
    const missing = await get().api('POST', '/crm/v8/Invoices/1234567890123456789/actions/send_mail', org.token, { data: [item(from)] });
    assert.deepEqual(json(missing), NOT_IN_EDITION);
    const queued = await get().app.db.selectFrom('mails').select('message_id').where('org_id', '=', org.orgId).execute();
    assert.equal(queued.length, 0);

    // What the free edition has still works.
    const lead = await insert(get(), org, 'Leads', { Last_Name: 'Free', Email: 'buyer@example.com' });
    const fromLead = await get().api('POST', `/crm/v8/Leads/${lead}/actions/send_mail`, org.token, { data: [item(from)] });
    assert.equal(fromLead.statusCode, 200, fromLead.body);
  });

  test('paid editions mail from inventory and custom modules, an inventory PDF included', async () => {
    const org = await get().createOrg({ edition: 'standard' });
    const from = await senderOf(get(), org);
    const records = await mailableRecords(get(), org);
    for (const [module, id] of Object.entries(records)) {
      const response = await get().api('POST', `/crm/v8/${module}/${id}/actions/send_mail`, org.token, { data: [item(from)] });
      assert.equal(response.statusCode, 200, `${module}: ${response.body}`);
    }
    const quoteTemplate = systemTemplateId(STANDARD_MODULES.find((m) => m.apiName === 'Quotes')!);
    const pdf = await get().api('POST', `/crm/v8/Quotes/${records.Quotes}/actions/send_mail`, org.token, {
      data: [item(from, { inventory_details: { inventory_template: { id: quoteTemplate } } })],
    });
    assert.equal(json(pdf).data[0].code, 'SUCCESS', pdf.body);
  });
});

for (const kind of DATABASE_KINDS) {
  describe(`editions at fire time: a downgrade to free stops scheduled mail from a Quote [${kind}]`, () => {
    const T0 = Date.UTC(2026, 10, 26, 10, 0, 0);
    let world: MailWorld;
    before(async () => {
      world = await openMailWorld(kind, { at: T0 });
    });
    after(() => closeMailWorld(world));

    test('the mail ends skipped with the reason and is never sent', async () => {
      const { testApp, org, from, clock, worker, sink } = world;
      const records = await mailableRecords(testApp, org);
      const due = T0 + 1800_000; // within the token's hour
      const accepted = await testApp.api('POST', `/crm/v8/Quotes/${records.Quotes}/actions/send_mail`, org.token, {
        data: [item(from, { subject: 'Quote reminder', scheduled_time: new Date(due).toISOString() })],
      });
      assert.equal(accepted.statusCode, 200, accepted.body);
      const messageId = json(accepted).data[0].details.message_id;
      await updateOrg(testApp.app, { orgId: org.orgId, edition: 'free' });
      clock.set(due);
      assert.equal(await worker.runOnce(), 1);
      const detail = await testApp.api('GET', `/crm/v8/Quotes/${records.Quotes}/Emails/${messageId}`, org.token);
      assert.equal(detail.statusCode, 200, detail.body);
      const mail = json(detail).Emails[0];
      assert.equal(mail.status[0].type, 'skipped');
      assert.equal(mail.status[0].diagnostic, "the org's edition (free) no longer includes mail from Quotes");
      assert.equal(sink.messages.some((m) => m.parsed.subject === 'Quote reminder'), false);
    });
  });
}
