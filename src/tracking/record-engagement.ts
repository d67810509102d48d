import type { Context } from '../context.js';
import { flagOf } from './prefetch.js';
import { findTrackedRecipient, insertRecipientEvent, type EngagementKind } from './recipient-event-repository.js';
import { readClickToken, readOpenToken } from './tracking-token.js';

/** Longest user agent kept (longer ones are cut). */
export const MAX_USER_AGENT_LENGTH = 256;

/** Who fetched: the request's User-Agent and address. */
export type Fetcher = Readonly<{ userAgent: string | null; remoteAddress: string | null }>;

/**
 * `GET /t/o/:token`: records an `opened` event when the token verifies and its recipient exists;
 * records nothing otherwise. Changes nothing but `recipient_events`. The route answers the same
 * pixel either way (the answer never tells whether a token is valid).
 */
export async function recordOpen(ctx: Context, token: string, fetcher: Fetcher): Promise<void> {
  const recipientId = readOpenToken(ctx.secrets, token);
  if (recipientId !== null) await record(ctx, recipientId, 'opened', null, fetcher);
}

/** A tracked link that verified: its recipient and exact signed target. */
export type ClickLink = Readonly<{ recipientId: string; url: string }>;

/**
 * `GET /t/c/:token?u=…`: the link a valid token and target name, or null (an altered, forged or
 * cut link: the route records nothing and answers 404). Pure but for the key.
 */
export function verifyClick(ctx: Pick<Context, 'secrets'>, token: string, u: string): ClickLink | null {
  return readClickToken(ctx.secrets, token, u);
}

/** Records a `clicked` event of a verified link (the route then redirects to `link.url`). */
export async function recordClick(ctx: Context, link: ClickLink, fetcher: Fetcher): Promise<void> {
  await record(ctx, link.recipientId, 'clicked', link.url, fetcher);
}

async function record(ctx: Context, recipientId: string, kind: EngagementKind, url: string | null, fetcher: Fetcher): Promise<void> {
  const recipient = await findTrackedRecipient(ctx.db, recipientId);
  if (!recipient) return;
  const at = ctx.clock.now();
  const userAgent = fetcher.userAgent === null ? null : fetcher.userAgent.slice(0, MAX_USER_AGENT_LENGTH);
  const flag = flagOf({ userAgent, remoteAddress: fetcher.remoteAddress, at, lastAttemptAt: recipient.last_attempt_at });
  await insertRecipientEvent(ctx.db, {
    id: ctx.ids.next(),
    org_id: recipient.org_id,
    message_id: recipient.message_id,
    recipient_id: recipient.id,
    kind,
    at,
    flagged: flag === null ? 0 : 1,
    flag_reason: flag,
    url,
    user_agent: userAgent,
    remote_address: fetcher.remoteAddress,
  }, recipient);
  ctx.log.info({ event: `tracking.${kind}`, message_id: recipient.message_id, flagged: flag }, `recipient ${kind}`);
}
