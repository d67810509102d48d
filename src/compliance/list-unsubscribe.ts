import { unsubscribeAddress, VERP_KEY_INFO } from '../bounces/verp.js';
import type { Context } from '../context.js';
import type { RecipientRow } from '../mail/mail-repository.js';
import type { OrgRow } from '../orgs/org-repository.js';
import { unsubscribeToken } from './unsubscribe-token.js';

/** The two ways to unsubscribe a `List-Unsubscribe` header offers (RFC 2369, RFC 8058). */
export type ListUnsubscribe = Readonly<{
  /** `PUBLIC_URL/unsubscribe/<token>`: the page, and the target of the one-click POST. */
  url: string;
  /**
   * `mailto:<local>+u<verp-token>@<domain>?subject=unsubscribe` at BOUNCE_ADDRESS (a mail to it,
   * taken by the inbound listener, opts the same address out: inbound/process-inbound-message.ts);
   * null when BOUNCE_ADDRESS is unset.
   */
  mailto: string | null;
}>;

/**
 * The one-click unsubscribe link of a message (RFC 8058) and, when BOUNCE_ADDRESS is set, its
 * mailto form; null when its org has `one_click_unsubscribe` off. Read once per attempt with the other delivery facts, applied when the message is built
 * (delivery/build-mime.ts puts both in `List-Unsubscribe` with `List-Unsubscribe-Post`), so a
 * change of the setting applies from the next attempt on; the tokens are computed from the
 * recipient's id, so no stored copy holds them.
 *
 * Whom it names: one SMTP transaction carries the same message to every To, Cc and Bcc recipient,
 * so the link cannot differ per recipient. It names the first `To` recipient (as the consent link
 * does): the person the mail is about. It only ever opts out that address, which was a recipient
 * of this mail (docs/compliance.md#one-click-unsubscribe). The mailto names the same recipient.
 */
export function listUnsubscribe(
  ctx: Pick<Context, 'config' | 'secrets'>,
  recipients: readonly RecipientRow[],
  /** The org's settings as this attempt read them (delivery/fire-time-checks.ts `loadDeliveryFacts`); undefined when the org is gone. */
  org: Pick<OrgRow, 'one_click_unsubscribe'> | undefined,
): ListUnsubscribe | null {
  const first = [...recipients].filter((r) => r.kind === 'to').sort((a, b) => a.position - b.position)[0];
  if (!first || org?.one_click_unsubscribe !== 1) return null;
  const bounceAddress = ctx.config.bounceAddress;
  return {
    url: `${ctx.config.publicUrl}/unsubscribe/${unsubscribeToken(ctx.secrets, first.id)}`,
    mailto: bounceAddress === null ? null : `mailto:${unsubscribeAddress(bounceAddress, first.id, ctx.secrets.derive(VERP_KEY_INFO))}?subject=unsubscribe`,
  };
}
