import type { Context } from '../context.js';
import { isDatabaseUnavailable } from '../db/availability.js';
import { finishInboundMessage, leasePendingInbound } from './inbound-repository.js';
import { processInboundMessage } from './process-inbound-message.js';

/**
 * Processes what the inbound listener stored, from the database: on each new message (`kick`),
 * at start (messages a crash left pending) and every `SWEEP_MS`. Each message is leased first
 * (several listeners may run), processed by `processInboundMessage` and marked `processed` or
 * `ignored`. A message whose processing keeps failing is set aside (`ignored`, with the error)
 * after `MAX_ATTEMPTS`; a database outage only postpones it.
 */
export interface InboundProcessor {
  kick(): void;
  start(): void;
  stop(): Promise<void>;
  /** Resolves when nothing is pending or being processed (tests). */
  idle(): Promise<void>;
}

const SWEEP_MS = 30_000;
/** A message whose processor died mid-processing is taken again after this. */
const LEASE_MS = 60_000;
const BATCH = 20;
const MAX_ATTEMPTS = 5;

export function createInboundProcessor(ctx: Context): InboundProcessor {
  let running: Promise<void> | null = null;
  let again = false;
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;

  const runOnce = async (): Promise<void> => {
    for (;;) {
      const batch = await leasePendingInbound(ctx.db, ctx.clock.now(), LEASE_MS, BATCH);
      if (batch.length === 0) return;
      for (const message of batch) {
        if (stopped) return;
        try {
          const result = await processInboundMessage(ctx, message);
          await finishInboundMessage(ctx.db, message.id, { ...result, now: ctx.clock.now() });
          ctx.log.info({ event: 'inbound.processed', inbound_id: message.id, state: result.state, kind: result.kind }, 'inbound message processed');
        } catch (error) {
          if (isDatabaseUnavailable(error)) throw error;
          ctx.log.error({ err: error, event: 'inbound.process_failed', inbound_id: message.id, attempts: message.attempts }, 'processing an inbound message failed');
          if (message.attempts >= MAX_ATTEMPTS) {
            await finishInboundMessage(ctx.db, message.id, {
              state: 'ignored',
              kind: 'error',
              orgId: null,
              summary: { error: error instanceof Error ? error.message : String(error) },
              now: ctx.clock.now(),
            });
          }
        }
      }
    }
  };

  const run = (): void => {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = runOnce()
      .catch((error: unknown) => {
        ctx.log.warn({ err: error, event: 'inbound.sweep_failed' }, 'inbound processing paused; retried at the next sweep');
      })
      .finally(() => {
        running = null;
        if (again) {
          again = false;
          run();
        }
      });
  };

  return {
    kick: run,
    start() {
      run();
      timer = setInterval(run, SWEEP_MS);
      timer.unref();
    },
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      await running;
    },
    async idle() {
      while (running) await running;
    },
  };
}
