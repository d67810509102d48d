import type { Context } from '../context.js';
import { CONSENT_MODULES, privacyOn } from '../compliance/privacy.js';
import { emailConsentState } from '../compliance/consent-details.js';
import type { MailRow, RecipientRow } from '../mail/mail-repository.js';
import { findRecord, parseData } from '../records/record-repository.js';
import { clickToken, openToken } from './tracking-token.js';
import { isTrackable, type HtmlTracking } from './track-html.js';
import { emailTrackingOfOrg } from './tracking-setting.js';

/**
 * The tracking of one message (README "Tracking opens and clicks"), read when the message is built
 * for an attempt (delivery/deliver-mail.ts → build-mime.ts), so a change of the setting applies
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
): Promise<HtmlTracking | null> {
  if (mail.mail_format !== 'html') return null;
  const first = [...recipients].filter((r) => r.kind === 'to').sort((a, b) => a.position - b.position)[0];
  if (!first || !(await emailTrackingOfOrg(ctx.db, mail.org_id))) return null;
  if (CONSENT_MODULES.has(mail.module) && (await privacyOn(ctx.db, mail.org_id))) {
    const record = await findRecord(ctx.db, mail.org_id, mail.module, mail.record_id);
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
