import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Database } from '../db/database.js';
import type { Clock } from '../clock.js';
import { queueSnapshot } from './metrics-repository.js';

/**
 * This process's Prometheus metrics (prom-client; README "Metrics", docs/operations.md): one
 * registry per process (per app in the tests), served at `/metrics` by the API and by the ops port
 * of `mailroom worker` / `mailroom inbound` (METRICS_PORT).
 *
 * Label sets are bounded: HTTP routes by their template (`/crm/:version/:module/:id/Emails`, never
 * ids), error codes from the catalogue, recipient statuses from the lifecycle, SMTP destinations by
 * kind (`relay:<host>` for the operator's relay, `mailbox`, `user` for users' own servers —
 * `user:<host>` only with METRICS_USER_SMTP_HOSTS=true). No org id or address is ever a label.
 * Queue gauges are read from the database at each scrape (index ranges of due rows only).
 */
export interface Metrics {
  readonly registry: Registry;
  httpRequest(method: string, route: string, status: number, seconds: number): void;
  mailsAccepted(count: number): void;
  mailRefused(code: string): void;
  recipientOutcome(status: string, count?: number): void;
  smtpTransaction(destination: string, result: 'ok' | 'error', seconds: number): void;
  claimed(mails: number): void;
  /** One commit of the group commit: `acceptance` (send_mail) or `outcome` (the worker's delivery outcomes). */
  groupCommitBatch(size: number, work?: 'acceptance' | 'outcome'): void;
}

export function createMetrics(db: Database, clock: Clock, options: { leaseMs: number; process: string; processMetrics: boolean }): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ process: options.process });
  // The standard names (process_*, nodejs_*), as dashboards expect them; not for a CLI command.
  if (options.processMetrics) collectDefaultMetrics({ register: registry });

  const httpRequests = new Counter({ name: 'mailroom_http_requests_total', help: 'HTTP requests answered, by method, route template and status (429: rate limited).', labelNames: ['method', 'route', 'status'], registers: [registry] });
  const httpDuration = new Histogram({
    name: 'mailroom_http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by method and route template.',
    labelNames: ['method', 'route'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const accepted = new Counter({ name: 'mailroom_mails_accepted_total', help: 'Mails send_mail accepted (committed to the queue).', registers: [registry] });
  const refused = new Counter({ name: 'mailroom_mails_refused_total', help: 'Mail items send_mail refused, by error code.', labelNames: ['code'], registers: [registry] });
  const outcomes = new Counter({ name: 'mailroom_recipient_outcomes_total', help: 'Recipient outcomes of delivery attempts, by status (sent, deferred, bounced, failed, skipped).', labelNames: ['status'], registers: [registry] });
  const smtpDuration = new Histogram({
    name: 'mailroom_smtp_transaction_duration_seconds',
    help: 'Time of one SMTP transaction (connection from the pool, envelope, data, reply), by destination and result.',
    labelNames: ['destination', 'result'],
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const smtpErrors = new Counter({ name: 'mailroom_smtp_errors_total', help: 'SMTP transactions that failed without a reply for the recipients (connection, timeout, TLS), by destination.', labelNames: ['destination'], registers: [registry] });
  const batches = new Histogram({
    name: 'mailroom_group_commit_batch_size',
    help: 'Works committed together in one transaction (group commit), by work (send_mail acceptances, delivery outcomes): count is the number of commits, sum the works.',
    labelNames: ['work'],
    buckets: [1, 2, 4, 8, 16, 32, 64, 128],
    registers: [registry],
  });
  const claims = new Counter({ name: 'mailroom_worker_claimed_mails_total', help: 'Mails claimed by this process’s delivery worker.', registers: [registry] });

  let snapshot: ReturnType<typeof queueSnapshot> | null = null;
  // One read per scrape, shared by every queue gauge's collect().
  const current = () => {
    snapshot ??= queueSnapshot(db, clock.now(), options.leaseMs).finally(() => setImmediate(() => (snapshot = null)));
    return snapshot;
  };
  const gauge = (name: string, help: string, labelNames: string[], fill: (g: Gauge, s: Awaited<ReturnType<typeof queueSnapshot>>) => void) =>
    new Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      async collect() {
        this.reset();
        try {
          fill(this, await current());
        } catch {
          // The database is away: the gauges are absent from this scrape (readyz says why).
        }
      },
    });
  gauge('mailroom_queue_due_mails', 'Mails due now and not yet claimed, per lane (0: first attempts of mail sent now, 1: scheduled mail and retries).', ['lane'], (g, s) => {
    for (const l of s.lanes) g.set({ lane: String(l.lane) }, l.due);
  });
  gauge('mailroom_queue_oldest_due_age_seconds', 'Age of the oldest mail due and not claimed, per lane (0 when none waits).', ['lane'], (g, s) => {
    for (const l of s.lanes) g.set({ lane: String(l.lane) }, l.oldestDueMs / 1000);
  });
  gauge('mailroom_queue_sending_mails', 'Mails leased to a worker.', [], (g, s) => g.set(s.sending));
  gauge('mailroom_queue_expired_leases', 'Leased mails whose lease ran out (their worker died or stalled); claimed again by any worker.', [], (g, s) => g.set(s.expiredLeases));
  gauge('mailroom_inbound_pending_messages', 'Inbound messages (DSNs, complaints, replies) stored and not processed yet.', [], (g, s) => g.set(s.inboundPending));
  gauge('mailroom_webhook_pending_messages', 'Webhook messages waiting for delivery (including retries not due yet).', [], (g, s) => g.set(s.webhooksPending));
  gauge('mailroom_webhook_due_messages', 'Webhook messages due now.', [], (g, s) => g.set(s.webhooksDue));

  return {
    registry,
    httpRequest(method, route, status, seconds) {
      httpRequests.inc({ method, route, status: String(status) });
      httpDuration.observe({ method, route }, seconds);
    },
    mailsAccepted: (count) => accepted.inc(count),
    mailRefused: (code) => refused.inc({ code }),
    recipientOutcome: (status, count = 1) => outcomes.inc({ status }, count),
    smtpTransaction(destination, result, seconds) {
      smtpDuration.observe({ destination, result }, seconds);
      if (result === 'error') smtpErrors.inc({ destination });
    },
    claimed: (mails) => claims.inc(mails),
    groupCommitBatch: (size, work = 'acceptance') => batches.observe({ work }, size),
  };
}
