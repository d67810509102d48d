import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Context } from '../context.js';
import { backoffMs, errorCode, isDatabaseUnavailable } from '../db/availability.js';
import { createGroupCommit, defaultGroupCommitConcurrency } from '../db/group-commit.js';
import { deliverMail } from './deliver-mail.js';
import { createHandoverLog } from './handover-log.js';
import { faultPoint } from '../faults.js';
import { claimDueMails, releaseMails, type ClaimedMail } from '../mail/lifecycle-repository.js';
import { nextDueAt } from './queue-repository.js';
import { createTransportRegistry, type TransportRegistry } from './transports.js';

/**
 * The delivery worker: claims due mails with a lease and delivers them, up to `concurrency` at a
 * time. It sleeps until the earliest due time and wakes at once when a mail is accepted (in this
 * process, or in any process on PostgreSQL through LISTEN/NOTIFY). No loop scans future mail.
 *
 * Stop is two-phase: stop claiming, then let in-flight sends finish within the grace period.
 * A send still running after that keeps its lease, which expires, and the mail is claimed again.
 *
 * The worker's timers do not keep the process alive (tests and `serve` own that); a `mailroom
 * worker` process is held open by src/cli/process-guard.ts until SIGTERM/SIGINT.
 */
export interface Worker {
  readonly id: string;
  start(): Promise<void>;
  /** Claims and delivers everything due now (tests); resolves when those deliveries finish. */
  runOnce(): Promise<number>;
  stop(graceMs?: number): Promise<boolean>;
  /**
   * Whether its loop turns (readiness, src/health/process-health.ts): false once a claim has been
   * under way, or the loop asleep, longer than twice its longest sleep — a claim stuck on a hung
   * connection. A stopped worker is not watched any more (the process is stopping).
   */
  alive(): boolean;
}

/** Longest sleep between checks, as a safety net for a missed wake-up. */
const MAX_SLEEP_MS = 30_000;
/** After aborting sends at the end of the grace period, how long their bookkeeping may take. */
const ABORT_SETTLE_MS = 2_000;

export function createWorker(ctx: Context, options: { transports?: TransportRegistry } = {}): Worker {
  const id = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const transports = options.transports ?? createTransportRegistry(ctx);
  const handovers = createHandoverLog(ctx);
  const { concurrency, leaseMs } = ctx.config.delivery;
  // The attempts' outcomes (and fire-time skips) of this worker share commits: up to
  // `concurrency` sends finish close together, and one transaction and one fsync records them all
  // (docs/decisions/0009-group-commit.md). A group commit of its own, not the API's: a batch of
  // outcomes never waits behind acceptances' locks (the org's quota row on PostgreSQL) nor makes
  // them wait, and it writes through `ctx.db` as everything else the worker does. Each attempt
  // resolves after its commit; the worker's stop waits for its sends, hence for their commits.
  // A batch holds at most what can finish at once: one outcome per send slot.
  const commits = createGroupCommit(ctx.db, { maxBatch: concurrency, maxConcurrent: defaultGroupCommitConcurrency(ctx.db), onBatch: (size) => ctx.metrics.groupCommitBatch(size, 'outcome') });
  const inFlight = new Set<Promise<void>>();
  const inFlightIds = new Map<Promise<void>, string>();
  let running = false;
  let timer: NodeJS.Timeout | null = null;
  let pumping: Promise<void> | null = null;
  let again = false;
  let unsubscribe: (() => void) | null = null;
  // The queue lane a claim serves first; alternated so both lanes get their turn (lifecycle-repository).
  let firstLane: 0 | 1 = 0;
  const claim = (limit: number): Promise<ClaimedMail[]> => {
    firstLane = firstLane === 0 ? 1 : 0;
    return claimDueMails(ctx.db, { workerId: id, now: ctx.clock.now(), leaseMs, limit, firstLane }).then((mails) => {
      if (mails.length > 0) ctx.metrics.claimed(mails.length);
      return mails;
    });
  };

  const deliver = (claimed: ClaimedMail): Promise<void> => {
    const { mail } = claimed;
    const task = deliverMail(ctx, transports, handovers, commits, claimed, id)
      .catch((error: unknown) => {
        // The lease expires and another attempt follows; nothing is lost.
        ctx.log.error({ err: error, event: 'delivery.crashed', message_id: mail.message_id }, 'delivery attempt failed unexpectedly');
      })
      .finally(() => {
        inFlight.delete(task);
        inFlightIds.delete(task);
        if (running) wake();
      });
    inFlight.add(task);
    inFlightIds.set(task, mail.message_id);
    return task;
  };

  // While a backlog lasts (the last claim filled every slot it asked for), claim only once half
  // the slots are free: one claim (one commit) then starts several mails instead of one per
  // completed send. Without a backlog every free slot is filled at once, so new mail starts now.
  const batch = Math.max(1, Math.ceil(concurrency / 2));
  let backlog = false;
  // Paused while claims fail (the database is away): retried after backoffMs(failures), and at
  // once on any wake-up (a NOTIFY, the LISTEN connection coming back). Log events:
  // `worker.paused` on the first failure, `worker.resumed` on the first claim that works again.
  let failures = 0;
  let pausedAt = 0;
  // When the loop last turned (a pump began, or it went to sleep): real time, as its timers.
  let turnedAt = Date.now();

  const schedule = async (): Promise<void> => {
    if (!running) return;
    if (timer) clearTimeout(timer);
    const next = await nextDueAt(ctx.db);
    const delay = next === null ? MAX_SLEEP_MS : Math.max(0, Math.min(next - ctx.clock.now(), MAX_SLEEP_MS));
    timer = setTimeout(wake, delay);
    timer.unref();
    turnedAt = Date.now();
  };

  const pump = async (): Promise<void> => {
    do {
      again = false;
      turnedAt = Date.now();
      try {
        for (;;) {
          const free = concurrency - inFlight.size;
          // Full, or waiting for a batch of free slots: a finishing send wakes the worker again.
          if (!running || free <= 0 || (backlog && free < batch)) break;
          const mails = await claim(free);
          if (failures > 0) {
            ctx.log.info({ event: 'worker.resumed', worker: id, paused_ms: Date.now() - pausedAt, attempts: failures }, 'claiming mail again');
            failures = 0;
          }
          if (mails.length > 0) faultPoint('worker.after_claim');
          for (const mail of mails) void deliver(mail);
          backlog = mails.length === free;
          if (!backlog) {
            // Nothing more is due now: sleep until the earliest due time (or a wake-up).
            await schedule();
            break;
          }
        }
      } catch (error) {
        backlog = false;
        const unavailable = isDatabaseUnavailable(error);
        if (failures === 0) {
          pausedAt = Date.now();
          ctx.log.warn({ err: error, event: 'worker.paused', worker: id, database_unavailable: unavailable, error_code: errorCode(error) }, 'cannot claim mail; pausing, retrying with back-off');
        }
        // Anything but an outage is a fault of ours: say so every time.
        if (!unavailable) ctx.log.error({ err: error, event: 'worker.claim_failed', worker: id }, 'claiming due mail failed');
        const wait = backoffMs(failures);
        failures += 1;
        if (running) {
          if (timer) clearTimeout(timer);
          timer = setTimeout(wake, wait);
          timer.unref();
        }
      }
    } while (running && again);
  };

  function wake(): void {
    if (!running) return;
    if (pumping) {
      again = true;
      return;
    }
    pumping = pump().finally(() => {
      pumping = null;
    });
  }

  return {
    id,
    alive: () => !running || Date.now() - turnedAt < 2 * MAX_SLEEP_MS + 5_000,
    async start() {
      if (running) return;
      running = true;
      unsubscribe = await ctx.wakeup.subscribe(wake);
      ctx.log.info({ event: 'worker.started', worker: id, concurrency }, 'delivery worker started');
      wake();
    },
    async runOnce() {
      let total = 0;
      for (;;) {
        const mails = await claim(concurrency);
        if (mails.length === 0) break;
        total += mails.length;
        await Promise.all(mails.map((mail) => deliver(mail)));
      }
      return total;
    },
    async stop(graceMs = ctx.config.delivery.shutdownGraceMs) {
      running = false;
      unsubscribe?.();
      if (timer) clearTimeout(timer);
      await pumping;
      const settled = (ms: number) =>
        Promise.race([
          Promise.all([...inFlight]).then(() => true),
          new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms).unref()),
        ]);
      const drained = await settled(graceMs);
      const aborted = [...inFlightIds.values()];
      // Past the grace period, closing the transports fails the sends still running at once;
      // each attempt then records its outcome (deferred, flagged possible_duplicate if the whole
      // message had been handed over) and puts its mail back in the queue.
      transports.close({ force: !drained });
      if (!drained) {
        await settled(ABORT_SETTLE_MS);
        // Our own shutdown is no reason to back off: the aborted mails are due again at once, for
        // the next worker; any still leased are given back instead of waiting for the lease.
        // (lifecycle `release`; a failure leaves the leases to run out instead.)
        await releaseMails(ctx.db, { messageIds: aborted, workerId: id, now: ctx.clock.now() }).catch(() => undefined);
      }
      ctx.log.info({ event: 'worker.stopped', worker: id, drained }, drained ? 'delivery worker stopped' : 'delivery worker stopped; unfinished sends were returned to the queue');
      return drained;
    },
  };
}
