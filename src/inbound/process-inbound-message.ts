import type { Context } from '../context.js';
import type { InboundMessageTable } from '../db/schema.js';

export type InboundResult = { state: 'processed' | 'ignored'; kind: string; orgId: string | null; summary: unknown };

/** Placeholder until the bounce classifier lands: every message is kept for admins and changes nothing. */
export async function processInboundMessage(_ctx: Context, message: InboundMessageTable): Promise<InboundResult> {
  return { state: 'ignored', kind: 'unknown', orgId: null, summary: { reason: 'not processed yet', size: message.size } };
}
