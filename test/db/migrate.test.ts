import assert from 'node:assert/strict';
import { test } from 'node:test';
import pg from 'pg';
import { createDatabase } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { TEST_DATABASE_URL, testSchemaName } from '../helpers/test-app.js';

// Other Mailroom processes on the same PostgreSQL create and drop tables in their own schemas
// (migrations, test runs, benches). Migrating ours must not depend on theirs: Kysely's own
// introspection read every schema and failed with "relation … does not exist" when a table went
// away under it (about one query in five under this churn).
test('PostgreSQL: migrating a schema succeeds while another schema creates and drops tables', async () => {
  const churner = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await churner.connect();
  const other = testSchemaName();
  await churner.query(`CREATE SCHEMA "${other}"`);
  let stop = false;
  let churned = 0;
  const churn = (async () => {
    while (!stop) {
      await churner.query(`CREATE TABLE "${other}".t${churned} (id serial primary key, a text, b text)`);
      await churner.query(`DROP TABLE "${other}".t${churned}`);
      churned += 1;
    }
  })();
  const schemas: string[] = [];
  try {
    for (let i = 0; i < 4; i += 1) {
      const schema = testSchemaName();
      schemas.push(schema);
      const handle = await createDatabase({ kind: 'postgres', url: TEST_DATABASE_URL, schema, poolSize: 2 });
      try {
        const applied = await migrateToLatest(handle.db, schema);
        assert.ok(applied.length > 0, 'every migration ran on the fresh schema');
        assert.deepEqual(await migrateToLatest(handle.db, schema), [], 'a second run finds nothing to do');
      } finally {
        await handle.close();
      }
    }
    assert.ok(churned > 10, `the other schema churned meanwhile (${churned} tables)`);
  } finally {
    stop = true;
    await churn;
    for (const schema of [other, ...schemas]) await churner.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await churner.end();
  }
});
