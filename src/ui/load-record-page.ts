import type { Context } from '../context.js';
import { getRecordEmail, listRecordEmails } from '../mail/list-record-emails.js';
import { isReplyId } from '../replies/reply-ids.js';
import { getRecord } from '../records/get-records.js';
import { listModules } from '../records/module-registry.js';
import type { ModuleDefinition } from '../records/modules.js';
import { findRecord, parseData } from '../records/record-repository.js';
import { localInputValue } from './local-time.js';
import { renderRecordPage } from './render-record-pages.js';
import { findReferringRecords, recordName } from './record-queries.js';
import type { Session } from '../auth/web-sessions.js';

export type RecordPageExtra = { notice?: string | null; error?: string | null; emailsIndex?: string | null };

/** A record's page: its fields, the records around it, and its Emails (one page of them). */
export async function buildRecordPage(ctx: Context, session: Session, module: ModuleDefinition, id: string, extra: RecordPageExtra): Promise<string> {
  const record = await getRecord(ctx, session.principal, module, id, {});
  const row = await findRecord(ctx.db, session.principal.orgId, module.apiName, id);
  const modules = await listModules(ctx.db, session.principal.orgId);
  const related = await findReferringRecords(ctx, session.principal, modules, module, id);
  const index = extra.emailsIndex && (/^[0-9a-f]{64}$/.test(extra.emailsIndex) || isReplyId(extra.emailsIndex)) ? extra.emailsIndex : undefined;
  const page = await listRecordEmails(ctx, session.principal, module, id, index ? { index } : {});
  // Replies are shown with their (sanitised) content under their mail: read each one's.
  const emails = page
    ? { ...page, emails: await Promise.all(page.emails.map((e) => (e.incoming ? getRecordEmail(ctx, session.principal, module, id, e.messageId) : e))) }
    : null;
  return renderRecordPage(session, {
    module,
    record,
    name: row ? recordName(module, parseData(row)) : id,
    related,
    emails: emails?.emails ?? [],
    emailsNext: emails?.nextIndex ?? null,
    emailsIndex: index ?? null,
    notice: extra.notice ?? null,
    error: extra.error ?? null,
    localNow: localInputValue(ctx.clock.now() + 60 * 60_000, session.principal.timeZone),
  });
}
