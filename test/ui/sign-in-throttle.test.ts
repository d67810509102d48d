import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createSignInThrottle, SIGN_IN_LIMITS } from '../../src/auth/sign-in-throttle.js';
import { FakeClock } from '../../src/clock.js';
import { createUser } from '../../src/users/create-user.js';
import { DATABASE_KINDS, json, startTestApp, type TestApp } from '../helpers/test-app.js';
import { postLogin } from '../helpers/ui-session.js';

/**
 * The sign-in throttle (web UI form and mailbox Basic): failures are counted per account and
 * address, per address and per account, in the database, so one person's typos or an attacker
 * lock out nobody else, behind a proxy clients are told apart by X-Forwarded-For (TRUST_PROXY),
 * and every API process sees the same counts.
 */
const PASSWORD = 'correct horse battery staple';
const MINUTE = 60_000;

const basic = (email: string, password: string) => `Basic ${Buffer.from(`${email}:${password}`).toString('base64')}`;

for (const kind of DATABASE_KINDS) {
  describe(`sign-in throttle [${kind}]`, () => {
    const clock = new FakeClock(Date.UTC(2026, 3, 1, 8, 0, 0));
    let testApp: TestApp;
    let orgId: string;
    const newUser = async (name: string): Promise<string> => {
      const email = `${name}-${randomBytes(4).toString('hex')}@example.com`;
      await createUser(testApp.app, { orgId, email, name: `${name} User`, password: PASSWORD });
      return email;
    };
    const wrongTimes = async (app: TestApp, email: string, times: number, options: Parameters<typeof postLogin>[3]) => {
      for (let i = 0; i < times; i += 1) assert.equal((await postLogin(app, email, `wrong ${i}`, options)).statusCode, 401);
    };

    before(async () => {
      testApp = await startTestApp(kind, { clock });
      orgId = (await testApp.createOrg()).orgId;
    });
    after(async () => {
      await testApp.close();
    });

    test("one user's wrong passwords from an address lock out neither other users there nor that user elsewhere; the 429 carries Retry-After", async () => {
      const [userA, userB] = [await newUser('ann'), await newUser('ben')];
      const x = '203.0.113.10';
      await wrongTimes(testApp, userA, SIGN_IN_LIMITS.pair.max, { remoteAddress: x });
      clock.advance(4 * MINUTE);
      const blocked = await postLogin(testApp, userA, PASSWORD, { remoteAddress: x });
      assert.equal(blocked.statusCode, 429);
      assert.equal(blocked.headers['retry-after'], String((SIGN_IN_LIMITS.pair.windowMs - 4 * MINUTE) / 1000), 'the rest of the window');
      assert.match(blocked.body, /Too many failed sign-ins/);

      assert.equal((await postLogin(testApp, userB, PASSWORD, { remoteAddress: x })).statusCode, 303, 'B signs in from the same address');
      const mailbox = await testApp.inject({ method: 'GET', url: '/mailbox/api/messages', remoteAddress: x, headers: { authorization: basic(userB, PASSWORD) } });
      assert.equal(mailbox.statusCode, 200, 'and opens the mailbox with Basic');
      assert.equal((await postLogin(testApp, userA, PASSWORD, { remoteAddress: '198.51.100.20' })).statusCode, 303, 'A signs in from elsewhere');

      const basicBlocked = await testApp.inject({ method: 'GET', url: '/mailbox/api/messages', remoteAddress: x, headers: { authorization: basic(userA, PASSWORD) } });
      assert.equal(basicBlocked.statusCode, 429);
      assert.equal(json(basicBlocked).code, 'TOO_MANY_REQUESTS');
      assert.ok(Number(basicBlocked.headers['retry-after']) > 0);

      clock.advance(SIGN_IN_LIMITS.pair.windowMs);
      assert.equal((await postLogin(testApp, userA, PASSWORD, { remoteAddress: x })).statusCode, 303, 'the window ended');
    });

    test('a right password clears the typos of that account and address', async () => {
      const user = await newUser('cy');
      const x = '203.0.113.11';
      await wrongTimes(testApp, user, SIGN_IN_LIMITS.pair.max - 1, { remoteAddress: x });
      assert.equal((await postLogin(testApp, user, PASSWORD, { remoteAddress: x })).statusCode, 303);
      await wrongTimes(testApp, user, SIGN_IN_LIMITS.pair.max - 1, { remoteAddress: x });
      assert.equal((await postLogin(testApp, user, PASSWORD, { remoteAddress: x })).statusCode, 303);
    });

    test(`password spraying: ${SIGN_IN_LIMITS.address.max} failures from one address over many accounts stop every sign-in from it, and only from it`, async () => {
      const user = await newUser('dee');
      const z = '203.0.113.12';
      for (let i = 0; i < SIGN_IN_LIMITS.address.max; i += 1) {
        assert.equal((await postLogin(testApp, `sprayed-${i}@example.com`, 'Summer2026!', { remoteAddress: z })).statusCode, 401);
      }
      assert.equal((await postLogin(testApp, user, PASSWORD, { remoteAddress: z })).statusCode, 429);
      assert.equal((await postLogin(testApp, user, PASSWORD, { remoteAddress: '203.0.113.13' })).statusCode, 303);
    });

    test('without TRUST_PROXY, X-Forwarded-For is ignored: clients it names are counted as the peer', async () => {
      const user = await newUser('eve');
      const proxy = '10.7.7.7';
      await wrongTimes(testApp, user, SIGN_IN_LIMITS.pair.max, { remoteAddress: proxy, headers: { 'x-forwarded-for': '198.51.100.7' } });
      const other = await postLogin(testApp, user, PASSWORD, { remoteAddress: proxy, headers: { 'x-forwarded-for': '198.51.100.8' } });
      assert.equal(other.statusCode, 429);
    });

    test('the throttle policy: the per-account limit spares addresses the account signed in from; ended windows are purged', async () => {
      const limits = { pair: { max: 3, windowMs: 10 * MINUTE }, address: { max: 5, windowMs: 10 * MINUTE }, account: { max: 4, windowMs: 60 * MINUTE }, knownAddressMs: 30 * 24 * 60 * MINUTE };
      const throttle = createSignInThrottle(testApp.app, limits);
      const account = `policy-${randomBytes(4).toString('hex')}@example.com`;
      const home = '192.0.2.50';
      await throttle.succeeded(await throttle.check(account, home));
      // Guessing spread over four addresses, one try each.
      for (let i = 1; i <= 4; i += 1) await throttle.failed(await throttle.check(account, `198.51.100.${i}`));
      assert.ok((await throttle.check(account, '198.51.100.99')).waitMs > 0, 'the account is throttled from new addresses');
      assert.ok((await throttle.check(account.toUpperCase(), '198.51.100.98')).waitMs > 0, 'whatever the case of the email');
      assert.equal((await throttle.check(account, home)).waitMs, 0, 'but not from where it signed in before');
      // IPv6 clients are counted per /64.
      const v6 = `v6-${randomBytes(4).toString('hex')}@example.com`;
      for (let i = 1; i <= 3; i += 1) await throttle.failed(await throttle.check(v6, `2001:db8:aa:bb::${i}`));
      assert.ok((await throttle.check(v6, '2001:db8:aa:bb:ffff::1')).waitMs > 0);
      assert.equal((await throttle.check(v6, '2001:db8:aa:bc::1')).waitMs, 0);

      clock.advance(61 * MINUTE);
      assert.equal((await throttle.check(account, '198.51.100.99')).waitMs, 0, 'the window ended');
      await throttle.failed(await throttle.check('someone@example.com', '198.51.100.200'));
      const rows = await testApp.app.db.selectFrom('attempt_counters').select(['scope', 'expires_at']).execute();
      assert.ok(rows.every((r) => r.expires_at > clock.now()), 'ended windows were purged');
      assert.ok(rows.some((r) => r.scope === 'sign_in_known'), 'known addresses stay for their period');
      const keys = await testApp.app.db.selectFrom('attempt_counters').select('key').execute();
      assert.ok(keys.every((k) => !k.key.includes('@') && !k.key.includes('198.51')), 'keys are MACs, never emails or addresses');
    });
  });

  describe(`sign-in throttle behind a proxy and across processes [${kind}]`, () => {
    let first: TestApp;
    let second: TestApp;
    let orgId: string;

    before(async () => {
      first = await startTestApp(kind);
      // A second API process on the same database (same schema or SQLite file, same SECRETS_KEY).
      const { DATA_DIR, SECRETS_KEY, DATABASE_URL, DATABASE_SCHEMA } = first.env;
      second = await startTestApp(kind, { env: { DATA_DIR: DATA_DIR!, SECRETS_KEY: SECRETS_KEY!, ...(DATABASE_URL ? { DATABASE_URL, DATABASE_SCHEMA: DATABASE_SCHEMA! } : {}) } });
      orgId = (await first.createOrg()).orgId;
    });
    after(async () => {
      await second.close();
      await first.close();
    });

    for (const trust of ['127.0.0.1', '1']) {
      test(`with TRUST_PROXY=${trust}, two clients behind the proxy are counted apart by X-Forwarded-For; a forged left-most entry changes nothing`, async () => {
        const proxied = await startTestApp(kind, { env: { TRUST_PROXY: trust } });
        try {
          const { orgId: proxiedOrg } = await proxied.createOrg();
          const email = `proxied-${randomBytes(4).toString('hex')}@example.com`;
          await createUser(proxied.app, { orgId: proxiedOrg, email, name: 'Pro Xied', password: PASSWORD });
          const via = (client: string) => ({ remoteAddress: '127.0.0.1', headers: { 'x-forwarded-for': client } });
          for (let i = 0; i < SIGN_IN_LIMITS.pair.max; i += 1) assert.equal((await postLogin(proxied, email, `wrong ${i}`, via('198.51.100.7'))).statusCode, 401);
          assert.equal((await postLogin(proxied, email, PASSWORD, via('198.51.100.7'))).statusCode, 429);
          assert.equal((await postLogin(proxied, email, PASSWORD, via('198.51.100.8'))).statusCode, 303, 'the other client is not affected');
          assert.equal((await postLogin(proxied, email, PASSWORD, via('198.51.100.9, 198.51.100.7'))).statusCode, 429, 'the proxy appends the real client');
        } finally {
          await proxied.close();
        }
      });
    }

    test('counts are shared by every API process on the database', async () => {
      const userA = `fay-${randomBytes(4).toString('hex')}@example.com`;
      const userB = `gus-${randomBytes(4).toString('hex')}@example.com`;
      for (const email of [userA, userB]) await createUser(first.app, { orgId, email, name: 'Two Processes', password: PASSWORD });
      const x = '203.0.113.40';
      for (let i = 0; i < SIGN_IN_LIMITS.pair.max; i += 1) assert.equal((await postLogin(first, userA, `wrong ${i}`, { remoteAddress: x })).statusCode, 401);
      const elsewhere = await postLogin(second, userA, PASSWORD, { remoteAddress: x });
      assert.equal(elsewhere.statusCode, 429, 'the other process knows');
      assert.ok(Number(elsewhere.headers['retry-after']) > 0);
      assert.equal((await postLogin(second, userB, PASSWORD, { remoteAddress: x })).statusCode, 303);
    });
  });
}
