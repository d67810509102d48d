import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely';
import { createWorker } from '../../src/delivery/worker.js';
import { closeMailWorld, openMailWorld, type MailWorld } from '../helpers/mail-world.js';
import { DATABASE_KINDS } from '../helpers/test-app.js';

const T0 = Date.UTC(2026, 11, 1, 9, 0, 0);

/**
 * A test-only executor wrapper: counts the SQL statements Kysely sends (BEGIN / COMMIT /
 * SAVEPOINT are not statements it compiles and are not counted), by kind of query node.
 */
class StatementCounter implements KyselyPlugin {
  readonly kinds: string[] = [];
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    this.kinds.push(args.node.kind);
    return args.node;
  }
  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
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
      // on SQLite. Now: recipients, delivery facts (with the blocked addresses and files), route.
      assert.ok((byKind.SelectQueryNode ?? 0) <= 3, `SELECTs: ${byKind.SelectQueryNode}`);
      assert.ok(statements.length <= 10, `statements: ${statements.length}`);
    });
  });
}
