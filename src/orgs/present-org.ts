import type { UserRow } from '../users/user-repository.js';
import type { OrgRow } from './org-repository.js';
import { emailTrackingOn } from '../tracking/tracking-setting.js';

/**
 * An org's home currency. Mailroom has no currency settings yet: every org is US Dollar / en_US.
 * Inventory PDFs format money with it, so it is shared from here rather than repeated.
 */
export const ORG_CURRENCY = { name: 'US Dollar', symbol: '$', isoCode: 'USD', locale: 'en_US' } as const;

/** `GET /org`: the org as Zoho shows it; the edition is Zoho's `license_details.paid_type`. */
export function presentOrg(org: OrgRow, primaryUser: UserRow | undefined): Record<string, unknown> {
  return {
    id: org.id,
    zgid: org.zgid,
    company_name: org.name,
    alias: null,
    primary_email: primaryUser?.email ?? null,
    primary_zuid: primaryUser?.id ?? null,
    domain_name: `org${org.zgid}`,
    time_zone: org.time_zone,
    currency: ORG_CURRENCY.name,
    currency_symbol: ORG_CURRENCY.symbol,
    iso_code: ORG_CURRENCY.isoCode,
    currency_locale: ORG_CURRENCY.locale,
    country_code: null,
    privacy_settings: org.privacy_settings === 1,
    // Beyond Zoho: RFC 8058 one-click unsubscribe headers on the org's messages (docs/compliance.md).
    one_click_unsubscribe: org.one_click_unsubscribe === 1,
    // Beyond Zoho: open and click tracking (README "Tracking opens and clicks"), the edition's default until set.
    email_tracking: emailTrackingOn(org),
    mc_status: false,
    gapps_enabled: false,
    translation_enabled: false,
    license_details: {
      paid: org.edition !== 'free',
      paid_type: org.edition,
      trial_type: null,
      trial_expiry: null,
      paid_expiry: null,
      users_license_purchased: null,
    },
  };
}
