import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { AppError } from '../../src/errors.js';
import { createUser } from '../../src/users/create-user.js';
import { loadMergeContext } from '../../src/templates/merge-context.js';
import { renderTemplate } from '../../src/templates/merge-fields.js';
import { loadTemplateForSend, markTemplateUsed } from '../../src/templates/resolve-template.js';
import { ALL_SCOPES, describeEachDatabase, json, type TestApp, type TestOrg } from '../helpers/test-app.js';

const ID = /^\d{19}$/;
const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$/;
const SCOPES = [...ALL_SCOPES, 'ZohoCRM.templates.ALL'];
const URL = '/crm/v8/settings/email_templates';
const INVALID_ID = { code: 'INVALID_DATA', details: { resource_path_index: 2 }, message: 'the id given seems to be invalid', status: 'error' };

const newOrg = (app: TestApp, timeZone?: string): Promise<TestOrg> => app.createOrg({ scopes: SCOPES, ...(timeZone ? { timeZone } : {}) });

async function createTemplate(app: TestApp, org: TestOrg, item: Record<string, unknown>): Promise<string> {
  const response = await app.api('POST', URL, org.token, {
    email_templates: [{ name: `T ${randomBytes(3).toString('hex')}`, module: { api_name: 'Leads' }, subject: 'Hello', content: '<p>Hi</p>', ...item }],
  });
  assert.equal(response.statusCode, 201, response.body);
  return json(response).email_templates[0].details.id;
}

/** A row of the Files API's table, as an upload would leave it. */
async function insertFile(app: TestApp, org: TestOrg, name: string, size: number): Promise<string> {
  const id = randomBytes(32).toString('hex');
  await app.app.db
    .insertInto('files')
    .values({ id, org_id: org.orgId, name, content_type: 'application/pdf', size, sha256: '0'.repeat(64), is_inline: 0, created_by: org.adminId, created_at: Date.now() })
    .execute();
  return id;
}

async function insertRecord(app: TestApp, org: TestOrg, module: string, record: Record<string, unknown>): Promise<string> {
  const response = await app.api('POST', `/crm/v8/${module}`, org.token, { data: [record] });
  assert.equal(response.statusCode, 201, response.body);
  return json(response).data[0].details.id;
}

async function rejects(promise: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => error instanceof AppError && error.code === code);
}

describeEachDatabase('Email templates API', (get) => {
  test('a created template reads back in Zoho’s list and single shapes, times in the caller’s zone', async () => {
    const org = await newOrg(get(), 'Asia/Kolkata');
    const create = await get().api('POST', URL, org.token, {
      email_templates: [
        {
          name: 'Welcome',
          module: { api_name: 'Leads' },
          subject: 'Welcome ${Leads.First Name}',
          content: '<p>Hi ${Leads.First Name}</p><a href="${ConsentForm.en_US}">consent</a>',
          description: 'First contact',
        },
      ],
    });
    assert.equal(create.statusCode, 201, create.body);
    const [item] = json(create).email_templates;
    assert.deepEqual({ ...item, details: { id: 'x' } }, {
      code: 'SUCCESS',
      details: { id: 'x' },
      message: 'email template created successfully',
      status: 'success',
    });
    assert.match(item.details.id, ID);

    const list = await get().api('GET', `${URL}?module=Leads`, org.token);
    assert.equal(list.statusCode, 200, list.body);
    const body = json(list);
    assert.deepEqual(body.info, { per_page: 200, count: 1, page: 1, more_records: false });
    const [listed] = body.email_templates;
    assert.deepEqual(Object.keys(listed), [
      'id', 'name', 'subject', 'module', 'folder', 'created_time', 'modified_time', 'last_usage_time', 'created_by', 'modified_by',
      'attachments', 'associated', 'consent_linked', 'editor_mode', 'category', 'favorite', 'active', 'description', 'last_version_statistics',
    ]);
    assert.match(listed.created_time, TIME);
    assert.match(listed.created_time, /\+05:30$/);
    assert.match(listed.folder.id, ID);
    assert.deepEqual(
      { ...listed, created_time: 't', modified_time: 't', folder: { ...listed.folder, id: 'f' } },
      {
        id: item.details.id,
        name: 'Welcome',
        subject: 'Welcome ${Leads.First Name}',
        module: { api_name: 'Leads', id: '1000000000000000002' },
        folder: { name: 'Public Email Templates', id: 'f' },
        created_time: 't',
        modified_time: 't',
        last_usage_time: null,
        created_by: { name: 'Patricia Boyle', id: org.adminId },
        modified_by: { name: 'Patricia Boyle', id: org.adminId },
        attachments: null,
        associated: false,
        consent_linked: true,
        editor_mode: 'rich_text',
        category: 'normal',
        favorite: false,
        active: true,
        description: 'First contact',
        last_version_statistics: { tracked: 0, delivered: 0, opened: 0, bounced: 0, sent: 0, clicked: 0 },
      },
    );

    const one = await get().api('GET', `/crm/v2.1/settings/email_templates/${item.details.id}`, org.token);
    assert.equal(one.statusCode, 200, one.body);
    const [single] = json(one).email_templates;
    assert.deepEqual({ ...single, content: undefined }, { ...listed, content: undefined });
    assert.equal(single.content, '<p>Hi ${Leads.First Name}</p><a href="${ConsentForm.en_US}">consent</a>');
  });

  test('no templates → 204; ?module filters and is matched like the Records API; an unknown module → INVALID_MODULE', async () => {
    const org = await newOrg(get());
    assert.equal((await get().api('GET', URL, org.token)).statusCode, 204);
    await createTemplate(get(), org, { module: 'Contacts' });
    assert.equal((await get().api('GET', `${URL}?module=Leads`, org.token)).statusCode, 204);
    const contacts = await get().api('GET', `${URL}?module=contacts`, org.token);
    assert.equal(contacts.statusCode, 200);
    assert.equal(json(contacts).email_templates[0].module.api_name, 'Contacts');
    assert.equal(json(await get().api('GET', URL, org.token)).email_templates.length, 1);

    const unknown = await get().api('GET', `${URL}?module=Nope`, org.token);
    assert.equal(unknown.statusCode, 400);
    assert.deepEqual(json(unknown), {
      code: 'INVALID_MODULE',
      details: { param_name: 'module' },
      message: 'The module name given seems to be invalid',
      status: 'error',
    });
    const badSort = await get().api('GET', `${URL}?sort_by=size`, org.token);
    assert.equal(badSort.statusCode, 400);
    assert.equal(json(badSort).details.param_name, 'sort_by');
    const filters = await get().api('GET', `${URL}?filters=%7B%7D`, org.token);
    assert.equal(filters.statusCode, 400);
    assert.equal(json(filters).code, 'NOT_SUPPORTED');
  });

  test('sort_by, sort_order, category and paging', async () => {
    const org = await newOrg(get());
    await createTemplate(get(), org, { name: 'bravo' });
    await createTemplate(get(), org, { name: 'Alpha', favorite: true });
    await createTemplate(get(), org, { name: 'charlie', category: 'draft' });
    const names = async (query: string) => json(await get().api('GET', `${URL}?${query}`, org.token)).email_templates.map((t: { name: string }) => t.name);
    assert.deepEqual(await names('sort_by=name&sort_order=asc'), ['Alpha', 'bravo', 'charlie']);
    assert.deepEqual(await names('sort_by=name'), ['charlie', 'bravo', 'Alpha']);
    assert.deepEqual(await names(''), ['charlie', 'Alpha', 'bravo']);
    assert.deepEqual(await names('category=favorite'), ['Alpha']);
    assert.deepEqual(await names('category=draft'), ['charlie']);
    assert.deepEqual(await names('category=created_by_me&sort_by=name&sort_order=asc'), ['Alpha', 'bravo', 'charlie']);
    assert.equal((await get().api('GET', `${URL}?category=shared_with_me`, org.token)).statusCode, 204);
    assert.equal(json(await get().api('GET', `${URL}?category=bogus`, org.token)).details.param_name, 'category');

    const page = json(await get().api('GET', `${URL}?sort_by=name&sort_order=asc&per_page=2&page=2`, org.token));
    assert.deepEqual(page.email_templates.map((t: { name: string }) => t.name), ['charlie']);
    assert.deepEqual(page.info, { per_page: 2, count: 1, page: 2, more_records: false });
    assert.equal(json(await get().api('GET', `${URL}?per_page=2`, org.token)).info.more_records, true);
  });

  test('create validates each item on its own with Zoho-style errors; mixed results answer 202', async () => {
    const org = await newOrg(get());
    const good = { name: 'Ok', module: 'Leads', subject: 'S' };
    const response = await get().api('POST', URL, org.token, {
      email_templates: [
        good,
        { module: 'Leads', subject: 'S' },
        { name: 'A', subject: 'S' },
        { name: 'B', module: 'Leads' },
        { name: 'C', module: { api_name: 'Nope' }, subject: 'S' },
        { name: 'D', module: 'Leads', subject: 'Hi\r\nBcc: x@example.com' },
        { name: 'E', module: 'Leads', subject: 'x'.repeat(501) },
        { name: 'F', module: 'Leads', subject: 'S', content: 5 },
        { name: 'ok', module: 'Leads', subject: 'S' },
        { name: 'G', module: 'Leads', subject: 'S', editor_mode: 'word' },
        { name: '  ', module: 'Leads', subject: 'S' },
        { name: 'H', module: 'Leads', subject: 'S', folder: { id: '1234' } },
        'not an object',
      ],
    });
    assert.equal(response.statusCode, 202, response.body);
    const results = json(response).email_templates;
    const error = (code: string, message: string, details: Record<string, unknown>) => ({ code, details, message, status: 'error' });
    const mandatory = (key: string, i: number) => error('MANDATORY_NOT_FOUND', 'required field not found', { api_name: key, json_path: `$.email_templates[${i}].${key}` });
    const invalid = (key: string, i: number, extra: Record<string, unknown> = {}) =>
      error('INVALID_DATA', 'invalid data', { ...extra, api_name: key, json_path: `$.email_templates[${i}].${key}` });
    assert.equal(results[0].code, 'SUCCESS');
    assert.deepEqual(results[1], mandatory('name', 1));
    assert.deepEqual(results[2], mandatory('module', 2));
    assert.deepEqual(results[3], mandatory('subject', 3));
    assert.deepEqual(results[4], error('INVALID_MODULE', 'The module name given seems to be invalid', { api_name: 'module', json_path: '$.email_templates[4].module' }));
    assert.deepEqual(results[5], invalid('subject', 5));
    assert.deepEqual(results[6], invalid('subject', 6, { maximum_length: 500 }));
    assert.deepEqual(results[7], invalid('content', 7, { expected_data_type: 'text' }));
    assert.deepEqual(results[8], error('DUPLICATE_DATA', 'duplicate data', { api_name: 'name', json_path: '$.email_templates[8].name' }));
    assert.deepEqual(results[9], invalid('editor_mode', 9, { supported_values: ['gallery', 'rich_text', 'plain_text'] }));
    assert.deepEqual(results[10], mandatory('name', 10));
    assert.deepEqual(results[11], error('INVALID_DATA', 'invalid data', { api_name: 'folder', json_path: '$.email_templates[11].folder.id' }));
    assert.equal(results[12].code, 'INVALID_DATA');
    assert.equal(json(await get().api('GET', URL, org.token)).email_templates.length, 1);

    const allBad = await get().api('POST', URL, org.token, { email_templates: [{ name: 'x' }] });
    assert.equal(allBad.statusCode, 400);
    assert.deepEqual(json(allBad).email_templates[0], mandatory('module', 0));
    const noArray = await get().api('POST', URL, org.token, { data: [good] });
    assert.equal(noArray.statusCode, 400);
    assert.deepEqual(json(noArray), {
      code: 'MANDATORY_NOT_FOUND',
      details: { api_name: 'email_templates', json_path: '$.email_templates' },
      message: 'required field not found',
      status: 'error',
    });
    const tooMany = await get().api('POST', URL, org.token, { email_templates: Array.from({ length: 101 }, () => good) });
    assert.equal(tooMany.statusCode, 400);
    assert.equal(json(tooMany).code, 'LIMIT_EXCEEDED');
  });

  test('content is limited to 2 MB (UTF-8 bytes)', async () => {
    const org = await newOrg(get());
    const limit = 2 * 1024 * 1024;
    await createTemplate(get(), org, { content: 'a'.repeat(limit) });
    const over = await get().api('POST', URL, org.token, {
      email_templates: [{ name: 'Big', module: 'Leads', subject: 'S', content: 'é'.repeat(limit / 2) + 'a' }],
    });
    assert.equal(over.statusCode, 400);
    assert.deepEqual(json(over).email_templates[0].details, { maximum_length: limit, api_name: 'content', json_path: '$.email_templates[0].content' });
  });

  test('PUT changes only the keys given; folders are made on demand and reused by name or id', async () => {
    const org = await newOrg(get());
    const id = await createTemplate(get(), org, { name: 'Original', subject: 'Old', content: '<p>old</p>', description: 'd' });
    const before = json(await get().api('GET', `${URL}/${id}`, org.token)).email_templates[0];

    const update = await get().api('PUT', `${URL}/${id}`, org.token, { email_templates: [{ subject: 'New', folder: { name: 'Sales' } }] });
    assert.equal(update.statusCode, 200, update.body);
    assert.deepEqual(json(update).email_templates[0], { code: 'SUCCESS', details: { id }, message: 'email template updated successfully', status: 'success' });
    const after = json(await get().api('GET', `${URL}/${id}`, org.token)).email_templates[0];
    assert.equal(after.subject, 'New');
    assert.equal(after.name, 'Original');
    assert.equal(after.content, '<p>old</p>');
    assert.equal(after.description, 'd');
    assert.equal(after.folder.name, 'Sales');
    assert.notEqual(after.folder.id, before.folder.id);
    assert.equal(after.created_time, before.created_time);

    // The same folder by a differently-cased name, then by id; content and consent flag move together.
    const other = await createTemplate(get(), org, { folder: { name: 'sales' } });
    const otherRead = json(await get().api('GET', `${URL}/${other}`, org.token)).email_templates[0];
    assert.deepEqual(otherRead.folder, after.folder);
    const byId = await get().api('PUT', URL, org.token, {
      email_templates: [{ id: other, folder: { id: before.folder.id }, content: 'x ${ConsentForm.en_US}', description: null, active: false, favorite: true }],
    });
    assert.equal(byId.statusCode, 200, byId.body);
    const moved = json(await get().api('GET', `${URL}/${other}`, org.token)).email_templates[0];
    assert.deepEqual(moved.folder, before.folder);
    assert.equal(moved.consent_linked, true);
    assert.equal(moved.description, null);
    assert.equal(moved.active, false);
    assert.equal(moved.favorite, true);

    const clear = await get().api('PUT', `${URL}/${id}`, org.token, { email_templates: [{ name: null }] });
    assert.equal(clear.statusCode, 400);
    assert.deepEqual(json(clear).email_templates[0].details, { api_name: 'name', json_path: '$.email_templates[0].name' });
    const rename = await get().api('PUT', `${URL}/${other}`, org.token, { email_templates: [{ name: 'ORIGINAL' }] });
    assert.equal(json(rename).email_templates[0].code, 'DUPLICATE_DATA');
    const noId = await get().api('PUT', URL, org.token, { email_templates: [{ subject: 'x' }] });
    assert.deepEqual(json(noId).email_templates[0].details, { api_name: 'id', json_path: '$.email_templates[0].id' });
  });

  test('attachments name files of the org and show as {id, file_id, file_name, size}', async () => {
    const org = await newOrg(get());
    const stranger = await newOrg(get());
    const brochure = await insertFile(get(), org, 'brochure.pdf', 1200);
    const price = await insertFile(get(), org, 'prices.pdf', 800);
    const foreign = await insertFile(get(), stranger, 'theirs.pdf', 10);
    const id = await createTemplate(get(), org, { attachments: [{ id: brochure }, { file_id: price }] });
    const read = json(await get().api('GET', `${URL}/${id}`, org.token)).email_templates[0];
    assert.equal(read.attachments.length, 2);
    for (const a of read.attachments) assert.match(a.id, ID);
    assert.deepEqual(
      read.attachments.map((a: Record<string, unknown>) => ({ ...a, id: 'x' })),
      [
        { id: 'x', file_id: brochure, file_name: 'brochure.pdf', size: 1200 },
        { id: 'x', file_id: price, file_name: 'prices.pdf', size: 800 },
      ],
    );

    const bad = await get().api('POST', URL, org.token, {
      email_templates: [
        { name: 'F1', module: 'Leads', subject: 'S', attachments: [{ id: brochure }, { id: foreign }] },
        { name: 'F2', module: 'Leads', subject: 'S', attachments: [{ id: brochure }, { id: brochure }] },
        { name: 'F3', module: 'Leads', subject: 'S', attachments: { id: brochure } },
      ],
    });
    assert.equal(bad.statusCode, 400);
    const [foreignResult, duplicate, notArray] = json(bad).email_templates;
    assert.deepEqual(foreignResult.details, { api_name: 'attachments', json_path: '$.email_templates[0].attachments[1].id' });
    assert.equal(foreignResult.code, 'INVALID_DATA');
    assert.deepEqual(duplicate.details, { duplicate: true, api_name: 'attachments', json_path: '$.email_templates[1].attachments[1].id' });
    assert.deepEqual(notArray.details, { expected_data_type: 'jsonarray', api_name: 'attachments', json_path: '$.email_templates[2].attachments' });

    const huge = await insertFile(get(), org, 'huge.bin', 10 * 1024 * 1024);
    const tooBig = await get().api('PUT', `${URL}/${id}`, org.token, { email_templates: [{ attachments: [{ id: huge }, { id: price }] }] });
    assert.equal(tooBig.statusCode, 400);
    assert.equal(json(tooBig).email_templates[0].code, 'FILE_SIZE_EXCEEDS');

    // Writing back what GET showed keeps the files; [] removes them all.
    const back = await get().api('PUT', `${URL}/${id}`, org.token, { email_templates: [{ attachments: [...read.attachments].reverse() }] });
    assert.equal(back.statusCode, 200, back.body);
    const reordered = json(await get().api('GET', `${URL}/${id}`, org.token)).email_templates[0].attachments;
    assert.deepEqual(reordered.map((a: { file_id: string }) => a.file_id), [price, brochure]);
    assert.equal((await get().api('PUT', `${URL}/${id}`, org.token, { email_templates: [{ attachments: [] }] })).statusCode, 200);
    assert.equal(json(await get().api('GET', `${URL}/${id}`, org.token)).email_templates[0].attachments, null);
  });

  test('DELETE removes a template; a missing id answers per item', async () => {
    const org = await newOrg(get());
    const id = await createTemplate(get(), org, { attachments: [{ id: await insertFile(get(), org, 'a.pdf', 1) }] });
    const keep = await createTemplate(get(), org, {});
    const response = await get().api('DELETE', `${URL}/${id}`, org.token);
    assert.equal(response.statusCode, 200, response.body);
    assert.deepEqual(json(response), { email_templates: [{ code: 'SUCCESS', details: { id }, message: 'email template deleted successfully', status: 'success' }] });
    const gone = await get().api('GET', `${URL}/${id}`, org.token);
    assert.equal(gone.statusCode, 400);
    assert.deepEqual(json(gone), INVALID_ID);
    const again = await get().api('DELETE', `${URL}?ids=${id},${keep}`, org.token);
    assert.equal(again.statusCode, 202);
    assert.deepEqual(json(again).email_templates[0], { code: 'INVALID_DATA', details: { id }, message: 'the id given seems to be invalid', status: 'error' });
    assert.equal(json(again).email_templates[1].code, 'SUCCESS');
    const rows = await get().app.db.selectFrom('email_template_attachments').selectAll().where('template_id', '=', id).execute();
    assert.equal(rows.length, 0);
  });

  test('another org’s template id answers exactly like an id that does not exist', async () => {
    const owner = await newOrg(get());
    const other = await newOrg(get());
    const id = await createTemplate(get(), owner, {});
    const missing = '1000000000000000001';
    for (const [method, suffix, body] of [
      ['GET', '', undefined],
      ['PUT', '', { email_templates: [{ subject: 'stolen' }] }],
      ['DELETE', '', undefined],
    ] as const) {
      const foreign = await get().api(method, `${URL}/${id}${suffix}`, other.token, body);
      const absent = await get().api(method, `${URL}/${missing}${suffix}`, other.token, body);
      assert.equal(foreign.statusCode, absent.statusCode, method);
      assert.equal(foreign.body, absent.body.replaceAll(missing, id), method);
    }
    assert.deepEqual(json(await get().api('GET', `${URL}/${id}`, other.token)), INVALID_ID);
    assert.deepEqual(json(await get().api('GET', `${URL}/not-a-number`, other.token)), INVALID_ID);
    assert.equal((await get().api('GET', URL, other.token)).statusCode, 204);
    // Untouched for its owner.
    const mine = json(await get().api('GET', `${URL}/${id}`, owner.token)).email_templates[0];
    assert.equal(mine.subject, 'Hello');
  });

  test('scopes: ZohoCRM.templates.email.{READ,CREATE,UPDATE,DELETE}; ALL and WRITE cover them; settings scopes do not', async () => {
    const org = await newOrg(get());
    const id = await createTemplate(get(), org, {});
    const settingsOnly = await get().tokenFor(org, ['ZohoCRM.settings.ALL', 'ZohoCRM.modules.ALL']);
    const mismatch = await get().api('GET', URL, settingsOnly);
    assert.equal(mismatch.statusCode, 401);
    assert.deepEqual(json(mismatch), { code: 'OAUTH_SCOPE_MISMATCH', details: {}, message: 'invalid oauth scope to access this URL', status: 'error' });

    const reader = await get().tokenFor(org, ['ZohoCRM.templates.email.READ']);
    assert.equal((await get().api('GET', URL, reader)).statusCode, 200);
    assert.equal((await get().api('GET', `${URL}/${id}`, reader)).statusCode, 200);
    assert.equal((await get().api('POST', URL, reader, { email_templates: [{ name: 'n', module: 'Leads', subject: 's' }] })).statusCode, 401);
    assert.equal((await get().api('PUT', `${URL}/${id}`, reader, { email_templates: [{ subject: 's' }] })).statusCode, 401);
    assert.equal((await get().api('DELETE', `${URL}/${id}`, reader)).statusCode, 401);

    const writer = await get().tokenFor(org, ['ZohoCRM.templates.email.WRITE']);
    assert.equal((await get().api('GET', URL, writer)).statusCode, 401);
    assert.equal((await get().api('PUT', `${URL}/${id}`, writer, { email_templates: [{ subject: 's' }] })).statusCode, 200);
    const all = await get().tokenFor(org, ['ZohoCRM.templates.email.ALL']);
    assert.equal((await get().api('GET', URL, all)).statusCode, 200);
    assert.equal((await get().api('DELETE', `${URL}/${id}`, all)).statusCode, 200);
    assert.equal((await get().api('GET', URL, null)).statusCode, 401);
  });

  test('loadTemplateForSend and markTemplateUsed: what send_mail gets, and the usage it records', async () => {
    const org = await newOrg(get());
    const stranger = await newOrg(get());
    const file = await insertFile(get(), org, 'a.pdf', 5);
    const id = await createTemplate(get(), org, { subject: 'S ${Leads.Last Name}', content: 'C', attachments: [{ id: file }] });
    const plain = await createTemplate(get(), org, { editor_mode: 'plain_text', active: true });
    const inactive = await createTemplate(get(), org, { active: false });

    const loaded = await loadTemplateForSend(get().app, org.orgId, id, 'Leads');
    assert.deepEqual({ ...loaded, name: 'n' }, { id, name: 'n', subject: 'S ${Leads.Last Name}', content: 'C', mailFormat: 'html', attachmentFileIds: [file] });
    assert.equal((await loadTemplateForSend(get().app, org.orgId, plain, 'leads')).mailFormat, 'text');
    await rejects(loadTemplateForSend(get().app, org.orgId, id, 'Contacts'), 'TEMPLATE_MODULE_MISMATCH');
    await rejects(loadTemplateForSend(get().app, stranger.orgId, id, 'Leads'), 'TEMPLATE_NOT_FOUND');
    await rejects(loadTemplateForSend(get().app, org.orgId, '1000000000000000001', 'Leads'), 'TEMPLATE_NOT_FOUND');
    await rejects(loadTemplateForSend(get().app, org.orgId, 'x', 'Leads'), 'TEMPLATE_NOT_FOUND');
    await rejects(loadTemplateForSend(get().app, org.orgId, inactive, 'Leads'), 'TEMPLATE_NOT_FOUND');

    const at = Date.UTC(2025, 0, 2, 3, 4, 5);
    await get().app.db.transaction().execute(async (tx) => {
      await markTemplateUsed(tx, org.orgId, id, at);
      await markTemplateUsed(tx, org.orgId, id, at, 2);
      await markTemplateUsed(tx, stranger.orgId, id, at); // another org's id: no effect
    });
    const read = json(await get().api('GET', `${URL}/${id}`, org.token)).email_templates[0];
    assert.equal(read.last_usage_time, '2025-01-02T03:04:05+00:00');
    assert.equal(read.last_version_statistics.sent, 3);
    const sorted = json(await get().api('GET', `${URL}?sort_by=last_usage_time`, org.token)).email_templates;
    assert.equal(sorted[0].id, id);
  });

  test('loadMergeContext: a Deal renders its own fields, its contact’s and account’s, the sender’s and the org’s', async () => {
    const org = await newOrg(get(), 'Europe/Berlin');
    const sender = await createUser(get().app, { orgId: org.orgId, email: `s-${randomBytes(3).toString('hex')}@example.com`, name: 'Sam Sender' });
    const accountId = await insertRecord(get(), org, 'Accounts', { Account_Name: 'Zylker <Inc>' });
    const contactId = await insertRecord(get(), org, 'Contacts', { First_Name: 'Jo', Last_Name: 'Ray', Email: 'jo@example.com', Account_Name: accountId });
    const dealId = await insertRecord(get(), org, 'Deals', { Deal_Name: 'Big', Stage: 'Qualification', Amount: 99.5, Contact_Name: contactId, Account_Name: accountId });

    const context = await loadMergeContext(get().app.db, { orgId: org.orgId, moduleApiName: 'Deals', recordId: dealId, senderUserId: sender.id });
    const rendered = renderTemplate(
      {
        subject: '${Deals.Deal Name} for ${Contacts.First Name}',
        content:
          '<p>${Deals.Deal Name} ${Deals.Amount} ${Deals.Contact Name} ${Contacts.Account Name} ${Accounts.Account Name} ${Deals.Deal Owner}</p>' +
          '<p>${Users.Full Name} ${Users.Email} ${Organization.Organization Name} ${Organization.Time Zone} [${Organization.Website}] [${Leads.Last Name}]</p>',
      },
      context,
    );
    assert.equal(rendered.subject, 'Big for Jo');
    assert.equal(
      rendered.content,
      `<p>Big 99.5 Jo Ray Zylker &lt;Inc&gt; Zylker &lt;Inc&gt; Patricia Boyle</p><p>Sam Sender ${sender.email} ${(await get().app.db.selectFrom('orgs').select('name').where('id', '=', org.orgId).executeTakeFirstOrThrow()).name} Europe/Berlin [] []</p>`,
    );
    await rejects(loadMergeContext(get().app.db, { orgId: org.orgId, moduleApiName: 'Deals', recordId: contactId, senderUserId: sender.id }), 'RELATED_RECORD_NOT_FOUND');
  });
});
