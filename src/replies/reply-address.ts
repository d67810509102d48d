import { readVerpAddress, verpAddress } from '../bounces/verp.js';
import type { Context } from '../context.js';
import type { MailRow, RecipientRow } from '../mail/mail-repository.js';

/**
 * The reply address of a mail (README "Replies", docs/replies.md): with `REPLY_ADDRESS` set
 * (`replies@in.example.com`) and no `reply_to` of the user's own, a mail goes out with
 * `Reply-To: <sender's name> <replies+<token>@in.example.com>`. The token is the VERP token
 * (bounces/verp.ts: the recipient id in base 36 and an 80-bit HMAC) of the mail's first To
 * recipient — the person the mail is about, as the unsubscribe link names — under a key of its own
 * (HKDF info `REPLY_KEY_INFO`), so a reply token is never a valid bounce token and the reverse.
 * A reply arriving at that address names its recipient whatever its headers say; one arriving at
 * the bare address (the BCC dropbox, or a client that dropped the token) is matched by its
 * In-Reply-To / References (src/replies/match-reply.ts).
 */

/** The HKDF info of the reply token key (distinct from VERP's `mailroom verp v1`). */
export const REPLY_KEY_INFO = 'mailroom reply v1';

/** The first To recipient of a mail (by position): whom its reply token names. */
export function firstToRecipient(recipients: readonly RecipientRow[]): RecipientRow | undefined {
  return [...recipients].filter((r) => r.kind === 'to').sort((a, b) => a.position - b.position)[0];
}

/** `<local>+<token>@<domain>` of REPLY_ADDRESS for the recipient `recipientId`. */
export function replyAddressFor(ctx: Pick<Context, 'secrets'>, replyAddress: string, recipientId: string): string {
  return verpAddress(replyAddress, recipientId, ctx.secrets.derive(REPLY_KEY_INFO));
}

/** The recipient id a tokenised reply address names (verified), or null. */
export function readReplyAddress(ctx: Pick<Context, 'secrets'>, replyAddress: string, address: string): string | null {
  return readVerpAddress(address, replyAddress, ctx.secrets.derive(REPLY_KEY_INFO));
}

/** Whether `address` is REPLY_ADDRESS itself or `<local>+anything@<domain>` of it (case-insensitive). */
export function isReplyAddress(replyAddress: string, address: string): boolean {
  const candidate = address.trim().replace(/^<(.*)>$/, '$1').toLowerCase();
  const at = replyAddress.lastIndexOf('@');
  const local = replyAddress.slice(0, at);
  const domain = replyAddress.slice(at + 1);
  const candidateAt = candidate.lastIndexOf('@');
  if (candidateAt <= 0 || candidate.slice(candidateAt + 1) !== domain) return false;
  const candidateLocal = candidate.slice(0, candidateAt);
  return candidateLocal === local || candidateLocal.startsWith(`${local}+`);
}

/**
 * The Reply-To a mail goes out with when Mailroom sets one: null when REPLY_ADDRESS is unset, the
 * mail has a `reply_to` of its own (kept as the user gave it) or no To recipient.
 */
export function replyToOf(
  ctx: Pick<Context, 'secrets' | 'config'>,
  mail: Pick<MailRow, 'reply_to_email' | 'from_name'>,
  recipients: readonly RecipientRow[],
): { name: string; address: string } | null {
  const replyAddress = ctx.config.replyAddress;
  if (replyAddress === null || mail.reply_to_email) return null;
  const first = firstToRecipient(recipients);
  if (!first) return null;
  return { name: mail.from_name ?? '', address: replyAddressFor(ctx, replyAddress, first.id) };
}
