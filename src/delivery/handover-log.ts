import type { Context } from '../context.js';
import { markHandedOver, type Claim } from '../mail/lifecycle-repository.js';

/**
 * Records "handed over" marks (lifecycle-repository `markHandedOver`, fenced by the claim's lease)
 * for the SMTP transactions of one worker with group commit: the marks asked for within one turn
 * of the event loop, and those asked for while a commit is running, go into one commit together.
 * Each caller's promise settles with the commit that carried its mark; it rejects if the commit
 * failed or its claim is stale (the lease ran out and the mail was claimed again).
 */
export interface HandoverLog {
  /** Resolves once the recipients (of the claimed mail) are marked; rejects if they could not be. */
  record(claim: Claim, recipientIds: readonly string[]): Promise<void>;
}

type Waiting = { claim: Claim; ids: readonly string[]; resolve: () => void; reject: (error: unknown) => void };

export function createHandoverLog(ctx: Pick<Context, 'db'>): HandoverLog {
  let waiting: Waiting[] = [];
  let busy = false;

  const flush = async (): Promise<void> => {
    while (waiting.length > 0) {
      const batch = waiting;
      waiting = [];
      try {
        const marked = await markHandedOver(ctx.db, batch.map((w) => w.claim), batch.flatMap((w) => w.ids));
        for (const w of batch) {
          if (w.ids.every((id) => marked.has(id))) w.resolve();
          else w.reject(new Error('the lease of this attempt ran out and the mail was claimed again'));
        }
      } catch (error) {
        for (const w of batch) w.reject(error);
      }
    }
    busy = false;
  };

  return {
    record(claim, ids) {
      return new Promise<void>((resolve, reject) => {
        waiting.push({ claim, ids, resolve, reject });
        if (busy) return;
        busy = true;
        setImmediate(() => void flush());
      });
    },
  };
}
