import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DATABASE_KINDS, json } from '../helpers/test-app.js';
import { closeMailWorld, openMailWorld, type MailWorld } from '../helpers/mail-world.js';

const T0 = Date.UTC(2026, 11, 1, 9, 0, 0);

/**
 * send_mail under concurrency with group commit: every request answered 200 is a committed mail,
 * Idempotency-Keys still answer once, and /metrics counts the acceptances per commit.
 */
for (const kind of DATABASE_KINDS) {
  describe(`send_mail with group commit [${kind}]`, () => {
    let world: MailWorld;
    before(async () => {
      // 35 requests at once: past the edition's concurrency limit, which is not what this tests.
      world = await openMailWorld(kind, { at: T0, env: { API_RATE_LIMITS: 'false' }, lead: { name: 'Many', email: 'many@example.com' } });
    });
    after(() => closeMailWorld(world));

    const send = (subject: string, key?: string) =>
      world.testApp.inject({
        method: 'POST',
        url: `/crm/v8/Leads/${world.leadId}/actions/send_mail`,
        headers: { authorization: `Zoho-oauthtoken ${world.org.token}`, ...(key ? { 'idempotency-key': key } : {}) },
        payload: { data: [{ from: { email: world.from }, to: [{ email: 'many@example.com' }], subject }] },
      });

    test('30 concurrent requests (and 5 repeats of one Idempotency-Key, answered alike): 31 mails, every acceptance counted in a commit', async (t) => {
      const answers = await Promise.all([
        ...Array.from({ length: 30 }, (_, i) => send(`Concurrent ${i}`)),
        ...Array.from({ length: 5 }, () => send('Keyed', 'same-key')),
      ]);
      const ok = answers.filter((a) => a.statusCode === 200);
      // The repeats of a key in flight answer 409 until the first commits; none accepts twice.
      assert.equal(ok.length + answers.filter((a) => a.statusCode === 409).length, 35, answers.map((a) => a.statusCode).join(','));
      const keyed = answers.slice(30).filter((a) => a.statusCode === 200).map((a) => json(a).data[0].details.message_id as string);
      assert.ok(keyed.length >= 1);
      assert.equal(new Set(keyed).size, 1, 'one mail for the key');

      const mails = await world.testApp.app.db.selectFrom('mails').select((eb) => eb.fn.countAll<number>().as('n')).where('record_id', '=', world.leadId).executeTakeFirstOrThrow();
      assert.equal(Number(mails.n), 31);
      const metrics = (await world.testApp.inject({ method: 'GET', url: '/metrics' })).body;
      const sum = Number(/^mailroom_group_commit_batch_size_sum\{[^}]*\} (\d+)$/m.exec(metrics)?.[1]);
      const count = Number(/^mailroom_group_commit_batch_size_count\{[^}]*\} (\d+)$/m.exec(metrics)?.[1]);
      assert.equal(sum, 31, 'every acceptance was in a counted commit');
      assert.ok(count >= 1 && count <= 31, `${count} commits`);
      t.diagnostic(`31 acceptances in ${count} commits`);
    });
  });
}
