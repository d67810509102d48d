import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createGroupCommit } from '../../src/db/group-commit.js';
import type { Database } from '../../src/db/database.js';
import { AppError } from '../../src/errors.js';
import { DATABASE_KINDS, startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * src/db/group-commit.ts on the real databases: works queued together share one transaction; each
 * runs in its own savepoint (or, without, the batch re-runs alone), so one that throws fails alone and the others commit; a work that
 * fails with a database error (not its own refusal) is run again alone after its batch.
 */
for (const kind of DATABASE_KINDS) {
  describe(`group commit [${kind}]`, () => {
    let testApp: TestApp;
    let db: Database;
    before(async () => {
      testApp = await startTestApp(kind);
      db = testApp.app.db;
    });
    after(() => testApp.close());

    const insert = (tx: Database, id: string) => tx.insertInto('relay_events').values({ relay: 'test', event_id: id, received_at: 1 }).execute();
    const stored = async (prefix: string) =>
      (await db.selectFrom('relay_events').select('event_id').where('event_id', 'like', `${prefix}%`).orderBy('event_id').execute()).map((r) => r.event_id);

    test('works queued in one turn commit as one batch; a refusal fails alone; a database error is retried alone', async () => {
      const sizes: number[] = [];
      const commits = createGroupCommit(db, { maxBatch: 64, maxConcurrent: 1, savepoints: true, onBatch: (size) => sizes.push(size) });
      let conflictRuns = 0;
      const results = await Promise.allSettled([
        commits.run(async (tx) => (await insert(tx, 'a-1'), 'one')),
        commits.run(async (tx) => {
          await insert(tx, 'a-2');
          throw new AppError('INVALID_DATA');
        }),
        commits.run(async (tx) => {
          conflictRuns += 1;
          await insert(tx, 'a-3');
          // A primary-key conflict: a database error, not the work's own refusal.
          await insert(tx, 'a-3');
        }),
        commits.run(async (tx) => (await insert(tx, 'a-4'), 'four')),
      ]);
      assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'rejected', 'fulfilled']);
      assert.equal((results[0] as PromiseFulfilledResult<string>).value, 'one');
      assert.ok((results[1] as PromiseRejectedResult).reason instanceof AppError);
      assert.equal(conflictRuns, 2, 'run in the batch, then once more alone');
      assert.deepEqual(await stored('a-'), ['a-1', 'a-4'], 'the failed works left nothing');
      assert.deepEqual(sizes, [2], 'one commit for the two that succeeded together (the one retried alone failed again: no commit)');
      await commits.idle();
    });

    test('without savepoints a work that throws rolls its batch back and every work runs again alone, with the same answers', async () => {
      const sizes: number[] = [];
      const commits = createGroupCommit(db, { maxBatch: 64, maxConcurrent: 1, savepoints: false, onBatch: (size) => sizes.push(size) });
      const runs = { ok: 0, refused: 0 };
      const results = await Promise.allSettled([
        commits.run(async (tx) => (runs.ok += 1, await insert(tx, 'd-1'), 'one')),
        commits.run(async (tx) => {
          runs.refused += 1;
          await insert(tx, 'd-2');
          throw new AppError('INVALID_DATA');
        }),
        commits.run(async (tx) => (await insert(tx, 'd-3'), 'three')),
      ]);
      assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
      assert.deepEqual([(results[0] as PromiseFulfilledResult<string>).value, (results[2] as PromiseFulfilledResult<string>).value], ['one', 'three']);
      assert.ok((results[1] as PromiseRejectedResult).reason instanceof AppError);
      assert.deepEqual(runs, { ok: 2, refused: 2 }, 'each ran in the batch, then alone');
      assert.deepEqual(await stored('d-'), ['d-1', 'd-3'], 'the refused work left nothing');
      assert.deepEqual(sizes.sort(), [1, 1], 'the two that succeeded committed alone');
      // A batch where nothing throws commits once.
      sizes.length = 0;
      await Promise.all(['e-1', 'e-2', 'e-3'].map((id) => commits.run((tx) => insert(tx, id))));
      assert.deepEqual(sizes, [3]);
      assert.deepEqual(await stored('e-'), ['e-1', 'e-2', 'e-3']);
      await commits.idle();
    });

    test('a step asked for by several works of a batch runs once, before the commit; a failed work\'s request goes with it', async () => {
      const commits = createGroupCommit(db, { maxBatch: 64, maxConcurrent: 1, savepoints: true });
      let stepRuns = 0;
      const step = async (tx: Database) => {
        stepRuns += 1;
        await insert(tx, `c-step-${stepRuns}`);
      };
      const results = await Promise.allSettled([
        commits.run(async (tx, batch) => (await insert(tx, 'c-1'), batch.beforeCommit('wake', step))),
        commits.run(async (tx, batch) => {
          batch.beforeCommit('only-failed', async (t) => void (await insert(t, 'c-failed')));
          throw new AppError('INVALID_DATA');
        }),
        commits.run(async (tx, batch) => (await insert(tx, 'c-2'), batch.beforeCommit('wake', step))),
      ]);
      assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
      assert.equal(stepRuns, 1);
      assert.deepEqual(await stored('c-'), ['c-1', 'c-2', 'c-step-1'], 'the step ran in the batch\'s transaction; the failed work\'s did not');
      await commits.idle();
    });

    test('a queue longer than the batch bound forms several batches, each committed before its callers are answered', async () => {
      const sizes: number[] = [];
      const commits = createGroupCommit(db, { maxBatch: 4, maxConcurrent: 1, onBatch: (size) => sizes.push(size) });
      const ids = Array.from({ length: 10 }, (_, i) => `b-${String(i).padStart(2, '0')}`);
      await Promise.all(
        ids.map((id) =>
          commits.run((tx) => insert(tx, id)).then(async () => {
            // Answered only after the commit that holds it: another connection sees it.
            assert.deepEqual(await db.selectFrom('relay_events').select('event_id').where('event_id', '=', id).execute(), [{ event_id: id }]);
          }),
        ),
      );
      assert.deepEqual(sizes, [4, 4, 2]);
      assert.deepEqual(await stored('b-'), ids);
    });
  });
}
