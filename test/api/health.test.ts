import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeEachDatabase, json } from '../helpers/test-app.js';

describeEachDatabase('health', (get, kind) => {
  test('answers 200 with the database in use', async () => {
    const response = await get().inject({ method: 'GET', url: '/health' });
    assert.equal(response.statusCode, 200);
    assert.deepEqual(json(response), { status: 'ok', database: kind });
  });
});
