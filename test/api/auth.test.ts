import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeEachDatabase, json } from '../helpers/test-app.js';

const TOKEN_SHAPE = /^1000\.[0-9a-f]{32}\.[0-9a-f]{32}$/;

describeEachDatabase('authentication and scopes', (get) => {
  test('a request without an Authorization header gets 401 AUTHENTICATION_FAILURE', async () => {
    const response = await get().api('GET', '/crm/v8/Leads', null);
    assert.equal(response.statusCode, 401);
    assert.deepEqual(json(response), {
      code: 'AUTHENTICATION_FAILURE',
      details: {},
      message: 'Authentication failed',
      status: 'error',
    });
  });

  test('a garbled Authorization header gets 401 AUTHENTICATION_FAILURE', async () => {
    for (const header of ['Basic abc', 'Zoho-oauthtoken', 'token 1000.a.b']) {
      const response = await get().inject({ method: 'GET', url: '/crm/v8/Leads', headers: { authorization: header } });
      assert.equal(response.statusCode, 401, header);
      assert.equal(json(response).code, 'AUTHENTICATION_FAILURE', header);
    }
  });

  test('an unknown token gets 401 INVALID_TOKEN', async () => {
    const response = await get().api('GET', '/crm/v8/Leads', `1000.${'a'.repeat(32)}.${'b'.repeat(32)}`);
    assert.equal(response.statusCode, 401);
    assert.deepEqual(json(response), { code: 'INVALID_TOKEN', details: {}, message: 'invalid oauth token', status: 'error' });
  });

  test('a token that is not Zoho-shaped gets 401 INVALID_TOKEN', async () => {
    const response = await get().api('GET', '/crm/v8/Leads', 'not-a-token');
    assert.equal(response.statusCode, 401);
    assert.equal(json(response).code, 'INVALID_TOKEN');
  });

  test('Bearer is accepted as well as Zoho-oauthtoken', async () => {
    const org = await get().createOrg();
    const response = await get().inject({ method: 'GET', url: '/crm/v8/org', headers: { authorization: `Bearer ${org.token}` } });
    assert.equal(response.statusCode, 200);
    assert.equal(json(response).org[0].id, org.orgId);
  });

  test('a token without the module scope gets 401 OAUTH_SCOPE_MISMATCH', async () => {
    const org = await get().createOrg();
    const token = await get().tokenFor(org, ['ZohoCRM.modules.contacts.ALL', 'ZohoCRM.org.READ']);
    const response = await get().api('POST', '/crm/v8/Leads', token, { data: [{ Last_Name: 'x' }] });
    assert.equal(response.statusCode, 401);
    assert.deepEqual(json(response), {
      code: 'OAUTH_SCOPE_MISMATCH',
      details: {},
      message: 'invalid oauth scope to access this URL',
      status: 'error',
    });
    const allowed = await get().api('POST', '/crm/v8/Contacts', token, { data: [{ Last_Name: 'x' }] });
    assert.equal(allowed.statusCode, 201);
  });

  test('scopes are case-insensitive and ALL, WRITE and module-wide scopes cover operations', async () => {
    const org = await get().createOrg();
    const readOnly = await get().tokenFor(org, ['zohocrm.MODULES.leads.read']);
    assert.equal((await get().api('GET', '/crm/v2/Leads', readOnly)).statusCode, 204);
    assert.equal((await get().api('POST', '/crm/v2/Leads', readOnly, { data: [{ Last_Name: 'x' }] })).statusCode, 401);

    const write = await get().tokenFor(org, ['ZohoCRM.modules.Sales_Orders.WRITE', 'ZohoCRM.modules.products.CREATE']);
    const product = json(await get().api('POST', '/crm/v8/Products', write, { data: [{ Product_Name: 'Widget' }] }));
    const order = await get().api('POST', '/crm/v8/Sales_Orders', write, {
      data: [{ Subject: 'SO', Ordered_Items: [{ Product_Name: { id: product.data[0].details.id }, Quantity: 1 }] }],
    });
    assert.equal(order.statusCode, 201);
    assert.equal((await get().api('GET', '/crm/v8/Sales_Orders?fields=Subject', write)).statusCode, 401);

    const settings = await get().tokenFor(org, ['ZohoCRM.settings.ALL']);
    assert.equal((await get().api('GET', '/crm/v8/settings/fields?module=Leads', settings)).statusCode, 200);
    assert.equal((await get().api('GET', '/crm/v8/org', settings)).statusCode, 401);
  });

  test('an expired access token gets 401 INVALID_TOKEN', async () => {
    const org = await get().createOrg();
    await get().app.db.updateTable('oauth_tokens').set({ expires_at: Date.now() - 1000 }).where('kind', '=', 'access').where('org_id', '=', org.orgId).execute();
    const response = await get().api('GET', '/crm/v8/org', org.token);
    assert.equal(response.statusCode, 401);
    assert.equal(json(response).code, 'INVALID_TOKEN');
  });
});

describeEachDatabase('OAuth token endpoint', (get) => {
  test('refresh_token grant over multipart/form-data returns a new Zoho-shaped access token with api_domain = PUBLIC_URL', async () => {
    const org = await get().createOrg();
    const boundary = '--------------------------123456789012345678901234';
    const fields = { grant_type: 'refresh_token', refresh_token: org.refreshToken, client_id: 'x', client_secret: 'y' };
    const payload =
      Object.entries(fields)
        .map(([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`)
        .join('') + `--${boundary}--\r\n`;
    const response = await get().inject({
      method: 'POST',
      url: '/oauth/v2/token',
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
      payload,
    });
    assert.equal(response.statusCode, 200);
    const body = json(response);
    assert.match(body.access_token, TOKEN_SHAPE);
    assert.equal(body.api_domain, 'http://127.0.0.1:8080');
    assert.equal(body.token_type, 'Bearer');
    assert.equal(body.expires_in, 3600);
    assert.equal(body.refresh_token, undefined);
    assert.equal((await get().api('GET', '/crm/v8/org', body.access_token)).statusCode, 200);
  });

  test('refresh_token grant over x-www-form-urlencoded works and unknown refresh tokens get invalid_code', async () => {
    const org = await get().createOrg();
    const ok = await get().inject({
      method: 'POST',
      url: '/oauth/v2/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `grant_type=refresh_token&refresh_token=${org.refreshToken}`,
    });
    assert.match(json(ok).access_token, TOKEN_SHAPE);
    const bad = await get().inject({
      method: 'POST',
      url: '/oauth/v2/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `grant_type=refresh_token&refresh_token=1000.${'0'.repeat(32)}.${'0'.repeat(32)}`,
    });
    assert.equal(bad.statusCode, 200);
    assert.deepEqual(json(bad), { error: 'invalid_code' });
  });

  test('client_credentials needs the client secret and returns a token for the client owner', async () => {
    const { createClient } = await import('../../src/auth/clients.js');
    const org = await get().createOrg();
    const client = await createClient(get().app, { orgId: org.orgId, userId: org.adminId });
    const form = (secret: string) =>
      get().inject({
        method: 'POST',
        url: '/oauth/v2/token',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: `grant_type=client_credentials&client_id=${client.client_id}&client_secret=${secret}&scope=ZohoCRM.org.READ&soid=ZohoCRM.${org.orgId}`,
      });
    const good = json(await form(client.client_secret));
    assert.equal(good.scope, 'ZohoCRM.org.READ');
    const orgResponse = await get().api('GET', '/crm/v8/org', good.access_token);
    assert.equal(json(orgResponse).org[0].id, org.orgId);
    assert.deepEqual(json(await form('wrong')), { error: 'invalid_client_secret' });
  });

  test('an unsupported grant type is named as such', async () => {
    const response = await get().inject({
      method: 'POST',
      url: '/oauth/v2/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'grant_type=password&username=a&password=b',
    });
    assert.deepEqual(json(response), { error: 'unsupported_grant_type' });
  });

  test('revoking a refresh token revokes the access tokens minted from it', async () => {
    const org = await get().createOrg();
    const revoke = await get().inject({ method: 'POST', url: `/oauth/v2/token/revoke?token=${org.refreshToken}` });
    assert.deepEqual(json(revoke), { status: 'success' });
    const response = await get().api('GET', '/crm/v8/org', org.token);
    assert.equal(response.statusCode, 401);
    assert.equal(json(response).code, 'INVALID_TOKEN');
  });
});
