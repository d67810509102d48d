import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { apiConcurrencyLimitFor, apiCreditLimitFor } from '../../src/limits/api-limits.js';
import { dailyLimitFor, dayKeyOf, nextLocalMidnight, quotaUnits } from '../../src/limits/daily-limit.js';
import { quotaHeaders } from '../../src/wire/send-mail-reply.js';
import { formatZohoDateTime } from '../../src/time.js';

const HOUR = 3_600_000;
const at = (iso: string): number => Date.parse(iso);

describe('dailyLimitFor (docs/zoho-contract.md §16)', () => {
  test('free: 50 per confirmed active user', () => {
    assert.equal(dailyLimitFor({ edition: 'free' }, 0, null), 0);
    assert.equal(dailyLimitFor({ edition: 'free' }, 1, null), 50);
    assert.equal(dailyLimitFor({ edition: 'free' }, 3, null), 150);
    assert.equal(dailyLimitFor({ edition: 'free' }, 4, null), 200);
  });

  test('free: capped at 200 once the org has more than 4 such users', () => {
    assert.equal(dailyLimitFor({ edition: 'free' }, 5, null), 200);
    assert.equal(dailyLimitFor({ edition: 'free' }, 40, null), 200);
  });

  test('paid editions alike: 300 per confirmed active user, no cap', () => {
    for (const edition of ['standard', 'professional', 'enterprise', 'ultimate'] as const) {
      assert.equal(dailyLimitFor({ edition }, 1, null), 300, edition);
      assert.equal(dailyLimitFor({ edition }, 7, null), 2100, edition);
      assert.equal(dailyLimitFor({ edition }, 1000, null), 300_000, edition);
    }
  });

  test('an override wins over the rule, 0 included', () => {
    assert.equal(dailyLimitFor({ edition: 'free' }, 10, 5000), 5000);
    assert.equal(dailyLimitFor({ edition: 'enterprise' }, 10, 0), 0);
  });
});

describe('quotaUnits', () => {
  test('free counts every recipient address; paid editions count the mail', () => {
    assert.equal(quotaUnits('free', 7), 7);
    assert.equal(quotaUnits('free', 7, 2), 7);
    assert.equal(quotaUnits('professional', 7), 1);
    assert.equal(quotaUnits('ultimate', 7, 3), 3);
  });
});

describe('dayKeyOf and nextLocalMidnight (docs/reliability.md b.9 #71)', () => {
  test('America/New_York, spring forward (2026-03-08 is 23 hours long)', () => {
    const tz = 'America/New_York';
    assert.equal(dayKeyOf(at('2026-03-08T04:59:59Z'), tz), '2026-03-07');
    assert.equal(dayKeyOf(at('2026-03-08T05:00:00Z'), tz), '2026-03-08'); // 00:00 EST
    assert.equal(dayKeyOf(at('2026-03-08T07:30:00Z'), tz), '2026-03-08'); // 03:30 EDT, after the jump
    assert.equal(dayKeyOf(at('2026-03-09T03:59:59Z'), tz), '2026-03-08'); // 23:59:59 EDT
    assert.equal(dayKeyOf(at('2026-03-09T04:00:00Z'), tz), '2026-03-09');
    const start = at('2026-03-08T05:00:00Z');
    const end = nextLocalMidnight(start, tz);
    assert.equal(end, at('2026-03-09T04:00:00Z'));
    assert.equal(end - start, 23 * HOUR);
    assert.equal(formatZohoDateTime(end, tz), '2026-03-09T00:00:00-04:00');
    // From before the change, the reset is still the local midnight after it.
    assert.equal(nextLocalMidnight(at('2026-03-08T06:30:00Z'), tz), end);
    assert.equal(formatZohoDateTime(nextLocalMidnight(at('2026-03-08T04:00:00Z'), tz), tz), '2026-03-08T00:00:00-05:00');
  });

  test('America/New_York, fall back (2026-11-01 is 25 hours long; 01:30 happens twice, one day)', () => {
    const tz = 'America/New_York';
    assert.equal(dayKeyOf(at('2026-11-01T05:30:00Z'), tz), '2026-11-01'); // 01:30 EDT
    assert.equal(dayKeyOf(at('2026-11-01T06:30:00Z'), tz), '2026-11-01'); // 01:30 EST
    const start = at('2026-11-01T04:00:00Z');
    const end = nextLocalMidnight(start, tz);
    assert.equal(end, at('2026-11-02T05:00:00Z'));
    assert.equal(end - start, 25 * HOUR);
    assert.equal(formatZohoDateTime(end, tz), '2026-11-02T00:00:00-05:00');
    assert.equal(nextLocalMidnight(at('2026-11-01T06:30:00Z'), tz), end);
  });

  test('Europe/Berlin, both changes', () => {
    const tz = 'Europe/Berlin';
    assert.equal(dayKeyOf(at('2026-03-28T22:59:59Z'), tz), '2026-03-28');
    assert.equal(dayKeyOf(at('2026-03-28T23:00:00Z'), tz), '2026-03-29'); // 00:00 CET
    assert.equal(nextLocalMidnight(at('2026-03-28T23:00:00Z'), tz) - at('2026-03-28T23:00:00Z'), 23 * HOUR);
    assert.equal(formatZohoDateTime(nextLocalMidnight(at('2026-03-29T12:00:00Z'), tz), tz), '2026-03-30T00:00:00+02:00');
    assert.equal(dayKeyOf(at('2026-10-24T21:59:59Z'), tz), '2026-10-24');
    assert.equal(dayKeyOf(at('2026-10-24T22:00:00Z'), tz), '2026-10-25'); // 00:00 CEST
    assert.equal(nextLocalMidnight(at('2026-10-24T22:00:00Z'), tz) - at('2026-10-24T22:00:00Z'), 25 * HOUR);
    assert.equal(formatZohoDateTime(nextLocalMidnight(at('2026-10-25T12:00:00Z'), tz), tz), '2026-10-26T00:00:00+01:00');
  });

  test('a +05:30 zone (Asia/Kolkata): the day turns at 18:30 UTC', () => {
    const tz = 'Asia/Kolkata';
    assert.equal(dayKeyOf(at('2026-01-15T18:29:59Z'), tz), '2026-01-15');
    assert.equal(dayKeyOf(at('2026-01-15T18:30:00Z'), tz), '2026-01-16');
    const end = nextLocalMidnight(at('2026-01-15T09:00:00Z'), tz);
    assert.equal(end, at('2026-01-15T18:30:00Z'));
    assert.equal(formatZohoDateTime(end, tz), '2026-01-16T00:00:00+05:30');
    // Exactly at midnight, the reset is the next one.
    assert.equal(nextLocalMidnight(end, tz), at('2026-01-16T18:30:00Z'));
  });

  test('a zone whose midnight does not exist that day (America/Havana jumps 00:00 → 01:00): the day starts at 01:00', () => {
    const tz = 'America/Havana';
    const end = nextLocalMidnight(at('2026-03-07T17:00:00Z'), tz);
    assert.equal(end, at('2026-03-08T05:00:00Z'));
    assert.equal(formatZohoDateTime(end, tz), '2026-03-08T01:00:00-04:00');
    assert.equal(dayKeyOf(end - 1, tz), '2026-03-07');
    assert.equal(dayKeyOf(end, tz), '2026-03-08');
  });

  test('UTC', () => {
    assert.equal(dayKeyOf(at('2026-12-31T23:59:59Z'), 'UTC'), '2026-12-31');
    assert.equal(nextLocalMidnight(at('2026-12-31T23:59:59Z'), 'UTC'), at('2027-01-01T00:00:00Z'));
  });
});

describe('quotaHeaders', () => {
  test('limit, remaining and the reset instant with the org’s offset', () => {
    assert.deepEqual(
      quotaHeaders({ period: 'day', day: '2026-01-15', limit: 50, used: 12, remaining: 38, resets_at: '2026-01-16T00:00:00+01:00' }),
      { 'X-MAILROOM-DAILY-LIMIT': '50', 'X-MAILROOM-DAILY-REMAINING': '38', 'X-MAILROOM-DAILY-RESET': '2026-01-16T00:00:00+01:00' },
    );
  });
});

describe('API limits per edition (docs/zoho-contract.md §15, Kaizen #93 table)', () => {
  test('credits per rolling 24 hours', () => {
    assert.equal(apiCreditLimitFor('free', 1, null), 5_000);
    assert.equal(apiCreditLimitFor('free', 50, null), 5_000);
    assert.equal(apiCreditLimitFor('standard', 10, null), 52_500);
    assert.equal(apiCreditLimitFor('standard', 1000, null), 100_000);
    assert.equal(apiCreditLimitFor('professional', 10, null), 55_000);
    assert.equal(apiCreditLimitFor('professional', 5000, null), 1_000_000);
    assert.equal(apiCreditLimitFor('enterprise', 1, null), 51_000);
    assert.equal(apiCreditLimitFor('enterprise', 5000, null), 2_000_000);
    assert.equal(apiCreditLimitFor('ultimate', 5000, null), 10_050_000);
    assert.equal(apiCreditLimitFor('ultimate', 5000, 3), 3);
  });

  test('simultaneous requests', () => {
    assert.deepEqual(
      (['free', 'standard', 'professional', 'enterprise', 'ultimate'] as const).map((e) => apiConcurrencyLimitFor(e, null)),
      [5, 10, 15, 20, 25],
    );
    assert.equal(apiConcurrencyLimitFor('free', 50), 50);
  });
});
