import { jsonArrayFrom as pgJsonArrayFrom } from 'kysely/helpers/postgres';
import { jsonArrayFrom as sqliteJsonArrayFrom } from 'kysely/helpers/sqlite';
import { dialectOf, type Database } from '../db/database.js';
import { compiledOnce } from '../db/compiled-query-memo.js';
import type { DkimKeyTable, OrgTable, Profile, UserSmtpSettingsTable } from '../db/schema.js';
import type { CarriedFile } from '../mail/mail-attachment-repository.js';

/** A DKIM key as a delivery signs with it (the sealed private key, not the public half). */
export type DeliveryDkimKey = Pick<DkimKeyTable, 'id' | 'domain' | 'selector' | 'algorithm' | 'private_key' | 'created_at'>;

/**
 * What one delivery attempt reads of the database besides the mail and its recipients, in one
 * statement (issue 16 item 4; before, eight reads one by one): the org's settings (edition,
 * privacy, one-click unsubscribe, tracking), the record the mail is sent from and whether it is
 * locked, the sender's profile and that profile's Send Email permission, the org's DKIM keys
 * of the From domain, the files the mail carries, which of the addresses about to be tried
 * the org has blocked (an earlier bounce), and the sender's own SMTP settings (the route). Undefined when the org is gone.
 */
export type DeliveryFactsRow = Pick<OrgTable, 'edition' | 'privacy_settings' | 'one_click_unsubscribe' | 'email_tracking'> & {
  /** `records.data` of the mail's record; null when the record is gone. */
  record_data: string | null;
  /** The sender's profile; null when the user is gone. */
  sender_profile: Profile | null;
  /** `profile_permissions.enabled` of the sender's profile for `send_email`; null when there is no row (the default: allowed). */
  send_email_enabled: number | null;
  /** Non-null when the record has a lock (record_locks). */
  lock_id: string | null;
  dkim_keys: DeliveryDkimKey[];
  /** As mail-attachment-repository.ts `filesOfMails` of this one mail, by position. */
  files: CarriedFile[];
  /** Those of `emails` (lower-cased) that are blocked for the org, as blocked-address-repository.ts `findBlocked`. */
  blocked_emails: string[];
  /** The sender's own SMTP server settings (the route), as user-smtp-repository.ts `findUserSmtp`; null when none. */
  user_smtp: UserSmtpSettingsTable | null;
};

type FactsParams = { orgId: string; messageId: string; module: string; recordId: string; userId: string; fromDomain: string; emails: readonly string[] };

// Built and compiled once per dialect and number of addresses (src/db/compiled-query-memo.ts): the
// query has a dozen subqueries, and building and compiling it per delivery was ~10 % of the
// worker's CPU.
const deliveryFactsQuery = compiledOnce((db: Database, q: FactsParams) => {
  // The one place the dialects differ: how a list of rows becomes one JSON column.
  const jsonArrayFrom = dialectOf(db) === 'postgres' ? pgJsonArrayFrom : sqliteJsonArrayFrom;
  return db
    .selectFrom('orgs as o')
    .where('o.id', '=', q.orgId)
    .select(['o.edition', 'o.privacy_settings', 'o.one_click_unsubscribe', 'o.email_tracking'])
    .select((eb) => [
      eb
        .selectFrom('records as r')
        .select('r.data')
        .where('r.org_id', '=', q.orgId)
        .where('r.module', '=', q.module)
        .where('r.id', '=', q.recordId)
        .as('record_data'),
      eb.selectFrom('users as u').select('u.profile').where('u.org_id', '=', q.orgId).where('u.id', '=', q.userId).as('sender_profile'),
      eb
        .selectFrom('profile_permissions as p')
        .select('p.enabled')
        .where('p.org_id', '=', q.orgId)
        .where('p.permission', '=', 'send_email')
        .where('p.profile', '=', eb.selectFrom('users as s').select('s.profile').where('s.org_id', '=', q.orgId).where('s.id', '=', q.userId))
        .as('send_email_enabled'),
      eb
        .selectFrom('record_locks as l')
        .select('l.id')
        .where('l.org_id', '=', q.orgId)
        .where('l.record_id', '=', q.recordId)
        .limit(1)
        .as('lock_id'),
      jsonArrayFrom(
        eb
          .selectFrom('dkim_keys as k')
          .select(['k.id', 'k.domain', 'k.selector', 'k.algorithm', 'k.private_key', 'k.created_at'])
          .where('k.org_id', '=', q.orgId)
          .where('k.domain', '=', q.fromDomain)
          .orderBy('k.domain')
          .orderBy('k.created_at')
          .orderBy('k.id'),
      ).as('dkim_keys'),
      jsonArrayFrom(
        eb
          .selectFrom('mail_attachments as a')
          .innerJoin('files as f', 'f.id', 'a.file_id')
          .select(['a.message_id', 'a.position', 'a.file_id', 'a.kind', 'a.content_id', 'f.name', 'f.content_type', 'f.size'])
          .where('a.message_id', '=', q.messageId)
          .orderBy('a.position'),
      ).as('files'),
      jsonArrayFrom(
        eb
          .selectFrom('blocked_addresses as b')
          .select('b.email')
          .where('b.org_id', '=', q.orgId)
          .where('b.is_blocked', '=', 1)
          // `in ()` is not SQL: with no address to try, a condition no row meets.
          .$if(q.emails.length === 0, (qb) => qb.where('b.org_id', '<>', q.orgId))
          .$if(q.emails.length > 0, (qb) => qb.where('b.email', 'in', q.emails)),
      ).as('blocked_emails'),
      jsonArrayFrom(
        eb
          .selectFrom('user_smtp_settings as m')
          .select(['m.user_id', 'm.org_id', 'm.host', 'm.port', 'm.secure', 'm.username', 'm.password_encrypted', 'm.from_email', 'm.from_name', 'm.failing_since', 'm.failure_reason', 'm.updated_at'])
          .where('m.org_id', '=', q.orgId)
          .where('m.user_id', '=', q.userId),
      ).as('user_smtp'),
    ]);
});

export async function findDeliveryFacts(db: Database, q: FactsParams): Promise<DeliveryFactsRow | undefined> {
  const [row] = await deliveryFactsQuery(db, { ...q, emails: q.emails.map((e) => e.toLowerCase()) });
  if (!row) return undefined;
  // SQLite hands the JSON column back as text; PostgreSQL parses it. Sorted again as listDkimKeys
  // sorts (json_agg keeps its subquery's order in practice, which SQL does not promise).
  const raw: unknown = row.dkim_keys;
  const keys = (typeof raw === 'string' ? JSON.parse(raw) : (raw ?? [])) as DeliveryDkimKey[];
  keys.sort((a, b) => Number(a.created_at) - Number(b.created_at) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const rawFiles: unknown = row.files;
  const files = (typeof rawFiles === 'string' ? JSON.parse(rawFiles) : (rawFiles ?? [])) as CarriedFile[];
  files.sort((a, b) => Number(a.position) - Number(b.position));
  const rawBlocked: unknown = row.blocked_emails;
  const blocked = (typeof rawBlocked === 'string' ? JSON.parse(rawBlocked) : (rawBlocked ?? [])) as { email: string }[];
  const rawSmtp: unknown = row.user_smtp;
  const [userSmtp] = (typeof rawSmtp === 'string' ? JSON.parse(rawSmtp) : (rawSmtp ?? [])) as UserSmtpSettingsTable[];
  return {
    user_smtp: userSmtp ? { ...userSmtp, port: Number(userSmtp.port), secure: Number(userSmtp.secure), updated_at: Number(userSmtp.updated_at), failing_since: userSmtp.failing_since === null ? null : Number(userSmtp.failing_since) } : null,
    files,
    blocked_emails: blocked.map((b) => b.email),
    edition: row.edition,
    privacy_settings: row.privacy_settings,
    one_click_unsubscribe: row.one_click_unsubscribe,
    email_tracking: row.email_tracking ?? null,
    record_data: row.record_data ?? null,
    sender_profile: (row.sender_profile ?? null) as Profile | null,
    send_email_enabled: row.send_email_enabled ?? null,
    lock_id: row.lock_id ?? null,
    dkim_keys: keys,
  };
}
