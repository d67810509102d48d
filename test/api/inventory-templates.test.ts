import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AppError } from '../../src/errors.js';
import { systemTemplateId } from '../../src/inventory/inventory-templates.js';
import { markInventoryTemplateUsed, renderInventoryPdf } from '../../src/inventory/render-for-send.js';
import { refusalOf } from '../../src/refusals.js';
import { itemAt, refusalDetails } from '../../src/wire/item-errors.js';
import { readInventoryDetails } from '../../src/wire/send-mail-request.js';
import { findRecord } from '../../src/records/record-repository.js';
import { STANDARD_MODULES, type ModuleDefinition } from '../../src/records/modules.js';
import { pdfInfo, pdfText } from '../helpers/pdf-tools.js';
import { describeRun, runCli } from '../helpers/run-cli.js';
import { describeEachDatabase, json, type TestApp, type TestOrg } from '../helpers/test-app.js';

const ID = /^\d{19}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$/;
const READ = 'ZohoCRM.templates.inventory.READ';
const CREATE = 'ZohoCRM.templates.inventory.CREATE';
const BASE = '/crm/v8/settings/inventory_templates';
const INVALID_ID = { code: 'INVALID_DATA', details: { resource_path_index: 2 }, message: 'the id given seems to be invalid', status: 'error' };

const moduleNamed = (apiName: string): ModuleDefinition => STANDARD_MODULES.find((m) => m.apiName === apiName)!;
const QUOTE_TEMPLATE = systemTemplateId(moduleNamed('Quotes'));
const INVOICE_TEMPLATE = systemTemplateId(moduleNamed('Invoices'));

async function insert(app: TestApp, org: TestOrg, module: string, record: Record<string, unknown>): Promise<string> {
  const response = await app.api('POST', `/crm/v8/${module}`, org.token, { data: [record] });
  assert.equal(response.statusCode, 201, response.body);
  return json(response).data[0].details.id;
}

/** A Quote made through the Records API: Zylker / Jo Ray, one line of 3 × "Widget Pro" at 1250. */
async function widgetQuote(app: TestApp, org: TestOrg, subject = 'Spring order'): Promise<string> {
  const account = await insert(app, org, 'Accounts', { Account_Name: 'Zylker Corp' });
  const contact = await insert(app, org, 'Contacts', { Last_Name: 'Ray', First_Name: 'Jo', Account_Name: account });
  const product = await insert(app, org, 'Products', { Product_Name: 'Widget Pro', Unit_Price: 1250 });
  return insert(app, org, 'Quotes', {
    Subject: subject,
    Account_Name: account,
    Contact_Name: contact,
    Billing_City: 'Springfield',
    Billing_Country: 'USA',
    Terms_and_Conditions: 'Net 30.',
    Quoted_Items: [{ Product_Name: { id: product }, Quantity: 3, List_Price: 1250 }],
  });
}

/**
 * Reads `inventory_details` as send_mail does and runs `renderInventoryPdf` for a stored record;
 * `renderError` gives a refusal's code and details as a v8 send_mail answers them for item `itemIndex`.
 */
async function render(app: TestApp, org: TestOrg, module: string, id: string, details: unknown) {
  const row = await findRecord(app.app.db, org.orgId, module, id);
  assert.ok(row, `${module} ${id} not stored`);
  return renderInventoryPdf(app.app, org.orgId, 'UTC', moduleNamed(module), row, readInventoryDetails(details));
}

async function renderError(app: TestApp, org: TestOrg, module: string, id: string, details: unknown, itemIndex = 0) {
  try {
    await render(app, org, module, id, details);
  } catch (error) {
    if (error instanceof AppError) {
      const rendered = refusalDetails(refusalOf(error), itemAt('data', itemIndex, { version: 'v8' }));
      return { code: error.code, zohoCode: error.spec.zohoCode, message: error.message, details: rendered };
    }
    throw error;
  }
  assert.fail('expected an error');
}

describeEachDatabase('Inventory templates', (get) => {
  const readerOf = async (org: TestOrg) => get().tokenFor(org, [READ]);

  test('every org lists the four built-in templates in Zoho’s shape', async () => {
    const org = await get().createOrg();
    const response = await get().api('GET', BASE, await readerOf(org));
    assert.equal(response.statusCode, 200, response.body);
    const body = json(response);
    assert.deepEqual(body.info, { per_page: 200, count: 4, page: 1, more_records: false });
    assert.deepEqual(
      body.inventory_templates.map((t: any) => [t.name, t.module.api_name]).sort(),
      [
        ['Invoice Template', 'Invoices'],
        ['Purchase Order Template', 'Purchase_Orders'],
        ['Quote Template', 'Quotes'],
        ['Sales Order Template', 'Sales_Orders'],
      ],
    );
    const quote = body.inventory_templates.find((t: any) => t.module.api_name === 'Quotes');
    assert.deepEqual(Object.keys(quote), [
      'id', 'name', 'module', 'folder', 'created_time', 'modified_time', 'last_usage_time', 'created_by', 'modified_by',
      'editor_mode', 'category', 'favorite', 'active',
    ]);
    assert.equal(quote.id, QUOTE_TEMPLATE);
    assert.match(quote.id, ID);
    assert.deepEqual(quote.module, { api_name: 'Quotes', id: moduleNamed('Quotes').id });
    assert.deepEqual(quote.folder, { name: 'System Templates', id: '1000000000000200001' });
    assert.equal(quote.category, 'system_templates');
    assert.match(quote.created_time, DATE_TIME);
    assert.equal(quote.last_usage_time, null);
    assert.deepEqual(quote.created_by, { name: 'Patricia Boyle', id: org.adminId });
    assert.equal(quote.favorite, false);
    assert.equal(quote.active, true);
    assert.equal('content' in quote, false);
  });

  test('?module= filters (any case); a module without line items or an unknown one is INVALID_MODULE', async () => {
    const org = await get().createOrg();
    const token = await readerOf(org);
    const quotes = json(await get().api('GET', `${BASE}?module=quotes`, token));
    assert.deepEqual(quotes.inventory_templates.map((t: any) => t.name), ['Quote Template']);
    const orders = json(await get().api('GET', `${BASE}?module=Sales_Orders`, token));
    assert.deepEqual(orders.inventory_templates.map((t: any) => t.id), [systemTemplateId(moduleNamed('Sales_Orders'))]);
    for (const module of ['Leads', 'Nope']) {
      const response = await get().api('GET', `${BASE}?module=${module}`, token);
      assert.equal(response.statusCode, 400);
      assert.deepEqual(json(response), {
        code: 'INVALID_MODULE',
        details: { param_name: 'module' },
        message: 'The module name given seems to be invalid',
        status: 'error',
      });
    }
  });

  test('one template by id carries content with its texts; unknown ids answer INVALID_DATA', async () => {
    const org = await get().createOrg();
    const token = await readerOf(org);
    const response = await get().api('GET', `${BASE}/${QUOTE_TEMPLATE}`, token);
    assert.equal(response.statusCode, 200, response.body);
    const [template] = json(response).inventory_templates;
    assert.equal(template.name, 'Quote Template');
    assert.match(template.content, /<h1>QUOTE<\/h1>/);
    for (const id of ['1000000000000000001', 'abc', '99999999999999999999']) {
      const missing = await get().api('GET', `${BASE}/${id}`, token);
      assert.equal(missing.statusCode, 400);
      assert.deepEqual(json(missing), INVALID_ID);
    }
  });

  test('a template made with the CLI is listed as custom, with its texts in content', async () => {
    const org = await get().createOrg();
    const args = [
      'inventory-template', 'create', '--org', org.orgId, '--module', 'quotes', '--name', 'Branded quote',
      '--title', 'OFFER', '--header-text', '1 Acme Way\\nSpringfield', '--footer-text', 'Thank you <3', '--favorite', 'true', '--json',
    ];
    const result = await runCli(get().env, args);
    assert.equal(result.code, 0, describeRun(args, result));
    const created = JSON.parse(result.stdout);
    assert.match(created.id, ID);
    assert.equal(created.category, 'custom_templates');
    assert.deepEqual(created.module, { api_name: 'Quotes', id: moduleNamed('Quotes').id });
    assert.equal(created.header_text, '1 Acme Way\nSpringfield');

    const token = await readerOf(org);
    const list = json(await get().api('GET', `${BASE}?module=Quotes&sort_by=name&sort_order=asc`, token));
    assert.deepEqual(list.inventory_templates.map((t: any) => [t.name, t.category]), [
      ['Branded quote', 'custom_templates'],
      ['Quote Template', 'system_templates'],
    ]);
    const mine = list.inventory_templates[0];
    assert.deepEqual(mine.created_by, { name: 'Patricia Boyle', id: org.adminId });
    assert.deepEqual(mine.folder, { name: 'Public Templates', id: '1000000000000200002' });
    assert.equal(mine.favorite, true);

    const favorites = json(await get().api('GET', `${BASE}?category=favorite`, token));
    assert.deepEqual(favorites.inventory_templates.map((t: any) => t.id), [created.id]);
    const [one] = json(await get().api('GET', `${BASE}/${created.id}`, token)).inventory_templates;
    assert.match(one.content, /<h1>OFFER<\/h1>/);
    assert.match(one.content, /1 Acme Way<br>Springfield/);
    assert.match(one.content, /Thank you &lt;3/);
    assert.equal((await get().api('GET', `${BASE}?category=draft`, token)).statusCode, 204);

    const duplicate = await runCli(get().env, ['inventory-template', 'create', '--org', org.orgId, '--module', 'Quotes', '--name', 'quote template']);
    assert.equal(duplicate.code, 1, describeRun(['inventory-template', 'create'], duplicate));
    const badModule = await runCli(get().env, ['inventory-template', 'create', '--org', org.orgId, '--module', 'Leads', '--name', 'X']);
    assert.equal(badModule.code, 1);
  });

  test('the admin POST creates templates per item with Zoho-style results', async () => {
    const org = await get().createOrg();
    const token = await get().tokenFor(org, [READ, CREATE]);
    const response = await get().api('POST', BASE, token, {
      inventory_templates: [
        { name: 'Invoice, long terms', module: { api_name: 'Invoices' }, footer_text: 'Pay within 14 days.' },
        { module: 'Invoices' },
        { name: 'Invoice, long terms', module: 'Invoices' },
        { name: 'Lead sheet', module: 'Leads' },
        { name: 'Odd', module: 'Quotes', favorite: 'yes' },
      ],
    });
    assert.equal(response.statusCode, 202, response.body);
    const [ok, missing, duplicate, badModule, badType] = json(response).inventory_templates;
    assert.equal(ok.code, 'SUCCESS');
    assert.equal(ok.status, 'success');
    assert.match(ok.details.id, ID);
    assert.deepEqual(missing, {
      code: 'MANDATORY_NOT_FOUND',
      details: { api_name: 'name', json_path: '$.inventory_templates[1].name' },
      message: 'required field not found',
      status: 'error',
    });
    assert.equal(duplicate.code, 'DUPLICATE_DATA');
    assert.deepEqual(duplicate.details, { api_name: 'name', json_path: '$.inventory_templates[2].name' });
    assert.equal(badModule.code, 'INVALID_MODULE');
    assert.equal(badModule.details.json_path, '$.inventory_templates[3].module');
    assert.deepEqual(badType.details, { expected_data_type: 'boolean', api_name: 'favorite', json_path: '$.inventory_templates[4].favorite' });

    const created = json(await get().api('GET', `${BASE}/${ok.details.id}`, token)).inventory_templates[0];
    assert.equal(created.module.api_name, 'Invoices');
    assert.match(created.content, /<h1>INVOICE<\/h1>/);

    const readOnly = await get().api('POST', BASE, await readerOf(org), { inventory_templates: [{ name: 'N', module: 'Quotes' }] });
    assert.equal(readOnly.statusCode, 401);
    assert.equal(json(readOnly).code, 'OAUTH_SCOPE_MISMATCH');
  });

  test('another org’s template id answers exactly like an id that does not exist', async () => {
    const owner = await get().createOrg();
    const other = await get().createOrg();
    const create = await get().api('POST', BASE, await get().tokenFor(owner, [CREATE]), {
      inventory_templates: [{ name: 'Secret layout', module: 'Quotes' }],
    });
    const id = json(create).inventory_templates[0].details.id;
    const otherToken = await readerOf(other);
    const foreign = await get().api('GET', `${BASE}/${id}`, otherToken);
    const unknown = await get().api('GET', `${BASE}/${BigInt(id) + 7n}`, otherToken);
    assert.equal(foreign.statusCode, 400);
    assert.equal(foreign.body, unknown.body);
    assert.deepEqual(json(foreign), INVALID_ID);
    const list = json(await get().api('GET', `${BASE}?module=Quotes`, otherToken));
    assert.deepEqual(list.inventory_templates.map((t: any) => t.name), ['Quote Template']);

    const quoteId = await widgetQuote(get(), other);
    const leaked = await renderError(get(), other, 'Quotes', quoteId, { inventory_template: { id } });
    const missing = await renderError(get(), other, 'Quotes', quoteId, { inventory_template: { id: `${BigInt(id) + 7n}` } });
    assert.deepEqual(leaked, missing);
    assert.equal(leaked.code, 'INVENTORY_TEMPLATE_NOT_FOUND');
  });

  test('scopes: templates.inventory.READ (or templates.ALL) is needed; module and settings scopes are not enough', async () => {
    const org = await get().createOrg();
    for (const scopes of [['ZohoCRM.templates.inventory.READ'], ['ZohoCRM.templates.ALL'], ['ZohoCRM.templates.inventory.ALL']]) {
      const response = await get().api('GET', BASE, await get().tokenFor(org, scopes));
      assert.equal(response.statusCode, 200, `${scopes.join()}: ${response.body}`);
    }
    for (const scopes of [['ZohoCRM.modules.ALL', 'ZohoCRM.settings.ALL'], ['ZohoCRM.templates.email.READ']]) {
      for (const url of [BASE, `${BASE}/${QUOTE_TEMPLATE}`]) {
        const response = await get().api('GET', url, await get().tokenFor(org, scopes));
        assert.equal(response.statusCode, 401, `${scopes.join()} ${url}`);
        assert.deepEqual(json(response), { code: 'OAUTH_SCOPE_MISMATCH', details: {}, message: 'invalid oauth scope to access this URL', status: 'error' });
      }
    }
    const bad = await get().api('GET', `${BASE}?sort_by=size`, await readerOf(org));
    assert.equal(bad.statusCode, 400);
    assert.deepEqual(json(bad).details, { param_name: 'sort_by', supported_values: ['modified_time', 'last_usage_time', 'name'] });
  });

  test('a Quote made through the Records API renders to a PDF showing its product and totals', async () => {
    const org = await get().createOrg({ name: 'Acme Müller & Søn' });
    const quoteId = await widgetQuote(get(), org, 'Spring order / 2026');
    const pdf = await render(get(), org, 'Quotes', quoteId, { inventory_template: { id: QUOTE_TEMPLATE, name: 'Quote Template' } });
    assert.equal(pdf.filename, 'Quote - Spring order 2026.pdf');
    assert.equal(pdf.contentType, 'application/pdf');
    assert.equal(pdf.templateId, QUOTE_TEMPLATE);
    const text = await pdfText(pdf.content);
    assert.match(text, /Acme Müller & Søn/);
    assert.match(text, /QUOTE/);
    assert.match(text, /Widget Pro\s+3\s+\$1,250\.00\s+\$0\.00\s+\$0\.00\s+\$3,750\.00/);
    assert.match(text, /Grand Total\s+\$3,750\.00/);
    assert.match(text, /Zylker Corp/);
    assert.match(text, /Jo Ray/);
    assert.match(text, /Net 30\./);
    const info = await pdfInfo(pdf.content);
    assert.deepEqual([Math.round(info.width), Math.round(info.height)], [595, 842]);

    const landscape = await render(get(), org, 'Quotes', quoteId, {
      inventory_template: { id: QUOTE_TEMPLATE, name: 'Widget offer.PDF' },
      paper_type: 'us_letter',
      view_type: 'landscape',
    });
    assert.equal(landscape.filename, 'Widget offer.pdf');
    const landscapeInfo = await pdfInfo(landscape.content);
    assert.deepEqual([Math.round(landscapeInfo.width), Math.round(landscapeInfo.height)], [792, 612]);
  });

  test('a custom template’s title, header and footer texts appear in the PDF', async () => {
    const org = await get().createOrg();
    const create = await get().api('POST', BASE, await get().tokenFor(org, [CREATE]), {
      inventory_templates: [{ name: 'Branded', module: 'Quotes', title: 'OFFER', header_text: 'Łódź office', footer_text: 'Valid for 30 days.' }],
    });
    const id = json(create).inventory_templates[0].details.id;
    const quoteId = await widgetQuote(get(), org);
    const pdf = await render(get(), org, 'Quotes', quoteId, { inventory_template: { id } });
    assert.equal(pdf.templateId, id);
    const text = await pdfText(pdf.content);
    for (const expected of ['OFFER', 'Łódź office', 'Valid for 30 days.', 'Widget Pro', '$3,750.00']) {
      assert.ok(text.includes(expected), `missing ${expected} in:\n${text}`);
    }
  });

  test('inventory_details is validated with Zoho’s errors and json paths', async () => {
    const org = await get().createOrg();
    const quoteId = await widgetQuote(get(), org);
    const at = '$.data[2].inventory_details';
    assert.deepEqual(await renderError(get(), org, 'Quotes', quoteId, { inventory_template: { name: 'x' } }, 2), {
      code: 'MANDATORY_NOT_FOUND',
      zohoCode: 'MANDATORY_NOT_FOUND',
      message: 'required field not found',
      details: { api_name: 'id', json_path: `${at}.inventory_template.id` },
    });
    assert.deepEqual((await renderError(get(), org, 'Quotes', quoteId, { paper_type: 'A4' }, 2)).details, {
      api_name: 'inventory_template',
      json_path: `${at}.inventory_template`,
    });
    assert.deepEqual((await renderError(get(), org, 'Quotes', quoteId, 'A4', 2)).details, {
      expected_data_type: 'jsonobject',
      api_name: 'inventory_details',
      json_path: at,
    });
    const paper = await renderError(get(), org, 'Quotes', quoteId, { inventory_template: { id: QUOTE_TEMPLATE }, paper_type: 'A3' }, 2);
    assert.equal(paper.code, 'INVALID_DATA');
    assert.deepEqual(paper.details, { api_name: 'paper_type', json_path: `${at}.paper_type`, supported_values: ['default', 'A4', 'us_letter'] });
    const view = await renderError(get(), org, 'Quotes', quoteId, { inventory_template: { id: QUOTE_TEMPLATE }, view_type: 'sideways' });
    assert.deepEqual(view.details, { api_name: 'view_type', json_path: '$.data[0].inventory_details.view_type', supported_values: ['portrait', 'landscape'] });

    const unknown = await renderError(get(), org, 'Quotes', quoteId, { inventory_template: { id: '1234' } });
    assert.deepEqual(unknown, {
      code: 'INVENTORY_TEMPLATE_NOT_FOUND',
      zohoCode: 'INVALID_DATA',
      message: 'the inventory template id given seems to be invalid',
      details: { api_name: 'id', json_path: '$.data[0].inventory_details.inventory_template.id' },
    });
    const otherModule = await renderError(get(), org, 'Quotes', quoteId, { inventory_template: { id: INVOICE_TEMPLATE } });
    assert.equal(otherModule.code, 'INVENTORY_TEMPLATE_MODULE_MISMATCH');
    assert.equal(otherModule.zohoCode, 'INVALID_DATA');
    assert.deepEqual(otherModule.details, { api_name: 'id', json_path: '$.data[0].inventory_details.inventory_template.id', module: 'Invoices' });
    const leadId = await insert(get(), org, 'Leads', { Last_Name: 'Smith' });
    const lead = await renderError(get(), org, 'Leads', leadId, { inventory_template: { id: QUOTE_TEMPLATE } });
    assert.equal(lead.code, 'INVENTORY_TEMPLATE_MODULE_MISMATCH');
  });

  test('markInventoryTemplateUsed sets last_usage_time, which only moves forward', async () => {
    const org = await get().createOrg({ timeZone: 'Asia/Kolkata' });
    const token = await readerOf(org);
    const usage = async () =>
      json(await get().api('GET', `${BASE}?module=Quotes`, token)).inventory_templates.find((t: any) => t.id === QUOTE_TEMPLATE).last_usage_time;
    const at = Date.UTC(2026, 2, 1, 12, 0, 0);
    await markInventoryTemplateUsed(get().app.db, org.orgId, QUOTE_TEMPLATE, at);
    assert.equal(await usage(), '2026-03-01T17:30:00+05:30');
    await markInventoryTemplateUsed(get().app.db, org.orgId, QUOTE_TEMPLATE, at - 60_000);
    assert.equal(await usage(), '2026-03-01T17:30:00+05:30');
    await markInventoryTemplateUsed(get().app.db, org.orgId, QUOTE_TEMPLATE, at + 60_000);
    assert.equal(await usage(), '2026-03-01T17:31:00+05:30');
    const sorted = json(await get().api('GET', `${BASE}?sort_by=last_usage_time`, token)).inventory_templates;
    assert.equal(sorted[0].id, QUOTE_TEMPLATE);
    const other = await get().createOrg();
    const otherQuote = json(await get().api('GET', `${BASE}?module=Quotes`, await readerOf(other))).inventory_templates[0];
    assert.equal(otherQuote.last_usage_time, null);
  });
});
