import { sql } from 'kysely';
import { AppError } from '../errors.js';
import { faultPoint } from '../faults.js';
import { dialectOf, type Database } from './database.js';

/**
 * Group commit (docs/decisions/0009-group-commit.md): concurrent units of work — send_mail
 * acceptances — share one transaction and one durable commit (one fsync) instead of one each.
 *
 * `run(work)` queues `work`; a batch starts on the next turn of the event loop with everything
 * queued by then (at most `maxBatch`), and more batches start as earlier ones finish, at most
 * `maxConcurrent` at a time (1 on SQLite: one writer; a few on PostgreSQL, whose connections work
 * in parallel and whose WAL flushes group concurrent commits again). Under load, work arriving
 * while a batch commits forms the next batch: the more requests wait, the more share a commit.
 *
 * With `savepoints` (SQLite's default, where a savepoint costs no round trip) each work runs in its
 * own SAVEPOINT: one that throws is rolled back to it and fails alone, with its own error; the
 * others commit. Without (PostgreSQL's default: two round trips a work, while the batch holds the
 * org's daily-quota row) a work that throws rolls the whole batch back and every work of it runs
 * again alone: the same answers, at the price of a re-run in the rare case of a refusal inside the
 * commit step. `run` resolves only after the COMMIT that holds the work's
 * writes (never before: an answer that says "accepted" is durable, docs/reliability.md P1); if the
 * commit fails, or the process dies before it, nothing of the batch was written and every caller
 * gets an error (or no answer). A work that fails with a database error other than its own
 * refusal (a deadlock between concurrent batches on PostgreSQL, a lost connection) is run once
 * more alone, in a transaction of its own, after its batch: a batch never turns a request that
 * would have succeeded alone into a failure. A work must therefore be re-runnable: it writes only
 * through `tx` and keeps nothing from a run that failed.
 *
 * `batch.beforeCommit(key, step)` asks for `step` to run once per transaction, after every work
 * and right before the COMMIT, however many works of the batch ask with the same key (send_mail's
 * wake-up NOTIFY: one per commit, not one per mail). A work that fails takes its requests with it.
 */
export interface GroupCommit {
  run<T>(work: (tx: Database, batch: BatchScope) => Promise<T>): Promise<T>;
  /** Resolves when nothing is queued or committing (shutdown, tests). */
  idle(): Promise<void>;
}

export type GroupCommitOptions = Readonly<{
  maxBatch: number;
  maxConcurrent: number;
  /** Each work in a savepoint of its own (see above); default: on SQLite only. */
  savepoints?: boolean;
  /** Called after each batch's commit with its size (metrics). */
  onBatch?: (size: number) => void;
}>;

export interface BatchScope {
  /**
   * Runs `step` once in this transaction, after every work and before the COMMIT, however many
   * works ask with the same `key` (steps run in the order of their keys: the same lock order in
   * every batch). A step that throws rolls the batch back and its works run again alone.
   */
  beforeCommit(key: string, step: (tx: Database) => Promise<void>): void;
  /**
   * True when the works of this transaction commit all together or run again alone (more than
   * one work, no savepoints): a work may then defer a check to a `beforeCommit` step that throws
   * when it fails. Alone, or with savepoints, false: each work decides for itself.
   */
  readonly together: boolean;
  /** State the works of this transaction share, made by the first that asks for `key`. */
  shared<T>(key: string, create: () => T): T;
}

type Step = (tx: Database) => Promise<void>;
type Item = { work: (tx: Database, batch: BatchScope) => Promise<unknown>; resolve: (value: unknown) => void; reject: (error: unknown) => void };

/** A work's `beforeCommit` requests, kept apart until it has succeeded. */
function scopeOf(together = false, state = new Map<string, unknown>()): BatchScope & { steps: Map<string, Step> } {
  const steps = new Map<string, Step>();
  return {
    steps,
    together,
    beforeCommit(key, step) {
      if (!steps.has(key)) steps.set(key, step);
    },
    shared<T>(key: string, create: () => T): T {
      if (!state.has(key)) state.set(key, create());
      return state.get(key) as T;
    },
  };
}

async function runSteps(tx: Database, steps: ReadonlyMap<string, Step>): Promise<void> {
  for (const key of [...steps.keys()].sort()) await steps.get(key)!(tx);
}

/** The outcome of one work inside its batch. */
type Ran = { ok: true; value: unknown } | { ok: false; error: unknown; alone: boolean };

export function createGroupCommit(db: Database, options: GroupCommitOptions): GroupCommit {
  const queue: Item[] = [];
  let running = 0;
  let scheduled = false;
  let idleWaiters: (() => void)[] = [];

  const settleIdle = () => {
    if (running === 0 && queue.length === 0 && !scheduled) {
      for (const done of idleWaiters) done();
      idleWaiters = [];
    }
  };

  const schedule = () => {
    if (scheduled || queue.length === 0 || running >= options.maxConcurrent) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      while (queue.length > 0 && running < options.maxConcurrent) {
        const batch = queue.splice(0, options.maxBatch);
        running += 1;
        void commitBatch(batch).finally(() => {
          running -= 1;
          schedule();
          settleIdle();
        });
      }
      settleIdle();
    });
  };

  /** A refusal of the work itself (its own error): it fails alone, never re-run. */
  const isOwnRefusal = (error: unknown): boolean => error instanceof AppError;

  async function commitBatch(batch: Item[]): Promise<void> {
    if (batch.length === 1) {
      // Alone: a plain transaction, as before group commit.
      const [item] = batch;
      try {
        const value = await db.transaction().execute(async (tx) => {
          const scope = scopeOf();
          const value = await item!.work(tx, scope);
          await runSteps(tx, scope.steps);
          faultPoint('api.batch_before_commit');
          return value;
        });
        options.onBatch?.(1);
        item!.resolve(value);
      } catch (error) {
        item!.reject(error);
      }
      return;
    }
    if (!(options.savepoints ?? dialectOf(db) === 'sqlite')) {
      await commitWithoutSavepoints(batch);
      return;
    }
    let ran: Ran[];
    try {
      ran = await db.transaction().execute(async (tx) => {
        const results: Ran[] = [];
        const steps = new Map<string, Step>();
        for (const [index, item] of batch.entries()) {
          const name = sql.raw(`gc_${index}`);
          await sql`savepoint ${name}`.execute(tx);
          try {
            const scope = scopeOf();
            const value = await item.work(tx, scope);
            await sql`release savepoint ${name}`.execute(tx);
            for (const [key, step] of scope.steps) if (!steps.has(key)) steps.set(key, step);
            results.push({ ok: true, value });
          } catch (error) {
            await sql`rollback to savepoint ${name}`.execute(tx);
            await sql`release savepoint ${name}`.execute(tx);
            results.push({ ok: false, error, alone: !isOwnRefusal(error) });
          }
        }
        await runSteps(tx, steps);
        faultPoint('api.batch_before_commit');
        return results;
      });
    } catch (error) {
      // The batch did not commit: none of it was written. Each work runs again alone, so a
      // failure of the batch as a whole (a deadlock, a lost connection) fails only those that
      // fail alone too.
      await Promise.all(batch.map((item) => commitBatch([item])));
      return;
    }
    options.onBatch?.(batch.filter((_, i) => ran[i]!.ok).length);
    for (const [index, item] of batch.entries()) {
      const result = ran[index]!;
      if (result.ok) item.resolve(result.value);
      else if (result.alone) void commitBatch([item]);
      else item.reject(result.error);
    }
  }

  /** The whole batch or nothing: any failure re-runs every work alone. */
  async function commitWithoutSavepoints(batch: Item[]): Promise<void> {
    let values: unknown[];
    try {
      values = await db.transaction().execute(async (tx) => {
        const results: unknown[] = [];
        const steps = new Map<string, Step>();
        const state = new Map<string, unknown>();
        for (const item of batch) {
          const scope = scopeOf(true, state);
          results.push(await item.work(tx, scope));
          for (const [key, step] of scope.steps) if (!steps.has(key)) steps.set(key, step);
        }
        await runSteps(tx, steps);
        faultPoint('api.batch_before_commit');
        return results;
      });
    } catch {
      await Promise.all(batch.map((item) => commitBatch([item])));
      return;
    }
    options.onBatch?.(batch.length);
    for (const [index, item] of batch.entries()) item.resolve(values[index]);
  }

  return {
    run<T>(work: (tx: Database, batch: BatchScope) => Promise<T>): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
        schedule();
      });
    },
    idle() {
      if (running === 0 && queue.length === 0 && !scheduled) return Promise.resolve();
      return new Promise<void>((resolve) => idleWaiters.push(resolve));
    },
  };
}

/** The default concurrency: one writer on SQLite; a few batches at once on PostgreSQL. */
export function defaultGroupCommitConcurrency(db: Database): number {
  return dialectOf(db) === 'sqlite' ? 1 : 4;
}
