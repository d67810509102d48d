import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeEachDatabase, json } from '../helpers/test-app.js';

describeEachDatabase('health', (get, kind) => {
  test('/readyz and its alias /health answer 200 with the database in use and every check ok; /livez 200', async () => {
    for (const url of ['/readyz', '/health']) {
      const response = await get().inject({ method: 'GET', url });
      assert.equal(response.statusCode, 200);
      // The test app runs no worker loop in the process: only the process-wide checks.
      assert.deepEqual(json(response), { status: 'ok', database: kind, checks: { database: 'ok', migrations: 'ok', shutdown: 'ok' } });
    }
    const live = await get().inject({ method: 'GET', url: '/livez' });
    assert.equal(live.statusCode, 200);
    assert.deepEqual(json(live), { status: 'ok' });
  });
});
