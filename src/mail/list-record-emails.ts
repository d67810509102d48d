import type { Context, Principal } from '../context.js';
import { AppError } from '../errors.js';
import type { ModuleDefinition } from '../records/modules.js';
import { findRecord } from '../records/record-repository.js';
import { findUsersByIds } from '../users/user-repository.js';
import { findMail, listMailsOfRecord, recipientsOf, type MailRow } from './mail-repository.js';
import { mailView, replyView, type MailView } from './mail-view.js';
import { findReply, listRepliesOfRecord, type ReplyRow } from '../replies/reply-repository.js';
import { isReplyId } from '../replies/reply-ids.js';
import { filesOfMails } from './mail-attachment-repository.js';
import { engagementOf } from '../tracking/recipient-event-repository.js';

/** Zoho's Emails related list returns 10 mails a page. */
export const EMAILS_PAGE_SIZE = 10;

const TYPES = ['sent_from_crm', 'scheduled_in_crm', 'drafts', 'user_emails'] as const;

async function requireRecord(ctx: Context, principal: Principal, module: ModuleDefinition, recordId: string): Promise<void> {
  const record = /^\d{1,19}$/.test(recordId) ? await findRecord(ctx.db, principal.orgId, module.apiName, recordId) : undefined;
  if (!record) throw new AppError('RECORD_NOT_FOUND', { details: { resource_path_index: 1 } });
}

/** One page of a record's mails, newest first; `nextIndex` is where the next page starts (null: no more). */
export type RecordEmailsPage = Readonly<{ emails: readonly MailView[]; perPage: number; nextIndex: string | null; prevIndex: string }>;

async function views(ctx: Context, principal: Principal, mails: readonly MailRow[], withContent: boolean): Promise<MailView[]> {
  const ids = mails.map((m) => m.message_id);
  const [recipients, owners, files] = await Promise.all([
    recipientsOf(ctx.db, ids),
    findUsersByIds(ctx.db, principal.orgId, [...new Set(mails.map((m) => m.user_id))]),
    filesOfMails(ctx.db, ids),
  ]);
  const engagement = await engagementOf(ctx.db, recipients.map((r) => r.id));
  return mails.map((mail) =>
    mailView(mail, recipients.filter((r) => r.message_id === mail.message_id), owners.find((u) => u.id === mail.user_id), {
      withContent,
      files: files.filter((f) => f.message_id === mail.message_id),
      engagement,
    }),
  );
}

/** The originals of replies (their senders are the replies' `to`). */
async function originalsOf(ctx: Context, orgId: string, replies: readonly ReplyRow[]): Promise<Map<string, MailRow>> {
  const ids = [...new Set(replies.map((r) => r.message_id))];
  const found = await Promise.all(ids.map((id) => findMail(ctx.db, orgId, id)));
  return new Map(found.filter((m): m is MailRow => m !== undefined).map((m) => [m.message_id, m]));
}

const filedUnder = (row: { record_id: string; linked_record_id: string | null }, recordId: string) => row.record_id === recordId || row.linked_record_id === recordId;

/** One entry of the merged list: a mail (by `created_at`) or a reply (by `received_at`). */
type Entry = { at: number; id: string; mail?: MailRow; reply?: ReplyRow };

/**
 * The Emails list's order: newest first, ties by id descending (string order, as the SQL cursors
 * compare; a reply id `r…` sorts after every hex message_id).
 */
const newestFirst = (a: Entry, b: Entry): number => b.at - a.at || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

/**
 * `GET /{module}/{id}/Emails[?type=&index=]`: mails filed under the record and, without `type`,
 * the replies received to them (src/replies/, `sent: false`), newest first, ten a page; `index` is
 * the cursor from `info.next_index` (a mail's message_id or a reply's id). Without `type`: sent and
 * scheduled mails and replies.
 */
export async function listRecordEmails(
  ctx: Context,
  principal: Principal,
  module: ModuleDefinition,
  recordId: string,
  query: { type?: string; index?: string },
): Promise<RecordEmailsPage | null> {
  await requireRecord(ctx, principal, module, recordId);
  const type = query.type;
  if (type !== undefined && !(TYPES as readonly string[]).includes(type)) {
    throw new AppError('INVALID_PARAMETER', { details: { param_name: 'type', supported_values: TYPES } });
  }
  if (type === 'drafts' || type === 'user_emails') return null;
  const withReplies = type === undefined;
  let before: { at: number; id: string } | undefined;
  if (query.index !== undefined && query.index !== '0') {
    if (withReplies && isReplyId(query.index)) {
      const cursor = await findReply(ctx.db, principal.orgId, query.index);
      if (!cursor || !filedUnder(cursor, recordId)) throw new AppError('INVALID_PARAMETER', { details: { param_name: 'index' } });
      before = { at: cursor.received_at, id: cursor.id };
    } else {
      const cursor = /^[0-9a-f]{64}$/.test(query.index) ? await findMail(ctx.db, principal.orgId, query.index) : undefined;
      if (!cursor) throw new AppError('INVALID_PARAMETER', { details: { param_name: 'index' } });
      before = { at: cursor.created_at, id: cursor.message_id };
    }
  }
  const [mails, replies] = await Promise.all([
    listMailsOfRecord(ctx.db, principal.orgId, recordId, {
      ...(type === 'scheduled_in_crm' ? { scheduled: true, states: ['queued'] as const } : {}),
      // In SQL, not after the page is read: a record with many scheduled mails still gets full pages.
      ...(type === 'sent_from_crm' ? { states: ['sending', 'done', 'queued'] as const, started: true } : {}),
      ...(before ? { before: { createdAt: before.at, messageId: before.id } } : {}),
      limit: EMAILS_PAGE_SIZE + 1,
    }),
    withReplies ? listRepliesOfRecord(ctx.db, principal.orgId, recordId, { ...(before ? { before } : {}), limit: EMAILS_PAGE_SIZE + 1 }) : Promise.resolve([]),
  ]);
  const page: Entry[] = [
    ...mails.map((mail) => ({ at: mail.created_at, id: mail.message_id, mail })),
    ...replies.map((reply) => ({ at: reply.received_at, id: reply.id, reply })),
  ]
    .sort(newestFirst)
    .slice(0, EMAILS_PAGE_SIZE + 1);
  if (page.length === 0) return null;
  const shown = page.slice(0, EMAILS_PAGE_SIZE);
  const mailViews = await views(ctx, principal, shown.flatMap((e) => (e.mail ? [e.mail] : [])), false);
  const shownReplies = shown.flatMap((e) => (e.reply ? [e.reply] : []));
  const originals = await originalsOf(ctx, principal.orgId, shownReplies);
  return {
    emails: shown.map((e) => (e.mail ? mailViews.find((v) => v.messageId === e.id)! : replyView(e.reply!, originals.get(e.reply!.message_id), { withContent: false }))),
    perPage: EMAILS_PAGE_SIZE,
    nextIndex: page.length > EMAILS_PAGE_SIZE ? page[EMAILS_PAGE_SIZE]!.id : null,
    prevIndex: query.index ?? '0',
  };
}

/** `GET /{module}/{id}/Emails/{message_id}`: one mail (or reply, `r…`) with its content. */
export async function getRecordEmail(
  ctx: Context,
  principal: Principal,
  module: ModuleDefinition,
  recordId: string,
  messageId: string,
): Promise<MailView> {
  await requireRecord(ctx, principal, module, recordId);
  if (isReplyId(messageId)) {
    const reply = await findReply(ctx.db, principal.orgId, messageId);
    if (!reply || !filedUnder(reply, recordId)) throw new AppError('RECORD_NOT_FOUND', { details: { resource_path_index: 3 } });
    return replyView(reply, await findMail(ctx.db, principal.orgId, reply.message_id), { withContent: true });
  }
  const mail = /^[0-9a-f]{64}$/.test(messageId) ? await findMail(ctx.db, principal.orgId, messageId) : undefined;
  if (!mail || (mail.record_id !== recordId && mail.linked_record_id !== recordId)) {
    throw new AppError('RECORD_NOT_FOUND', { details: { resource_path_index: 3 } });
  }
  const [view] = await views(ctx, principal, [mail], true);
  return view!;
}
