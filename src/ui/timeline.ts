import type { BlockedAddressRow } from '../mail/blocked-address-repository.js';
import { MAX_UNBLOCKS } from '../mail/blocked-addresses.js';
import type { MailView, RecipientView } from '../mail/mail-view.js';
import type { ReplyRow } from '../replies/reply-repository.js';
import { UNBLOCK_FIELDS, type UnblockField } from '../mail/unblock-email.js';
import type { OptOutRow, TimelineMailRow, TimelineRecipientRow } from './timeline-repository.js';

/**
 * The record page's timeline (issue 18 item 3): each mail's story per recipient, in time order,
 * derived from what the database already records — no event log of its own. Pure.
 *
 * Where each step's time comes from:
 * - accepted: `mails.created_at`; scheduled: the same, "for" `mails.scheduled_at`;
 * - cancelled: `mails.updated_at` of a cancelled mail (nothing changes a cancelled mail after);
 * - sent: the recipient's `last_attempt_at` (the attempt the next hop took; for a late bounce the
 *   attempt is still that one, while `done_at` was moved to the bounce); earlier deferrals of a
 *   recipient that was sent in the end are not stored one by one: "after N attempts" says them;
 * - deferred (now): `last_attempt_at`, with `next_attempt_at`;
 * - bounced: `bounced_at`, late when it differs from `last_attempt_at` (a DSN or a relay event
 *   reported it after the next hop took the message);
 * - failed / skipped: `done_at`;
 * - a later hop still trying (a delayed DSN): no time is stored, the step follows "sent";
 * - opened / clicked: the person's first and last event and their count (prefetches not counted);
 * - replied: each reply's `received_at`; complained / unsubscribed: the `opt_out.changed` audit
 *   entry on this record that names the recipient (only the first opt-out of an address changes,
 *   and so is audited).
 */
export type StepKind =
  | 'accepted'
  | 'scheduled'
  | 'cancelled'
  | 'skipped'
  | 'deferred'
  | 'sent'
  | 'remote-delay'
  | 'bounced'
  | 'failed'
  | 'opened'
  | 'clicked'
  | 'replied'
  | 'auto-reply'
  | 'complained'
  | 'unsubscribed';

export type StoryStep = Readonly<{
  kind: StepKind;
  /** Epoch ms; null: not stored (placed after the step it follows). */
  at: number | null;
  /** The server's or the report's words, a skip reason. */
  detail: string | null;
  /** scheduled: for when; deferred: the next attempt; opened / clicked: the last time. */
  until?: number | null;
  attempts?: number;
  count?: number;
  /** bounced: Zoho's category and sub-category, and whether a later report told it. */
  category?: string | null;
  late?: boolean;
  /** unsubscribed: how (one-click, mailto). */
  via?: string;
  reply?: ReplyRow;
}>;

export type BlockView = Readonly<{
  since: number;
  reason: string;
  permanent: boolean;
  /** The record field that holds the address (unblock_email works on those), else null. */
  field: UnblockField | null;
  /** Unblocked MAX_UNBLOCKS times already: unblock_email refuses. */
  limitReached: boolean;
}>;

export type RecipientStory = Readonly<{ recipient: RecipientView; steps: readonly StoryStep[]; block: BlockView | null }>;

export type MailStory = Readonly<{ mail: MailView; recipients: readonly RecipientStory[]; otherReplies: readonly ReplyRow[] }>;

export type TimelineInput = Readonly<{
  mails: readonly MailView[];
  times: readonly TimelineMailRow[];
  recipients: readonly TimelineRecipientRow[];
  replies: readonly ReplyRow[];
  optOuts: readonly OptOutRow[];
  blocks: readonly BlockedAddressRow[];
  /** The record's data: its Email / Secondary_Email decide which blocks it can lift. */
  record: Record<string, unknown>;
}>;

const ORDER: readonly StepKind[] = ['accepted', 'scheduled', 'cancelled', 'skipped', 'deferred', 'sent', 'remote-delay', 'bounced', 'failed', 'opened', 'clicked', 'replied', 'auto-reply', 'complained', 'unsubscribed'];

/** Oldest first; a step without a time goes right after the steps of its kind's place. */
function inTimeOrder(steps: StoryStep[]): StoryStep[] {
  const rank = (s: StoryStep) => ORDER.indexOf(s.kind);
  const timed = steps.filter((s) => s.at !== null).sort((a, b) => a.at! - b.at! || rank(a) - rank(b));
  for (const untimed of steps.filter((s) => s.at === null)) {
    // After the last timed step that comes before it in the lifecycle.
    let index = 0;
    timed.forEach((s, i) => {
      if (rank(s) < rank(untimed)) index = i + 1;
    });
    timed.splice(index, 0, untimed);
  }
  return timed;
}

function recipientSteps(mail: MailView, times: TimelineMailRow | undefined, r: RecipientView, row: TimelineRecipientRow | undefined, replies: readonly ReplyRow[], optOuts: readonly OptOutRow[]): StoryStep[] {
  const steps: StoryStep[] = [];
  const acceptedAt = times?.created_at ?? mail.at;
  steps.push({ kind: 'accepted', at: acceptedAt, detail: null });
  if (mail.scheduled) steps.push({ kind: 'scheduled', at: acceptedAt, detail: null, until: mail.scheduled.at });
  if (r.status === 'cancelled') steps.push({ kind: 'cancelled', at: times?.updated_at ?? null, detail: null });
  const attempts = row?.attempts ?? 0;
  const attemptAt = row?.last_attempt_at ?? r.lastAttemptAt;
  const delivery = r.delivery;
  if (delivery === 'skipped' && r.status !== 'cancelled') steps.push({ kind: 'skipped', at: r.doneAt, detail: r.diagnostic });
  if (delivery === 'deferred') steps.push({ kind: 'deferred', at: attemptAt, detail: r.diagnostic, until: r.nextAttemptAt, attempts });
  const bouncedAt = r.bounce?.at ?? null;
  const late = delivery === 'bounced' && bouncedAt !== null && attemptAt !== null && bouncedAt !== attemptAt;
  if (delivery === 'sent' || delivery === 'replied' || late) steps.push({ kind: 'sent', at: attemptAt ?? mail.sentAt, detail: null, attempts });
  if (delivery === 'sent' && r.action === 'delayed') steps.push({ kind: 'remote-delay', at: null, detail: r.diagnostic });
  if (delivery === 'bounced') {
    const category = [r.bounce?.category ?? null, r.bounce?.subCategory ?? null].filter((p): p is string => p !== null).join(', ');
    steps.push({ kind: 'bounced', at: bouncedAt, detail: r.diagnostic, category: category || null, late, attempts });
  }
  if (delivery === 'failed') steps.push({ kind: 'failed', at: r.doneAt, detail: r.diagnostic, attempts });
  if (r.opens) steps.push({ kind: 'opened', at: r.opens.first, detail: null, until: r.opens.last, count: r.opens.count });
  if (r.clicks) steps.push({ kind: 'clicked', at: r.clicks.first, detail: null, until: r.clicks.last, count: r.clicks.count });
  if (row) {
    for (const reply of replies.filter((x) => x.recipient_id === row.id)) {
      steps.push({ kind: reply.auto_reply === 1 ? 'auto-reply' : 'replied', at: reply.received_at, detail: null, reply });
    }
    for (const optOut of optOuts) {
      const details = parseDetails(optOut.details);
      if (details.recipient_id !== row.id) continue;
      if (optOut.reason === 'complaint') steps.push({ kind: 'complained', at: optOut.at, detail: typeof details.feedback_type === 'string' ? details.feedback_type : null });
      else steps.push({ kind: 'unsubscribed', at: optOut.at, detail: null, via: optOut.reason === 'one_click_unsubscribe' ? 'one-click link' : 'mail to the unsubscribe address' });
    }
  }
  return inTimeOrder(steps);
}

function parseDetails(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function blockOf(email: string, blocks: readonly BlockedAddressRow[], record: Record<string, unknown>): BlockView | null {
  const address = email.toLowerCase();
  const row = blocks.find((b) => b.email === address && b.is_blocked === 1);
  if (!row) return null;
  const field = UNBLOCK_FIELDS.find((f) => typeof record[f] === 'string' && (record[f] as string).toLowerCase() === address) ?? null;
  return { since: Number(row.blocked_at), reason: row.reason, permanent: row.permanent === 1, field, limitReached: Number(row.unblock_count) >= MAX_UNBLOCKS };
}

/** Each mail (not the replies) of the list with its recipients' stories; replies that name no recipient stay with their mail. */
export function buildTimeline(input: TimelineInput): MailStory[] {
  return input.mails
    .filter((m) => m.incoming === null)
    .map((mail) => {
      const times = input.times.find((t) => t.message_id === mail.messageId);
      const rows = input.recipients.filter((r) => r.message_id === mail.messageId);
      const replies = input.replies.filter((r) => r.message_id === mail.messageId);
      const used = new Set<string>();
      const recipients = mail.recipients.map((r) => {
        const row = rows.find((x) => !used.has(x.id) && x.kind === r.kind && x.email === r.email);
        if (row) used.add(row.id);
        return { recipient: r, steps: recipientSteps(mail, times, r, row, replies, input.optOuts), block: blockOf(r.email, input.blocks, input.record) };
      });
      const storyRecipientIds = new Set(rows.map((r) => r.id));
      return { mail, recipients, otherReplies: replies.filter((r) => r.recipient_id === null || !storyRecipientIds.has(r.recipient_id)) };
    });
}

/**
 * The mails grouped by thread, in the list's order (newest first): a thread sits where its newest
 * mail on the page is, its mails newest first.
 */
export function groupByThread(stories: readonly MailStory[]): MailStory[][] {
  const groups = new Map<string, MailStory[]>();
  for (const story of stories) {
    const group = groups.get(story.mail.threadId);
    if (group) group.push(story);
    else groups.set(story.mail.threadId, [story]);
  }
  return [...groups.values()];
}
