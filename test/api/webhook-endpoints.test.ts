import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createUser } from '../../src/users/create-user.js';
import { WEBHOOK_EVENT_TYPES } from '../../src/webhooks/event-types.js';
import { ALL_SCOPES, DATABASE_KINDS, describeEachDatabase, json, startTestApp, type TestApp, type TestOrg } from '../helpers/test-app.js';
import { insertDelivery } from '../helpers/webhook-rows.js';

const BASE = '/crm/v8/settings/webhooks';
const ID = /^\d{19}$/;
const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$/;
const SECRET = /^whsec_[A-Za-z0-9+/]{32}$/;
const NOT_FOUND = (id: string) => ({ code: 'INVALID_DATA', details: { api_name: 'id', id }, message: 'the id given seems to be invalid', status: 'error' });

async function createEndpoint(app: TestApp, org: TestOrg, item: Record<string, unknown> = {}): Promise<{ id: string; secret: string }> {
  const response = await app.api('POST', BASE, org.token, { webhooks: [{ url: 'https://hooks.example.com/mailroom', events: ['recipient.sent'], ...item }] });
  assert.equal(response.statusCode, 201, response.body);
  const result = json(response).webhooks[0];
  assert.equal(result.code, 'SUCCESS');
  return { id: result.details.id, secret: result.details.secret };
}

const subscriptions = async (app: TestApp, id: string) =>
  (await app.app.db.selectFrom('webhook_subscriptions').select('event_type').where('endpoint_id', '=', id).execute()).map((r) => r.event_type).sort();

describeEachDatabase('Webhook endpoints API', (get) => {
  test('create answers the secret once; it is stored sealed; list and get show the endpoint without it', async () => {
    const app = get();
    const org = await app.createOrg({ timeZone: 'Europe/Berlin' });
    const create = await app.api('POST', BASE, org.token, {
      webhooks: [{ url: 'https://hooks.example.com/mailroom?x=1', events: ['recipient.sent', 'recipient.bounced', 'recipient.sent'], description: 'CRM sync' }],
    });
    assert.equal(create.statusCode, 201, create.body);
    const body = json(create);
    assert.equal(body.webhooks[0].message, 'webhook created successfully');
    assert.equal(body.webhooks[0].status, 'success');
    const { id, secret } = body.webhooks[0].details;
    assert.match(id, ID);
    assert.match(secret, SECRET);
    assert.equal(Buffer.from(secret.slice(6), 'base64').length, 24);

    const row = await app.app.db.selectFrom('webhook_endpoints').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    assert.ok(!row.secret.includes(secret) && !row.secret.includes(secret.slice(6)), 'not stored in plain text');
    assert.equal(app.app.secrets.open(row.secret), secret, 'sealed with SECRETS_KEY');
    assert.equal(row.org_id, org.orgId);
    assert.equal(row.created_by, org.adminId);
    assert.deepEqual(await subscriptions(app, id), ['recipient.bounced', 'recipient.sent']);

    const list = await app.api('GET', BASE, org.token);
    assert.equal(list.statusCode, 200);
    assert.ok(!list.body.includes(secret.slice(6)) && !list.body.includes('secret'), list.body);
    const [shown] = json(list).webhooks;
    assert.equal(shown.id, id);
    assert.equal(shown.url, 'https://hooks.example.com/mailroom?x=1');
    assert.equal(shown.description, 'CRM sync');
    assert.deepEqual(shown.events, ['recipient.sent', 'recipient.bounced']);
    assert.equal(shown.enabled, true);
    assert.equal(shown.disabled_reason, null);
    assert.match(shown.created_time, TIME);
    assert.match(shown.created_time, /\+0[12]:00$/, 'in the caller’s time zone');

    const one = await app.api('GET', `${BASE}/${id}`, org.token);
    assert.equal(one.statusCode, 200);
    assert.deepEqual(json(one).webhooks, [shown]);
    assert.ok(!one.body.includes(secret.slice(6)));
  });

  test('rotate_secret answers a new secret once and seals it; the old one is gone', async () => {
    const app = get();
    const org = await app.createOrg();
    const { id, secret } = await createEndpoint(app, org);
    const rotate = await app.api('POST', `${BASE}/${id}/actions/rotate_secret`, org.token);
    assert.equal(rotate.statusCode, 200, rotate.body);
    const result = json(rotate).webhooks[0];
    assert.equal(result.message, 'webhook secret rotated successfully');
    assert.equal(result.details.id, id);
    assert.match(result.details.secret, SECRET);
    assert.notEqual(result.details.secret, secret);
    const row = await app.app.db.selectFrom('webhook_endpoints').select('secret').where('id', '=', id).executeTakeFirstOrThrow();
    assert.equal(app.app.secrets.open(row.secret), result.details.secret);
    assert.ok(!(await app.api('GET', `${BASE}/${id}`, org.token)).body.includes(result.details.secret.slice(6)));
  });

  test('update changes url, description and events (subscriptions rewritten); disable and enable again', async () => {
    const app = get();
    const org = await app.createOrg();
    const { id } = await createEndpoint(app, org, { events: ['recipient.sent', 'recipient.opened'] });
    const put = await app.api('PUT', `${BASE}/${id}`, org.token, {
      webhooks: [{ id, url: 'https://other.example.com/h', description: 'new', events: ['mail.accepted', 'recipient.bounced'] }],
    });
    assert.equal(put.statusCode, 200, put.body);
    assert.deepEqual(json(put), { webhooks: [{ code: 'SUCCESS', details: { id }, message: 'webhook updated successfully', status: 'success' }] });
    let shown = json(await app.api('GET', `${BASE}/${id}`, org.token)).webhooks[0];
    assert.equal(shown.url, 'https://other.example.com/h');
    assert.equal(shown.description, 'new');
    assert.deepEqual(shown.events, ['mail.accepted', 'recipient.bounced']);
    assert.deepEqual(await subscriptions(app, id), ['mail.accepted', 'recipient.bounced']);

    // The id in the body may be a bare JSON number (Zoho's SDKs send ids that way).
    const numeric = await app.api('PUT', `${BASE}/${id}`, org.token, `{"webhooks":[{"id":${id},"events":["*"]}]}`);
    assert.equal(numeric.statusCode, 200, numeric.body);
    assert.deepEqual(json(await app.api('GET', `${BASE}/${id}`, org.token)).webhooks[0].events, ['*']);
    assert.deepEqual(await subscriptions(app, id), [...WEBHOOK_EVENT_TYPES].sort(), '"*" subscribes every type');

    // Disabling fails the pending deliveries; the sender's own disable (failing too long) is cleared by enabling.
    const pending = await insertDelivery(app, org, id, { state: 'pending' });
    const delivered = await insertDelivery(app, org, id, { state: 'delivered' });
    assert.equal((await app.api('PUT', `${BASE}/${id}`, org.token, { webhooks: [{ enabled: false }] })).statusCode, 200);
    shown = json(await app.api('GET', `${BASE}/${id}`, org.token)).webhooks[0];
    assert.equal(shown.enabled, false);
    assert.equal(shown.disabled_reason, 'Disabled by an administrator');
    assert.match(shown.disabled_time, TIME);
    const log = json(await app.api('GET', `${BASE}/${id}/deliveries`, org.token)).deliveries;
    assert.equal(log.find((d: { event_id: string }) => d.event_id === pending).state, 'failed');
    assert.equal(log.find((d: { event_id: string }) => d.event_id === delivered).state, 'delivered');

    await app.app.db
      .updateTable('webhook_endpoints')
      .set({ disabled_reason: 'Failing since 2026-11-28: disabled after 120 hours', failing_since: Date.now() - 3_600_000 })
      .where('id', '=', id)
      .execute();
    assert.equal((await app.api('PUT', `${BASE}/${id}`, org.token, { webhooks: [{ enabled: true }] })).statusCode, 200);
    shown = json(await app.api('GET', `${BASE}/${id}`, org.token)).webhooks[0];
    assert.equal(shown.enabled, true);
    assert.equal(shown.disabled_reason, null);
    assert.equal(shown.disabled_time, null);
    assert.equal(shown.failing_since, null);
  });

  test('every bad input answers its exact error and changes nothing', async () => {
    const app = get();
    const org = await app.createOrg();
    const { id } = await createEndpoint(app, org, { description: 'kept' });
    const before = json(await app.api('GET', BASE, org.token));
    const item = (extra: Record<string, unknown>) => ({ webhooks: [{ url: 'https://hooks.example.com/x', events: ['recipient.sent'], ...extra }] });
    const invalid = (key: string, extra: Record<string, unknown> = {}) => ({ code: 'INVALID_DATA', key, ...extra });
    const cases: [string, unknown, { code: string; key: string; message?: string }][] = [
      ['no url', { webhooks: [{ events: ['recipient.sent'] }] }, { code: 'MANDATORY_NOT_FOUND', key: 'url' }],
      ['empty url', item({ url: ' ' }), { code: 'MANDATORY_NOT_FOUND', key: 'url' }],
      ['url not a string', item({ url: 42 }), invalid('url')],
      ['not a URL', item({ url: 'hooks.example.com/x' }), invalid('url')],
      ['http', item({ url: 'http://hooks.example.com/x' }), invalid('url')],
      ['ftp', item({ url: 'ftp://hooks.example.com/x' }), invalid('url')],
      ['credentials', item({ url: 'https://user:pw@hooks.example.com/x' }), invalid('url')],
      ['too long', item({ url: `https://hooks.example.com/${'a'.repeat(2030)}` }), invalid('url')],
      ['loopback', item({ url: 'https://127.0.0.1/x' }), invalid('url', { message: 'The webhook URL is not allowed: its host must be a public internet address' })],
      ['loopback, another form', item({ url: 'https://2130706433/x' }), invalid('url', { message: 'The webhook URL is not allowed: its host must be a public internet address' })],
      ['private', item({ url: 'https://10.1.2.3:8443/x' }), invalid('url', { message: 'The webhook URL is not allowed: its host must be a public internet address' })],
      ['IPv6 loopback', item({ url: 'https://[::1]/x' }), invalid('url', { message: 'The webhook URL is not allowed: its host must be a public internet address' })],
      ['metadata', item({ url: 'https://169.254.169.254/latest' }), invalid('url', { message: 'The webhook URL is not allowed: its host must be a public internet address' })],
      ['localhost', item({ url: 'https://localhost/x' }), invalid('url', { message: 'The webhook URL is not allowed: its host must be a public internet address' })],
      ['no events', item({ events: [] }), { code: 'MANDATORY_NOT_FOUND', key: 'events' }],
      ['events missing', { webhooks: [{ url: 'https://hooks.example.com/x' }] }, { code: 'MANDATORY_NOT_FOUND', key: 'events' }],
      ['events a string', item({ events: 'recipient.sent' }), invalid('events')],
      ['unknown event', item({ events: ['recipient.sent', 'mail.sent'] }), invalid('events')],
      ['star and more', item({ events: ['*', 'recipient.sent'] }), invalid('events')],
      ['description too long', item({ description: 'd'.repeat(256) }), invalid('description')],
      ['enabled not boolean', item({ enabled: 'yes' }), invalid('enabled')],
    ];
    for (const [name, body, expected] of cases) {
      for (const [method, url] of [
        ['POST', BASE],
        ['PUT', `${BASE}/${id}`],
      ] as const) {
        if (method === 'PUT' && expected.code === 'MANDATORY_NOT_FOUND' && name !== 'empty url' && name !== 'no events') continue; // an update may leave a key out
        const response = await app.api(method, url, org.token, body);
        assert.equal(response.statusCode, 400, `${method} ${name}: ${response.body}`);
        const error = json(response);
        assert.equal(error.code, expected.code, `${method} ${name}`);
        assert.equal(error.status, 'error');
        assert.equal(error.details.api_name, expected.key, `${method} ${name}`);
        assert.equal(error.details.json_path, `$.webhooks[0].${expected.key}`, `${method} ${name}`);
        if (expected.message) assert.equal(error.message, expected.message, `${method} ${name}`);
      }
    }
    for (const body of [{}, { webhooks: [] }, { webhooks: [{}, {}] }, { webhooks: {} }, 'not json']) {
      const response = await app.api('POST', BASE, org.token, body);
      assert.equal(response.statusCode, 400, JSON.stringify(body));
      assert.equal(json(response).code, 'INVALID_DATA');
    }
    const otherId = await app.api('PUT', `${BASE}/${id}`, org.token, { webhooks: [{ id: '1234567890123456789', enabled: false }] });
    assert.equal(json(otherId).details.api_name, 'id');
    assert.deepEqual(json(await app.api('GET', BASE, org.token)), before, 'nothing changed');
    assert.deepEqual(await subscriptions(app, id), ['recipient.sent']);
  });

  test('at most 10 endpoints per org: the 11th is LIMIT_EXCEEDED and not stored', async () => {
    const app = get();
    const org = await app.createOrg();
    for (let i = 0; i < 10; i += 1) await createEndpoint(app, org, { url: `https://hooks.example.com/${i}` });
    const refused = await app.api('POST', BASE, org.token, { webhooks: [{ url: 'https://hooks.example.com/11', events: ['*'] }] });
    assert.equal(refused.statusCode, 400);
    assert.deepEqual(json(refused), { code: 'LIMIT_EXCEEDED', details: { maximum: 10 }, message: 'the number of webhooks exceeds the maximum allowed', status: 'error' });
    assert.equal(json(await app.api('GET', BASE, org.token)).webhooks.length, 10);
    // Another org is not affected.
    const other = await app.createOrg();
    await createEndpoint(app, other);
  });

  test('non-administrators are refused everything; the wrong scope is refused first', async () => {
    const app = get();
    const org = await app.createOrg();
    const { id } = await createEndpoint(app, org);
    const event = await insertDelivery(app, org, id, { state: 'failed' });
    const rep = await createUser(app.app, { orgId: org.orgId, email: `rep-${Date.now()}@example.com`, name: 'Sales Rep' });
    const repToken = await app.tokenFor(org, ALL_SCOPES, rep.id);
    const calls: [string, string, unknown?][] = [
      ['GET', BASE],
      ['POST', BASE, { webhooks: [{ url: 'https://hooks.example.com/x', events: ['*'] }] }],
      ['GET', `${BASE}/${id}`],
      ['PUT', `${BASE}/${id}`, { webhooks: [{ enabled: false }] }],
      ['DELETE', `${BASE}/${id}`],
      ['POST', `${BASE}/${id}/actions/rotate_secret`],
      ['GET', `${BASE}/${id}/deliveries`],
      ['GET', `${BASE}/${id}/deliveries/${event}`],
      ['POST', `${BASE}/${id}/deliveries/${event}/actions/send_again`],
    ];
    for (const [method, url, body] of calls) {
      const response = await app.api(method as 'GET', url, repToken, body);
      assert.equal(response.statusCode, 403, `${method} ${url}`);
      assert.deepEqual(json(response), { code: 'NO_PERMISSION', details: { permissions: ['Crm_Implied_Manage_Settings'] }, message: 'permission denied', status: 'error' });
    }
    const narrow = await app.tokenFor(org, ['ZohoCRM.modules.ALL']);
    for (const [method, url, body] of calls) {
      const response = await app.api(method as 'GET', url, narrow, body);
      assert.equal(json(response).code, 'OAUTH_SCOPE_MISMATCH', `${method} ${url}`);
    }
    const row = await app.app.db.selectFrom('webhook_endpoints').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    assert.equal(row.enabled, 1);
    assert.equal((await app.app.db.selectFrom('webhook_messages').select('state').where('event_id', '=', event).executeTakeFirstOrThrow()).state, 'failed');
    assert.equal((await app.app.db.selectFrom('webhook_endpoints').select('id').where('org_id', '=', org.orgId).execute()).length, 1);
  });

  test("another org's endpoint answers like a missing one, and is left alone", async () => {
    const app = get();
    const owner = await app.createOrg();
    const intruder = await app.createOrg();
    const { id } = await createEndpoint(app, owner);
    const event = await insertDelivery(app, owner, id, { state: 'failed' });
    for (const target of [id, '1234567890123456789', 'abc']) {
      const calls: [string, string, unknown?][] = [
        ['GET', `${BASE}/${target}`],
        ['PUT', `${BASE}/${target}`, { webhooks: [{ enabled: false }] }],
        ['DELETE', `${BASE}/${target}`],
        ['POST', `${BASE}/${target}/actions/rotate_secret`],
        ['GET', `${BASE}/${target}/deliveries`],
        ['GET', `${BASE}/${target}/deliveries/${event}`],
        ['POST', `${BASE}/${target}/deliveries/${event}/actions/send_again`],
      ];
      for (const [method, url, body] of calls) {
        const response = await app.api(method as 'GET', url, intruder.token, body);
        assert.equal(response.statusCode, 404, `${method} ${url}: ${response.body}`);
        assert.deepEqual(json(response), NOT_FOUND(target), `${method} ${url}`);
      }
    }
    assert.deepEqual(json(await app.api('GET', BASE, intruder.token)), { webhooks: [] });
    const row = await app.app.db.selectFrom('webhook_endpoints').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    assert.equal(row.enabled, 1);
    assert.equal((await app.app.db.selectFrom('webhook_messages').select('state').where('event_id', '=', event).executeTakeFirstOrThrow()).state, 'failed');
  });

  test('the delivery log: newest first, by state, paged by index; one delivery with its body and attempts', async () => {
    const app = get();
    const org = await app.createOrg();
    const { id } = await createEndpoint(app, org, { events: ['*'] });
    const other = await createEndpoint(app, org, { url: 'https://hooks.example.com/other' });
    await insertDelivery(app, org, other.id, { state: 'failed' });
    assert.deepEqual(json(await app.api('GET', `${BASE}/${id}/deliveries`, org.token)), {
      deliveries: [],
      info: { per_page: 50, count: 0, more_records: false, next_index: null, prev_index: '0' },
    });
    const t0 = Date.now() - 3_600_000;
    const events: string[] = [];
    for (let i = 0; i < 55; i += 1) events.push(await insertDelivery(app, org, id, { state: i % 5 === 0 ? 'failed' : 'delivered', created_at: t0 + i * 1000 }));
    const failed = events[50]!;
    await app.app.db
      .insertInto('webhook_attempts')
      .values([
        { id: `${failed}-1`, endpoint_id: id, event_id: failed, attempt: 1, at: t0 + 51_000, status_code: 500, error: 'HTTP 500', duration_ms: 12 },
        { id: `${failed}-2`, endpoint_id: id, event_id: failed, attempt: 2, at: t0 + 52_000, status_code: null, error: 'connect ECONNREFUSED', duration_ms: 3 },
      ])
      .execute();

    const first = json(await app.api('GET', `${BASE}/${id}/deliveries`, org.token));
    assert.equal(first.deliveries.length, 50);
    assert.deepEqual(
      first.deliveries.map((d: { event_id: string }) => d.event_id),
      [...events].reverse().slice(0, 50),
      'newest first',
    );
    assert.deepEqual(first.info, { per_page: 50, count: 50, more_records: true, next_index: events[4], prev_index: '0' });
    const second = json(await app.api('GET', `${BASE}/${id}/deliveries?index=${first.info.next_index}`, org.token));
    assert.deepEqual(
      second.deliveries.map((d: { event_id: string }) => d.event_id),
      events.slice(0, 5).reverse(),
    );
    assert.equal(second.info.more_records, false);

    const onlyFailed = json(await app.api('GET', `${BASE}/${id}/deliveries?state=failed`, org.token));
    assert.deepEqual(
      onlyFailed.deliveries.map((d: { event_id: string }) => d.event_id),
      events.filter((_e, i) => i % 5 === 0).reverse(),
    );
    const shown = onlyFailed.deliveries[0];
    assert.equal(shown.event_id, failed);
    assert.equal(shown.event_type, 'recipient.sent');
    assert.equal(shown.state, 'failed');
    assert.equal(shown.attempts, 2);
    assert.equal(shown.last_status, null);
    assert.equal(shown.last_error, 'connect ECONNREFUSED');
    assert.equal(shown.possible_duplicate, false);
    assert.match(shown.occurred_time, TIME);

    for (const bad of ['state=sent', 'index=msg_nope']) {
      const response = await app.api('GET', `${BASE}/${id}/deliveries?${bad}`, org.token);
      assert.equal(response.statusCode, 400, bad);
      assert.equal(json(response).code, 'INVALID_DATA');
      assert.equal(json(response).details.param_name, bad.split('=')[0]);
    }

    const detail = await app.api('GET', `${BASE}/${id}/deliveries/${failed}`, org.token);
    assert.equal(detail.statusCode, 200, detail.body);
    const [delivery] = json(detail).deliveries;
    assert.deepEqual(delivery.payload, { type: 'recipient.sent', timestamp: new Date(t0 + 50_000).toISOString(), data: { n: failed } });
    assert.deepEqual(
      delivery.attempt_log.map((a: Record<string, unknown>) => [a.attempt, a.status_code, a.error, a.duration_ms]),
      [
        [1, 500, 'HTTP 500', 12],
        [2, null, 'connect ECONNREFUSED', 3],
      ],
    );
    const missing = await app.api('GET', `${BASE}/${id}/deliveries/msg_missing`, org.token);
    assert.equal(missing.statusCode, 404);
    assert.equal(json(missing).details.api_name, 'event_id');
    // Another endpoint's delivery is not this endpoint's.
    assert.equal((await app.api('GET', `${BASE}/${other.id}/deliveries/${failed}`, org.token)).statusCode, 404);
  });

  test('send again makes a failed delivery pending and due now; refused while the endpoint is disabled', async () => {
    const app = get();
    const org = await app.createOrg();
    const { id } = await createEndpoint(app, org);
    const event = await insertDelivery(app, org, id, { state: 'failed', attempts: 10, lease_owner: 'worker-x', lease_until: Date.now() + 60_000 });
    const startedAt = Date.now();
    const again = await app.api('POST', `${BASE}/${id}/deliveries/${event}/actions/send_again`, org.token);
    assert.equal(again.statusCode, 200, again.body);
    assert.deepEqual(json(again), {
      deliveries: [{ code: 'SUCCESS', details: { event_id: event, state: 'pending' }, message: 'webhook delivery scheduled again successfully', status: 'success' }],
    });
    const [shown] = json(await app.api('GET', `${BASE}/${id}/deliveries/${event}`, org.token)).deliveries;
    assert.equal(shown.state, 'pending');
    assert.match(shown.next_attempt_time, TIME);
    assert.equal(shown.attempts, 10, 'the attempts count on');
    const row = await app.app.db.selectFrom('webhook_messages').selectAll().where('event_id', '=', event).executeTakeFirstOrThrow();
    assert.ok(row.due_at! >= startedAt && row.due_at! <= Date.now(), 'due now');
    assert.equal(row.lease_owner, null);
    assert.equal(row.lease_until, null);

    await app.api('PUT', `${BASE}/${id}`, org.token, { webhooks: [{ enabled: false }] });
    const refused = await app.api('POST', `${BASE}/${id}/deliveries/${event}/actions/send_again`, org.token);
    assert.equal(refused.statusCode, 400);
    assert.deepEqual(json(refused), {
      code: 'NOT_ALLOWED',
      details: { id, disabled_reason: 'Disabled by an administrator' },
      message: 'The webhook is disabled. Enable it before sending again',
      status: 'error',
    });
    assert.equal((await app.app.db.selectFrom('webhook_messages').select('state').where('event_id', '=', event).executeTakeFirstOrThrow()).state, 'failed', 'disabling failed it; the refusal changed nothing');
  });

  test('delete removes the endpoint, its subscriptions and its log', async () => {
    const app = get();
    const org = await app.createOrg();
    const { id } = await createEndpoint(app, org);
    const kept = await createEndpoint(app, org, { url: 'https://hooks.example.com/kept' });
    const event = await insertDelivery(app, org, id, { state: 'pending' });
    const keptEvent = await insertDelivery(app, org, kept.id, { state: 'pending' });
    const response = await app.api('DELETE', `${BASE}/${id}`, org.token);
    assert.equal(response.statusCode, 200);
    assert.deepEqual(json(response), { webhooks: [{ code: 'SUCCESS', details: { id }, message: 'webhook deleted successfully', status: 'success' }] });
    assert.equal((await app.api('GET', `${BASE}/${id}`, org.token)).statusCode, 404);
    assert.equal((await app.api('DELETE', `${BASE}/${id}`, org.token)).statusCode, 404);
    assert.deepEqual(await subscriptions(app, id), []);
    assert.equal(await app.app.db.selectFrom('webhook_messages').select('event_id').where('event_id', '=', event).executeTakeFirst(), undefined);
    assert.deepEqual(
      json(await app.api('GET', BASE, org.token)).webhooks.map((w: { id: string }) => w.id),
      [kept.id],
    );
    assert.ok(await app.app.db.selectFrom('webhook_messages').select('event_id').where('event_id', '=', keptEvent).executeTakeFirst());
  });

  test('every change is in the audit trail (a refused one is not), never with the secret', async () => {
    const app = get();
    const org = await app.createOrg();
    const { id, secret } = await createEndpoint(app, org);
    await app.api('PUT', `${BASE}/${id}`, org.token, { webhooks: [{ enabled: false, events: ['recipient.bounced'] }] });
    const rotated = json(await app.api('POST', `${BASE}/${id}/actions/rotate_secret`, org.token)).webhooks[0].details.secret as string;
    await app.api('DELETE', `${BASE}/${id}`, org.token);
    // A refused change leaves no entry.
    await app.api('POST', BASE, org.token, { webhooks: [{ url: 'https://10.0.0.1/x', events: ['*'] }] });
    const response = await app.api('GET', '/crm/v8/settings/audit_log', org.token);
    assert.equal(response.statusCode, 200, response.body);
    assert.ok(!response.body.includes(secret.slice(6)) && !response.body.includes(rotated.slice(6)));
    const entries = json(response).audit_log.filter((e: { action: string }) => e.action.startsWith('webhook.'));
    assert.deepEqual(
      entries.map((e: { action: string }) => e.action).reverse(),
      ['webhook.created', 'webhook.changed', 'webhook.secret_rotated', 'webhook.deleted'],
    );
    const changed = entries.find((e: { action: string }) => e.action === 'webhook.changed');
    assert.equal(JSON.stringify(changed).includes('Disabled by an administrator'), true, JSON.stringify(changed));
    assert.equal(JSON.stringify(changed).includes('recipient.bounced'), true);
  });
});

// http and private hosts are accepted when private hosts are allowed (a receiver on the same network, tests).
for (const kind of DATABASE_KINDS) {
  describe(`Webhook endpoints with private hosts allowed [${kind}]`, () => {
    let app: TestApp;
    before(async () => {
      app = await startTestApp(kind, { env: { SMTP_ALLOW_PRIVATE_HOSTS: 'true' } });
    });
    after(async () => {
      await app.close();
    });
    test('http://127.0.0.1 is accepted; other schemes are still refused', async () => {
      const org = await app.createOrg();
      const { id } = await createEndpoint(app, org, { url: 'http://127.0.0.1:9999/hook' });
      assert.equal(json(await app.api('GET', `${BASE}/${id}`, org.token)).webhooks[0].url, 'http://127.0.0.1:9999/hook');
      const ftp = await app.api('POST', BASE, org.token, { webhooks: [{ url: 'ftp://127.0.0.1/x', events: ['*'] }] });
      assert.equal(json(ftp).code, 'INVALID_DATA');
    });
  });
}
