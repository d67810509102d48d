import { unsubscribeAddress, VERP_KEY_INFO } from '../bounces/verp.js';
import type { Context } from '../context.js';
import type { MailRow, RecipientRow } from '../mail/mail-repository.js';
import { oneClickUnsubscribeOn } from '../orgs/org-repository.js';
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
 * mailto form; null when its org has `one_click_unsubscribe` off. Read when the message is built
 * (delivery/build-mime.ts puts both in `List-Unsubscribe` with `List-Unsubscribe-Post`), so a
 * change of the setting applies from the next attempt on; the tokens are computed from the
 * recipient's id, so no stored copy holds them.
 *
 * Whom it names: one SMTP transaction carries the same message to every To, Cc and Bcc recipient,
 * so the link cannot differ per recipient. It names the first `To` recipient (as the consent link
 * does): the person the mail is about. It only ever opts out that address, which was a recipient
 * of this mail (docs/compliance.md#one-click-unsubscribe). The mailto names the same recipient.
 */
export async function listUnsubscribe(
  ctx: Pick<Context, 'db' | 'config' | 'secrets'>,
  mail: Pick<MailRow, 'org_id'>,
  recipients: readonly RecipientRow[],
): Promise<ListUnsubscribe | null> {
  const first = [...recipients].filter((r) => r.kind === 'to').sort((a, b) => a.position - b.position)[0];
  if (!first || !(await oneClickUnsubscribeOn(ctx.db, mail.org_id))) return null;
  const bounceAddress = ctx.config.bounceAddress;
  return {
    url: `${ctx.config.publicUrl}/unsubscribe/${unsubscribeToken(ctx.secrets, first.id)}`,
    mailto: bounceAddress === null ? null : `mailto:${unsubscribeAddress(bounceAddress, first.id, ctx.secrets.derive(VERP_KEY_INFO))}?subject=unsubscribe`,
  };
}
