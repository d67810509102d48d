import { applyComplaint } from '../bounces/apply-complaint.js';
import { applyRecipientReport, type ReportEffect } from '../bounces/apply-recipient-report.js';
import { findReportedRecipient, type ReportedRecipient } from '../bounces/bounce-repository.js';
import type { DsnRecipient } from '../bounces/parse-report.js';
import { parseReport } from '../bounces/parse-report.js';
import { readUnsubscribeAddress, readVerpAddress, UNSUBSCRIBE_TAG, VERP_KEY_INFO } from '../bounces/verp.js';
import { findUnsubscribeTarget } from '../compliance/unsubscribe-repository.js';
import { MAILTO_REASON, optOutUnsubscribeTarget } from '../compliance/unsubscribe-recipient.js';
import type { Context } from '../context.js';
import type { InboundMessageTable } from '../db/schema.js';
import { isReplyCandidate, storeReply } from '../replies/store-reply.js';

export type InboundResult = { state: 'processed' | 'ignored'; kind: string; orgId: string | null; summary: Record<string, unknown> };

/** How bad a DSN entry is: the worst one speaks for the recipient (failed > delayed > delivered). */
const SEVERITY: Record<string, number> = { hard: 3, soft: 2, delayed: 1, delivered: 0 };

/**
 * What one stored inbound message means, applied:
 * - first, a message to REPLY_ADDRESS (with or without a token) is a reply candidate
 *   (replies/store-reply.ts): matched by its token or its In-Reply-To/References, stored on the
 *   record, the recipient `replied`; unmatched: `ignored` with the reason;
 * - then, a mail to an unsubscribe address (`<local>+u<token>@<domain>`, the mailto of
 *   `List-Unsubscribe`; bounces/verp.ts) is an unsubscribe request, whatever it says: the address
 *   of the recipient its token names opts out, as the one-click POST does (audit reason
 *   `mailto_unsubscribe`). A token that does not verify, or a recipient that no longer exists:
 *   `ignored`, nothing changes;
 * - the recipient it concerns is the one its VERP token names — in the envelope recipient (a DSN
 *   goes to the return path) or, for a complaint, in the returned message's return path. A token
 *   that does not verify names nobody: a forged or altered report changes nothing;
 * - a DSN (RFC 3464, or a common non-standard bounce): its worst entry about that recipient
 *   (`applyRecipientReport`: bounced and blocked, delayed, delivered);
 * - a complaint (ARF): the address opts out (`applyComplaint`);
 * - anything else (an unknown or unparseable message, no valid token, a recipient that no longer
 *   exists) is kept, `ignored`, with the reason: visible to admins (`mailroom inbound list`).
 * Idempotent: processing a message twice changes nothing the second time.
 */
export async function processInboundMessage(ctx: Context, message: InboundMessageTable): Promise<InboundResult> {
  const bounceAddress = ctx.config.bounceAddress;
  const key = ctx.secrets.derive(VERP_KEY_INFO);
  const named = (address: string | null): string | null => (address && bounceAddress ? readVerpAddress(address, bounceAddress, key) : null);
  const ignored = (kind: string, reason: string, orgId: string | null = null): InboundResult => ({ state: 'ignored', kind, orgId, summary: { reason } });
  const envelopeRecipients = JSON.parse(message.rcpt_to) as string[];
  if (isReplyCandidate(ctx, envelopeRecipients)) return storeReply(ctx, message);

  const unsubscribeRecipients = bounceAddress === null ? [] : envelopeRecipients.filter((a) => looksLikeUnsubscribeAddress(a, bounceAddress));
  if (bounceAddress !== null && unsubscribeRecipients.length > 0) {
    const recipientId = unsubscribeRecipients.map((a) => readUnsubscribeAddress(a, bounceAddress, key)).find((id) => id !== null) ?? null;
    if (recipientId === null) return ignored('unsubscribe', 'no valid unsubscribe token: it names no recipient of ours');
    const target = await findUnsubscribeTarget(ctx.db, recipientId);
    if (!target) return ignored('unsubscribe', 'the recipient its token names no longer exists');
    const changed = await optOutUnsubscribeTarget(ctx, target, MAILTO_REASON);
    return { state: 'processed', kind: 'unsubscribe', orgId: target.orgId, summary: { recipient_id: target.recipientId, records_opted_out: changed } };
  }

  const report = await parseReport(message.raw);
  if (report.kind === 'unknown') return ignored('unknown', report.reason);

  const candidates = report.kind === 'complaint' ? [...envelopeRecipients, report.originalMailFrom] : envelopeRecipients;
  const recipientId = candidates.map((a) => named(a)).find((id) => id !== null) ?? null;
  if (recipientId === null) return ignored(report.kind, 'no valid VERP token: it names no recipient of ours');
  const recipient = await findReportedRecipient(ctx.db, recipientId);
  if (!recipient) return ignored(report.kind, 'the recipient its token names no longer exists');

  if (report.kind === 'complaint') {
    const changed = await applyComplaint(ctx, recipient, { source: 'arf', feedbackType: report.feedbackType });
    return { state: 'processed', kind: 'complaint', orgId: recipient.orgId, summary: { recipient_id: recipient.recipientId, feedback_type: report.feedbackType, records_opted_out: changed } };
  }

  const entry = worstEntryFor(recipient, report.recipients);
  if (!entry) return ignored('dsn', 'the report says nothing about a recipient', recipient.orgId);
  const effect: ReportEffect = await applyRecipientReport(ctx, recipient, {
    classification: entry.bounce,
    diagnostic: entry.diagnostic,
    remoteMta: entry.remoteMta ?? report.reportingMta,
    at: message.received_at,
    source: 'dsn',
  });
  return {
    state: 'processed',
    kind: 'dsn',
    orgId: recipient.orgId,
    summary: { recipient_id: recipient.recipientId, outcome: entry.bounce.outcome, status: entry.bounce.status, effect },
  };
}

/**
 * The DSN entry about the recipient: one transaction carried one recipient (VERP), so any entry
 * speaks for it — those naming its address first (an alias may have expanded to another final
 * address), the worst of them.
 */
function worstEntryFor(recipient: ReportedRecipient, entries: readonly DsnRecipient[]): DsnRecipient | null {
  if (entries.length === 0) return null;
  const email = recipient.email.toLowerCase();
  const naming = entries.filter((e) => e.recipient === email || e.originalRecipient === email);
  const pool = naming.length > 0 ? naming : entries;
  return [...pool].sort((a, b) => (SEVERITY[b.bounce.outcome] ?? 0) - (SEVERITY[a.bounce.outcome] ?? 0))[0] ?? null;
}

/** `<local>+u…@<domain>` of the bounce address, whether or not its token verifies (case-insensitive). */
function looksLikeUnsubscribeAddress(address: string, bounceAddress: string): boolean {
  const candidate = address.trim().replace(/^<(.*)>$/, '$1').toLowerCase();
  const at = bounceAddress.lastIndexOf('@');
  const base = bounceAddress.toLowerCase();
  return candidate.startsWith(`${base.slice(0, at)}+${UNSUBSCRIBE_TAG}`) && candidate.endsWith(`@${base.slice(at + 1)}`);
}
