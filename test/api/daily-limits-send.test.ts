import assert from 'node:assert/strict';
import { test } from 'node:test';
import { updateOrg } from '../../src/orgs/update-org.js';
import { describeEachDatabase, json, type TestApp, type TestOrg } from '../helpers/test-app.js';

/**
 * send_mail against the daily individual-mail limit (docs/zoho-contract.md §16, docs/reliability.md b.9 #70). The
 * limit machinery is in src/limits; these expectations hold once send_mail reserves with
 * `checkAndReserve` in its accepting transaction and sets `quotaHeaders` on its answers.
 */

type Fixture = { org: TestOrg; from: string; leadId: string };

async function fixture(app: TestApp, edition: 'free' | 'professional'): Promise<Fixture> {
  const org = await app.createOrg({ edition });
  const from = json(await app.api('GET', '/crm/v8/users?type=CurrentUser', org.token)).users[0].email;
  const leadId = json(await app.api('POST', '/crm/v8/Leads', org.token, { data: [{ Last_Name: 'Smith', Email: 'smith@example.com' }] })).data[0]
    .details.id;
  return { org, from, leadId };
}

const addresses = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => ({ email: `${prefix}${i}@example.com` }));

const mail = (from: string, extra: Record<string, unknown> = {}) => ({
  from: { email: from },
  to: [{ email: 'smith@example.com' }],
  subject: 'Hello',
  content: '<p>Hi</p>',
  ...extra,
});

const LIMIT_EXCEEDED = (allowed: number) => ({
  code: 'LIMIT_EXCEEDED',
  details: { period: 'day', allowed_limit: allowed },
  message: 'You have reached the daily mail usage limit for your organization.',
  status: 'error',
});

describeEachDatabase('send_mail and the daily limit', (get) => {
  const send = (f: Fixture, items: unknown[], headers: Record<string, string> = {}) =>
    get().inject({
      method: 'POST',
      url: `/crm/v8/Leads/${f.leadId}/actions/send_mail`,
      headers: { authorization: `Zoho-oauthtoken ${f.org.token}`, ...headers },
      payload: JSON.stringify({ data: items }),
    });
  const used = async (f: Fixture) => json(await get().api('GET', '/crm/v8/settings/email_limits', f.org.token)).email_limits[0].used;

  test('free, one user: every To and Cc address counts; the 51st of the day is refused with LIMIT_EXCEEDED', async () => {
    const f = await fixture(get(), 'free');
    const first = await send(f, [mail(f.from, { cc: addresses('a', 24) })]); // 25
    assert.equal(first.statusCode, 200, first.body);
    const second = await send(f, [mail(f.from, { to: addresses('b', 1), cc: addresses('c', 24) })]); // 50
    assert.equal(second.statusCode, 200, second.body);
    assert.equal(second.headers['x-mailroom-daily-limit'], '50');
    assert.equal(second.headers['x-mailroom-daily-remaining'], '0');
    assert.match(String(second.headers['x-mailroom-daily-reset']), /^\d{4}-\d{2}-\d{2}T00:00:00[+-]\d{2}:\d{2}$/);
    const third = await send(f, [mail(f.from)]);
    assert.equal(third.statusCode, 400);
    assert.deepEqual(json(third), { data: [LIMIT_EXCEEDED(50)] });
    assert.equal(await used(f), 50);
  });

  test('free: Bcc addresses count too, repeated addresses once', async () => {
    const f = await fixture(get(), 'free');
    const response = await send(f, [mail(f.from, { cc: [{ email: 'smith@example.com' }, ...addresses('d', 2)], bcc: addresses('e', 3) })]);
    assert.equal(response.statusCode, 200, response.body);
    assert.equal(await used(f), 6);
  });

  test('a mail that does not fit is refused whole; the items before it are accepted (202)', async () => {
    const f = await fixture(get(), 'free');
    assert.equal((await send(f, [mail(f.from, { cc: addresses('f', 44) })])).statusCode, 200); // 45
    const response = await send(f, [mail(f.from, { cc: addresses('g', 3) }), mail(f.from, { cc: addresses('h', 5) })]); // 4 fit, 6 do not
    assert.equal(response.statusCode, 202);
    const [ok, refused] = json(response).data;
    assert.equal(ok.code, 'SUCCESS');
    assert.deepEqual(refused, LIMIT_EXCEEDED(50));
    assert.equal(await used(f), 49);
  });

  test('paid editions count one per mail, whatever its recipients', async () => {
    const f = await fixture(get(), 'professional');
    await updateOrg(get().app, { orgId: f.org.orgId, dailyMailLimit: 2 });
    assert.equal((await send(f, [mail(f.from, { cc: addresses('i', 30) })])).statusCode, 200);
    assert.equal((await send(f, [mail(f.from, { cc: addresses('j', 30) })])).statusCode, 200);
    const third = await send(f, [mail(f.from)]);
    assert.equal(third.statusCode, 400);
    assert.deepEqual(json(third), { data: [LIMIT_EXCEEDED(2)] });
  });

  test('#70: one send left, 10 requests in parallel → exactly one accepted, nine LIMIT_EXCEEDED', async () => {
    const f = await fixture(get(), 'professional');
    await updateOrg(get().app, { orgId: f.org.orgId, dailyMailLimit: 1 });
    const answers = await Promise.all(Array.from({ length: 10 }, () => send(f, [mail(f.from)])));
    assert.deepEqual(answers.map((a) => a.statusCode).sort(), [200, 400, 400, 400, 400, 400, 400, 400, 400, 400]);
    for (const a of answers.filter((r) => r.statusCode === 400)) assert.deepEqual(json(a), { data: [LIMIT_EXCEEDED(1)] });
    assert.equal(await used(f), 1);
    const queued = await get().app.db.selectFrom('mails').select('message_id').where('org_id', '=', f.org.orgId).execute();
    assert.equal(queued.length, 1);
  });

  test('#70 with batches: 8 sends left, 14 requests in parallel → exactly 8 accepted, the counter at 8', async () => {
    const f = await fixture(get(), 'professional');
    await updateOrg(get().app, { orgId: f.org.orgId, dailyMailLimit: 8 });
    // 14: below the org's 15 concurrent API calls.
    const answers = await Promise.all(Array.from({ length: 14 }, () => send(f, [mail(f.from)])));
    const codes = answers.map((a) => a.statusCode);
    assert.equal(codes.filter((c) => c === 200).length, 8, codes.join(','));
    assert.equal(codes.filter((c) => c === 400).length, 6, codes.join(','));
    for (const a of answers.filter((r) => r.statusCode === 400)) assert.deepEqual(json(a), { data: [LIMIT_EXCEEDED(8)] });
    assert.equal(await used(f), 8);
    const queued = await get().app.db.selectFrom('mails').select('message_id').where('org_id', '=', f.org.orgId).execute();
    assert.equal(queued.length, 8);
  });

  test('requests accepted together all count: 14 in parallel under a limit of 100 → the counter at 14', async () => {
    const f = await fixture(get(), 'professional');
    await updateOrg(get().app, { orgId: f.org.orgId, dailyMailLimit: 100 });
    const answers = await Promise.all(Array.from({ length: 14 }, () => send(f, [mail(f.from)])));
    assert.deepEqual([...new Set(answers.map((a) => a.statusCode))], [200]);
    assert.equal(await used(f), 14);
  });

  test('an Idempotency-Key replay does not count again; a refused request counts nothing', async () => {
    const f = await fixture(get(), 'free');
    const headers = { 'idempotency-key': 'daily-limit-replay' };
    assert.equal((await send(f, [mail(f.from, { cc: addresses('k', 4) })], headers)).statusCode, 200);
    const replay = await send(f, [mail(f.from, { cc: addresses('k', 4) })], headers);
    assert.equal(replay.headers['idempotent-replayed'], 'true');
    assert.equal(await used(f), 5);
    const refused = await send(f, [mail('someone@else.example', { cc: addresses('l', 4) })]);
    assert.equal(refused.statusCode, 400);
    assert.equal(await used(f), 5);
  });
});
