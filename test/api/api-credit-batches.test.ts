import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { createApp } from '../../src/app.js';
import { FakeClock } from '../../src/clock.js';
import { buildServer } from '../../src/http/server.js';
import { updateOrg } from '../../src/orgs/update-org.js';
import { DATABASE_KINDS, startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * API credits counted in memory and written in batches (src/limits/api-credit-counter.ts, issue 16):
 * no write per request far from the limit, the counts written at close, and across processes an
 * org gets beyond its limit at most what another process counted but had not written.
 */
const T0 = Date.UTC(2026, 0, 15, 9, 0, 0);

/** Credits in the database, as written (no flush of any process first). */
const written = async (app: TestApp, orgId: string): Promise<number> => {
  const rows = await app.app.db.selectFrom('api_credit_usage').select('used').where('org_id', '=', orgId).execute();
  return rows.reduce((sum, r) => sum + Number(r.used), 0);
};

for (const kind of DATABASE_KINDS) {
  describe(`API credits written in batches [${kind}]`, () => {
    const clock = new FakeClock(T0);
    let first: TestApp;
    before(async () => {
      first = await startTestApp(kind, { clock });
    });
    after(async () => {
      await first?.close();
    });

    /** A second API process on the same database whose timer never fires during the test. */
    async function lazyProcess() {
      const app = await createApp(first.config, { log: pino({ level: 'silent' }), clock, apiCreditFlushMs: 3_600_000 });
      const server = await buildServer(app);
      const get = (token: string) => server.inject({ method: 'GET', url: '/crm/v8/org', headers: { authorization: `Zoho-oauthtoken ${token}` } });
      return { app, get, close: async () => { await server.close(); await app.close(); } };
    }

    test('far from the limit a request writes nothing; the counts are written at close; headers count every request', async () => {
      const org = await first.createOrg();
      const lazy = await lazyProcess();
      try {
        for (let i = 1; i <= 5; i += 1) {
          const answer = await lazy.get(org.token);
          assert.equal(answer.statusCode, 200);
          assert.equal(answer.headers['x-ratelimit-remaining'], String(51_000 - i));
        }
        assert.equal(await written(first, org.orgId), 0, 'nothing written per request');
      } finally {
        await lazy.close();
      }
      assert.equal(await written(first, org.orgId), 5, 'written when the process closed');
    });

    test('a credit limit changed through this process applies to its next request', async () => {
      clock.set(T0);
      const org = await first.createOrg();
      assert.equal((await first.api('GET', '/crm/v8/org', org.token)).headers['x-ratelimit-limit'], '51000');
      await updateOrg(first.app, { orgId: org.orgId, apiCreditLimit: 2 });
      const next = await first.api('GET', '/crm/v8/org', org.token);
      assert.equal(next.headers['x-ratelimit-limit'], '2');
      assert.equal(next.headers['x-ratelimit-remaining'], '0');
      assert.equal((await first.api('GET', '/crm/v8/org', org.token)).statusCode, 429);
    });

    test('two processes: beyond the limit, at most what the other counted but had not written', async () => {
      clock.set(T0);
      const org = await first.createOrg();
      await updateOrg(first.app, { orgId: org.orgId, apiCreditLimit: 200 });
      const lazy = await lazyProcess();
      try {
        for (let i = 0; i < 30; i += 1) assert.equal((await lazy.get(org.token)).statusCode, 200);
        // The first process does not see those 30: it admits the whole limit (exactly, by its
        // own counts: within 100 of the limit each credit is one conditional statement).
        let admitted = 0;
        for (;;) {
          const answer = await first.api('GET', '/crm/v8/org', org.token);
          if (answer.statusCode === 429) break;
          assert.equal(answer.statusCode, 200);
          admitted += 1;
          assert.ok(admitted <= 200, 'never more than the limit in one process');
        }
        assert.equal(admitted, 200);
      } finally {
        await lazy.close();
      }
      // The bound: 200 + the 30 the other process had not written, and now every process refuses.
      assert.equal(await written(first, org.orgId), 230);
      assert.equal((await first.api('GET', '/crm/v8/org', org.token)).statusCode, 429);
    });
  });
}
