import type { Context } from '../context.js';
import { getInboundMessage, listInboundMessages, type InboundListItem } from './inbound-repository.js';

/** An inbound message as admins see it (`mailroom inbound list` / `show`): never its body in a list. */
export type InboundMessageView = Readonly<{
  id: string;
  received_at: string;
  remote_address: string;
  mail_from: string;
  rcpt_to: string[];
  size: number;
  state: 'pending' | 'processed' | 'ignored';
  kind: string | null;
  org_id: string | null;
  summary: unknown;
}>;

export const INBOUND_STATES = ['pending', 'processed', 'ignored'] as const;
export type InboundState = (typeof INBOUND_STATES)[number];

/**
 * What the inbound listener took, newest first: DSNs and complaints that were applied
 * (`processed`), and those kept without effect (`ignored`: unknown or unparseable, no valid VERP
 * token, a recipient that is gone), with what processing found. Operator-only (the CLI): the
 * messages may concern any org.
 */
export async function listInbound(ctx: Context, options: { state?: InboundState; limit: number }): Promise<InboundMessageView[]> {
  const rows = await listInboundMessages(ctx.db, { limit: options.limit, ...(options.state ? { states: [options.state] } : {}) });
  return rows.map(viewOf);
}

/** One inbound message with its raw text (`mailroom inbound show --id`); null when there is none. */
export async function showInbound(ctx: Context, id: string): Promise<(InboundMessageView & { raw: string }) | null> {
  const row = /^\d{1,19}$/.test(id) ? await getInboundMessage(ctx.db, id) : undefined;
  return row ? { ...viewOf(row), raw: row.raw.toString('utf8') } : null;
}

function viewOf(row: InboundListItem): InboundMessageView {
  return {
    id: row.id,
    received_at: new Date(row.received_at).toISOString(),
    remote_address: row.remote_address,
    mail_from: row.mail_from,
    rcpt_to: JSON.parse(row.rcpt_to) as string[],
    size: row.size,
    state: row.state,
    kind: row.kind,
    org_id: row.org_id,
    summary: row.summary === null ? null : (JSON.parse(row.summary) as unknown),
  };
}
