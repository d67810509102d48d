import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DATABASE_KINDS } from '../helpers/test-app.js';
import { closeMailWorld, openMailWorld, type MailWorld } from '../helpers/mail-world.js';

const T0 = Date.UTC(2026, 11, 1, 9, 0, 0);

/** One series' value in the exposition text (labels in the order Mailroom writes them), or undefined. */
const value = (text: string, name: string, lane: 0 | 1): number | undefined => {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(`lane="${lane}"`));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
};

/**
 * The /metrics queue snapshot reads each lane as its own index range (lane, due_at) instead of one
 * GROUP BY lane (which SQLite answered by walking the whole index, every mail scheduled days ahead
 * included): the numbers must stay what they were: per lane the mails due now and the age of the
 * oldest, mails due later not counted, a lane with nothing due at 0.
 */
for (const kind of DATABASE_KINDS) {
  describe(`/metrics queue depth per lane from one index range each [${kind}]`, () => {
    let world: MailWorld;
    before(async () => {
      world = await openMailWorld(kind, { at: T0, lead: { name: 'Lanes', email: 'lanes@example.com' } });
    });
    after(() => closeMailWorld(world));

    const scrape = async () => {
      // Scrapes in one turn of the event loop share one snapshot (src/metrics/metrics.ts): let it go.
      await new Promise((resolve) => setImmediate(resolve));
      const response = await world.testApp.inject({ method: 'GET', url: '/metrics' });
      assert.equal(response.statusCode, 200, response.body);
      return response.body;
    };
    const send = async (subject: string, scheduledAt?: number) => {
      const item = { from: { email: world.from }, to: [{ email: 'lanes@example.com' }], subject, content: 'Hello', ...(scheduledAt ? { scheduled_time: new Date(scheduledAt).toISOString() } : {}) };
      const response = await world.testApp.api('POST', `/crm/v8/Leads/${world.leadId}/actions/send_mail`, world.org.token, { data: [item] });
      assert.equal(response.statusCode, 200, response.body);
    };

    test('lane 0 (to go now) and lane 1 (scheduled) count only what is due, with the oldest age; later mail is not counted', async () => {
      const empty = await scrape();
      assert.equal(value(empty, 'mailroom_queue_due_mails', 0), 0);
      assert.equal(value(empty, 'mailroom_queue_due_mails', 1), 0);

      await send('Now');
      await send('In 10 s', T0 + 10_000);
      await send('In 12 s', T0 + 12_000);
      await send('Tomorrow', T0 + 86_400_000);
      world.clock.advance(4_000);
      const early = await scrape();
      assert.equal(value(early, 'mailroom_queue_due_mails', 0), 1);
      assert.equal(value(early, 'mailroom_queue_oldest_due_age_seconds', 0), 4);
      assert.equal(value(early, 'mailroom_queue_due_mails', 1), 0, 'nothing scheduled is due yet');
      assert.equal(value(early, 'mailroom_queue_oldest_due_age_seconds', 1), 0);

      world.clock.advance(11_000); // T0 + 15 s: both scheduled in seconds are due, tomorrow's is not
      const later = await scrape();
      assert.equal(value(later, 'mailroom_queue_due_mails', 0), 1);
      assert.equal(value(later, 'mailroom_queue_oldest_due_age_seconds', 0), 15);
      assert.equal(value(later, 'mailroom_queue_due_mails', 1), 2);
      assert.equal(value(later, 'mailroom_queue_oldest_due_age_seconds', 1), 5);
    });
  });
}
