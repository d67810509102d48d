import { randomBytes } from 'node:crypto';
import { faultPoint } from '../faults.js';
import type { Context, Principal } from '../context.js';
import type { Database } from '../db/database.js';
import { AppError, ERROR_CATALOGUE } from '../errors.js';
import { refusalOf, refuse, type ReadItem, type Refusal } from '../refusals.js';
import { resolveModule } from '../records/module-registry.js';
import type { ModuleDefinition } from '../records/modules.js';
import { findRecord, parseData, type RecordRow } from '../records/record-repository.js';
import type { OrgRow } from '../orgs/org-repository.js';
import { checkScheduleTime } from './schedule-rules.js';
import { findBlocked } from './blocked-addresses.js';
import { allowedFrom, findUserSmtp, fromAddressesOf } from './from-addresses.js';
import { claimIdempotencyKey, completeIdempotencyKey, releaseIdempotencyKey, type HeldKey, type StoredAnswer } from './idempotency.js';
import { acceptMail } from './lifecycle-repository.js';
import { findMail, type MailRow, type RecipientRow } from './mail-repository.js';
import { insertMailAttachments, newContentId } from './mail-files.js';
import { insertFile, type FileRow } from '../files/file-repository.js';
import { mergeContextLoader, resolveMailContent } from './mail-content.js';
import type { MergeContext } from '../templates/merge-fields.js';
import { markTemplateUsed } from '../templates/resolve-template.js';
import { markInventoryTemplateUsed } from '../inventory/render-for-send.js';
import { editionMailsFrom } from '../limits/edition-features.js';
import { BatchReservations, dailyLimitError, tryReserve, type DailyQuotaStatus } from '../limits/daily-quota.js';
import type { MailAttachmentTable } from '../db/schema.js';
import { firstRefusal, recordMailFacts } from './record-checks.js';
import { AUDITED_REFUSALS, recordAudit } from '../compliance/audit-log.js';
import { consentLocales, fillConsentLinks, insertConsentLink, newConsentLink } from '../compliance/consent-links.js';
import { checkDataSubjectRequest, personalDataFile, type DsrType } from '../compliance/dsr-export.js';
import { requirePermissionCached } from '../compliance/permissions.js';
import { readOrg, readOrgFromAddresses, readUser } from '../cache/cached-reads.js';
import type { ConsentLinkTable } from '../db/schema.js';
import { checkMailInput, type Address, type MailInput } from './mail-input.js';
import { eventGateFor } from '../webhooks/event-gate.js';

/** Modules send_mail serves (docs/zoho-contract.md §3.1); Products cannot be mailed. */
const NOT_MAILABLE = new Set(['Products', 'Data_Subject_Requests']);

/** A recipient left out because the org blocked the address (it bounced with a 5xx). */
export type BlockedAddress = Readonly<{ email: string; reason: string }>;

/** A mail committed to the queue (docs/ARCHITECTURE.md, glossary: Accepted). */
export type AcceptedMail = Readonly<{
  messageId: string;
  /** When it goes, if it was scheduled; null: now. */
  scheduledAt: number | null;
  /** Blocked recipients skipped (only with `blockedRecipients: 'skip'`). */
  blockedAddresses: readonly BlockedAddress[];
}>;

/** What became of one requested mail, in the order they were asked for. */
export type MailOutcome = { readonly accepted: AcceptedMail } | { readonly refused: Refusal };

/**
 * What to do when some recipients of a mail are blocked: skip them while someone is left
 * (Zoho v6+), or refuse the whole mail (v2–v5). A mail left with nobody is always refused.
 */
export type BlockedRecipients = 'skip' | 'refuse';

/**
 * An Idempotency-Key for this request. `answer` renders the reply the edge will give for these
 * outcomes; it is stored, as it is, in the transaction that accepts the mails, and replayed
 * unchanged for a repeat of the request.
 */
export type IdempotencyKeyUse = Readonly<{
  key: string;
  /** Of the raw request (method, URL, body): a repeat must be the same request. */
  fingerprint: string;
  answer: (mails: readonly MailOutcome[]) => StoredAnswer;
}>;

export type SendMailRequest = Readonly<{
  module: ModuleDefinition;
  recordId: string;
  /**
   * The mails asked for, read when the request-level checks have passed: a body's own shape
   * errors come after the module's, the record's and the sender's (docs/zoho-compatibility.md,
   * order of request checks). A read refusal is that mail's outcome.
   */
  mails: () => readonly ReadItem<MailInput>[];
  blockedRecipients: BlockedRecipients;
  idempotency: IdempotencyKeyUse | null;
}>;

export type SendMailResult =
  /** The mails were decided (at least one accepted and committed, or all refused); `quota` is the day's after them. */
  | { readonly kind: 'decided'; readonly mails: readonly MailOutcome[]; readonly quota: DailyQuotaStatus | null }
  /** A repeat of a request already answered under its Idempotency-Key: that answer, as stored. */
  | { readonly kind: 'replayed'; readonly answer: StoredAnswer };

type Accepted = {
  mail: MailRow;
  recipients: RecipientRow[];
  files: MailAttachmentTable[];
  generated: { row: FileRow; bytes: Buffer } | null;
  consentLink: ConsentLinkTable | null;
  templateId: string | null;
  inventoryTemplateId: string | null;
  blockedAddresses: BlockedAddress[];
};

type Decided = MailOutcome | { readonly pending: Accepted };

/** `message_id`: 64 hex characters like Zoho's, fixed at acceptance, reused on every retry. */
const newMessageId = (): string => randomBytes(32).toString('hex');

export function messageIdHeader(messageId: string, domain: string): string {
  return `<${messageId}@${domain}>`;
}

/**
 * Sends (or schedules) mails from a record: `POST /crm/{v}/{module}/{record_id}/actions/send_mail`
 * and the web UI's compose form. Request-level problems (module, record, account) throw; each
 * mail is then checked on its own and every accepted mail, its recipients and its queue state are
 * committed in ONE transaction before the result is given (together with the Idempotency-Key
 * answer, if any).
 */
export async function sendMail(ctx: Context, principal: Principal, request: SendMailRequest): Promise<SendMailResult> {
  const { module } = request;
  if (NOT_MAILABLE.has(module.apiName)) throw new AppError('INVALID_MODULE', { details: { resource_path_index: 0 } });
  const org = await readOrg(ctx, principal.orgId);
  if (!org) throw new AppError('INVALID_TOKEN');
  // A module the org's edition lacks (free: inventory and custom modules) refuses the whole request.
  if (!editionMailsFrom(org.edition, module)) throw new AppError('FEATURE_NOT_IN_EDITION');
  const record = /^\d{1,19}$/.test(request.recordId)
    ? await findRecord(ctx.db, principal.orgId, module.apiName, request.recordId)
    : undefined;
  if (!record) throw new AppError('RELATED_RECORD_NOT_FOUND', { details: { resource_path_index: 1 } });
  const user = await readUser(ctx, principal.orgId, principal.userId);
  if (!user) throw new AppError('INVALID_TOKEN');
  // docs/zoho-contract.md §3.3 steps 4–5: the profile's Send Email permission, then the account.
  try {
    await requirePermissionCached(ctx, principal.orgId, user.profile, 'send_email');
    if (user.is_confirmed !== 1) throw new AppError('ACCOUNT_NOT_CONFIRMED');
    if (user.is_email_confirmed !== 1) throw new AppError('EMAIL_NOT_CONFIRMED');
  } catch (error) {
    if (error instanceof AppError) await auditRefusal(ctx, principal, module.apiName, record.id, refusalOf(error));
    throw error;
  }
  const items = request.mails();

  let held: HeldKey | null = null;
  if (request.idempotency) {
    const claim = await claimIdempotencyKey(ctx, principal.orgId, request.idempotency.key, request.idempotency.fingerprint);
    if (claim.kind === 'replay') return { kind: 'replayed', answer: claim.answer };
    held = claim;
  }

  try {
    const facts = await recordMailFacts(ctx.db, principal.orgId, module, parseData(record), {
      recordId: record.id,
      senderProfile: user.profile,
      privacyOn: org.privacy_settings === 1,
    });
    const [orgAddresses, smtp] = await Promise.all([
      readOrgFromAddresses(ctx, principal.orgId),
      findUserSmtp(ctx.db, principal.orgId, principal.userId),
    ]);
    const fromList = fromAddressesOf(user, orgAddresses, smtp);
    const events = await eventGateFor(ctx, principal.orgId);
    const mergeContext = mergeContextLoader(ctx, principal, module, record.id);

    const results: Decided[] = [];
    for (const item of items) {
      if ('refused' in item) {
        results.push(item);
        continue;
      }
      try {
        const input = checkMailInput(item.input);
        const refusal = firstRefusal(facts, input.consentEmail);
        if (refusal) throw refusal;
        if (input.consentEmail && !facts.consentApplies) throw refuse('CONSENT_COMPLIANCE_DISABLED', ['consent_email']);
        const from = allowedFrom(fromList, input.from.email, input.orgEmail);
        if (!from) throw refuse('FROM_ADDRESS_NOT_ALLOWED', ['from']);
        if (!input.orgEmail && smtp?.failing_since != null) throw new AppError('SMTP_CONNECTIVITY');
        const pending = await acceptItem(ctx, principal, {
          org,
          module,
          record,
          mergeContext,
          input,
          blockedRecipients: request.blockedRecipients,
          ownAddresses: facts.ownAddresses,
          fromName: input.from.name ?? from.user_name,
        });
        results.push({ pending });
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        const refused = refusalOf(error);
        results.push({ refused });
        if (AUDITED_REFUSALS.has(refused.code)) await auditRefusal(ctx, principal, module.apiName, record.id, refused);
      }
    }

    // Generated PDFs' bytes go to storage first; their rows commit with the mail (a failure in
    // between leaves unreachable bytes, never a mail without its file).
    for (const r of results) if ('pending' in r && r.pending.generated) await ctx.files.put(r.pending.generated.row.id, r.pending.generated.bytes);
    const now = ctx.clock.now();
    // Group commit (src/db/group-commit.ts): concurrent acceptances share one transaction and one
    // durable commit (all of it or none); this resolves only after the commit holding it.
    // The work is re-runnable (a batch that cannot commit runs it again alone).
    const outcome = await ctx.commits.run(async (tx, batch) => {
      // The daily quota is reserved in this same transaction by atomic conditional statements, so
      // concurrent requests in any number of processes can never send past the limit. A mail
      // counts on the org-local day it goes (its scheduled day, if scheduled). Alone: one
      // statement per mail. Committing together with other requests (`batch.together`): the mails
      // are counted in the batch's one reservation at its end, which sends the whole batch to run
      // alone if it does not fit.
      const deferred = batch.together ? batch.shared(`daily-quota:${principal.orgId}`, () => new BatchReservations(ctx, principal.orgId)) : null;
      let quota: (() => DailyQuotaStatus) | null = null;
      const mails: MailOutcome[] = [];
      const accepted: Accepted[] = [];
      for (const r of results) {
        if (!('pending' in r)) {
          mails.push(r);
          continue;
        }
        const { mail, recipients, blockedAddresses } = r.pending;
        const units = recipients.filter((x) => x.status === 'queued').length;
        if (deferred) {
          const share = await deferred.add(tx, { recipientsCount: units, now: mail.scheduled_at ?? now });
          batch.beforeCommit(`daily-quota:${principal.orgId}`, (batchTx) => deferred.commit(batchTx));
          quota = share.status;
          mail.quota_day = share.day;
          mail.quota_units = share.reserved;
          accepted.push(r.pending);
          mails.push({ accepted: { messageId: mail.message_id, scheduledAt: mail.scheduled_at, blockedAddresses } });
          continue;
        }
        const reserved = await tryReserve(ctx, tx, { orgId: principal.orgId, recipientsCount: units, now: mail.scheduled_at ?? now });
        if (!reserved.ok) {
          const status = reserved.status;
          quota = () => status;
          mails.push({ refused: refusalOf(dailyLimitError(status)) });
          continue;
        }
        const reservation = reserved.reservation;
        quota = () => reservation;
        mail.quota_day = reservation.day;
        mail.quota_units = reservation.reserved;
        accepted.push(r.pending);
        mails.push({ accepted: { messageId: mail.message_id, scheduledAt: mail.scheduled_at, blockedAddresses } });
      }
      for (const { mail, recipients, files, generated, consentLink, templateId, inventoryTemplateId } of accepted) {
        if (generated) await insertFile(tx, generated.row);
        await acceptMail(tx, mail, recipients, events);
        if (consentLink) await insertConsentLink(tx, consentLink);
        await insertMailAttachments(tx, files);
        if (templateId) await markTemplateUsed(tx, principal.orgId, templateId, now);
        if (inventoryTemplateId) await markInventoryTemplateUsed(tx, principal.orgId, inventoryTemplateId, now);
      }
      if (accepted.length > 0) {
        if (held) await completeIdempotencyKey(tx, principal.orgId, held, request.idempotency!.answer(mails));
        batch.beforeCommit('wakeup', (batchTx) => ctx.wakeup.notifyInTransaction(batchTx));
        faultPoint('api.in_tx');
      }
      return { mails, accepted: accepted.length, quota };
    });
    faultPoint('api.after_commit_before_response');
    ctx.metrics.mailsAccepted(outcome.accepted);
    for (const m of outcome.mails) if ('refused' in m) ctx.metrics.mailRefused(m.refused.code);
    if (outcome.accepted === 0) {
      if (held) await releaseIdempotencyKey(ctx, principal.orgId, held);
    } else {
      ctx.wakeup.notifyLocal();
    }
    return { kind: 'decided', mails: outcome.mails, quota: outcome.quota?.() ?? null };
  } catch (error) {
    if (held) await releaseIdempotencyKey(ctx, principal.orgId, held);
    throw error;
  }
}

type ItemContext = {
  org: OrgRow;
  module: ModuleDefinition;
  record: RecordRow;
  mergeContext: () => Promise<MergeContext>;
  input: MailInput;
  blockedRecipients: BlockedRecipients;
  ownAddresses: readonly string[];
  fromName: string;
};

async function acceptItem(ctx: Context, principal: Principal, item: ItemContext): Promise<Accepted> {
  const { input } = item;
  const now = ctx.clock.now();
  const messageId = newMessageId();

  if (input.scheduledTime) checkScheduleTime(ctx, item.org, input.scheduledTime.ms);

  const thread = await threadOf(ctx.db, ctx.config.messageIdDomain, principal.orgId, input.inReplyTo, messageId);
  if (thread === null) throw refuse('INVALID_DATA', ['in_reply_to']);

  let linked: { module: string; id: string; json: string } | null = null;
  if (input.linkedRecord) {
    const linkedModule = await resolveModule(ctx.db, principal.orgId, input.linkedRecord.module);
    const linkedRow = linkedModule ? await findRecord(ctx.db, principal.orgId, linkedModule.apiName, input.linkedRecord.id) : undefined;
    if (!linkedModule || !linkedRow) throw refuse('INVALID_DATA', ['linked_record', 'id']);
    const name = parseData(linkedRow)[linkedModule.nameField];
    linked = {
      module: linkedModule.apiName,
      id: linkedRow.id,
      json: JSON.stringify({ module: { api_name: linkedModule.apiName, id: linkedModule.id }, id: linkedRow.id, name: typeof name === 'string' ? name : null }),
    };
  }

  // Blocked addresses: skipped and listed in the result as long as someone is left (Zoho v6+);
  // otherwise (v2–v5, or a mail left with nobody) the whole mail is refused.
  const all: { kind: RecipientRow['kind']; address: Address }[] = [
    ...input.to.map((address) => ({ kind: 'to' as const, address })),
    ...input.cc.map((address) => ({ kind: 'cc' as const, address })),
    ...input.bcc.map((address) => ({ kind: 'bcc' as const, address })),
  ];
  const blocked = await findBlocked(ctx.db, principal.orgId, all.map((r) => r.address.email));
  const blockedSet = new Set(blocked.map((b) => b.email));
  const blockedList = blocked.map((b) => ({ email: b.email, reason: b.reason }));
  const remaining = all.filter((r) => !blockedSet.has(r.address.email.toLowerCase()));
  if (blocked.length > 0 && (item.blockedRecipients === 'refuse' || remaining.length === 0)) {
    const ofRecord = blocked.some((b) => item.ownAddresses.includes(b.email));
    throw new AppError(ofRecord ? 'RECORD_EMAIL_BLOCKED' : 'RECIPIENT_BLOCKED', { details: { blocked_email_addresses: blockedList } });
  }

  const body = await resolveMailContent(ctx, principal, {
    module: item.module,
    record: item.record,
    input,
    mergeContext: item.mergeContext,
  });

  // Consent email: the content (the request's or the template's) must link the consent form; the
  // link is a per-mail secret URL bound to the record and its first `to` address, put in place of
  // the token only when the message is composed (delivery/build-mime.ts), so no stored copy holds it.
  // Other mail never carries a consent link: the tokens are removed.
  let consentLink: ConsentLinkTable | null = null;
  if (input.consentEmail) {
    const locales = consentLocales(body.content);
    if (locales.length === 0) throw refuse('CONSENT_FORM_LINK_MISSING', ['content']);
    consentLink = newConsentLink(ctx, {
      orgId: principal.orgId,
      module: item.module.apiName,
      recordId: item.record.id,
      messageId,
      recipient: input.to[0]!.email,
      locale: locales[0]!,
    });
  } else if (consentLocales(body.content).length > 0) {
    body.content = fillConsentLinks(body.content, '');
  }

  // Data Subject Request: the request must be about this record; access/export/rectify attach a CSV.
  let dsr: { id: string; type: DsrType } | null = null;
  if (input.dataSubjectRequest) {
    const check = await checkDataSubjectRequest(ctx, principal.orgId, item.record.id, input.dataSubjectRequest.id, input.dataSubjectRequest.type);
    if (!check.ok) throw refuse('DATA_SUBJECT_REQUEST_INVALID', ['data_subject_request', 'id']);
    dsr = { id: input.dataSubjectRequest.id, type: check.type };
    if (body.generated === null) body.generated = personalDataFile(ctx, principal, item.module, item.record, check.type);
  }
  // Files the mail carries, pinned now: later deletions cannot change what goes out.
  const carried: Omit<MailAttachmentTable, 'position'>[] = [
    ...body.attachments.map((f) => ({ message_id: messageId, file_id: f.id, kind: 'attachment' as const, content_id: null })),
    ...(body.generated ? [{ message_id: messageId, file_id: body.generated.row.id, kind: 'generated' as const, content_id: null }] : []),
    ...body.inline.map((f) => ({ message_id: messageId, file_id: f.id, kind: 'inline' as const, content_id: newContentId() })),
  ];
  const files: MailAttachmentTable[] = carried.map((f, position) => ({ ...f, position }));

  const mail: MailRow = {
    message_id: messageId,
    org_id: principal.orgId,
    user_id: principal.userId,
    module: item.module.apiName,
    record_id: item.record.id,
    linked_module: linked?.module ?? null,
    linked_record_id: linked?.id ?? null,
    linked_record: linked?.json ?? null,
    from_email: input.from.email,
    from_name: item.fromName,
    reply_to_email: input.replyTo?.email ?? null,
    reply_to_name: input.replyTo?.name ?? null,
    subject: body.subject,
    content: body.content,
    mail_format: body.mailFormat,
    org_email: input.orgEmail ? 1 : 0,
    in_reply_to: thread.inReplyTo,
    references_header: thread.references,
    thread_id: thread.threadId,
    source: 'individual',
    state: 'queued',
    // A scheduled mail is simply due later: the worker claims it by due_at like any other.
    due_at: input.scheduledTime?.ms ?? now,
    // Mail to go now takes the fast lane, so a burst of scheduled mail coming due cannot hold it up.
    lane: input.scheduledTime ? 1 : 0,
    scheduled_at: input.scheduledTime?.ms ?? null,
    scheduled_offset: input.scheduledTime?.offset ?? null,
    lease_owner: null,
    lease_until: null,
    attempts: 0,
    skip_reason: null,
    consent_email: input.consentEmail ? 1 : 0,
    dsr_id: dsr?.id ?? null,
    dsr_type: dsr?.type ?? null,
    created_at: now,
    sent_at: null,
    updated_at: now,
  };
  const recipients: RecipientRow[] = all.map((r, position) => {
    const isBlocked = blockedSet.has(r.address.email.toLowerCase());
    return {
      id: ctx.ids.next(),
      message_id: messageId,
      position,
      kind: r.kind,
      email: r.address.email,
      name: r.address.name,
      status: isBlocked ? 'skipped' : 'queued',
      action: isBlocked ? 'failed' : null,
      status_code: isBlocked ? '5.7.1' : null,
      diagnostic: isBlocked ? 'address is blocked for this organisation (earlier bounce)' : null,
      remote_mta: null,
      attempts: 0,
      in_flight: 0,
      possible_duplicate: 0,
      last_attempt_at: null,
      next_attempt_at: null,
      done_at: isBlocked ? now : null,
    };
  });
  return {
    mail,
    recipients,
    files,
    generated: body.generated,
    consentLink,
    templateId: body.templateId,
    inventoryTemplateId: body.inventoryTemplateId,
    blockedAddresses: blockedList,
  };
}

/**
 * Threading (RFC 5322 §3.6.4): a reply to one of our mails carries its References plus its
 * Message-ID; a reply to an outside message (an id with `@`) references just that id. An id that
 * is neither ours nor a full Message-ID cannot be threaded (null).
 */
async function threadOf(
  db: Database,
  domain: string,
  orgId: string,
  inReplyTo: string | null,
  messageId: string,
): Promise<{ inReplyTo: string | null; references: string | null; threadId: string } | null> {
  if (inReplyTo === null) return { inReplyTo: null, references: null, threadId: messageId };
  const parent = /^[0-9a-f]{64}$/.test(inReplyTo) ? await findMail(db, orgId, inReplyTo) : undefined;
  if (parent) {
    const parentHeader = messageIdHeader(parent.message_id, domain);
    const chain = [...(parent.references_header ?? '').split(' ').filter((s) => s.length > 0), parentHeader];
    // Keep the first and the latest ids when a thread grows very long.
    const references = chain.length > 20 ? [chain[0]!, ...chain.slice(-19)] : chain;
    return { inReplyTo: parentHeader, references: references.join(' '), threadId: parent.thread_id };
  }
  if (inReplyTo.includes('@')) {
    const header = `<${inReplyTo}>`;
    return { inReplyTo: header, references: header, threadId: messageId };
  }
  return null;
}

/** A send refused for a compliance reason, in the audit trail (who, when, why). */
async function auditRefusal(ctx: Context, principal: Principal, module: string, recordId: string, refusal: Refusal): Promise<void> {
  await recordAudit(ctx, ctx.db, {
    orgId: principal.orgId,
    actor: { type: 'user', id: principal.userId },
    action: 'send_mail.refused',
    module,
    recordId,
    reason: ERROR_CATALOGUE[refusal.code].message,
    details: { code: refusal.code, ...refusal.details },
  });
}
