import { sql } from 'kysely';
import type { Database } from '../db/database.js';

/** What `/metrics` reads from the database at each scrape: the queue and the backlogs (bounded, indexed). */
export type QueueSnapshot = Readonly<{
  /** Per lane (0 first attempts, 1 scheduled and retries): mails due now, and the age of the oldest, in ms. */
  lanes: readonly { lane: number; due: number; oldestDueMs: number }[];
  /** Mails leased to a worker (`sending`), and those whose lease ran out (their worker died or stalled). */
  sending: number;
  expiredLeases: number;
  /** Inbound messages stored, not processed yet. */
  inboundPending: number;
  /** Webhook messages waiting to be delivered (pending), and those due now. */
  webhooksPending: number;
  webhooksDue: number;
}>;

/** `leaseMs`: a leased mail's `due_at` is its lease expiry, so the leased ones lie within now + leaseMs. */
export async function queueSnapshot(db: Database, now: number, leaseMs: number): Promise<QueueSnapshot> {
  // Each count walks an index range of due rows only (mails (lane, due_at) and (due_at): done and cancelled mails have
  // none, a leased one's is its lease expiry; webhook_messages (due_at) where pending): a million
  // mails scheduled days ahead are not read.
  const [lanes, sending, inbound, webhooks] = await Promise.all([
    // One range per lane through mails_lane_due (lane, due_at): a GROUP BY lane let SQLite walk
    // that whole index in lane order instead, every mail scheduled ahead included.
    sql<{ lane: number; due: number; oldest: number | null }>`
      select 0 as lane, count(*) as due, min(due_at) as oldest from mails
       where lane = 0 and due_at <= ${now} and state = 'queued'
      union all
      select 1 as lane, count(*) as due, min(due_at) as oldest from mails
       where lane = 1 and due_at <= ${now} and state = 'queued'`.execute(db),
    sql<{ sending: number; expired: number }>`
      select count(*) as sending, coalesce(sum(case when due_at < ${now} then 1 else 0 end), 0) as expired
        from mails where due_at <= ${now + leaseMs} and state = 'sending'`.execute(db),
    sql<{ n: number }>`select count(*) as n from inbound_messages where state = 'pending'`.execute(db),
    sql<{ pending: number; due: number }>`
      select count(*) as pending, coalesce(sum(case when due_at <= ${now} then 1 else 0 end), 0) as due
        from webhook_messages where due_at is not null`.execute(db),
  ]);
  const byLane = new Map(lanes.rows.map((r) => [Number(r.lane), r]));
  return {
    lanes: [0, 1].map((lane) => {
      const row = byLane.get(lane);
      return { lane, due: Number(row?.due ?? 0), oldestDueMs: row?.oldest == null ? 0 : Math.max(0, now - Number(row.oldest)) };
    }),
    sending: Number(sending.rows[0]?.sending ?? 0),
    expiredLeases: Number(sending.rows[0]?.expired ?? 0),
    inboundPending: Number(inbound.rows[0]?.n ?? 0),
    webhooksPending: Number(webhooks.rows[0]?.pending ?? 0),
    webhooksDue: Number(webhooks.rows[0]?.due ?? 0),
  };
}
