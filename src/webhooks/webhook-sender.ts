import { randomBytes } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { hostname } from 'node:os';
import type { Context } from '../context.js';
import { backoffMs, errorCode, isDatabaseUnavailable } from '../db/availability.js';
import { HOST_NOT_ALLOWED_REASON, resolveSmtpHost } from '../delivery/smtp-host-guard.js';
import {
  claimDueWebhookMessages,
  failPendingOfEndpoint,
  findSendingEndpoint,
  nextWebhookDueAt,
  recordWebhookFailure,
  recordWebhookSuccess,
  releaseWebhookMessages,
  type WebhookMessageRow,
} from './outbox-repository.js';
import { webhookHeaders } from './sign.js';

/**
 * The webhook sender (docs/webhooks.md): runs beside the delivery worker in `mailroom worker` and
 * `mailroom serve` (src/cli/worker.ts, serve.ts). It claims due `pending` messages of the outbox
 * with a lease (outbox-repository `claimDueWebhookMessages`), POSTs each to its endpoint signed
 * per Standard Webhooks, and records every attempt: 2xx → `delivered`; anything else → due again
 * after the next delay of WEBHOOK_RETRY_SCHEDULE, `failed` after the last. An endpoint failing for
 * longer than WEBHOOK_DISABLE_AFTER_HOURS is disabled.
 *
 * Sleeps until the earliest due message, at most WEBHOOK_POLL_MS (one indexed read per poll while
 * idle, no claim); wakes: every WEBHOOK_POLL_MS while idle (events written by any process: no per-event NOTIFY, so
 * an emission costs its one INSERT … SELECT and nothing more), at once when mail is accepted (the
 * delivery wake-up, in-process and LISTEN/NOTIFY on PostgreSQL), and when a slot frees during a
 * backlog. At most WEBHOOK_CONCURRENCY POSTs at once, WEBHOOK_PER_ENDPOINT_CONCURRENCY per
 * endpoint (per process).
 *
 * SSRF: the endpoint's host is resolved once with the SMTP host guard and refused unless every
 * address is public (WEBHOOK_ALLOW_PRIVATE_HOSTS / SMTP_ALLOW_PRIVATE_HOSTS lift that); the POST
 * connects to the checked address itself (TLS still verifies the certificate against the name),
 * so DNS rebinding cannot move it. `https://` only, `http://` too when private hosts are allowed.
 * Redirects are not followed (a 3xx is a failed attempt).
 *
 * A worker that dies mid-POST leaves its lease to run out; the message is then claimed again and
 * flagged `possible_duplicate` (the endpoint may have it already: the same `webhook-id`).
 */
export interface WebhookSender {
  readonly id: string;
  start(): Promise<void>;
  /** Sends everything due now (tests); resolves when those attempts are recorded. */
  runOnce(): Promise<number>;
  stop(graceMs?: number): Promise<void>;
  /**
   * Whether its loop turns (readiness, src/health/process-health.ts): it wakes at least every
   * WEBHOOK_POLL_MS (or back-off) while running, so a minute without a turn is a stuck query.
   */
  alive(): boolean;
}

/** No turn of the loop for this long: the sender is stuck (readiness fails). */
const STALLED_MS = 60_000;

/** Longest error text kept of an answer's body. */
const MAX_ERROR_BYTES = 1024;

export function createWebhookSender(ctx: Context, options: { id?: string } = {}): WebhookSender {
  const id = options.id ?? `${hostname()}:${process.pid}:wh:${randomBytes(3).toString('hex')}`;
  const { concurrency, perEndpoint, timeoutMs, pollMs } = ctx.config.webhooks;
  // Long enough for a POST that waits behind one of the endpoint's in-flight POSTs here, and for
  // recording it; a worker that died mid-POST holds its messages this long.
  const leaseMs = 2 * timeoutMs + 5_000;
  const inFlight = new Set<Promise<void>>();
  const leased = new Map<string, WebhookMessageRow>();
  const active = new Map<string, number>();
  const waiting = new Map<string, WebhookMessageRow[]>();
  let running = false;
  let timer: NodeJS.Timeout | null = null;
  let pumping: Promise<void> | null = null;
  let again = false;
  let unsubscribe: (() => void) | null = null;
  let failures = 0;
  let turnedAt = Date.now();

  const keyOf = (m: WebhookMessageRow) => `${m.endpoint_id}\u0000${m.event_id}`;

  const claim = (limit: number) =>
    claimDueWebhookMessages(ctx.db, {
      workerId: id,
      now: ctx.clock.now(),
      leaseMs,
      limit,
      perEndpoint,
      excludeEndpoints: [...active.entries()].filter(([, n]) => n >= perEndpoint).map(([endpointId]) => endpointId),
    });

  /** Starts a claimed message now, or queues it behind its endpoint's in-flight POSTs. */
  const dispatch = (message: WebhookMessageRow): Promise<void> => {
    leased.set(keyOf(message), message);
    const busy = active.get(message.endpoint_id) ?? 0;
    if (busy >= perEndpoint) {
      const queue = waiting.get(message.endpoint_id) ?? [];
      queue.push(message);
      waiting.set(message.endpoint_id, queue);
      return Promise.resolve();
    }
    active.set(message.endpoint_id, busy + 1);
    const task = attempt(ctx, id, message)
      .catch((error: unknown) => {
        // The lease runs out and the message is claimed again (flagged possible_duplicate).
        ctx.log.error({ err: error, event: 'webhook.crashed', endpoint_id: message.endpoint_id, event_id: message.event_id }, 'webhook attempt failed unexpectedly');
      })
      .finally(() => {
        inFlight.delete(task);
        leased.delete(keyOf(message));
        const left = (active.get(message.endpoint_id) ?? 1) - 1;
        if (left <= 0) active.delete(message.endpoint_id);
        else active.set(message.endpoint_id, left);
        const next = waiting.get(message.endpoint_id)?.shift();
        if (waiting.get(message.endpoint_id)?.length === 0) waiting.delete(message.endpoint_id);
        if (next) void dispatch(next);
        if (running) wake();
      });
    inFlight.add(task);
    return task;
  };

  const sleep = (ms: number) => {
    if (!running) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(wake, ms);
    timer.unref();
  };

  const pump = async (): Promise<void> => {
    turnedAt = Date.now();
    do {
      again = false;
      try {
        for (;;) {
          const free = concurrency - inFlight.size - [...waiting.values()].reduce((n, q) => n + q.length, 0);
          if (!running || free <= 0) break;
          // A read first: an idle sender does not take the write lock (SQLite) every poll.
          const next = await nextWebhookDueAt(ctx.db);
          const now = ctx.clock.now();
          if (next === null || next > now) {
            sleep(next === null ? pollMs : Math.min(pollMs, next - now));
            break;
          }
          const messages = await claim(free);
          turnedAt = Date.now();
          failures = 0;
          for (const message of messages) void dispatch(message);
          if (messages.length < free) {
            sleep(pollMs);
            break;
          }
        }
      } catch (error) {
        if (failures === 0 || !isDatabaseUnavailable(error)) {
          ctx.log.warn({ err: error, event: 'webhook.claim_failed', worker: id, error_code: errorCode(error) }, 'cannot claim webhook messages; retrying with back-off');
        }
        sleep(backoffMs(failures));
        failures += 1;
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
    alive: () => !running || Date.now() - turnedAt < STALLED_MS,
    async start() {
      if (running) return;
      running = true;
      unsubscribe = await ctx.wakeup.subscribe(wake);
      ctx.log.info({ event: 'webhook_sender.started', worker: id, concurrency }, 'webhook sender started');
      wake();
    },
    async runOnce() {
      let total = 0;
      for (;;) {
        const messages = await claim(concurrency);
        if (messages.length === 0) break;
        total += messages.length;
        await Promise.all(messages.map((m) => dispatch(m)));
        while (inFlight.size > 0) await Promise.all([...inFlight]);
      }
      return total;
    },
    async stop(graceMs = ctx.config.delivery.shutdownGraceMs) {
      running = false;
      unsubscribe?.();
      if (timer) clearTimeout(timer);
      await pumping;
      // Queued messages never started: give them back at once (not a possible duplicate).
      const queued = [...waiting.values()].flat();
      waiting.clear();
      for (const m of queued) leased.delete(keyOf(m));
      const drained = await Promise.race([
        Promise.all([...inFlight]).then(() => true),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(false), graceMs).unref()),
      ]);
      await releaseWebhookMessages(ctx.db, { workerId: id, keys: queued.map((m) => ({ endpointId: m.endpoint_id, eventId: m.event_id })), now: ctx.clock.now() }).catch(() => undefined);
      ctx.log.info({ event: 'webhook_sender.stopped', worker: id, drained }, 'webhook sender stopped');
    },
  };
}

/** One attempt of one claimed message, recorded. */
async function attempt(ctx: Context, workerId: string, message: WebhookMessageRow): Promise<void> {
  const { config } = ctx;
  const endpoint = await findSendingEndpoint(ctx.db, message.endpoint_id);
  if (!endpoint || endpoint.enabled !== 1) {
    const reason = endpoint ? 'endpoint disabled' : 'endpoint deleted';
    await failPendingOfEndpoint(ctx.db, message.endpoint_id, reason);
    ctx.log.info({ event: 'webhook.dropped', endpoint_id: message.endpoint_id, event_id: message.event_id, reason }, 'webhook message not sent');
    return;
  }
  if (message.possible_duplicate === 1) {
    ctx.log.warn(
      { event: 'webhook.possible_duplicate', endpoint_id: message.endpoint_id, event_id: message.event_id, attempt: message.attempts },
      'sending a webhook message again whose previous attempt was not recorded (its worker stopped): the endpoint may receive it twice',
    );
  }
  const startedAt = ctx.clock.now();
  const started = performance.now();
  let secret: string | null = null;
  try {
    secret = ctx.secrets.open(endpoint.secret);
  } catch {
    // Not a crash loop: a failed attempt like any other, retried and in the end given up.
  }
  const timestamp = Math.floor(startedAt / 1000);
  const result: PostResult =
    secret === null
      ? { status: null, error: "cannot decrypt the endpoint's signing secret (was SECRETS_KEY changed?)" }
      : await post(ctx, endpoint.url, webhookHeaders(secret, message.event_id, timestamp, message.payload), message.payload);
  const record = {
    attemptId: ctx.ids.next(),
    message,
    workerId,
    at: startedAt,
    durationMs: performance.now() - started,
    statusCode: result.status,
    error: result.error,
  };
  if (result.status !== null && result.status >= 200 && result.status < 300) {
    await recordWebhookSuccess(ctx.db, { ...record, error: null });
    ctx.log.info({ event: 'webhook.delivered', endpoint_id: message.endpoint_id, event_id: message.event_id, status: result.status, attempt: message.attempts }, 'webhook delivered');
    return;
  }
  const schedule = config.webhooks.retryScheduleMs;
  const delay = schedule[message.attempts - 1];
  const now = ctx.clock.now();
  const disabled = await recordWebhookFailure(ctx.db, record, { retryAt: delay === undefined ? null : now + delay, disableAfterMs: config.webhooks.disableAfterMs });
  ctx.log.warn(
    { event: 'webhook.failed_attempt', endpoint_id: message.endpoint_id, event_id: message.event_id, status: result.status, error: result.error, attempt: message.attempts, gave_up: delay === undefined },
    'webhook attempt failed',
  );
  if (disabled !== null) ctx.cache.webhookSubscriptions.invalidate(message.org_id);
  if (disabled !== null) ctx.log.warn({ event: 'webhook.endpoint_disabled', endpoint_id: message.endpoint_id, reason: disabled }, 'webhook endpoint disabled');
}

type PostResult = { status: number | null; error: string | null };

/** POSTs `body` to `url` through the SSRF guard, connecting to the address it checked. */
async function post(ctx: Context, rawUrl: string, headers: Record<string, string>, body: string): Promise<PostResult> {
  const { allowPrivateHosts, timeoutMs } = ctx.config.webhooks;
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    return { status: null, error: 'the endpoint URL does not parse' };
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && allowPrivateHosts)) {
    return { status: null, error: `${url.protocol}// endpoints are not allowed: use https:// (http:// only with WEBHOOK_ALLOW_PRIVATE_HOSTS)` };
  }
  const destination = await resolveSmtpHost(url.hostname, { allowPrivate: allowPrivateHosts, lookup: ctx.lookup, timeoutMs: Math.min(timeoutMs, 10_000) });
  const address = destination?.addresses[0];
  if (!destination || address === undefined) return { status: null, error: `refused: ${HOST_NOT_ALLOWED_REASON}` };
  const secure = url.protocol === 'https:';
  const request = secure ? https.request : http.request;
  return new Promise<PostResult>((resolve) => {
    let settled = false;
    const done = (result: PostResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const req = request({
      method: 'POST',
      host: address,
      port: url.port === '' ? (secure ? 443 : 80) : Number(url.port),
      path: `${url.pathname}${url.search}`,
      headers: { ...headers, host: url.host, 'content-length': String(Buffer.byteLength(body)) },
      agent: false,
      ...(secure && destination.servername !== null ? { servername: destination.servername } : {}),
    });
    const timer = setTimeout(() => {
      req.destroy(new Error(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    req.on('error', (error) => done({ status: null, error: error.message }));
    req.on('response', (res) => {
      const status = res.statusCode ?? null;
      const ok = status !== null && status >= 200 && status < 300;
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        if (ok || size >= MAX_ERROR_BYTES) return;
        chunks.push(chunk);
        size += chunk.length;
      });
      res.on('error', () => done({ status, error: ok ? null : `HTTP ${status}` }));
      res.on('end', () => {
        const text = Buffer.concat(chunks).subarray(0, MAX_ERROR_BYTES).toString('utf8');
        done({ status, error: ok ? null : `HTTP ${status}${text ? `: ${text}` : ''}` });
      });
    });
    req.end(body);
  });
}
