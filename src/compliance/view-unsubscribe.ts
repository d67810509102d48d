import type { Context } from '../context.js';
import { findUnsubscribeTarget, type UnsubscribeTarget } from './unsubscribe-repository.js';
import { readUnsubscribeToken } from './unsubscribe-token.js';

/**
 * `GET /unsubscribe/<token>`: what the unsubscribe page shows (the org, the address the link names)
 * — and nothing else. Link scanners and previews follow GETs, so reading the page never changes a
 * record; only its button (a POST) does (submit: unsubscribe-recipient.ts).
 */
export type UnsubscribeView = { kind: 'page'; orgName: string; email: string } | { kind: 'not_found' };

/** The recipient a token names, or null when the token does not verify or the mail is gone. */
export async function resolveUnsubscribeToken(ctx: Pick<Context, 'db' | 'secrets'>, token: string): Promise<UnsubscribeTarget | null> {
  const recipientId = readUnsubscribeToken(ctx.secrets, token);
  if (recipientId === null) return null;
  return (await findUnsubscribeTarget(ctx.db, recipientId)) ?? null;
}

export async function viewUnsubscribe(ctx: Pick<Context, 'db' | 'secrets'>, token: string): Promise<UnsubscribeView> {
  const target = await resolveUnsubscribeToken(ctx, token);
  return target ? { kind: 'page', orgName: target.orgName, email: target.email } : { kind: 'not_found' };
}
