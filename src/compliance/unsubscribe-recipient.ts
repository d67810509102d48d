import type { Context } from '../context.js';
import { optOutAddress } from './opt-out-address.js';
import type { UnsubscribeTarget } from './unsubscribe-repository.js';
import { resolveUnsubscribeToken } from './view-unsubscribe.js';
import { recipientEvent } from '../webhooks/webhook-events.js';

/**
 * `POST /unsubscribe/<token>` (RFC 8058 one-click, or the unsubscribe page's button): the address
 * the token names opts out of the org's mail.
 *
 * - The token is the authority (a provider's POST carries no cookie, so no CSRF token is
 *   possible): it verifies (HMAC under a key derived from SECRETS_KEY) and names one recipient of
 *   one mail; anything else is `not_found` and changes nothing.
 * - Every record of that mail's org, in a module with `Email_Opt_Out` (Leads, Contacts, Vendors,
 *   custom modules), whose email fields hold the address (case-insensitive) gets
 *   `Email_Opt_Out: true`, `Unsubscribed_Mode: "Unsubscribe link"`, `Unsubscribed_Time` now; each
 *   change is audited (`opt_out.changed`, reason `one_click_unsubscribe`, the data subject as
 *   actor). Other orgs' records are never read.
 * - Idempotent: a record already opted out is left as it is and audited no more, so a replayed
 *   POST changes nothing. It works whatever the org's setting is now: a link that went out is
 *   honoured.
 */
export const ONE_CLICK_REASON = 'one_click_unsubscribe';
/** The audit reason when the mailto form of `List-Unsubscribe` was used (inbound/process-inbound-message.ts). */
export const MAILTO_REASON = 'mailto_unsubscribe';
/** `Unsubscribed_Mode` for both forms of `List-Unsubscribe` (the https link and the mailto). */
export const UNSUBSCRIBED_MODE = 'Unsubscribe link';

export type UnsubscribeOutcome = { kind: 'done'; orgName: string; email: string; optedOut: number } | { kind: 'not_found' };

export async function unsubscribeRecipient(ctx: Context, token: string): Promise<UnsubscribeOutcome> {
  const target = await resolveUnsubscribeToken(ctx, token);
  if (!target) return { kind: 'not_found' };
  const optedOut = await optOutUnsubscribeTarget(ctx, target, ONE_CLICK_REASON);
  return { kind: 'done', orgName: target.orgName, email: target.email, optedOut };
}

/**
 * The address of the recipient a verified unsubscribe token (the https link's, or the mailto's)
 * names opts out of its org's mail, as described above; `reason` says which form was used.
 * Returns how many records changed (0 when all were already opted out).
 */
export async function optOutUnsubscribeTarget(ctx: Context, target: UnsubscribeTarget, reason: typeof ONE_CLICK_REASON | typeof MAILTO_REASON): Promise<number> {
  const optedOut = await optOutAddress(ctx, {
    orgId: target.orgId,
    email: target.email,
    reason,
    mode: UNSUBSCRIBED_MODE,
    actor: { type: 'data_subject', id: target.email },
    details: { message_id: target.messageId, recipient_id: target.recipientId },
    // `recipient.unsubscribed` when records opted out (a replay changes nothing and reports nothing).
    events: (changed) =>
      changed > 0 ? [recipientEvent('recipient.unsubscribed', target.webhook.mail, target.webhook.recipient, ctx.clock.now(), { source: reason === ONE_CLICK_REASON ? 'one_click' : 'mailto' })] : [],
  });
  if (optedOut > 0) ctx.log.info({ event: 'unsubscribe.opted_out', message_id: target.messageId, records: optedOut, reason }, 'unsubscribe');
  return optedOut;
}
