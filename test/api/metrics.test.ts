import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DATABASE_KINDS, json } from '../helpers/test-app.js';
import { closeMailWorld, openMailWorld, type MailWorld } from '../helpers/mail-world.js';

const T0 = Date.UTC(2026, 11, 1, 9, 0, 0);

/**
 * One sample of the exposition text, `name{a="1",b="2"}` in any label order: its value, or
 * undefined when the series is absent.
 */
function sample(text: string, series: string): number | undefined {
  const key = (s: string) => {
    const [, name, labels = ''] = /^([^{ ]+)(?:\{(.*)\})?$/.exec(s)!;
    return `${name}{${labels.split(/,(?=[a-z_]+=")/).filter(Boolean).sort().join(',')}}`;
  };
  const wanted = key(series);
  const line = text.split('\n').find((l) => !l.startsWith('#') && l.includes(' ') && key(l.slice(0, l.lastIndexOf(' '))) === wanted);
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}
/** Every series (name and labels, without the value) of the exposition text. */
const seriesOf = (text: string) => new Set(text.split('\n').filter((l) => l.startsWith('mailroom_')).map((l) => l.slice(0, l.lastIndexOf(' '))));

for (const kind of DATABASE_KINDS) {
  describe(`/metrics: Prometheus metrics of the API process move as mail is sent; labels stay bounded [${kind}]`, () => {
    let world: MailWorld;
    before(async () => {
      world = await openMailWorld(kind, { at: T0, lead: { name: 'Metric', email: 'metric@example.com' } });
    });
    after(() => closeMailWorld(world));

    const scrape = async (headers: Record<string, string> = {}) => {
      const response = await world.testApp.inject({ method: 'GET', url: '/metrics', headers });
      assert.equal(response.statusCode, 200, response.body);
      assert.match(String(response.headers['content-type']), /^text\/plain; version=0\.0\.4/);
      return response.body;
    };
    const send = (to: string[], subject: string, from = world.from) =>
      world.testApp.api('POST', `/crm/v8/Leads/${world.leadId}/actions/send_mail`, world.org.token, {
        data: [{ from: { email: from }, to: to.map((email) => ({ email })), subject, content: 'Hello' }],
      });

    test('queue depth and age, accepted and refused by code, outcomes, SMTP latency, claims and HTTP requests by route template', async () => {
      const before = await scrape();
      assert.equal(sample(before, 'mailroom_queue_due_mails{lane="0",process="mailroom"}'), 0);
      assert.match(before, /^process_cpu_user_seconds_total/m, 'process metrics');

      assert.equal((await send(['one@example.com'], 'Metrics 1')).statusCode, 200);
      const refused = await send(['two@example.com'], 'Refused', 'stranger@elsewhere.example');
      assert.equal(refused.statusCode, 400, refused.body);
      world.clock.advance(5_000);
      const queued = await scrape();
      assert.equal(sample(queued, 'mailroom_queue_due_mails{lane="0",process="mailroom"}'), 1);
      assert.equal(sample(queued, 'mailroom_queue_oldest_due_age_seconds{lane="0",process="mailroom"}'), 5);
      assert.equal(sample(queued, 'mailroom_mails_accepted_total{process="mailroom"}'), 1);
      // By the catalogue's code (bounded), not the address.
      assert.equal(sample(queued, 'mailroom_mails_refused_total{code="FROM_ADDRESS_NOT_ALLOWED",process="mailroom"}'), 1);

      await world.worker.runOnce();
      const sent = await scrape();
      assert.equal(sample(sent, 'mailroom_queue_due_mails{lane="0",process="mailroom"}'), 0, 'queue');
      assert.equal(sample(sent, 'mailroom_recipient_outcomes_total{status="sent",process="mailroom"}'), 1, 'outcomes');
      assert.equal(sample(sent, 'mailroom_worker_claimed_mails_total{process="mailroom"}'), 1, 'claims');
      assert.equal(sample(sent, 'mailroom_smtp_transaction_duration_seconds_count{destination="relay:127.0.0.1",result="ok",process="mailroom"}'), 1, 'smtp');
      assert.equal(sample(sent, 'mailroom_http_requests_total{method="POST",route="/crm/:version/:module/:id/actions/send_mail",status="200",process="mailroom"}'), 1, 'http');
      assert.ok(!sent.includes(world.leadId), 'no record id in a label');
    });

    test('1,000 recipients add no series: no address, org or record in any label', async () => {
      const first = seriesOf(await scrape());
      for (let m = 0; m < 10; m += 1) {
        const to = Array.from({ length: 100 }, (_, i) => `person${m * 100 + i}@example.com`);
        assert.equal((await send(to, `Many ${m}`)).statusCode, 200);
      }
      await world.worker.runOnce();
      const text = await scrape();
      assert.ok((sample(text, 'mailroom_recipient_outcomes_total{status="sent",process="mailroom"}') ?? 0) >= 1001);
      const added = [...seriesOf(text)].filter((s) => !first.has(s));
      assert.deepEqual(added, [], 'the same series as before the 1,000 recipients');
      assert.ok(!/person\d+@example\.com/.test(text));
      assert.ok(!text.includes(world.org.orgId));
    });

    test('METRICS_TOKEN: only a bearer with the token may scrape', async () => {
      const token = 'a-metrics-token-of-some-length';
      const guarded = await openMailWorld(kind, { at: T0, env: { METRICS_TOKEN: token } });
      try {
        const anonymous = await guarded.testApp.inject({ method: 'GET', url: '/metrics' });
        assert.equal(anonymous.statusCode, 401);
        assert.equal(anonymous.headers['www-authenticate'], 'Bearer realm="metrics"');
        const wrong = await guarded.testApp.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer a-metrics-token-of-some-lengtX' } });
        assert.equal(wrong.statusCode, 401);
        const right = await guarded.testApp.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${token}` } });
        assert.equal(right.statusCode, 200);
        assert.match(right.body, /mailroom_queue_due_mails/);
      } finally {
        await closeMailWorld(guarded);
      }
    });
  });
}
