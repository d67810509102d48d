import type { Context } from '../context.js';
import { markHandedOver } from './queue-repository.js';

/**
 * Records "handed over" marks (queue-repository `markHandedOver`, fenced by the worker's lease)
 * for the SMTP transactions of one worker with group commit: the marks asked for within one turn
 * of the event loop, and those asked for while a commit is running, go into one commit together.
 * Each caller's promise settles with the commit that carried its mark; it rejects if the commit
 * failed or the worker no longer holds the lease of its mail.
 */
export interface HandoverLog {
  /** Resolves once the recipients (of one mail) are marked; rejects if they could not be. */
  record(messageId: string, recipientIds: readonly string[]): Promise<void>;
}

type Waiting = { messageId: string; ids: readonly string[]; resolve: () => void; reject: (error: unknown) => void };

export function createHandoverLog(ctx: Pick<Context, 'db' | 'dialect'>, workerId: string): HandoverLog {
  let waiting: Waiting[] = [];
  let busy = false;

  const flush = async (): Promise<void> => {
    while (waiting.length > 0) {
      const batch = waiting;
      waiting = [];
      try {
        const mails = [...new Set(batch.map((w) => w.messageId))];
        const marked = await markHandedOver(ctx.db, ctx.dialect, workerId, mails, batch.flatMap((w) => w.ids));
        for (const w of batch) {
          if (w.ids.every((id) => marked.has(id))) w.resolve();
          else w.reject(new Error('this worker no longer holds the lease of the mail'));
        }
      } catch (error) {
        for (const w of batch) w.reject(error);
      }
    }
    busy = false;
  };

  return {
    record(messageId, ids) {
      return new Promise<void>((resolve, reject) => {
        waiting.push({ messageId, ids, resolve, reject });
        if (busy) return;
        busy = true;
        setImmediate(() => void flush());
      });
    },
  };
}
