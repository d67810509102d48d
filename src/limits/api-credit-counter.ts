import type { Clock } from '../clock.js';
import type { Database } from '../db/database.js';
import type { Logger } from '../logger.js';
import { addApiCredits, consumeApiCredit, windowUsage, type CreditResult } from './api-credit-repository.js';
import { hourOf } from './api-limits.js';

/**
 * API credits without a durable write per request (issue 16). Each process counts the credits it
 * admits in memory and writes them in batches: every FLUSH_MS, or as soon as an org has
 * FLUSH_AT unwritten credits (one upsert per org and hour), then re-reads the org's window, which
 * brings in what the other processes wrote. While an org's remaining credits, as this process
 * sees them, are more than EXACT_MARGIN, a request costs no statement at all; at EXACT_MARGIN or
 * fewer (and always for a limit that small), each credit is taken by the one conditional
 * statement (`consumeApiCredit`), exact across processes.
 *
 * Bound (docs/operations.md): beyond its limit an org can be admitted at most what the OTHER
 * processes counted but had not written yet — under FLUSH_AT per process, at most FLUSH_MS of
 * their traffic. With one API process the limit is exact. A crash loses the unwritten counts
 * (those credits come back early). `close()` (app.close) writes them.
 */
export interface ApiCreditCounter {
  /** Takes one credit of the org if its rolling window allows it. */
  take(orgId: string, limit: number): Promise<CreditResult>;
  /** Credits used in the org's window as this process sees them (database + unwritten). */
  usage(orgId: string): Promise<{ used: number; oldestHour: number }>;
  /** Writes every unwritten count now. */
  flush(): Promise<void>;
  /** Stops the timer and writes what is left. */
  close(): Promise<void>;
}

export const FLUSH_MS = 250;
export const FLUSH_AT = 100;
export const EXACT_MARGIN = FLUSH_AT;
/** Orgs tracked at most; beyond it those with nothing unwritten are forgotten (re-read when next seen). */
const MAX_ORGS = 10_000;

type OrgCredits = {
  orgId: string;
  /** The hour `base` was read for; unwritten counts belong to it. */
  hour: number;
  /** Credits in the database's window, as last read. */
  base: number;
  oldestHour: number;
  /** Counted here, not yet written. */
  pending: number;
  /** Being written (in the database or not yet: counted once either way until `base` is re-read). */
  flushing: number;
  writing: Promise<void> | null;
  /** When `base` was read (the process's own time: it paces the re-reads, not the window). */
  readAt: number;
};

export function createApiCreditCounter(db: Database, clock: Clock, log: Logger, flushMs: number = FLUSH_MS): ApiCreditCounter {
  const orgs = new Map<string, OrgCredits>();
  const loading = new Map<string, Promise<OrgCredits>>();
  let timer: NodeJS.Timeout | null = null;
  let closed = false;

  const viewed = (s: OrgCredits) => s.base + s.flushing + s.pending;

  async function reread(s: OrgCredits): Promise<void> {
    const readAt = Date.now();
    const window = await windowUsage(db, s.orgId, s.hour);
    s.base = window.used;
    s.oldestHour = window.oldestHour;
    s.readAt = readAt;
  }

  async function write(s: OrgCredits): Promise<void> {
    while (s.writing) await s.writing;
    const count = s.pending;
    if (count === 0) return;
    s.pending = 0;
    s.flushing += count;
    const run = (async () => {
      try {
        await addApiCredits(db, s.orgId, s.hour, count);
        await reread(s).catch(() => {
          s.base += count; // written; the window is re-read next time
        });
      } catch (error) {
        s.pending += count; // not written: tried again at the next flush
        log.warn({ event: 'api_credits.flush_failed', orgId: s.orgId, err: error }, 'API credits could not be written; retrying');
        throw error;
      } finally {
        s.flushing -= count;
        s.writing = null;
      }
    })();
    s.writing = run;
    await run;
  }

  async function flushAll(): Promise<void> {
    const results = await Promise.allSettled([...orgs.values()].filter((s) => s.pending > 0 || s.writing).map((s) => write(s)));
    const failed = results.find((r) => r.status === 'rejected');
    if (failed && failed.status === 'rejected') throw failed.reason;
  }

  function startTimer(): void {
    if (timer || closed) return;
    timer = setInterval(() => {
      flushAll().catch(() => undefined); // logged in write()
    }, flushMs);
    timer.unref();
  }

  /** The org's state for `hour`: the earlier hour's counts written first, then the window read. */
  async function stateOf(orgId: string, hour: number): Promise<OrgCredits> {
    const known = orgs.get(orgId);
    if (known && known.hour === hour) {
      // Re-read in the background now and then, so other processes' credits show in the view.
      if (!known.writing && known.pending === 0 && Date.now() - known.readAt > flushMs) {
        reread(known).catch(() => undefined);
      }
      return known;
    }
    const inProgress = loading.get(orgId);
    if (inProgress) return inProgress;
    const load = (async () => {
      if (known) await write(known);
      const window = await windowUsage(db, orgId, hour);
      const fresh: OrgCredits = {
        orgId,
        hour,
        base: window.used,
        oldestHour: window.oldestHour,
        pending: 0,
        flushing: 0,
        writing: null,
        readAt: Date.now(),
      };
      if (orgs.size >= MAX_ORGS) {
        for (const [id, s] of orgs) if (s.pending === 0 && !s.writing) orgs.delete(id);
      }
      orgs.set(orgId, fresh);
      // Requests that took the earlier state while it was being written: their counts still go out.
      if (known && known.pending > 0) write(known).catch(() => undefined);
      return fresh;
    })();
    loading.set(orgId, load);
    try {
      return await load;
    } finally {
      loading.delete(orgId);
    }
  }

  return {
    async take(orgId, limit) {
      const hour = hourOf(clock.now());
      const s = await stateOf(orgId, hour);
      if (limit - viewed(s) <= EXACT_MARGIN) {
        // Close to the limit: this process's own counts go first, then the conditional statement.
        while (s.pending > 0 || s.writing) await write(s);
        const result = await consumeApiCredit(db, { orgId, hour, limit });
        s.base = Math.max(s.base, result.used);
        s.oldestHour = result.oldestHour;
        return result;
      }
      s.pending += 1;
      s.oldestHour = Math.min(s.oldestHour, hour);
      startTimer();
      if (s.pending >= FLUSH_AT) write(s).catch(() => undefined);
      return { ok: true, used: viewed(s), oldestHour: s.oldestHour };
    },
    async usage(orgId) {
      const hour = hourOf(clock.now());
      const s = orgs.get(orgId);
      if (s && s.hour === hour) return { used: viewed(s), oldestHour: s.oldestHour };
      return windowUsage(db, orgId, hour);
    },
    flush: flushAll,
    async close() {
      closed = true;
      if (timer) clearInterval(timer);
      timer = null;
      await flushAll();
    },
  };
}
