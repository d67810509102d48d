import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeEachDatabase, json, startTestApp } from '../helpers/test-app.js';

describeEachDatabase('HTTP contract', (get) => {
  test('an unknown URL answers 404 INVALID_URL_PATTERN', async () => {
    for (const url of ['/nope', '/crm/v8/Leads/1/2/3/4', '/crm/v9/Leads']) {
      const org = await get().createOrg();
      const response = await get().api('GET', url, org.token);
      assert.equal(response.statusCode, 404, url);
      assert.deepEqual(json(response), {
        code: 'INVALID_URL_PATTERN',
        details: {},
        message: 'Please check if the URL trying to access is a correct one',
        status: 'error',
      });
    }
  });

  test('a wrong method on a known URL answers 400 INVALID_REQUEST_METHOD', async () => {
    const org = await get().createOrg();
    const response = await get().api('PATCH', '/crm/v8/Leads/1234', org.token, {});
    assert.equal(response.statusCode, 400);
    assert.deepEqual(json(response), {
      code: 'INVALID_REQUEST_METHOD',
      details: {},
      message: 'The http request method type is not a valid one',
      status: 'error',
    });
  });

  test('an unknown module answers 400 INVALID_MODULE pointing at path segment 0', async () => {
    const org = await get().createOrg();
    const response = await get().api('POST', '/crm/v8/Leadz', org.token, { data: [{}] });
    assert.equal(response.statusCode, 400);
    assert.deepEqual(json(response), {
      code: 'INVALID_MODULE',
      details: { resource_path_index: 0 },
      message: 'The module name given seems to be invalid',
      status: 'error',
    });
  });

  test('a JSON body is parsed without a Content-Type header, and with text/plain', async () => {
    const org = await get().createOrg();
    const payload = JSON.stringify({ data: [{ Last_Name: 'NoType' }] });
    const bare = await get().server.inject({
      method: 'POST',
      url: '/crm/v8/Leads',
      headers: { authorization: `Zoho-oauthtoken ${org.token}` },
      payload,
    });
    assert.equal(bare.statusCode, 201);
    assert.match(bare.headers['content-type'] as string, /^application\/json/);
    const plain = await get().inject({
      method: 'POST',
      url: '/crm/v8/Leads',
      headers: { authorization: `Zoho-oauthtoken ${org.token}`, 'content-type': 'text/plain' },
      payload,
    });
    assert.equal(plain.statusCode, 201);
  });

  test('malformed JSON and a body without data answer Zoho errors and store nothing', async () => {
    const org = await get().createOrg();
    const broken = await get().api('POST', '/crm/v8/Leads', org.token, '{"data":[');
    assert.equal(broken.statusCode, 400);
    assert.deepEqual(json(broken), { code: 'INVALID_DATA', details: { expected_data_type: 'jsonobject' }, message: 'invalid data', status: 'error' });
    const noData = await get().api('POST', '/crm/v8/Leads', org.token, { records: [] });
    assert.deepEqual(json(noData), {
      code: 'MANDATORY_NOT_FOUND',
      details: { api_name: 'data', json_path: '$.data' },
      message: 'required field not found',
      status: 'error',
    });
    const notArray = await get().api('POST', '/crm/v8/Leads', org.token, { data: { Last_Name: 'x' } });
    assert.equal(json(notArray).details.expected_data_type, 'jsonarray');
    const empty = await get().api('POST', '/crm/v8/Leads', org.token);
    assert.equal(empty.statusCode, 400);
    assert.equal((await get().api('GET', '/crm/v2/Leads', org.token)).statusCode, 204);
  });

  test('__proto__ and constructor keys are harmless', async () => {
    const org = await get().createOrg();
    const response = await get().api(
      'POST',
      '/crm/v8/Leads',
      org.token,
      '{"data":[{"Last_Name":"Proto","__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}]}',
    );
    assert.equal(response.statusCode, 201);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  test('an oversized body answers 413 and is not stored', async () => {
    const org = await get().createOrg();
    const big = JSON.stringify({ data: [{ Last_Name: 'Big', Description: 'x'.repeat(6 * 1024 * 1024) }] });
    const response = await get().api('POST', '/crm/v8/Leads', org.token, big);
    assert.equal(response.statusCode, 413);
    assert.equal(json(response).status, 'error');
  });

  test('metadata endpoints answer what Zoho SDKs read', async () => {
    const org = await get().createOrg();
    const modules = json(await get().api('GET', '/crm/v8/settings/modules', org.token)).modules;
    const names = modules.map((m: { api_name: string }) => m.api_name);
    for (const name of ['Leads', 'Contacts', 'Accounts', 'Deals', 'Products', 'Quotes', 'Sales_Orders', 'Purchase_Orders', 'Invoices', 'Cases', 'Vendors']) {
      assert.ok(names.includes(name), name);
    }
    const fields = json(await get().api('GET', '/crm/v8/settings/fields?module=Leads', org.token)).fields;
    const lastName = fields.find((f: { api_name: string }) => f.api_name === 'Last_Name');
    assert.equal(lastName.system_mandatory, true);
    assert.equal(lastName.data_type, 'text');
    assert.match(lastName.id, /^\d{19}$/);
    assert.equal(fields.find((f: { api_name: string }) => f.api_name === 'Email').data_type, 'email');
    const unknown = await get().api('GET', '/crm/v8/settings/fields?module=Nope', org.token);
    assert.equal(json(unknown).code, 'INVALID_MODULE');

    const users = json(await get().api('GET', '/crm/v8/users?type=CurrentUser', org.token)).users;
    assert.equal(users.length, 1);
    assert.equal(users[0].id, org.adminId);
    assert.equal(users[0].full_name, 'Patricia Boyle');
    assert.equal(users[0].profile.name, 'Administrator');

    const orgInfo = json(await get().api('GET', '/crm/v8/org', org.token)).org[0];
    assert.equal(orgInfo.id, org.orgId);
    assert.equal(orgInfo.privacy_settings, false);
    assert.equal(orgInfo.license_details.paid_type, 'enterprise');
  });
});

describeEachDatabase('unexpected faults', (_get, kind) => {
  test('an unexpected fault answers 500 INTERNAL_ERROR with a request id and no internals', async () => {
    const testApp = await startTestApp(kind);
    const org = await testApp.createOrg();
    await testApp.app.db.schema.dropTable('records').execute();
    const response = await testApp.api('GET', '/crm/v2/Leads', org.token);
    assert.equal(response.statusCode, 500);
    const body = json(response);
    assert.equal(body.code, 'INTERNAL_ERROR');
    assert.equal(body.message, 'Internal server error occurred.');
    assert.equal(body.details.request_id, response.headers['x-request-id']);
    assert.doesNotMatch(response.body, /records|sqlite|relation|SELECT/i);
    await testApp.close();
  });
});
