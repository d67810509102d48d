import { isValidTimeZone } from '../config.js';
import type { Context } from '../context.js';
import type { Edition } from '../db/schema.js';
import { AppError } from '../errors.js';
import { recordAudit, type AuditEntry } from '../compliance/audit-log.js';
import { emailTrackingOn } from '../tracking/tracking-setting.js';
import { EDITIONS, findOrg, updateOrgRow, type OrgRow, type OrgSettableColumn } from './org-repository.js';

/** A limit override: a whole number, or `null` to go back to the edition's rule. */
export type LimitOverride = number | null;

export type UpdateOrgInput = {
  orgId: string;
  name?: string;
  edition?: Edition;
  timeZone?: string;
  privacySettings?: boolean;
  /** RFC 8058 `List-Unsubscribe` headers on the org's messages (docs/compliance.md). */
  oneClickUnsubscribe?: boolean;
  /** Open and click tracking (README "Tracking opens and clicks"); null: the edition's default. */
  emailTracking?: boolean | null;
  /** Individual mails per local day (docs/zoho-contract.md §16). */
  dailyMailLimit?: LimitOverride;
  /** API credits per rolling 24 hours (docs/zoho-contract.md §15). */
  apiCreditLimit?: LimitOverride;
  /** Simultaneous API requests per process (docs/zoho-contract.md §15). */
  apiConcurrencyLimit?: LimitOverride;
  /** Who asks (written to the audit trail when privacy settings or one-click unsubscribe change); the CLI by default. */
  actor?: AuditEntry['actor'];
};

/** Largest override: far above any edition's limit, and still an SQL `integer` on both databases. */
const MAX_OVERRIDE = 1_000_000_000;

export async function updateOrg(ctx: Context, input: UpdateOrgInput): Promise<OrgRow> {
  const org = await findOrg(ctx.db, input.orgId);
  if (!org) throw new AppError('NOT_FOUND', { details: { api_name: 'org', id: input.orgId } });
  const changes: Partial<Pick<OrgRow, OrgSettableColumn>> = {};
  if (input.name !== undefined) {
    const name = input.name.trim();
    if (name.length === 0 || name.length > 200) throw new AppError('INVALID_DATA', { details: { api_name: 'name' } });
    changes.name = name;
  }
  if (input.edition !== undefined) {
    if (!EDITIONS.includes(input.edition)) {
      throw new AppError('INVALID_DATA', { details: { api_name: 'edition', supported_values: EDITIONS } });
    }
    changes.edition = input.edition;
  }
  if (input.timeZone !== undefined) {
    if (!isValidTimeZone(input.timeZone)) throw new AppError('INVALID_DATA', { details: { api_name: 'time_zone' } });
    changes.time_zone = input.timeZone;
  }
  if (input.privacySettings !== undefined) changes.privacy_settings = input.privacySettings ? 1 : 0;
  if (input.oneClickUnsubscribe !== undefined) changes.one_click_unsubscribe = input.oneClickUnsubscribe ? 1 : 0;
  if (input.emailTracking !== undefined) changes.email_tracking = input.emailTracking === null ? null : input.emailTracking ? 1 : 0;
  // 0 is allowed for each: it switches the org's mail (or API) off, which an operator may want.
  if (input.dailyMailLimit !== undefined) changes.daily_mail_limit = override('daily_mail_limit', input.dailyMailLimit);
  if (input.apiCreditLimit !== undefined) changes.api_credit_limit = override('api_credit_limit', input.apiCreditLimit);
  if (input.apiConcurrencyLimit !== undefined) {
    changes.api_concurrency_limit = override('api_concurrency_limit', input.apiConcurrencyLimit);
  }
  await ctx.db.transaction().execute(async (tx) => {
    await updateOrgRow(tx, org.id, changes);
    if (changes.privacy_settings !== undefined && changes.privacy_settings !== org.privacy_settings) {
      await recordAudit(ctx, tx, {
        orgId: org.id,
        actor: input.actor ?? { type: 'cli', id: null },
        action: 'privacy_settings.changed',
        reason: `privacy settings (GDPR compliance) turned ${changes.privacy_settings === 1 ? 'on' : 'off'}`,
        details: { privacy_settings: changes.privacy_settings === 1 },
      });
    }
    if (changes.one_click_unsubscribe !== undefined && changes.one_click_unsubscribe !== org.one_click_unsubscribe) {
      await recordAudit(ctx, tx, {
        orgId: org.id,
        actor: input.actor ?? { type: 'cli', id: null },
        action: 'one_click_unsubscribe.changed',
        reason: `one-click unsubscribe (List-Unsubscribe headers) turned ${changes.one_click_unsubscribe === 1 ? 'on' : 'off'}`,
        details: { one_click_unsubscribe: changes.one_click_unsubscribe === 1 },
      });
    }
    if (changes.email_tracking !== undefined && changes.email_tracking !== (org.email_tracking ?? null)) {
      const on = emailTrackingOn({ edition: changes.edition ?? org.edition, email_tracking: changes.email_tracking });
      await recordAudit(ctx, tx, {
        orgId: org.id,
        actor: input.actor ?? { type: 'cli', id: null },
        action: 'email_tracking.changed',
        reason: `open and click tracking turned ${on ? 'on' : 'off'}${changes.email_tracking === null ? " (the edition's default)" : ''}`,
        details: { email_tracking: on },
      });
    }
  });
  ctx.cache.invalidateOrg(org.id); // this process at once; others within CACHE_TTL_SECONDS
  return { ...org, ...changes };
}

function override(apiName: string, value: LimitOverride): LimitOverride {
  if (value === null) return null;
  if (!Number.isInteger(value) || value < 0 || value > MAX_OVERRIDE) {
    throw new AppError('INVALID_DATA', { details: { api_name: apiName, minimum: 0, maximum: MAX_OVERRIDE } });
  }
  return value;
}
