import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { createApp } from '../../src/app.js';
import { FakeClock } from '../../src/clock.js';
import { isAppError } from '../../src/errors.js';
import { buildServer } from '../../src/http/server.js';
import { createApiRateLimiter } from '../../src/limits/api-rate-limiter.js';
import { updateOrg } from '../../src/orgs/update-org.js';
import { ALL_SCOPES, DATABASE_KINDS, json, startTestApp, type TestApp, type TestOrg } from '../helpers/test-app.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 0, 15, 9, 0, 0); // an hour boundary: the window's reset is exactly 24 h later

/** The credit headers of an answer (inject lower-cases names). */
const creditHeaders = (headers: Record<string, unknown>) => ({
  limit: headers['x-ratelimit-limit'],
  remaining: headers['x-ratelimit-remaining'],
  reset: headers['x-ratelimit-reset'],
  dayLimit: headers['x-ratelimit-day-limit'],
  dayRemaining: headers['x-ratelimit-day-remaining'],
});

/** Credits in the database, once this process has written what it counted in memory (api-credit-counter.ts). */
const creditsUsed = async (app: TestApp, orgId: string): Promise<number> => {
  await app.app.apiCredits.flush();
  const rows = await app.app.db.selectFrom('api_credit_usage').select('used').where('org_id', '=', orgId).execute();
  return rows.reduce((sum, r) => sum + Number(r.used), 0);
};

for (const kind of DATABASE_KINDS) {
  describe(`API rate limits (docs/zoho-contract.md §15) [${kind}]`, () => {
    const clock = new FakeClock(T0);
    let app: TestApp;
    before(async () => {
      app = await startTestApp(kind, { clock });
    });
    after(async () => {
      await app?.close();
    });

    /** A fresh org whose overrides are set before its first request (the limiter caches limits per org). */
    async function orgWith(overrides: { apiCreditLimit?: number; apiConcurrencyLimit?: number } = {}, edition?: 'free'): Promise<TestOrg> {
      const org = await app.createOrg(edition ? { edition } : {});
      if (Object.keys(overrides).length > 0) await updateOrg(app.app, { orgId: org.orgId, ...overrides });
      return org;
    }

    test('every authenticated /crm answer carries the credit headers; each request costs one credit', async () => {
      clock.set(T0);
      const org = await orgWith();
      const first = await app.api('GET', '/crm/v8/org', org.token);
      assert.equal(first.statusCode, 200);
      // Enterprise with one active user: 50,000 + 1,000.
      assert.deepEqual(creditHeaders(first.headers), {
        limit: '51000',
        remaining: '50999',
        reset: String(T0 + 24 * HOUR),
        dayLimit: '51000',
        dayRemaining: '50999',
      });
      // Error answers count too (Zoho charges the call), and carry the headers.
      const error = await app.api('GET', '/crm/v8/NoSuchModule', org.token);
      assert.equal(error.statusCode, 400);
      assert.equal(error.headers['x-ratelimit-remaining'], '50998');
      const later = await app.api('GET', '/crm/v8/users?type=CurrentUser', org.token);
      assert.equal(later.headers['x-ratelimit-remaining'], '50997');
      assert.equal(await creditsUsed(app, org.orgId), 3);
    });

    test('unauthenticated requests are refused before counting and carry no credit headers', async () => {
      const org = await orgWith();
      const response = await app.api('GET', '/crm/v8/org', null);
      assert.equal(response.statusCode, 401);
      assert.equal(response.headers['x-ratelimit-limit'], undefined);
      assert.equal(await creditsUsed(app, org.orgId), 0);
    });

    test('credits exhausted → 429 TOO_MANY_REQUESTS with Retry-After and the X-RATELIMIT-* headers; refusals cost nothing', async () => {
      clock.set(T0);
      const org = await orgWith({ apiCreditLimit: 3 });
      for (const remaining of ['2', '1', '0']) {
        const ok = await app.api('GET', '/crm/v8/org', org.token);
        assert.equal(ok.statusCode, 200);
        assert.equal(ok.headers['x-ratelimit-remaining'], remaining);
      }
      for (let i = 0; i < 3; i += 1) {
        const refused = await app.api('GET', '/crm/v8/org', org.token);
        assert.equal(refused.statusCode, 429);
        assert.deepEqual(json(refused), {
          code: 'TOO_MANY_REQUESTS',
          details: { type: 'api_credits', allowed_limit: 3, resets_at: '2026-01-16T09:00:00+00:00' },
          message: 'The number of API requests for the 24 hour period is exceeded.',
          status: 'error',
        });
        assert.equal(refused.headers['retry-after'], String(24 * 3600));
        assert.deepEqual(creditHeaders(refused.headers), { limit: '3', remaining: '0', reset: String(T0 + 24 * HOUR), dayLimit: '3', dayRemaining: '0' });
      }
      // Any request is refused, send_mail included, and the refused ones were not counted.
      const send = await app.api('POST', '/crm/v8/Leads/1/actions/send_mail', org.token, { data: [] });
      assert.equal(send.statusCode, 429);
      assert.equal(await creditsUsed(app, org.orgId), 3);
      // Another org is not affected.
      const other = await orgWith({ apiCreditLimit: 3 });
      assert.equal((await app.api('GET', '/crm/v8/org', other.token)).statusCode, 200);
    });

    test('the window is rolling: credits come back 24 hours after the hour they were used in', async () => {
      clock.set(T0 + 10 * 60_000); // 09:10
      const org = await orgWith({ apiCreditLimit: 2 });
      // Access tokens live one hour: a fresh one for each moment.
      const get = async () => app.api('GET', '/crm/v8/org', await app.tokenFor(org, ALL_SCOPES));
      assert.equal((await get()).statusCode, 200);
      clock.set(T0 + 5 * HOUR); // 14:00
      assert.equal((await get()).statusCode, 200);
      clock.set(T0 + 6 * HOUR + 30 * 60_000); // 15:30: full; the 09:xx credit is back at 09:00 tomorrow
      const refused = await get();
      assert.equal(refused.statusCode, 429);
      assert.equal(refused.headers['retry-after'], String(17.5 * 3600));
      assert.equal(refused.headers['x-ratelimit-reset'], String(T0 + 24 * HOUR));
      clock.set(T0 + 24 * HOUR); // 09:00 tomorrow: one credit back, the 14:00 one still counted
      const back = await get();
      assert.equal(back.statusCode, 200);
      assert.equal(back.headers['x-ratelimit-remaining'], '0');
      assert.equal(back.headers['x-ratelimit-reset'], String(T0 + 29 * HOUR));
      assert.equal((await get()).statusCode, 429);
      clock.set(T0 + 29 * HOUR);
      assert.equal((await get()).headers['x-ratelimit-remaining'], '0');
      clock.set(T0);
    });

    test('credits are counted in the database: two API processes share one window', async () => {
      clock.set(T0);
      const org = await orgWith({ apiCreditLimit: 4 });
      // A second process on the same database: its own app, server and limiter.
      const second = await createApp(app.config, { log: pino({ level: 'silent' }), clock });
      const secondServer = await buildServer(second);
      try {
        const call = (server: typeof secondServer) =>
          server.inject({ method: 'GET', url: '/crm/v8/org', headers: { authorization: `Zoho-oauthtoken ${org.token}` } });
        assert.equal((await call(app.server)).statusCode, 200);
        assert.equal((await call(secondServer)).statusCode, 200);
        assert.equal((await call(app.server)).statusCode, 200);
        const fourth = await call(secondServer);
        assert.equal(fourth.statusCode, 200);
        assert.equal(fourth.headers['x-ratelimit-remaining'], '0');
        assert.equal((await call(app.server)).statusCode, 429);
        assert.equal((await call(secondServer)).statusCode, 429);
      } finally {
        await secondServer.close();
        await second.close();
      }
    });

    test('parallel requests never take more credits than the limit', async () => {
      clock.set(T0);
      const org = await orgWith({ apiCreditLimit: 7, apiConcurrencyLimit: 1000 });
      const answers = await Promise.all(Array.from({ length: 30 }, () => app.api('GET', '/crm/v8/org', org.token)));
      assert.equal(answers.filter((a) => a.statusCode === 200).length, 7);
      assert.equal(answers.filter((a) => a.statusCode === 429).length, 23);
      assert.equal(await creditsUsed(app, org.orgId), 7);
    });

    test('the headers go out in upper case, as the legacy Python SDK compares them', async () => {
      const org = await orgWith();
      const server = await buildServer(app.app);
      await server.listen({ port: 0, host: '127.0.0.1' });
      try {
        const { port } = server.server.address() as { port: number };
        const rawHeaders = await new Promise<string[]>((resolve, reject) => {
          http
            .get({ host: '127.0.0.1', port, path: '/crm/v8/org', headers: { authorization: `Zoho-oauthtoken ${org.token}` } }, (res) => {
              res.resume();
              res.on('end', () => resolve(res.rawHeaders));
            })
            .on('error', reject);
        });
        const names = rawHeaders.filter((_, i) => i % 2 === 0);
        for (const name of ['X-RATELIMIT-LIMIT', 'X-RATELIMIT-REMAINING', 'X-RATELIMIT-RESET', 'X-RATELIMIT-DAY-LIMIT', 'X-RATELIMIT-DAY-REMAINING']) {
          assert.ok(names.includes(name), `${name} in ${names.join(', ')}`);
        }
      } finally {
        await server.close();
      }
    });

    test('concurrency: the limiter admits the edition’s number of simultaneous requests, then refuses until one ends', async () => {
      clock.set(T0);
      const org = await orgWith({}, 'free');
      const limiter = createApiRateLimiter(app.app);
      const principal = { orgId: org.orgId, userId: org.adminId, scopes: [], timeZone: 'UTC' };
      const admitted = [];
      for (let i = 0; i < 5; i += 1) {
        const admission = await limiter.admit(principal);
        assert.ok(admission.ok, `request ${i + 1} of 5 (free edition)`);
        admitted.push(admission);
      }
      assert.equal(limiter.inFlight(org.orgId), 5);
      const creditsBefore = await creditsUsed(app, org.orgId);
      const refused = await limiter.admit(principal);
      assert.equal(refused.ok, false);
      if (refused.ok) return;
      assert.ok(isAppError(refused.error));
      assert.equal(refused.error.code, 'API_CONCURRENCY_EXCEEDED');
      assert.equal(refused.error.spec.status, 429);
      assert.equal(refused.error.spec.zohoCode, 'TOO_MANY_REQUESTS');
      assert.deepEqual(refused.error.details, { type: 'concurrency', allowed_limit: 5 });
      assert.equal(refused.headers['Retry-After'], '1');
      assert.equal(refused.headers['X-RATELIMIT-LIMIT'], '5000');
      assert.equal(refused.headers['X-RATELIMIT-REMAINING'], String(5000 - creditsBefore));
      assert.equal(await creditsUsed(app, org.orgId), creditsBefore, 'a refusal for concurrency costs no credit');
      // One ends (twice: release is idempotent) → one more is admitted, and no more.
      const first = admitted[0]!;
      if (first.ok) {
        first.release();
        first.release();
      }
      assert.equal(limiter.inFlight(org.orgId), 4);
      const next = await limiter.admit(principal);
      assert.ok(next.ok);
      assert.equal((await limiter.admit(principal)).ok, false);
      for (const a of [...admitted.slice(1), next]) if (a.ok) a.release();
      assert.equal(limiter.inFlight(org.orgId), 0);
    });

    test('concurrency is counted per org, and an override replaces the edition’s number', async () => {
      const limiter = createApiRateLimiter(app.app);
      const a = await orgWith({ apiConcurrencyLimit: 2 });
      const b = await orgWith({ apiConcurrencyLimit: 2 });
      const principal = (org: TestOrg) => ({ orgId: org.orgId, userId: org.adminId, scopes: [], timeZone: 'UTC' });
      assert.ok((await limiter.admit(principal(a))).ok);
      assert.ok((await limiter.admit(principal(a))).ok);
      assert.equal((await limiter.admit(principal(a))).ok, false);
      assert.ok((await limiter.admit(principal(b))).ok);
    });

    test('a slot is given back when each answer is written, error answers included', async () => {
      const org = await orgWith({ apiConcurrencyLimit: 1 });
      for (const url of ['/crm/v8/org', '/crm/v8/NoSuchModule', '/crm/v8/org', '/crm/v8/settings/email_limits', '/crm/v8/org']) {
        const response = await app.api('GET', url, org.token);
        assert.notEqual(response.statusCode, 429, url);
      }
    });
  });

  describe(`API_RATE_LIMITS=false [${kind}]`, () => {
    let app: TestApp;
    before(async () => {
      app = await startTestApp(kind, { env: { API_RATE_LIMITS: 'false' } });
    });
    after(async () => {
      await app?.close();
    });

    test('nothing is counted and no credit headers are sent', async () => {
      const org = await app.createOrg();
      await updateOrg(app.app, { orgId: org.orgId, apiCreditLimit: 1, apiConcurrencyLimit: 1 });
      const answers = await Promise.all(Array.from({ length: 5 }, () => app.api('GET', '/crm/v8/org', org.token)));
      for (const answer of answers) {
        assert.equal(answer.statusCode, 200);
        assert.equal(answer.headers['x-ratelimit-limit'], undefined);
      }
      assert.equal(await creditsUsed(app, org.orgId), 0);
    });
  });
}
