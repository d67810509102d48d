import type { Context, Principal } from '../context.js';
import { AppError } from '../errors.js';
import type { ModuleDefinition } from '../records/modules.js';
import { findRecord } from '../records/record-repository.js';
import { findUsersByIds } from '../users/user-repository.js';
import { findMail, listMailsOfRecord, recipientsOf, type MailRow } from './mail-repository.js';
import { mailView, type MailView } from './mail-view.js';
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

/**
 * `GET /{module}/{id}/Emails[?type=&index=]`: mails filed under the record, newest first, ten a
 * page; `index` is the cursor from `info.next_index`. Without `type`: sent and scheduled mails.
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
  let before: { createdAt: number; messageId: string } | undefined;
  if (query.index !== undefined && query.index !== '0') {
    const cursor = /^[0-9a-f]{64}$/.test(query.index) ? await findMail(ctx.db, principal.orgId, query.index) : undefined;
    if (!cursor) throw new AppError('INVALID_PARAMETER', { details: { param_name: 'index' } });
    before = { createdAt: cursor.created_at, messageId: cursor.message_id };
  }
  const mails = await listMailsOfRecord(ctx.db, principal.orgId, recordId, {
    ...(type === 'scheduled_in_crm' ? { scheduled: true, states: ['queued'] as const } : {}),
    ...(type === 'sent_from_crm' ? { states: ['sending', 'done', 'queued'] as const } : {}),
    ...(before ? { before } : {}),
    limit: EMAILS_PAGE_SIZE + 1,
  });
  const page = type === 'sent_from_crm' ? mails.filter((m) => m.scheduled_at === null || m.attempts > 0) : mails;
  if (page.length === 0) return null;
  const shown = page.slice(0, EMAILS_PAGE_SIZE);
  return {
    emails: await views(ctx, principal, shown, false),
    perPage: EMAILS_PAGE_SIZE,
    nextIndex: page.length > EMAILS_PAGE_SIZE ? page[EMAILS_PAGE_SIZE]!.message_id : null,
    prevIndex: query.index ?? '0',
  };
}

/** `GET /{module}/{id}/Emails/{message_id}`: one mail with its content. */
export async function getRecordEmail(
  ctx: Context,
  principal: Principal,
  module: ModuleDefinition,
  recordId: string,
  messageId: string,
): Promise<MailView> {
  await requireRecord(ctx, principal, module, recordId);
  const mail = /^[0-9a-f]{64}$/.test(messageId) ? await findMail(ctx.db, principal.orgId, messageId) : undefined;
  if (!mail || (mail.record_id !== recordId && mail.linked_record_id !== recordId)) {
    throw new AppError('RECORD_NOT_FOUND', { details: { resource_path_index: 3 } });
  }
  const [view] = await views(ctx, principal, [mail], true);
  return view!;
}
