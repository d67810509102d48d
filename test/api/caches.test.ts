import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { createApp, type App } from '../../src/app.js';
import { TtlCache } from '../../src/cache/ttl-cache.js';
import { FakeClock } from '../../src/clock.js';
import { buildServer } from '../../src/http/server.js';
import { updateOrg } from '../../src/orgs/update-org.js';
import { createCustomModule } from '../../src/records/create-custom-module.js';
import { addOrgFromAddress } from '../../src/mail/add-org-from-address.js';
import { DATABASE_KINDS, json, startTestApp, type TestApp, type TestOrg } from '../helpers/test-app.js';

/**
 * Per-process caches (src/cache, issue 16): a change is seen at once by the process that made it,
 * and by another process on the same database within CACHE_TTL_SECONDS — and not before.
 */
const T0 = Date.UTC(2026, 0, 15, 9, 0, 0);
const TTL_MS = 5_000; // CACHE_TTL_SECONDS' default

type Second = { app: App; server: FastifyInstance; close(): Promise<void> };

/** Another API process on the same database (PostgreSQL schema or SQLite file), on the same clock. */
async function secondProcess(first: TestApp, clock: FakeClock): Promise<Second> {
  const app = await createApp(first.config, { log: pino({ level: 'silent' }), clock });
  const server = await buildServer(app);
  return {
    app,
    server,
    async close() {
      await server.close();
      await app.close();
    },
  };
}

const call = (server: FastifyInstance, token: string, method: 'GET' | 'POST' | 'PUT' = 'GET', url = '/crm/v8/org', body?: unknown) =>
  server.inject({
    method,
    url,
    headers: { authorization: `Zoho-oauthtoken ${token}` },
    ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
  });

for (const kind of DATABASE_KINDS) {
  describe(`per-process caches [${kind}]`, () => {
    const clock = new FakeClock(T0);
    let first: TestApp;
    let second: Second;
    before(async () => {
      first = await startTestApp(kind, { clock });
      second = await secondProcess(first, clock);
    });
    after(async () => {
      await second?.close();
      await first?.close();
    });

    test('a token revoked through the API stops at once in the same process, and in another within the TTL, not before', async () => {
      clock.set(T0);
      const org = await first.createOrg();
      assert.equal((await call(first.server, org.token)).statusCode, 200);
      assert.equal((await call(second.server, org.token)).statusCode, 200); // now cached there too
      const revoke = await first.inject({ method: 'POST', url: `/oauth/v2/token/revoke?token=${org.token}` });
      assert.deepEqual(json(revoke), { status: 'success' });
      const here = await call(first.server, org.token);
      assert.equal(here.statusCode, 401);
      assert.equal(json(here).code, 'INVALID_TOKEN');
      clock.advance(TTL_MS - 1);
      assert.equal((await call(second.server, org.token)).statusCode, 200, 'still cached in the other process');
      clock.advance(1);
      const there = await call(second.server, org.token);
      assert.equal(there.statusCode, 401, 'the other process refuses it once its cache entry is TTL old');
      assert.equal(json(there).code, 'INVALID_TOKEN');
    });

    test('revoking a refresh token stops its access tokens at once in the same process', async () => {
      clock.set(T0);
      const org = await first.createOrg();
      assert.equal((await call(first.server, org.token)).statusCode, 200);
      await first.inject({ method: 'POST', url: `/oauth/v2/token/revoke?token=${org.refreshToken}` });
      assert.equal((await call(first.server, org.token)).statusCode, 401);
    });

    test('a cached access token is refused the moment it expires', async () => {
      clock.set(T0);
      const org = await first.createOrg();
      const expiry = T0 + first.config.accessTokenTtlSeconds * 1000;
      clock.set(expiry - 1_000);
      assert.equal((await call(first.server, org.token)).statusCode, 200); // cached for 5 s from here
      clock.set(expiry);
      assert.equal((await call(first.server, org.token)).statusCode, 401);
      clock.set(T0);
    });

    test('a custom module and an edition change are seen at once by this process, by another within the TTL', async () => {
      clock.set(T0);
      const org: TestOrg = await first.createOrg();
      const from = json(await call(first.server, org.token, 'GET', '/crm/v8/users?type=CurrentUser')).users[0].email;
      // The org's (empty) list of custom modules is cached by this miss…
      assert.equal((await call(first.server, org.token, 'GET', '/crm/v8/Projects')).statusCode, 400);
      await createCustomModule(first.app, { orgId: org.orgId, apiName: 'Projects' });
      // …and dropped by the creation.
      const created = await call(first.server, org.token, 'POST', '/crm/v8/Projects', { data: [{ Name: 'Apollo', Email: 'apollo@example.com' }] });
      assert.equal(created.statusCode, 201, created.body);
      const id = json(created).data[0].details.id;
      const send = (server: FastifyInstance) =>
        call(server, org.token, 'POST', `/crm/v8/Projects/${id}/actions/send_mail`, {
          data: [{ from: { email: from }, to: [{ email: 'apollo@example.com' }], subject: 'Hi', content: '<p>Hi</p>' }],
        });
      assert.equal((await send(first.server)).statusCode, 200);
      assert.equal((await send(second.server)).statusCode, 200); // the org row is cached there now
      await updateOrg(first.app, { orgId: org.orgId, edition: 'free' });
      assert.equal((await send(first.server)).statusCode, 400, 'free has no custom modules: seen at once here');
      clock.advance(TTL_MS - 1);
      assert.equal((await send(second.server)).statusCode, 200, 'the other process still has the enterprise row');
      clock.advance(1);
      const refused = await send(second.server);
      assert.equal(refused.statusCode, 400, refused.body);
      assert.equal(json(refused).code, 'NOT_ALLOWED');
    });

    test('an org From address added is usable at once in the same process', async () => {
      clock.set(T0);
      const org = await first.createOrg();
      const lead = json(await call(first.server, org.token, 'POST', '/crm/v8/Leads', { data: [{ Last_Name: 'Smith', Email: 'smith@example.com' }] })).data[0].details.id;
      const send = () =>
        call(first.server, org.token, 'POST', `/crm/v8/Leads/${lead}/actions/send_mail`, {
          data: [{ from: { email: 'desk@acme.example' }, to: [{ email: 'smith@example.com' }], org_email: true, subject: 'Hi', content: '<p>Hi</p>' }],
        });
      const before = await send(); // caches the org's (empty) list
      assert.equal(json(before).data[0].code, 'INVALID_DATA', before.body);
      await addOrgFromAddress(first.app, { orgId: org.orgId, email: 'desk@acme.example', name: 'Desk' });
      const after = await send();
      assert.equal(after.statusCode, 200, after.body);
      assert.equal(json(after).data[0].code, 'SUCCESS');
    });

    test('a webhook endpoint gets acceptance events at once from its own process, from another within the TTL', async () => {
      clock.set(T0);
      const org = await first.createOrg();
      const lead = json(await call(first.server, org.token, 'POST', '/crm/v8/Leads', { data: [{ Last_Name: 'Hook', Email: 'hook@example.com' }] })).data[0].details.id;
      const from = json(await call(first.server, org.token, 'GET', '/crm/v8/users?type=CurrentUser')).users[0].email as string;
      const send = async (server: FastifyInstance): Promise<string> => {
        const response = await call(server, org.token, 'POST', `/crm/v8/Leads/${lead}/actions/send_mail`, {
          data: [{ from: { email: from }, to: [{ email: 'hook@example.com' }], subject: 'Hi', content: '<p>Hi</p>' }],
        });
        assert.equal(response.statusCode, 200, response.body);
        return json(response).data[0].details.message_id as string;
      };
      const eventsOf = async (messageId: string) =>
        (await first.app.db.selectFrom('webhook_messages').select(['event_type', 'payload']).where('org_id', '=', org.orgId).execute()).filter((m) => m.payload.includes(messageId));
      await send(second.server); // the other process now knows the org has no endpoint
      const created = await call(first.server, org.token, 'POST', '/crm/v8/settings/webhooks', {
        webhooks: [{ url: 'https://hooks.example.com/mailroom', events: ['mail.accepted'] }],
      });
      assert.equal(created.statusCode, 201, created.body);
      const here = await send(first.server);
      assert.deepEqual((await eventsOf(here)).map((m) => m.event_type), ['mail.accepted'], 'the process that added the endpoint emits at once');
      clock.advance(TTL_MS - 1);
      const stale = await send(second.server);
      assert.deepEqual(await eventsOf(stale), [], 'within the TTL the other process may still skip the outbox');
      clock.advance(1);
      const later = await send(second.server);
      assert.deepEqual((await eventsOf(later)).map((m) => m.event_type), ['mail.accepted'], 'after the TTL the other process emits too');
    });

    test('a permission taken away refuses send_mail at once in the same process', async () => {
      clock.set(T0);
      const org = await first.createOrg();
      const from = json(await call(first.server, org.token, 'GET', '/crm/v8/users?type=CurrentUser')).users[0].email;
      const lead = json(await call(first.server, org.token, 'POST', '/crm/v8/Leads', { data: [{ Last_Name: 'Smith', Email: 'smith@example.com' }] })).data[0].details.id;
      const send = () =>
        call(first.server, org.token, 'POST', `/crm/v8/Leads/${lead}/actions/send_mail`, {
          data: [{ from: { email: from }, to: [{ email: 'smith@example.com' }], subject: 'Hi', content: '<p>Hi</p>' }],
        });
      assert.equal((await send()).statusCode, 200);
      const taken = await call(first.server, org.token, 'PUT', '/crm/v8/settings/profile_permissions', {
        profile_permissions: [{ profile: 'admin', permission: 'send_email', enabled: false }],
      });
      assert.equal(taken.statusCode, 200, taken.body);
      const refused = await send();
      assert.equal(refused.statusCode, 403, refused.body);
      assert.equal(json(refused).code, 'NO_PERMISSION');
    });
  });

  describe(`CACHE_TTL_SECONDS=0 [${kind}]`, () => {
    test('nothing is cached: another process refuses a revoked token at once', async () => {
      const clock = new FakeClock(T0);
      const first = await startTestApp(kind, { clock, env: { CACHE_TTL_SECONDS: '0' } });
      const second = await secondProcess(first, clock);
      try {
        const org = await first.createOrg();
        assert.equal((await call(second.server, org.token)).statusCode, 200);
        await first.inject({ method: 'POST', url: `/oauth/v2/token/revoke?token=${org.token}` });
        assert.equal((await call(second.server, org.token)).statusCode, 401);
        assert.equal(second.app.cache.tokens.size, 0);
      } finally {
        await second.close();
        await first.close();
      }
    });
  });
}

describe('TtlCache', () => {
  test('is bounded: beyond maxEntries the least recently used entry goes', () => {
    const clock = new FakeClock(T0);
    const cache = new TtlCache<string, number>(clock, 1_000, 2);
    cache.set('a', 1);
    cache.set('b', 2);
    assert.equal(cache.get('a'), 1); // a is now the most recently used
    cache.set('c', 3);
    assert.equal(cache.size, 2);
    assert.equal(cache.get('b'), undefined);
    assert.equal(cache.get('a'), 1);
    assert.equal(cache.get('c'), 3);
    clock.advance(1_000);
    assert.equal(cache.get('a'), undefined, 'expired after ttlMs');
  });

  test('a load that began before an invalidation does not put its row back', async () => {
    const cache = new TtlCache<string, string>(new FakeClock(T0), 1_000, 10);
    let finish: (value: string) => void = () => undefined;
    const loading = cache.load('k', () => new Promise<string>((resolve) => (finish = resolve)));
    cache.invalidate('k');
    finish('stale');
    assert.equal(await loading, 'stale');
    assert.equal(cache.get('k'), undefined);
  });
});
