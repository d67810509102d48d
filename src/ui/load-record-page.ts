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
import { hasPermission } from '../compliance/permissions.js';
import { buildTimeline } from './timeline.js';
import { blocksOf, mailTimesOf, optOutsOfRecord, recipientRowsOf, repliesToMails } from './timeline-repository.js';

export type RecordPageExtra = { notice?: string | null; error?: string | null; emailsIndex?: string | null };

/** A record's page: its fields, the records around it, and its Emails (one page of them). */
export async function buildRecordPage(ctx: Context, session: Session, module: ModuleDefinition, id: string, extra: RecordPageExtra): Promise<string> {
  const record = await getRecord(ctx, session.principal, module, id, {});
  const row = await findRecord(ctx.db, session.principal.orgId, module.apiName, id);
  const modules = await listModules(ctx.db, session.principal.orgId);
  const related = await findReferringRecords(ctx, session.principal, modules, module, id);
  const index = extra.emailsIndex && (/^[0-9a-f]{64}$/.test(extra.emailsIndex) || isReplyId(extra.emailsIndex)) ? extra.emailsIndex : undefined;
  const page = await listRecordEmails(ctx, session.principal, module, id, index ? { index } : {});
  const orgId = session.principal.orgId;
  const mails = (page?.emails ?? []).filter((e) => e.incoming === null);
  const mailIds = mails.map((m) => m.messageId);
  const onPage = new Set(mailIds);
  // A reply to a mail on this page is told in its recipient's story (src/ui/timeline.ts); any
  // other reply keeps a row of its own, with its (sanitised) content: read each one's.
  const emails = page
    ? {
        ...page,
        emails: await Promise.all(
          page.emails.map((e) => (e.incoming && !onPage.has(e.incoming.inReplyTo) ? getRecordEmail(ctx, session.principal, module, id, e.messageId) : e)),
        ),
      }
    : null;
  const data = row ? parseData(row) : {};
  const [times, recipients, replies, optOuts, blocks, mayUnblock] = await Promise.all([
    mailTimesOf(ctx.db, orgId, mailIds),
    recipientRowsOf(ctx.db, mailIds),
    repliesToMails(ctx.db, orgId, mailIds),
    optOutsOfRecord(ctx.db, orgId, module.apiName, id),
    blocksOf(ctx.db, orgId, mails.flatMap((m) => m.recipients.map((r) => r.email))),
    // The web UI's form of unblock_email's rule: the API asks for the send_mail scope, a session
    // has no scopes, so the profile's send_email permission (what send_mail asks of users) decides.
    hasPermission(ctx.db, orgId, session.isAdmin ? 'admin' : 'standard', 'send_email'),
  ]);
  const stories = buildTimeline({ mails, times, recipients, replies, optOuts, blocks, record: data });
  return renderRecordPage(session, {
    module,
    record,
    name: row ? recordName(module, data) : id,
    related,
    emails: emails?.emails ?? [],
    stories,
    mayUnblock,
    emailsNext: emails?.nextIndex ?? null,
    emailsIndex: index ?? null,
    notice: extra.notice ?? null,
    error: extra.error ?? null,
    localNow: localInputValue(ctx.clock.now() + 60 * 60_000, session.principal.timeZone),
  });
}
