import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { KyselyPlugin, PluginTransformQueryArgs, QueryId, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely';
import { createWorker } from '../../src/delivery/worker.js';
import { FakeClock } from '../../src/clock.js';
import { closeMailWorld, openMailWorld, type MailWorld } from '../helpers/mail-world.js';
import { startSmtpSink } from '../helpers/smtp-sink.js';
import { ALL_SCOPES, DATABASE_KINDS, json, startTestApp } from '../helpers/test-app.js';

const T0 = Date.UTC(2026, 11, 1, 9, 0, 0);

/**
 * A test-only executor wrapper: counts the SQL statements Kysely runs (BEGIN / COMMIT are not
 * statements it compiles and are not counted), by kind of query node. Counted when a statement's
 * result comes back, so a query compiled once and run again with new parameters
 * (src/db/compiled-query-memo.ts: the delivery facts) counts each time it runs, as `Precompiled`.
 */
class StatementCounter implements KyselyPlugin {
  readonly kinds: string[] = [];
  /** The text of raw statements (savepoints among them), in order. */
  readonly raw: string[] = [];
  readonly #compiled = new WeakMap<QueryId, string>();
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    this.#compiled.set(args.queryId, args.node.kind);
    if (args.node.kind === 'RawNode') this.raw.push(args.node.sqlFragments.join('?').trim());
    return args.node;
  }
  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    this.kinds.push(this.#compiled.get(args.queryId) ?? 'Precompiled');
    return args.result;
  }
}

for (const kind of DATABASE_KINDS) {
  describe(`delivery: SQL statements per delivered mail (issue 16 item 4) [${kind}]`, () => {
    let world: MailWorld;
    before(async () => {
      world = await openMailWorld(kind, { at: T0, lead: { name: 'Counted', email: 'counted@example.net' } });
      // The settings every delivery reads: one-click unsubscribe and privacy on, tracking by edition.
      const set = await world.testApp.api('PUT', '/crm/v8/org', world.org.token, { org: [{ one_click_unsubscribe: true, privacy_settings: true }] });
      assert.equal(set.statusCode, 200, set.body);
    });
    after(() => closeMailWorld(world));

    test('one html mail from a Lead (one-click, privacy, tracking on) is delivered with a bounded number of statements', async (t) => {
      const counter = new StatementCounter();
      const ctx = { ...world.testApp.app, db: world.testApp.app.db.withPlugin(counter) };
      const worker = createWorker(ctx);
      const subject = 'Counted statements';
      const sent = await world.testApp.api('POST', `/crm/v8/Leads/${world.leadId}/actions/send_mail`, world.org.token, {
        data: [{ from: { email: world.from }, to: [{ email: 'counted@example.net' }], subject, content: '<p>Hello <a href="https://example.org/x">there</a></p>' }],
      });
      assert.equal(sent.statusCode, 200, sent.body);
      const before = counter.kinds.length;
      assert.equal(await worker.runOnce(), 1);
      await worker.stop(1000);
      const statements = counter.kinds.slice(before);
      const received = world.sink.messages.find((m) => m.parsed.subject === subject);
      assert.ok(received, 'the mail was delivered');
      assert.match(received.raw.toString('latin1'), /^List-Unsubscribe-Post:/im, 'one-click read');
      assert.match(received.raw.toString('latin1'), /\/t\/o\//, 'tracking read');
      const byKind = statements.reduce<Record<string, number>>((acc, k) => ({ ...acc, [k]: (acc[k] ?? 0) + 1 }), {});
      t.diagnostic(`statements for one delivered mail (claim to outcome): ${statements.length} ${JSON.stringify(byKind)}`);
      // Before the delivery-facts read (2026-12-03): 14 SELECTs, 20 statements on PostgreSQL and 21
      // on SQLite; then 9 / 10. Now 7 / 8: the claim (SQLite: its update and the recipients'
      // mark), the recipients (one read per claim), the delivery facts with the route's SMTP
      // settings (compiled once: `Precompiled`), the outcome's two updates (no webhook endpoint:
      // no outbox statement), the handed-over mark, the last empty claim. SQLite adds two pragmas
      // around the mark (synchronous = normal, then full: no I/O, src/db/relaxed-durability.ts).
      assert.ok((byKind.SelectQueryNode ?? 0) + (byKind.Precompiled ?? 0) <= 2, `SELECTs: ${byKind.SelectQueryNode} + ${byKind.Precompiled}`);
      const withoutPragmas = statements.length - (kind === 'sqlite' ? 2 : 0);
      assert.ok(withoutPragmas <= (kind === 'sqlite' ? 8 : 7), `statements: ${statements.length}`);
    });

    test('the outcomes of concurrent deliveries share commits (the worker\'s group commit): fewer commits than outcomes, every mail delivered once', async () => {
      const counter = new StatementCounter();
      const ctx = { ...world.testApp.app, db: world.testApp.app.db.withPlugin(counter) };
      const worker = createWorker(ctx);
      const subjects = Array.from({ length: 16 }, (_, i) => `Grouped ${i}`);
      const ids: string[] = [];
      for (const subject of subjects) {
        const sent = await world.testApp.api('POST', `/crm/v8/Leads/${world.leadId}/actions/send_mail`, world.org.token, {
          data: [{ from: { email: world.from }, to: [{ email: 'counted@example.net' }], subject, content: '<p>Hello</p>' }],
        });
        assert.equal(sent.statusCode, 200, sent.body);
        ids.push(json(sent).data[0].details.message_id as string);
      }
      assert.equal(await worker.runOnce(), 16);
      await worker.stop(1000);
      for (const subject of subjects) assert.equal(world.sink.messages.filter((m) => m.parsed.subject === subject).length, 1, subject);
      // The worker's group commit reports each commit: fewer commits than outcomes.
      const metrics = await world.testApp.app.metrics.registry.getSingleMetricAsString('mailroom_group_commit_batch_size');
      const commitsOf = Number(/^mailroom_group_commit_batch_size_count\{[^}]*work="outcome"[^}]*\} (\d+)$/m.exec(metrics)?.[1]);
      const outcomesOf = Number(/^mailroom_group_commit_batch_size_sum\{[^}]*work="outcome"[^}]*\} (\d+)$/m.exec(metrics)?.[1]);
      assert.ok(outcomesOf >= 16, `outcomes committed: ${outcomesOf}`);
      assert.ok(commitsOf < outcomesOf, `outcomes share commits: ${commitsOf} commits for ${outcomesOf} outcomes`);
      for (const id of ids) {
        const detail = await world.testApp.api('GET', `/crm/v8/Leads/${world.leadId}/Emails/${id}`, world.org.token);
        assert.equal(detail.statusCode, 200, detail.body);
        assert.deepEqual((json(detail).Emails[0].status as { type: string }[]).map((st) => st.type), ['sent'], id);
      }
    });
  });
}

for (const kind of DATABASE_KINDS) {
  describe(`delivery facts: an address blocked after acceptance is not attempted (read with the other facts) [${kind}]`, () => {
    test('a scheduled mail to an address that bounced meanwhile skips it (5.7.1) and delivers to the other recipient', async () => {
      const sink = await startSmtpSink({ onRcpt: (address) => (address === 'gone@example.net' ? { code: 550, message: '5.1.1 No such user' } : null) });
      const clock = new FakeClock(T0);
      const testApp = await startTestApp(kind, { clock, env: { SMTP_URL: sink.url } });
      const worker = createWorker(testApp.app);
      try {
        const org = await testApp.createOrg();
        let token = org.token;
        const from = json(await testApp.api('GET', '/crm/v8/users?type=CurrentUser', org.token)).users[0].email as string;
        const leadId = json(await testApp.api('POST', '/crm/v8/Leads', org.token, { data: [{ Last_Name: 'Gone', Email: 'gone@example.net' }] })).data[0].details.id as string;
        const send = async (item: Record<string, unknown>) => {
          const response = await testApp.api('POST', `/crm/v8/Leads/${leadId}/actions/send_mail`, org.token, { data: [{ from: { email: from }, content: '<p>Hi</p>', ...item }] });
          assert.equal(response.statusCode, 200, response.body);
          return json(response).data[0].details.message_id as string;
        };
        const got = async (id: string) => {
          const response = await testApp.api('GET', `/crm/v8/Leads/${leadId}/Emails/${id}`, token);
          assert.equal(response.statusCode, 200, response.body);
          return response;
        };
        const statuses = async (id: string) =>
          (json(await got(id)).Emails[0].status as { email: string; type: string; status_code: string | null; diagnostic: string | null }[])
            .map((s) => [s.email, s.type, s.status_code, s.diagnostic])
            .sort();
        // Accepted while nothing is blocked yet, due an hour later.
        const later = await send({ to: [{ email: 'gone@example.net' }, { email: 'kept@example.net' }], subject: 'Later', scheduled_time: new Date(T0 + 3_600_000).toISOString().replace('.000Z', 'Z') });
        const now = await send({ to: [{ email: 'gone@example.net' }], subject: 'Now' });
        assert.equal(await worker.runOnce(), 1);
        assert.deepEqual((await statuses(now)).map((s) => s.slice(0, 3)), [['gone@example.net', 'bounced', '5.1.1']]);
        clock.set(T0 + 3_600_000);
        token = await testApp.tokenFor(org, ALL_SCOPES); // the first one has expired
        assert.equal(await worker.runOnce(), 1);
        const after = await statuses(later);
        assert.deepEqual(after.map((s) => s.slice(0, 3)), [
          ['gone@example.net', 'skipped', '5.7.1'],
          ['kept@example.net', 'sent', '2.0.0'],
        ]);
        assert.equal(after[0]![3], 'address is blocked for this organisation (earlier bounce)');
        const delivered = sink.messages.filter((m) => m.parsed.subject === 'Later');
        assert.equal(delivered.length, 1);
        assert.deepEqual(delivered[0]!.envelopeTo, ['kept@example.net']);
      } finally {
        await worker.stop(1000);
        await testApp.close();
        await sink.close();
      }
    });
  });
}
