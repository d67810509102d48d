import type { Context } from '../context.js';
import { CONSENT_MODULES } from '../compliance/privacy.js';
import { emailConsentState } from '../compliance/consent-details.js';
import type { MailRow, RecipientRow } from '../mail/mail-repository.js';
import { findRecord, parseData } from '../records/record-repository.js';
import { clickToken, openToken } from './tracking-token.js';
import { isTrackable, type HtmlTracking } from './track-html.js';
import { emailTrackingOn } from './tracking-setting.js';
import type { DeliveryFacts } from '../delivery/fire-time-checks.js';

/**
 * The tracking of one message (README "Tracking opens and clicks"), read once per attempt with the
 * other delivery facts (delivery/fire-time-checks.ts `loadDeliveryFacts`) and applied when the
 * message is built (delivery/deliver-mail.ts → build-mime.ts), so a change of the setting applies
 * from the next attempt on; null when the message is not tracked:
 *
 * - the mail is text, or the org's `email_tracking` is off (orgs/tracking-setting.ts);
 * - privacy: with the org's privacy settings on, a mail sent from a Lead or Contact whose email
 *   consent is not granted (basis Consent and `Contact_Through_Email` not true: pending or
 *   withdrawn; a consent email included) carries no pixel and no tracked link. Records on another
 *   basis (contract, legal obligation, legitimate interests…) are tracked.
 *
 * Whom it names: one SMTP transaction carries the same message to every To, Cc and Bcc recipient
 * (and with BOUNCE_ADDRESS the message is still built once per attempt), so the pixel and links
 * name the first `To` recipient, as the unsubscribe and consent links do: the person the mail is
 * about. An open by a Cc recipient therefore counts for that first recipient.
 */
export async function messageTracking(
  ctx: Pick<Context, 'db' | 'config' | 'secrets'>,
  mail: Pick<MailRow, 'org_id' | 'mail_format' | 'module' | 'record_id'>,
  recipients: readonly RecipientRow[],
  /** The org's settings and the record as this attempt read them (delivery/fire-time-checks.ts). */
  facts: Pick<DeliveryFacts, 'org' | 'record' | 'recordModule'>,
): Promise<HtmlTracking | null> {
  if (mail.mail_format !== 'html') return null;
  const first = [...recipients].filter((r) => r.kind === 'to').sort((a, b) => a.position - b.position)[0];
  if (!first || !(facts.org ? emailTrackingOn(facts.org) : false)) return null;
  if (CONSENT_MODULES.has(mail.module) && facts.org?.privacy_settings === 1) {
    // The record as the attempt read it (a Lead or Contact: its module's own name); looked up here only otherwise.
    const record = facts.recordModule === mail.module ? facts.record : await findRecord(ctx.db, mail.org_id, mail.module, mail.record_id);
    const state = record ? emailConsentState(parseData(record)) : 'not_required';
    if (state !== 'not_required' && state !== 'granted') return null;
  }
  const base = ctx.config.publicUrl;
  return {
    pixelUrl: `${base}/t/o/${openToken(ctx.secrets, first.id)}`,
    trackedUrl: (target) => {
      if (!isTrackable(target, base)) return null;
      const { token, u } = clickToken(ctx.secrets, first.id, target);
      return `${base}/t/c/${token}?u=${u}`;
    },
  };
}
