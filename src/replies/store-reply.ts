import type { Context } from '../context.js';
import { inTransaction } from '../db/database.js';
import type { InboundMessageTable } from '../db/schema.js';
import type { InboundResult } from '../inbound/process-inbound-message.js';
import { recordReply } from '../mail/lifecycle-repository.js';
import { emitWebhookEvents } from '../webhooks/outbox-repository.js';
import { recipientEvent } from '../webhooks/webhook-events.js';
import { parseReply, type ParsedReply } from './parse-reply.js';
import { isReplyAddress, readReplyAddress } from './reply-address.js';
import { REPLY_ID_PREFIX } from './reply-ids.js';
import {
  findMailOfRecipient,
  findRepliedMail,
  findReplyByInbound,
  insertReply,
  recipientsOfRepliedMail,
  type RepliedMail,
  type RepliedRecipient,
} from './reply-repository.js';

/** Whether a stored inbound message was sent to REPLY_ADDRESS (with or without a token): a reply candidate. */
export function isReplyCandidate(ctx: Pick<Context, 'config'>, envelopeRecipients: readonly string[]): boolean {
  const replyAddress = ctx.config.replyAddress;
  return replyAddress !== null && envelopeRecipients.some((a) => isReplyAddress(replyAddress, a));
}

/**
 * A message to the reply address (README "Replies", docs/replies.md), matched to the mail it
 * answers, in this order:
 * 1. the reply token of the envelope recipient (`replies+<token>@…`, authenticated by its HMAC):
 *    it names the recipient, hence the mail;
 * 2. else its In-Reply-To, then its References (latest first): a `<64hex@MESSAGE_ID_DOMAIN>` id
 *    naming one of our mails.
 * A copy of one of our own mails (its own Message-ID is ours: the user Bcc'd the reply address on
 * a mail sent through Mailroom) is not a reply. Unmatched: `ignored` with the reason (kept for
 * admins, `mailroom inbound list`), nothing changes.
 *
 * Who replied: the mail's recipient whose address is the reply's From; else the token's
 * recipient; else the mail's first To. Except: a message matched by its headers whose From is the
 * mail's own sender (the user answering from their mailbox with the dropbox in Bcc) is stored in
 * the thread with no recipient and changes no status.
 *
 * Stored (`mail_replies`) with the mail's org, record and thread; an auto-reply (RFC 3834) is
 * stored and marked, and changes no status; a person's reply makes a `sent` recipient `replied`
 * (`recordReply`), in the same transaction as the insert and its `recipient.replied` webhook event. Idempotent: an inbound message already
 * stored as a reply is not stored again (unique `inbound_id`).
 */
export async function storeReply(ctx: Context, message: InboundMessageTable): Promise<InboundResult> {
  const replyAddress = ctx.config.replyAddress!;
  const ignored = (reason: string, orgId: string | null = null): InboundResult => ({ state: 'ignored', kind: 'reply', orgId, summary: { reason } });

  const existing = await findReplyByInbound(ctx.db, message.id);
  if (existing) return processed(existing.org_id, existing.auto_reply === 1, { reply_id: existing.id, message_id: existing.message_id, recipient_id: existing.recipient_id, matched_by: existing.matched_by, already_stored: true });

  let reply: ParsedReply;
  try {
    reply = await parseReply(message.raw);
  } catch (error) {
    return ignored(`unreadable MIME: ${(error as Error).message}`);
  }

  const ours = ourMessageId(ctx, reply.messageId);
  if (ours !== null && (await findRepliedMail(ctx.db, ours))) return ignored('a copy of one of our own mails (the reply address was among its recipients), not a reply');

  // 1. The token of the envelope recipient.
  const envelopeRecipients = (JSON.parse(message.rcpt_to) as string[]).filter((a) => isReplyAddress(replyAddress, a));
  let tokenRecipientId: string | null = null;
  let mail: RepliedMail | undefined;
  let matchedBy: 'token' | 'in_reply_to' | 'references' | null = null;
  for (const address of envelopeRecipients) {
    const recipientId = readReplyAddress(ctx, replyAddress, address);
    if (recipientId === null) continue;
    mail = await findMailOfRecipient(ctx.db, recipientId);
    if (mail) {
      tokenRecipientId = recipientId;
      matchedBy = 'token';
      break;
    }
  }
  // 2. In-Reply-To, then References (the latest, nearest parent, first).
  if (!mail) {
    const candidates: ['in_reply_to' | 'references', string][] = [
      ...reply.inReplyTo.map((id) => ['in_reply_to', id] as ['in_reply_to', string]),
      ...[...reply.references].reverse().map((id) => ['references', id] as ['references', string]),
    ];
    for (const [by, header] of candidates) {
      const id = ourMessageId(ctx, header);
      if (id === null) continue;
      mail = await findRepliedMail(ctx.db, id);
      if (mail) {
        matchedBy = by;
        break;
      }
    }
  }
  if (!mail || matchedBy === null) return ignored('no valid reply token, and no In-Reply-To or References naming a mail of ours');
  if (reply.fromEmail === null) return ignored('no From address', mail.org_id);

  const recipients = await recipientsOfRepliedMail(ctx.db, mail.message_id);
  const fromSender = matchedBy !== 'token' && reply.fromEmail === mail.from_email.toLowerCase();
  const replier: RepliedRecipient | undefined =
    recipients.find((r) => r.email.toLowerCase() === reply.fromEmail) ??
    (fromSender ? undefined : (recipients.find((r) => r.id === tokenRecipientId) ?? recipients.find((r) => r.kind === 'to')));

  const id = `${REPLY_ID_PREFIX}${ctx.ids.next()}`;
  const repliedMail = mail;
  const outcome = await inTransaction(ctx.db, async (tx) => {
    // The same inbound message processed twice (two listeners, a crash after the insert): one reply.
    const again = await findReplyByInbound(tx, message.id);
    if (again) return { id: again.id, replied: false, stored: false };
    await insertReply(tx, {
      id,
      org_id: repliedMail.org_id,
      inbound_id: message.id,
      message_id: repliedMail.message_id,
      recipient_id: replier?.id ?? null,
      thread_id: repliedMail.thread_id,
      module: repliedMail.module,
      record_id: repliedMail.record_id,
      linked_record_id: repliedMail.linked_record_id,
      matched_by: matchedBy,
      from_email: reply.fromEmail!,
      from_name: reply.fromName,
      to_json: JSON.stringify(reply.to),
      subject: reply.subject,
      html: reply.html,
      text: reply.text,
      received_at: message.received_at,
      auto_reply: reply.autoReply ? 1 : 0,
      header_message_id: reply.messageId ? reply.messageId.slice(0, 998) : null,
      attachments_json: JSON.stringify(reply.attachments.map((a) => ({ index: a.index, name: a.name, size: a.size, content_type: a.contentType }))),
    });
    let replied = false;
    if (!reply.autoReply && replier) {
      replied = await recordReply(tx, { recipientId: replier.id });
      if (replied) {
        // In the transaction that makes the recipient `replied`: no event without the change.
        const subject = { ...replier, status: 'replied', action: 'delivered' };
        const extras = { reply: { id, from: reply.fromEmail!, subject: reply.subject } };
        await emitWebhookEvents(tx, [recipientEvent('recipient.replied', repliedMail, subject, message.received_at, extras)], ctx.clock.now());
      }
    }
    return { id, replied, stored: true };
  }).catch(async (error: unknown) => {
    // Two processes storing the same message at once: the unique inbound_id refuses the second
    // insert (and rolls back its transition); the first one's reply stands.
    const winner = await findReplyByInbound(ctx.db, message.id);
    if (!winner) throw error;
    return { id: winner.id, replied: false, stored: false };
  });
  return processed(repliedMail.org_id, reply.autoReply, {
    reply_id: outcome.id,
    message_id: repliedMail.message_id,
    recipient_id: replier?.id ?? null,
    matched_by: matchedBy,
    replied: outcome.replied,
    ...(outcome.stored ? {} : { already_stored: true }),
  });
}

function processed(orgId: string, autoReply: boolean, summary: Record<string, unknown>): InboundResult {
  return { state: 'processed', kind: autoReply ? 'auto_reply' : 'reply', orgId, summary };
}

/** The Mailroom message id in `<64hex@MESSAGE_ID_DOMAIN>`, or null for any other id. */
function ourMessageId(ctx: Pick<Context, 'config'>, header: string | null): string | null {
  if (header === null) return null;
  const match = /^<?([0-9a-fA-F]{64})@([^<>@\s]+)>?$/.exec(header.trim());
  if (!match || match[2]!.toLowerCase() !== ctx.config.messageIdDomain.toLowerCase()) return null;
  return match[1]!.toLowerCase();
}
