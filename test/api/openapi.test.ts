import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import { createClient } from '../../src/auth/clients.js';
import { changeProfilePermissions } from '../../src/compliance/change-profile-permissions.js';
import { updateLockingConfiguration } from '../../src/compliance/locking-config.js';
import { readAuditLog } from '../../src/compliance/read-audit-log.js';
import { readProfilePermissions } from '../../src/compliance/read-profile-permissions.js';
import type { Principal } from '../../src/context.js';
import { isAppError } from '../../src/errors.js';
import { changeOrgSettings } from '../../src/orgs/change-org-settings.js';
import { createUser } from '../../src/users/create-user.js';
import { multipartBody, TINY_PNG } from '../helpers/multipart.js';
import { AnswerChecker, openApiPath } from '../helpers/openapi.js';
import { ALL_SCOPES, describeEachDatabase, json, type TestApp, type TestOrg } from '../helpers/test-app.js';

type Operation = { security?: Record<string, string[]>[]; 'x-admin-only'?: boolean; responses: Record<string, unknown> };
type Doc = { openapi: string; paths: Record<string, Record<string, Operation>> };

const SEND = (id: string) => `/crm/v8/Leads/${id}/actions/send_mail`;

describeEachDatabase('OpenAPI document', (get) => {
  let doc: Doc;
  let answers: AnswerChecker;
  let org: TestOrg;
  let from: string;
  let leadId: string;
  /** Files and templates need scopes beyond the test org's token. */
  let wideToken: string;

  before(async () => {
    const response = await get().inject({ method: 'GET', url: '/openapi.json' });
    assert.equal(response.statusCode, 200);
    doc = json(response) as Doc;
    answers = new AnswerChecker(doc as never);
    org = await get().createOrg();
    from = json(await get().api('GET', '/crm/v8/users?type=CurrentUser', org.token)).users[0].email;
    wideToken = await get().tokenFor(org, [...ALL_SCOPES, 'ZohoCRM.files.ALL', 'ZohoCRM.templates.ALL']);
    leadId = json(await get().api('POST', '/crm/v8/Leads', org.token, { data: [{ Last_Name: 'Smith', Email: 'smith@example.com' }] })).data[0].details.id;
  });

  const call = async (app: TestApp, method: string, route: string, url: string, token: string | null, body?: unknown) => {
    const response = await app.api(method as 'GET', url, token, body);
    answers.check(method, route, response);
    return response;
  };

  test('GET /openapi.json is a valid OpenAPI 3.1 document, and answers as it documents itself', async () => {
    assert.equal(doc.openapi, '3.1.0');
    const result = await new Validator().validate(doc as never);
    assert.deepEqual(result, { valid: true });
    answers.check('GET', '/openapi.json', await get().inject({ method: 'GET', url: '/openapi.json' }));
  });

  test('every route the server answers is in the document with its method, and nothing else is', () => {
    const routes = get().server.routeTable;
    assert.ok(routes.length > 70, `${routes.length} routes`);
    const missing = routes.filter((r) => doc.paths[openApiPath(r.url)]?.[r.method.toLowerCase()] === undefined).map((r) => `${r.method} ${r.url}`);
    assert.deepEqual(missing, []);
    const documented = Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`));
    const answered = new Set(routes.map((r) => `${r.method} ${openApiPath(r.url)}`));
    // Swagger UI's static files answer HEAD as well as GET (the table leaves HEAD out).
    assert.deepEqual(documented.filter((op) => !answered.has(op.replace(/^HEAD /, 'GET '))), []);
  });

  test('every /crm/{version} operation names the scopes it needs; administrators-only ones say so', () => {
    for (const [path, item] of Object.entries(doc.paths)) {
      if (!path.startsWith('/crm/{version}/')) continue;
      for (const [method, operation] of Object.entries(item)) {
        const scopes = (operation.security ?? []).flatMap((requirement) => requirement.ZohoOAuth ?? []);
        assert.ok(scopes.length > 0 && scopes.every((s) => /^ZohoCRM\./.test(s)), `${method} ${path}: ${JSON.stringify(operation.security)}`);
      }
    }
    assert.deepEqual(doc.paths['/crm/{version}/{module}']!.post!.security, [{ ZohoOAuth: ['ZohoCRM.modules.{module}.CREATE'] }]);
    assert.deepEqual(doc.paths['/crm/{version}/{module}/{id}/Emails']!.get!.security, [{ ZohoOAuth: ['ZohoCRM.modules.{module}.READ', 'ZohoCRM.modules.emails.READ'] }]);
    const adminOnly = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item)
        .filter(([, op]) => op['x-admin-only'] === true)
        .map(([method]) => `${method.toUpperCase()} ${path}`),
    );
    assert.deepEqual(adminOnly.sort(), [
      'DELETE /crm/{version}/settings/dkim_keys/{id}',
      'GET /crm/{version}/settings/audit_log',
      'GET /crm/{version}/settings/dkim_keys',
      'GET /crm/{version}/settings/profile_permissions',
      'POST /crm/{version}/settings/dkim_keys',
      'POST /crm/{version}/settings/dkim_keys/actions/rotate',
      'PUT /crm/{version}/org',
      'PUT /crm/{version}/settings/profile_permissions',
      'PUT /crm/{version}/settings/record_locking_configurations',
    ]);
  });

  test('what the document calls administrators only answers ADMIN_ONLY to anyone else, and the use-cases hold the rule', async () => {
    const app = get();
    const user = await createUser(app.app, { orgId: org.orgId, email: `rep-${Date.now()}@example.com`, name: 'Sales Rep' });
    const repToken = await app.tokenFor(org, ALL_SCOPES, user.id);
    const refused = { code: 'NO_PERMISSION', details: { permissions: ['Crm_Implied_Manage_Settings'] }, message: 'permission denied', status: 'error' };
    const calls: [string, string, string, unknown?][] = [
      ['GET', '/crm/{version}/settings/audit_log', '/crm/v8/settings/audit_log'],
      ['GET', '/crm/{version}/settings/profile_permissions', '/crm/v8/settings/profile_permissions'],
      ['PUT', '/crm/{version}/settings/profile_permissions', '/crm/v8/settings/profile_permissions', { profile_permissions: 'not even an array' }],
      ['PUT', '/crm/{version}/settings/record_locking_configurations', '/crm/v8/settings/record_locking_configurations?module=Leads', {}],
      ['PUT', '/crm/{version}/org', '/crm/v8/org', { org: 'not even an array' }],
    ];
    for (const [method, route, url, body] of calls) {
      const response = await call(app, method, route.replace('{version}', ':version'), url, repToken, body);
      assert.equal(response.statusCode, 403, `${method} ${url}`);
      assert.deepEqual(json(response), refused, `${method} ${url}`);
    }
    // The rule is the use-cases' own (the CLI and any other caller get it too), not the route's.
    const rep: Principal = { orgId: org.orgId, userId: user.id, scopes: ALL_SCOPES, timeZone: 'UTC' };
    const useCases: [string, () => Promise<unknown>][] = [
      ['readAuditLog', () => readAuditLog(app.app, rep, { page: 1, perPage: 10 })],
      ['readProfilePermissions', () => readProfilePermissions(app.app, rep)],
      ['changeProfilePermissions', () => changeProfilePermissions(app.app, rep, () => [])],
      ['updateLockingConfiguration', () => updateLockingConfiguration(app.app, rep, () => ({ moduleName: 'Leads', changes: () => ({}) }))],
      ['changeOrgSettings', () => changeOrgSettings(app.app, rep, () => ({ privacySettings: true }))],
    ];
    for (const [name, run] of useCases) {
      await assert.rejects(run, (error: unknown) => isAppError(error) && error.code === 'ADMIN_ONLY', name);
    }
  });

  test('send_mail answers match the document: success, partial, every item failed, and refused requests', async () => {
    const app = get();
    const route = '/crm/:version/:module/:id/actions/send_mail';
    const mail = { from: { email: from }, to: [{ email: 'smith@example.com' }], subject: 'Hello', content: '<p>Hi</p>' };
    assert.equal((await call(app, 'POST', route, SEND(leadId), org.token, { data: [mail] })).statusCode, 200);
    assert.equal((await call(app, 'POST', route, SEND(leadId), org.token, { data: [mail, { ...mail, to: [] }] })).statusCode, 202);
    assert.equal((await call(app, 'POST', route, SEND(leadId), org.token, { data: [{ ...mail, to: [{ email: 'broken' }] }] })).statusCode, 400);
    assert.equal((await call(app, 'POST', route, SEND(leadId), org.token, { data: 'x' })).statusCode, 400);
    assert.equal((await call(app, 'POST', route, SEND(leadId), org.token, '{"data": [')).statusCode, 400);
    assert.equal((await call(app, 'POST', route, SEND(leadId), null, { data: [mail] })).statusCode, 401);
    assert.equal((await call(app, 'POST', route, SEND(leadId), await app.tokenFor(org, ['ZohoCRM.modules.ALL']), { data: [mail] })).statusCode, 401);
    assert.equal((await call(app, 'POST', route, '/crm/v8/Nope/1/actions/send_mail', org.token, { data: [mail] })).statusCode, 400);
    assert.equal((await call(app, 'POST', route, SEND('12345'), org.token, { data: [mail] })).statusCode, 400);
  });

  test('records, the Emails list and from_addresses answer as documented', async () => {
    const app = get();
    const created = await call(app, 'POST', '/crm/:version/:module', '/crm/v8/Contacts', org.token, { data: [{ Last_Name: 'Boyle', Email: 'b@example.com' }, { Email: 'x' }] });
    assert.equal(created.statusCode, 202);
    const id = json(created).data[0].details.id as string;
    assert.equal((await call(app, 'POST', '/crm/:version/:module', '/crm/v8/Contacts', org.token, { data: [{ Last_Name: 'Only' }] })).statusCode, 201);
    assert.equal((await call(app, 'GET', '/crm/:version/:module/:id', `/crm/v8/Contacts/${id}`, org.token)).statusCode, 200);
    assert.equal(json(await call(app, 'GET', '/crm/:version/:module/:id', '/crm/v8/Contacts/1', org.token)).code, 'INVALID_DATA');
    assert.equal((await call(app, 'GET', '/crm/:version/:module', '/crm/v8/Contacts?fields=Last_Name,Email', org.token)).statusCode, 200);
    assert.equal((await call(app, 'GET', '/crm/:version/:module', '/crm/v8/Contacts?fields=Last_Name&page=99', org.token)).statusCode, 204);
    assert.equal((await call(app, 'GET', '/crm/:version/:module', '/crm/v8/Contacts', org.token)).statusCode, 400);
    assert.equal((await call(app, 'PUT', '/crm/:version/:module/:id', `/crm/v8/Contacts/${id}`, org.token, { data: [{ Phone: '555' }] })).statusCode, 200);
    assert.equal((await call(app, 'DELETE', '/crm/:version/:module', `/crm/v8/Contacts?ids=${id},1`, org.token)).statusCode, 202);

    const sent = json(await app.api('POST', SEND(leadId), org.token, { data: [{ from: { email: from }, to: [{ email: 'smith@example.com' }], subject: 'S', content: 'C' }] }));
    const messageId = sent.data[0].details.message_id as string;
    assert.equal((await call(app, 'GET', '/crm/:version/:module/:id/Emails', `/crm/v8/Leads/${leadId}/Emails`, org.token)).statusCode, 200);
    assert.equal((await call(app, 'GET', '/crm/:version/:module/:id/Emails', `/crm/v8/Leads/${leadId}/Emails?type=drafts`, org.token)).statusCode, 204);
    assert.equal((await call(app, 'GET', '/crm/:version/:module/:id/Emails', `/crm/v8/Leads/${leadId}/Emails?type=nope`, org.token)).statusCode, 400);
    assert.equal((await call(app, 'GET', '/crm/:version/:module/:id/Emails/:messageId', `/crm/v8/Leads/${leadId}/Emails/${messageId}`, org.token)).statusCode, 200);
    assert.equal((await call(app, 'GET', '/crm/:version/settings/emails/actions/from_addresses', '/crm/v8/settings/emails/actions/from_addresses', org.token)).statusCode, 200);
  });

  test('files: upload, download, an inline image and their errors answer as documented', async () => {
    const app = get();
    const upload = async (url: string, files: Parameters<typeof multipartBody>[0]) => {
      const { payload, contentType } = multipartBody(files);
      const response = await app.inject({ method: 'POST', url, payload, headers: { 'content-type': contentType, authorization: `Zoho-oauthtoken ${wideToken}` } });
      answers.check('POST', '/crm/:version/files', response);
      return response;
    };
    const uploaded = await upload('/crm/v8/files', [{ name: 'a.txt', bytes: Buffer.from('hello') }]);
    assert.equal(uploaded.statusCode, 200, uploaded.body);
    const fileId = json(uploaded).data[0].details.id as string;
    assert.equal((await upload('/crm/v8/files?type=other', [{ name: 'a.txt', bytes: Buffer.from('x') }])).statusCode, 400);
    assert.equal((await call(app, 'GET', '/crm/:version/files', `/crm/v8/files?id=${fileId}`, wideToken)).statusCode, 200);
    assert.equal((await call(app, 'GET', '/crm/:version/files', '/crm/v8/files?id=nope', wideToken)).statusCode, 204);
    const inline = json(await upload('/crm/v8/files?type=inline', [{ name: 'i.png', type: 'image/png', bytes: TINY_PNG }])).data[0].details.id as string;
    const image = await app.inject({ method: 'GET', url: `/crm/viewInLineImage?fileContent=${inline}` });
    assert.equal(image.statusCode, 200);
    answers.check('GET', '/crm/viewInLineImage', image);
  });

  test('email and inventory templates answer as documented', async () => {
    const app = get();
    const template = { name: `Welcome ${Date.now()}`, module: { api_name: 'Leads' }, subject: 'Welcome', content: '<p>Hi ${Leads.Last Name}</p>' };
    const created = await call(app, 'POST', '/crm/:version/settings/email_templates', '/crm/v8/settings/email_templates', wideToken, { email_templates: [template] });
    assert.equal(created.statusCode, 201, created.body);
    const id = json(created).email_templates[0].details.id as string;
    assert.equal((await call(app, 'POST', '/crm/:version/settings/email_templates', '/crm/v8/settings/email_templates', wideToken, { email_templates: [{}] })).statusCode, 400);
    assert.equal((await call(app, 'GET', '/crm/:version/settings/email_templates', '/crm/v8/settings/email_templates', wideToken)).statusCode, 200);
    assert.equal((await call(app, 'GET', '/crm/:version/settings/email_templates', '/crm/v8/settings/email_templates?module=Deals', wideToken)).statusCode, 204);
    assert.equal((await call(app, 'GET', '/crm/:version/settings/email_templates/:id', `/crm/v8/settings/email_templates/${id}`, wideToken)).statusCode, 200);
    assert.equal((await call(app, 'PUT', '/crm/:version/settings/email_templates/:id', `/crm/v8/settings/email_templates/${id}`, wideToken, { email_templates: [{ subject: 'Again' }] })).statusCode, 200);
    assert.equal((await call(app, 'DELETE', '/crm/:version/settings/email_templates', `/crm/v8/settings/email_templates?ids=${id}`, wideToken)).statusCode, 200);
    assert.equal((await call(app, 'GET', '/crm/:version/settings/inventory_templates', '/crm/v8/settings/inventory_templates', wideToken)).statusCode, 200);
    assert.equal((await call(app, 'GET', '/crm/:version/settings/inventory_templates/:id', '/crm/v8/settings/inventory_templates/1', wideToken)).statusCode, 400);
  });

  test('the token endpoint answers as documented: tokens, OAuth errors, and a broken request', async () => {
    const app = get();
    const post = async (payload: string, contentType = 'application/x-www-form-urlencoded') => {
      const response = await app.inject({ method: 'POST', url: '/oauth/v2/token', headers: { 'content-type': contentType }, payload });
      answers.check('POST', '/oauth/v2/token', response);
      return response;
    };
    const refreshed = json(await post(`grant_type=refresh_token&refresh_token=${org.refreshToken}`));
    assert.equal(typeof refreshed.access_token, 'string');
    const client = await createClient(app.app, { orgId: org.orgId, userId: org.adminId });
    const issued = json(await post(`grant_type=client_credentials&client_id=${client.client_id}&client_secret=${client.client_secret}&scope=ZohoCRM.org.READ`));
    assert.equal(issued.scope, 'ZohoCRM.org.READ');
    assert.deepEqual(json(await post('grant_type=password')), { error: 'unsupported_grant_type' });
    const broken = await post('--x\r\nbroken', 'multipart/form-data; boundary=x');
    assert.equal(broken.statusCode, 400);
    const revoked = await app.inject({ method: 'POST', url: `/oauth/v2/token/revoke?token=${issued.access_token}` });
    answers.check('POST', '/oauth/v2/token/revoke', revoked);
    assert.deepEqual(json(revoked), { status: 'success' });
  });

  test('the other JSON answers of the API, the mailbox and the health check match the document', async () => {
    const app = get();
    const gets: [string, string][] = [
      ['/crm/:version/org', '/crm/v8/org'],
      ['/crm/:version/users', '/crm/v8/users'],
      ['/crm/:version/users/:id', `/crm/v8/users/${org.adminId}`],
      ['/crm/:version/settings/modules', '/crm/v8/settings/modules'],
      ['/crm/:version/settings/modules/:module', '/crm/v8/settings/modules/Leads'],
      ['/crm/:version/settings/fields', '/crm/v8/settings/fields?module=Leads'],
      ['/crm/:version/settings/email_limits', '/crm/v8/settings/email_limits'],
      ['/crm/:version/settings/record_locking_configurations', '/crm/v8/settings/record_locking_configurations?module=Leads'],
      ['/crm/:version/settings/profile_permissions', '/crm/v8/settings/profile_permissions'],
      ['/crm/:version/settings/audit_log', '/crm/v8/settings/audit_log'],
      ['/crm/:version/:module/:id/Locking_Information__s', `/crm/v8/Leads/${leadId}/Locking_Information__s`],
      ['/mailbox/api/messages', '/mailbox/api/messages'],
    ];
    for (const [route, url] of gets) {
      const response = await call(app, 'GET', route, url, org.token);
      assert.ok(response.statusCode === 200 || response.statusCode === 204, `${url}: ${response.statusCode} ${response.body}`);
    }
    answers.check('GET', '/health', await app.inject({ method: 'GET', url: '/health' }));
    answers.check('GET', '/mailbox', await app.inject({ method: 'GET', url: '/mailbox' }));
    answers.check('GET', '/ui/login', await app.inject({ method: 'GET', url: '/ui/login' }));
  });

  test('the Swagger UI page is served from the package, under a CSP without inline scripts or other hosts', async () => {
    const app = get();
    const page = await app.inject({ method: 'GET', url: '/docs/' });
    assert.equal(page.statusCode, 200);
    answers.check('GET', '/docs/', page);
    const csp = String(page.headers['content-security-policy']);
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.doesNotMatch(csp, /unsafe-inline|https?:/);
    const scripts = [...page.body.matchAll(/<script[^>]*>/g)].map((m) => m[0]);
    assert.ok(scripts.length > 0 && scripts.every((tag) => / src="\.\/static\//.test(tag)), scripts.join('\n'));
    for (const asset of ['swagger-ui-bundle.js', 'swagger-ui-standalone-preset.js', 'swagger-initializer.js', 'swagger-ui.css']) {
      const response = await app.inject({ method: 'GET', url: `/docs/static/${asset}` });
      assert.equal(response.statusCode, 200, asset);
    }
    const copy = await app.inject({ method: 'GET', url: '/docs/json' });
    assert.deepEqual(json(copy).paths, doc.paths);
  });
});
