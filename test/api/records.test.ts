import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeEachDatabase, json, type TestApp, type TestOrg } from '../helpers/test-app.js';

const ID = /^\d{19}$/;

async function insert(app: TestApp, org: TestOrg, module: string, record: Record<string, unknown>): Promise<string> {
  const response = await app.api('POST', `/crm/v8/${module}`, org.token, { data: [record] });
  assert.equal(response.statusCode, 201, response.body);
  return json(response).data[0].details.id;
}

describeEachDatabase('Records API', (get) => {
  test('an inserted Lead reads back through another version segment with the fields sent', async () => {
    const org = await get().createOrg();
    const response = await get().api('POST', '/crm/v8/Leads', org.token, {
      data: [{ Last_Name: 'Boyle', First_Name: 'Pat', Email: 'pat@example.com', Company: 'ABC', Email_Opt_Out: false }],
      trigger: ['workflow'],
    });
    assert.equal(response.statusCode, 201);
    const item = json(response).data[0];
    assert.equal(item.code, 'SUCCESS');
    assert.equal(item.message, 'record added');
    assert.equal(item.status, 'success');
    assert.match(item.details.id, ID);
    assert.deepEqual(item.details.Created_By, { name: 'Patricia Boyle', id: org.adminId });

    const read = await get().api('GET', `/crm/v2.1/Leads/${item.details.id}`, org.token);
    assert.equal(read.statusCode, 200);
    const lead = json(read).data[0];
    assert.equal(lead.id, item.details.id);
    assert.equal(lead.Last_Name, 'Boyle');
    assert.equal(lead.Full_Name, 'Pat Boyle');
    assert.equal(lead.Email, 'pat@example.com');
    assert.deepEqual(lead.Owner, { name: 'Patricia Boyle', id: org.adminId, email: lead.Owner.email });
    assert.match(lead.Created_Time, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$/);
    assert.equal(lead.Secondary_Email, null);
  });

  test('the module segment is matched case-insensitively', async () => {
    const org = await get().createOrg();
    const id = await insert(get(), org, 'leads', { Last_Name: 'Lower' });
    assert.equal(json(await get().api('GET', `/crm/v8/LEADS/${id}`, org.token)).data[0].Last_Name, 'Lower');
  });

  test('date-times are shown in the org time zone with its offset', async () => {
    const org = await get().createOrg({ timeZone: 'Asia/Kolkata' });
    const id = await insert(get(), org, 'Contacts', { Last_Name: 'Tz' });
    const contact = json(await get().api('GET', `/crm/v8/Contacts/${id}`, org.token)).data[0];
    assert.match(contact.Created_Time, /\+05:30$/);
  });

  test('missing system-mandatory fields answer MANDATORY_NOT_FOUND per item, in order', async () => {
    const org = await get().createOrg();
    const response = await get().api('POST', '/crm/v8/Deals', org.token, {
      data: [{ Deal_Name: 'D1', Stage: 'Qualification' }, { Deal_Name: 'D2' }, { Stage: 'x', Deal_Name: '' }],
    });
    assert.equal(response.statusCode, 202);
    const [first, second, third] = json(response).data;
    assert.equal(first.code, 'SUCCESS');
    assert.deepEqual(second, {
      code: 'MANDATORY_NOT_FOUND',
      details: { api_name: 'Stage', json_path: '$.data[1].Stage' },
      message: 'required field not found',
      status: 'error',
    });
    assert.deepEqual(third.details, { api_name: 'Deal_Name', json_path: '$.data[2].Deal_Name' });
  });

  test('a bad email or a wrong type answers INVALID_DATA naming the field', async () => {
    const org = await get().createOrg();
    const response = await get().api('POST', '/crm/v8/Leads', org.token, {
      data: [{ Last_Name: 'A', Email: 'not-an-email' }, { Last_Name: 'B', Email_Opt_Out: 'yes' }, { Last_Name: 'C', Secondary_Email: 'ünïcode@exämple.de' }],
    });
    assert.equal(response.statusCode, 202);
    const [a, b, c] = json(response).data;
    assert.deepEqual(a, {
      code: 'INVALID_DATA',
      details: { expected_data_type: 'email', api_name: 'Email', json_path: '$.data[0].Email' },
      message: 'invalid data',
      status: 'error',
    });
    assert.deepEqual(b.details, { expected_data_type: 'boolean', api_name: 'Email_Opt_Out', json_path: '$.data[1].Email_Opt_Out' });
    assert.equal(c.code, 'SUCCESS');
  });

  test('all items failing answers 400 and stores nothing', async () => {
    const org = await get().createOrg();
    const response = await get().api('POST', '/crm/v8/Accounts', org.token, { data: [{}, { Account_Name: 5 }] });
    assert.equal(response.statusCode, 400);
    assert.equal((await get().api('GET', '/crm/v2/Accounts', org.token)).statusCode, 204);
  });

  test('lookups render as {name, id} and must point at a record of the target module', async () => {
    const org = await get().createOrg();
    const accountId = await insert(get(), org, 'Accounts', { Account_Name: 'Zylker' });
    const contactId = await insert(get(), org, 'Contacts', { Last_Name: 'Ray', First_Name: 'Jo', Account_Name: { id: accountId } });
    const dealId = await insert(get(), org, 'Deals', { Deal_Name: 'Big', Stage: 'Closed Won', Contact_Name: contactId, Account_Name: accountId });
    const deal = json(await get().api('GET', `/crm/v8/Deals/${dealId}`, org.token)).data[0];
    assert.deepEqual(deal.Contact_Name, { name: 'Jo Ray', id: contactId });
    assert.deepEqual(deal.Account_Name, { name: 'Zylker', id: accountId });

    const bad = await get().api('POST', '/crm/v8/Deals', org.token, {
      data: [{ Deal_Name: 'Bad', Stage: 'x', Account_Name: { id: contactId } }],
    });
    assert.equal(bad.statusCode, 400);
    assert.deepEqual(json(bad).data[0].details, { expected_data_type: 'lookup', api_name: 'Account_Name', json_path: '$.data[0].Account_Name' });
  });

  test('inventory line items get computed totals', async () => {
    const org = await get().createOrg();
    const widget = await insert(get(), org, 'Products', { Product_Name: 'Widget', Unit_Price: 25 });
    const gadget = await insert(get(), org, 'Products', { Product_Name: 'Gadget', Unit_Price: 10 });
    const quoteId = await insert(get(), org, 'Quotes', {
      Subject: 'Q-1',
      Discount: 5,
      Tax: 2.5,
      Adjustment: 1,
      Quoted_Items: [
        { Product_Name: { id: widget }, Quantity: 3, Discount: 5, Tax: 7 },
        { Product_Name: gadget, Quantity: 2, List_Price: 12.5 },
      ],
    });
    const quote = json(await get().api('GET', `/crm/v8/Quotes/${quoteId}`, org.token)).data[0];
    const [first, second] = quote.Quoted_Items;
    assert.deepEqual(first.Product_Name, { name: 'Widget', id: widget });
    assert.equal(first.List_Price, 25);
    assert.equal(first.Total, 75);
    assert.equal(first.Total_After_Discount, 70);
    assert.equal(first.Net_Total, 77);
    assert.match(first.id, ID);
    assert.equal(second.Total, 25);
    assert.equal(second.Net_Total, 25);
    assert.equal(quote.Sub_Total, 102);
    assert.equal(quote.Grand_Total, 100.5);

    const missingProduct = await get().api('POST', '/crm/v8/Invoices', org.token, {
      data: [{ Subject: 'I', Invoiced_Items: [{ Quantity: 1 }] }],
    });
    assert.deepEqual(json(missingProduct).data[0].details, { api_name: 'Product_Name', json_path: '$.data[0].Invoiced_Items[0].Product_Name' });
    const noItems = await get().api('POST', '/crm/v8/Purchase_Orders', org.token, { data: [{ Subject: 'PO' }] });
    assert.equal(json(noItems).data[0].code, 'MANDATORY_NOT_FOUND');
    assert.equal(json(noItems).data[0].details.api_name, 'Vendor_Name');
  });

  test('update changes only the given fields and cannot clear a mandatory one', async () => {
    const org = await get().createOrg();
    const id = await insert(get(), org, 'Leads', { Last_Name: 'Old', Company: 'Keep', Email: 'a@example.com' });
    const update = await get().api('PUT', `/crm/v8/Leads/${id}`, org.token, { data: [{ Last_Name: 'New', Email: null }] });
    assert.equal(update.statusCode, 200);
    assert.equal(json(update).data[0].message, 'record updated');
    const lead = json(await get().api('GET', `/crm/v8/Leads/${id}`, org.token)).data[0];
    assert.equal(lead.Last_Name, 'New');
    assert.equal(lead.Company, 'Keep');
    assert.equal(lead.Email, null);

    const clear = await get().api('PUT', `/crm/v8/Leads/${id}`, org.token, { data: [{ Last_Name: '' }] });
    assert.equal(clear.statusCode, 400);
    assert.equal(json(clear).data[0].code, 'MANDATORY_NOT_FOUND');

    const bulk = await get().api('PUT', '/crm/v8/Leads', org.token, { data: [{ id, Company: 'Bulk' }, { Company: 'no id' }] });
    assert.equal(bulk.statusCode, 202);
    assert.equal(json(bulk).data[0].code, 'SUCCESS');
    assert.deepEqual(json(bulk).data[1].details, { api_name: 'id', json_path: '$.data[1].id' });
  });

  test('list pages with page and per_page and reports more_records', async () => {
    const org = await get().createOrg();
    const ids = [];
    for (let i = 0; i < 5; i += 1) ids.push(await insert(get(), org, 'Vendors', { Vendor_Name: `V${i}` }));
    const first = json(await get().api('GET', '/crm/v8/Vendors?fields=Vendor_Name,Email&per_page=2&sort_order=asc', org.token));
    assert.deepEqual(first.data.map((r: { Vendor_Name: string }) => r.Vendor_Name), ['V0', 'V1']);
    assert.deepEqual(Object.keys(first.data[0]).sort(), ['Email', 'Vendor_Name', 'id']);
    assert.equal(first.info.more_records, true);
    assert.equal(first.info.per_page, 2);
    const last = json(await get().api('GET', '/crm/v8/Vendors?fields=Vendor_Name&per_page=2&page=3&sort_order=asc', org.token));
    assert.deepEqual(last.data.map((r: { id: string }) => r.id), [ids[4]]);
    assert.equal(last.info.more_records, false);
    const byIds = json(await get().api('GET', `/crm/v8/Vendors?fields=Vendor_Name&ids=${ids[1]},${ids[3]}`, org.token));
    assert.equal(byIds.data.length, 2);
  });

  test('from v7 on, list requires fields; earlier versions return every field', async () => {
    const org = await get().createOrg();
    await insert(get(), org, 'Cases', { Subject: 'S', Case_Origin: 'Email', Status: 'New' });
    const v8 = await get().api('GET', '/crm/v8/Cases', org.token);
    assert.equal(v8.statusCode, 400);
    assert.deepEqual(json(v8), {
      code: 'REQUIRED_PARAM_MISSING',
      details: { param: 'fields' },
      message: 'One of the expected parameter is missing',
      status: 'error',
    });
    const v6 = json(await get().api('GET', '/crm/v6/Cases', org.token));
    assert.equal(v6.data[0].Case_Origin, 'Email');
    assert.equal((await get().api('GET', '/crm/v8/Cases?fields=Nope', org.token)).statusCode, 400);
  });

  test('delete removes the record; a second delete reports the id as invalid', async () => {
    const org = await get().createOrg();
    const id = await insert(get(), org, 'Leads', { Last_Name: 'Gone' });
    const deleted = await get().api('DELETE', `/crm/v8/Leads/${id}`, org.token);
    assert.equal(deleted.statusCode, 200);
    assert.deepEqual(json(deleted).data[0], { code: 'SUCCESS', details: { id }, message: 'record deleted', status: 'success' });
    const again = await get().api('DELETE', `/crm/v8/Leads?ids=${id}`, org.token);
    assert.equal(again.statusCode, 400);
    assert.deepEqual(json(again).data[0], {
      code: 'INVALID_DATA',
      details: { id },
      message: 'the id given seems to be invalid',
      status: 'error',
    });
    assert.equal((await get().api('GET', `/crm/v8/Leads/${id}`, org.token)).statusCode, 400);
  });

  test('a missing record answers INVALID_DATA with resource_path_index 1', async () => {
    const org = await get().createOrg();
    const response = await get().api('GET', '/crm/v8/Leads/1234567890123456789', org.token);
    assert.equal(response.statusCode, 400);
    assert.deepEqual(json(response), {
      code: 'INVALID_DATA',
      details: { resource_path_index: 1 },
      message: 'the id given seems to be invalid',
      status: 'error',
    });
  });

  test('more than 100 records in one call is refused before any is stored', async () => {
    const org = await get().createOrg();
    const response = await get().api('POST', '/crm/v8/Leads', org.token, {
      data: Array.from({ length: 101 }, (_, i) => ({ Last_Name: `L${i}` })),
    });
    assert.equal(response.statusCode, 400);
    assert.equal(json(response).code, 'LIMIT_EXCEEDED');
    assert.equal((await get().api('GET', '/crm/v2/Leads', org.token)).statusCode, 204);
  });

  test('unknown and read-only fields are ignored, not stored', async () => {
    const org = await get().createOrg();
    const id = await insert(get(), org, 'Leads', { Last_Name: 'X', Not_A_Field: 'x', Created_Time: '2001-01-01T00:00:00Z', Full_Name: 'Fake' });
    const lead = json(await get().api('GET', `/crm/v8/Leads/${id}`, org.token)).data[0];
    assert.equal(lead.Not_A_Field, undefined);
    assert.equal(lead.Full_Name, 'X');
    assert.notEqual(lead.Created_Time.slice(0, 4), '2001');
  });
});

describeEachDatabase('tenant isolation', (get) => {
  test("another org's record answers exactly like a record that does not exist", async () => {
    const orgA = await get().createOrg();
    const orgB = await get().createOrg();
    const id = await insert(get(), orgA, 'Leads', { Last_Name: 'Secret', Email: 'secret@example.com' });
    const foreign = await get().api('GET', `/crm/v8/Leads/${id}`, orgB.token);
    const missing = await get().api('GET', '/crm/v8/Leads/1111111111111111111', orgB.token);
    assert.equal(foreign.statusCode, missing.statusCode);
    assert.deepEqual(json(foreign), json(missing));

    const update = await get().api('PUT', `/crm/v8/Leads/${id}`, orgB.token, { data: [{ Last_Name: 'Pwned' }] });
    const updateMissing = await get().api('PUT', '/crm/v8/Leads/1111111111111111111', orgB.token, { data: [{ Last_Name: 'Pwned' }] });
    assert.equal(update.statusCode, updateMissing.statusCode);
    assert.deepEqual(json(update).data[0].code, json(updateMissing).data[0].code);
    assert.equal((await get().api('DELETE', `/crm/v8/Leads/${id}`, orgB.token)).statusCode, 400);
    assert.equal((await get().api('GET', '/crm/v2/Leads', orgB.token)).statusCode, 204);
    const lookup = await get().api('POST', '/crm/v8/Deals', orgB.token, { data: [{ Deal_Name: 'D', Stage: 's', Contact_Name: id }] });
    assert.equal(json(lookup).data[0].code, 'INVALID_DATA');

    const still = json(await get().api('GET', `/crm/v8/Leads/${id}`, orgA.token)).data[0];
    assert.equal(still.Last_Name, 'Secret');
  });

  test("a lead cannot be owned by another org's user", async () => {
    const orgA = await get().createOrg();
    const orgB = await get().createOrg();
    const response = await get().api('POST', '/crm/v8/Leads', orgA.token, { data: [{ Last_Name: 'O', Owner: { id: orgB.adminId } }] });
    assert.equal(response.statusCode, 400);
    assert.equal(json(response).data[0].details.api_name, 'Owner');
  });
});
