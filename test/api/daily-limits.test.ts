import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { FakeClock } from '../../src/clock.js';
import { AppError, isAppError } from '../../src/errors.js';
import { checkAndReserve, quotaStatus, releaseReservation, tryReserveEach } from '../../src/limits/daily-quota.js';
import { dailyQuotaUsed, reserveDailyQuota } from '../../src/limits/daily-quota-repository.js';
import { updateOrg } from '../../src/orgs/update-org.js';
import { createUser } from '../../src/users/create-user.js';
import { errorStatus, zohoError } from '../../src/wire/zoho-envelope.js';
import { describeRun, runCli } from '../helpers/run-cli.js';
import { DATABASE_KINDS, json, startTestApp, type TestApp, type TestOrg } from '../helpers/test-app.js';

const T0 = Date.UTC(2026, 0, 15, 9, 0, 0);

for (const kind of DATABASE_KINDS) {
  describe(`daily individual-mail limit (docs/zoho-contract.md §16) [${kind}]`, () => {
    const clock = new FakeClock(T0);
    let app: TestApp;
    before(async () => {
      app = await startTestApp(kind, { clock });
    });
    after(async () => {
      await app?.close();
    });

    const limits = async (org: TestOrg, token = org.token) => {
      const response = await app.api('GET', '/crm/v8/settings/email_limits', token);
      assert.equal(response.statusCode, 200, response.body);
      return json(response).email_limits[0];
    };
    const reserve = (orgId: string, recipientsCount: number, mailsCount?: number) =>
      app.app.db.transaction().execute((tx) =>
        checkAndReserve(app.app, tx, { orgId, recipientsCount, ...(mailsCount ? { mailsCount } : {}), now: clock.now() }),
      );
    let userNumber = 0;
    const addUsers = async (org: TestOrg, count: number, confirmed = true) => {
      for (let i = 0; i < count; i += 1) {
        userNumber += 1;
        await createUser(app.app, { orgId: org.orgId, email: `user${userNumber}@example.com`, name: `User ${userNumber}`, confirmed });
      }
    };

    test('GET /settings/email_limits: the limit, today’s use and the next local midnight of the org', async () => {
      clock.set(T0);
      const org = await app.createOrg({ timeZone: 'Europe/Berlin' });
      const response = await app.api('GET', '/crm/v8/settings/email_limits', org.token);
      assert.equal(response.statusCode, 200);
      assert.deepEqual(json(response), {
        email_limits: [
          { type: 'individual', period: 'day', allowed_limit: 300, used: 0, remaining: 300, resets_at: '2026-01-16T00:00:00+01:00' },
        ],
      });
      const kolkata = await app.createOrg({ timeZone: 'Asia/Kolkata' });
      assert.equal((await limits(kolkata)).resets_at, '2026-01-16T00:00:00+05:30');
      // Every version segment serves it.
      assert.equal((await app.api('GET', '/crm/v2.1/settings/email_limits', org.token)).statusCode, 200);
    });

    test('scope: ZohoCRM.settings.emails.READ, or settings.READ / settings.ALL which cover it', async () => {
      const org = await app.createOrg();
      for (const scope of ['ZohoCRM.settings.emails.READ', 'ZohoCRM.settings.READ', 'ZohoCRM.settings.ALL', 'ZohoCRM.settings.emails.ALL']) {
        const token = await app.tokenFor(org, [scope]);
        assert.equal((await app.api('GET', '/crm/v8/settings/email_limits', token)).statusCode, 200, scope);
      }
      const token = await app.tokenFor(org, ['ZohoCRM.modules.ALL', 'ZohoCRM.settings.modules.READ']);
      const refused = await app.api('GET', '/crm/v8/settings/email_limits', token);
      assert.equal(refused.statusCode, 401);
      assert.deepEqual(json(refused), { code: 'OAUTH_SCOPE_MISMATCH', details: {}, message: 'invalid oauth scope to access this URL', status: 'error' });
    });

    test('free: 50 per confirmed active user, 200 with more than 4; unconfirmed and inactive users do not count', async () => {
      const org = await app.createOrg({ edition: 'free' });
      assert.equal((await limits(org)).allowed_limit, 50);
      await addUsers(org, 2, false);
      const inactive = await createUser(app.app, { orgId: org.orgId, email: `gone-${org.orgId}@example.com`, name: 'Gone User' });
      await app.app.db.updateTable('users').set({ status: 'inactive' }).where('id', '=', inactive.id).execute();
      assert.equal((await limits(org)).allowed_limit, 50);
      await addUsers(org, 3);
      assert.equal((await limits(org)).allowed_limit, 200); // 4 confirmed active users: 4 × 50
      await addUsers(org, 1, true);
      // 5 users would be 250: capped at 200.
      assert.equal(
        (await app.app.db.selectFrom('users').select('id').where('org_id', '=', org.orgId).where('is_confirmed', '=', 1).where('status', '=', 'active').execute()).length,
        5,
      );
      assert.equal((await limits(org)).allowed_limit, 200);
    });

    test('paid editions: 300 per confirmed active user', async () => {
      for (const edition of ['standard', 'professional', 'enterprise', 'ultimate'] as const) {
        const org = await app.createOrg({ edition });
        await addUsers(org, 2);
        assert.equal((await limits(org)).allowed_limit, 900, edition);
      }
    });

    test('free counts every recipient address; paid editions count one per mail', async () => {
      clock.set(T0);
      const free = await app.createOrg({ edition: 'free' });
      const reservation = await reserve(free.orgId, 12);
      assert.deepEqual(
        { reserved: reservation.reserved, used: reservation.used, remaining: reservation.remaining, limit: reservation.limit, day: reservation.day },
        { reserved: 12, used: 12, remaining: 38, limit: 50, day: '2026-01-15' },
      );
      assert.deepEqual(await limits(free), { type: 'individual', period: 'day', allowed_limit: 50, used: 12, remaining: 38, resets_at: '2026-01-16T00:00:00+00:00' });
      const paid = await app.createOrg({ edition: 'professional' });
      await reserve(paid.orgId, 12);
      await reserve(paid.orgId, 40, 3);
      assert.equal((await limits(paid)).used, 4);
    });

    test('over the limit: DAILY_LIMIT_EXCEEDED (400 LIMIT_EXCEEDED, details period + allowed_limit), counter unchanged', async () => {
      clock.set(T0);
      const org = await app.createOrg({ edition: 'free' });
      await reserve(org.orgId, 30);
      await assert.rejects(reserve(org.orgId, 21), (error: unknown) => {
        assert.ok(isAppError(error));
        assert.equal(error.code, 'DAILY_LIMIT_EXCEEDED');
        assert.equal(errorStatus(error.code), 400);
        assert.deepEqual(zohoError(error), {
          code: 'LIMIT_EXCEEDED',
          details: { period: 'day', allowed_limit: 50 },
          message: 'You have reached the daily mail usage limit for your organization.',
          status: 'error',
        });
        return true;
      });
      assert.equal((await limits(org)).used, 30);
      // Exactly up to the limit is fine; one more is not.
      assert.equal((await reserve(org.orgId, 20)).remaining, 0);
      await assert.rejects(reserve(org.orgId, 1), AppError);
      // A mail larger than the whole limit never fits, even on a fresh day.
      clock.set(T0 + 24 * 3_600_000);
      await assert.rejects(reserve(org.orgId, 51), AppError);
      assert.equal((await reserve(org.orgId, 50)).used, 50);
      // An override of 0 stops the org's mail altogether.
      await updateOrg(app.app, { orgId: org.orgId, dailyMailLimit: 0 });
      clock.set(T0 + 48 * 3_600_000);
      await assert.rejects(reserve(org.orgId, 1), AppError);
      clock.set(T0);
    });

    test('tryReserveEach: each mail of a multi-item request fits or not on its own, in order', async () => {
      clock.set(T0);
      const org = await app.createOrg({ edition: 'free' });
      const results = await app.app.db
        .transaction()
        .execute((tx) => tryReserveEach(app.app, tx, { orgId: org.orgId, recipientCounts: [30, 25, 20, 1], now: clock.now() }));
      assert.deepEqual(
        results.map((r) => (r.ok ? ['ok', r.reservation.reserved, r.reservation.used] : ['refused', r.status.used, r.status.remaining])),
        [['ok', 30, 30], ['refused', 30, 20], ['ok', 20, 50], ['refused', 50, 0]],
      );
      assert.equal((await limits(org)).used, 50);
    });

    test('#70: 50 concurrent reservations never exceed the limit', async () => {
      const org = await app.createOrg();
      const results = await Promise.all(
        Array.from({ length: 50 }, () =>
          app.app.db.transaction().execute((tx) => reserveDailyQuota(tx, { orgId: org.orgId, dayKey: '2026-02-01', amount: 1, limit: 20 })),
        ),
      );
      assert.equal(results.filter((r) => r.ok).length, 20);
      for (const r of results) assert.ok(r.used <= 20);
      assert.deepEqual(
        results.filter((r) => !r.ok).map((r) => (r.ok ? null : r.limit)),
        Array(30).fill(20),
      );
      assert.equal(await dailyQuotaUsed(app.app.db, org.orgId, '2026-02-01'), 20);

      // Uneven amounts: whatever fits, never past the limit.
      const mixed = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          app.app.db.transaction().execute((tx) => reserveDailyQuota(tx, { orgId: org.orgId, dayKey: '2026-02-02', amount: 1 + (i % 4), limit: 37 })),
        ),
      );
      const used = await dailyQuotaUsed(app.app.db, org.orgId, '2026-02-02');
      assert.ok(used <= 37, `used ${used}`);
      assert.equal(used, mixed.reduce((sum, r, i) => sum + (r.ok ? 1 + (i % 4) : 0), 0));
      assert.ok(used >= 34, `only a refused amount larger than what was left may remain: ${used}`);
    });

    test('#70 through the facade: 60 concurrent one-recipient sends of a free org, exactly 50 accepted', async () => {
      clock.set(T0);
      const org = await app.createOrg({ edition: 'free' });
      const outcomes = await Promise.allSettled(Array.from({ length: 60 }, () => reserve(org.orgId, 1)));
      assert.equal(outcomes.filter((o) => o.status === 'fulfilled').length, 50);
      for (const o of outcomes) if (o.status === 'rejected') assert.equal((o.reason as AppError).code, 'DAILY_LIMIT_EXCEEDED');
      assert.deepEqual(await quotaStatus(app.app.db, org.orgId, clock.now()), {
        period: 'day',
        day: '2026-01-15',
        limit: 50,
        used: 50,
        remaining: 0,
        resets_at: '2026-01-16T00:00:00+00:00',
      });
    });

    test('a reservation rolls back with its transaction; a release gives back, never below zero', async () => {
      clock.set(T0);
      const org = await app.createOrg({ edition: 'free' });
      await assert.rejects(
        app.app.db.transaction().execute(async (tx) => {
          await checkAndReserve(app.app, tx, { orgId: org.orgId, recipientsCount: 10, now: clock.now() });
          throw new Error('the mails failed to insert');
        }),
        /failed to insert/,
      );
      assert.equal((await limits(org)).used, 0);
      const reservation = await reserve(org.orgId, 10);
      await releaseReservation(app.app.db, { orgId: org.orgId, day: reservation.day, amount: 4 });
      assert.equal((await limits(org)).used, 6);
      await releaseReservation(app.app.db, { orgId: org.orgId, day: reservation.day, amount: 100 });
      assert.equal((await limits(org)).used, 0);
    });

    test('#71: the limit resets at the org’s local midnight exactly once, on both DST days (New York, Berlin)', async () => {
      const cases = [
        // [zone, full from (local 00:30 of the DST day), still full (after the change, the repeated hour, 23:59:59), reset (next midnight, UTC)]
        ['America/New_York', '2026-03-08T05:30:00Z', ['2026-03-08T07:30:00Z', '2026-03-09T03:59:59Z'], '2026-03-09T04:00:00Z', '2026-03-09T00:00:00-04:00'],
        ['America/New_York', '2026-11-01T04:30:00Z', ['2026-11-01T05:30:00Z', '2026-11-01T06:30:00Z', '2026-11-02T04:59:59Z'], '2026-11-02T05:00:00Z', '2026-11-02T00:00:00-05:00'],
        ['Europe/Berlin', '2026-03-28T23:30:00Z', ['2026-03-29T01:30:00Z', '2026-03-29T21:59:59Z'], '2026-03-29T22:00:00Z', '2026-03-30T00:00:00+02:00'],
        ['Europe/Berlin', '2026-10-24T22:30:00Z', ['2026-10-25T00:30:00Z', '2026-10-25T01:30:00Z', '2026-10-25T22:59:59Z'], '2026-10-25T23:00:00Z', '2026-10-26T00:00:00+01:00'],
      ] as const;
      for (const [timeZone, fullFrom, stillFull, resetAt, resetsAtLocal] of cases) {
        const org = await app.createOrg({ timeZone });
        await updateOrg(app.app, { orgId: org.orgId, dailyMailLimit: 2 });
        clock.set(Date.parse(fullFrom));
        await reserve(org.orgId, 1);
        await reserve(org.orgId, 1);
        for (const instant of stillFull) {
          clock.set(Date.parse(instant));
          const status = await quotaStatus(app.app.db, org.orgId, clock.now());
          assert.deepEqual([status.used, status.remaining, status.resets_at], [2, 0, resetsAtLocal], `${timeZone} ${instant}`);
          await assert.rejects(reserve(org.orgId, 1), AppError, `${timeZone} ${instant}`);
        }
        clock.set(Date.parse(resetAt));
        assert.equal((await quotaStatus(app.app.db, org.orgId, clock.now())).used, 0, `${timeZone} reset`);
        assert.equal((await reserve(org.orgId, 1)).used, 1);
      }
      clock.set(T0);
    });

    test('the day is the org’s, not the caller’s: a user in another time zone shares the org’s counter', async () => {
      clock.set(Date.UTC(2026, 0, 15, 23, 30)); // 15th in UTC, 16th 05:00 in Kolkata
      const org = await app.createOrg({ timeZone: 'Asia/Kolkata', edition: 'free' });
      await app.app.db.updateTable('users').set({ time_zone: 'America/Los_Angeles' }).where('id', '=', org.adminId).execute();
      const reservation = await reserve(org.orgId, 5);
      assert.equal(reservation.day, '2026-01-16');
      const token = await app.tokenFor(org, ['ZohoCRM.settings.ALL']);
      assert.deepEqual(await limits(org, token), {
        type: 'individual',
        period: 'day',
        allowed_limit: 50,
        used: 5,
        remaining: 45,
        resets_at: '2026-01-17T00:00:00+05:30',
      });
      clock.set(T0);
    });

    test('mailroom org update --daily-mail-limit N|default', async () => {
      const org = await app.createOrg();
      const set = await runCli(app.env, ['org', 'update', '--id', org.orgId, '--daily-mail-limit', '7', '--json']);
      assert.equal(set.code, 0, describeRun(['org', 'update'], set));
      assert.equal(JSON.parse(set.stdout).daily_mail_limit, 7);
      assert.equal((await limits(org)).allowed_limit, 7);
      const reset = await runCli(app.env, ['org', 'update', '--id', org.orgId, '--daily-mail-limit', 'default', '--json']);
      assert.equal(reset.code, 0, describeRun(['org', 'update'], reset));
      assert.equal(JSON.parse(reset.stdout).daily_mail_limit, null);
      assert.equal((await limits(org)).allowed_limit, 300);
      const refused = await runCli(app.env, ['org', 'update', '--id', org.orgId, '--daily-mail-limit', '1.5']);
      assert.equal(refused.code, 2, describeRun(['org', 'update', '--daily-mail-limit', '1.5'], refused));
      const tooLarge = await runCli(app.env, ['org', 'update', '--id', org.orgId, '--daily-mail-limit', '99999999999', '--json']);
      assert.equal(tooLarge.code, 1, describeRun(['org', 'update'], tooLarge));
      const both = await runCli(app.env, ['org', 'update', '--id', org.orgId, '--api-credit-limit', '100', '--api-concurrency-limit', '3', '--json']);
      assert.deepEqual(
        (({ daily_mail_limit, api_credit_limit, api_concurrency_limit }) => ({ daily_mail_limit, api_credit_limit, api_concurrency_limit }))(JSON.parse(both.stdout)),
        { daily_mail_limit: null, api_credit_limit: 100, api_concurrency_limit: 3 },
      );
    });
  });
}
