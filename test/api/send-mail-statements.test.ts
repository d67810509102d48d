import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely';
import { createGroupCommit } from '../../src/db/group-commit.js';
import { buildServer } from '../../src/http/server.js';
import { createApiCreditCounter } from '../../src/limits/api-credit-counter.js';
import { describeEachDatabase, json } from '../helpers/test-app.js';

/**
 * How many SQL statements one send_mail runs (issue 16: round trips on the hot path), counted by
 * a Kysely plugin on a second server over the same app. BEGIN/COMMIT are not counted (Kysely runs
 * them outside plugins). Printed for docs/benchmarks.md, and bounded so a regression fails.
 */
class CountingPlugin implements KyselyPlugin {
  statements = 0;
  /** With DEBUG_SQL=1, the start of each statement's tree is printed once. */
  log: string[] = [];
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    if (process.env.DEBUG_SQL) this.log.push(JSON.stringify(args.node).slice(0, 160));
    return args.node;
  }
  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    this.statements += 1;
    return args.result;
  }
}

describeEachDatabase('SQL statements of one send_mail', (get, kind) => {
  test('a warm send_mail (same token, org, user, record module) runs few statements', async () => {
    const app = get();
    const org = await app.createOrg();
    const email = json(await app.api('GET', '/crm/v8/users?type=CurrentUser', org.token)).users[0].email;
    const leadId = json(await app.api('POST', '/crm/v8/Leads', org.token, { data: [{ Last_Name: 'Smith', Email: 'smith@example.com' }] })).data[0].details.id;
    const counter = new CountingPlugin();
    // Every statement of the request: reads, the group commit's transaction and the API credits.
    const db = app.app.db.withPlugin(counter);
    const counted = {
      ...app.app,
      db,
      commits: createGroupCommit(db, { maxBatch: 1, maxConcurrent: 1 }),
      // Its timer never fires here: the batched write is not part of any one request.
      apiCredits: createApiCreditCounter(db, app.app.clock, app.app.log, 3_600_000),
    };
    const server = await buildServer(counted);
    try {
      const send = () =>
        server.inject({
          method: 'POST',
          url: `/crm/v8/Leads/${leadId}/actions/send_mail`,
          headers: { authorization: `Zoho-oauthtoken ${org.token}` },
          payload: JSON.stringify({ data: [{ from: { email }, to: [{ email: 'smith@example.com' }], subject: 'Hello', content: '<p>Hi</p>' }] }),
        });
      assert.equal((await send()).statusCode, 200); // warms the caches
      const results: number[] = [];
      for (let i = 0; i < 3; i += 1) {
        counter.statements = 0;
        counter.log = [];
        const response = await send();
        assert.equal(response.statusCode, 200);
        results.push(counter.statements);
        if (process.env.DEBUG_SQL && i === 0) console.log(counter.log.join("\n"));
      }
      console.log(`# send_mail statements [${kind}]: ${results.join(', ')}`);
      // Before the per-process caches and batched API credits: 18 (SQLite) and 16 (PostgreSQL),
      // BEGIN/COMMIT and savepoints not counted. Now 9 and 10 (the credits' batched upsert and
      // window read, once per 250 ms or 100 requests of an org, are not in a single request).
      assert.ok(Math.max(...results) <= 8, `${results.join(', ')}`);
    } finally {
      await server.close();
      await counted.apiCredits.close();
    }
  });
});
