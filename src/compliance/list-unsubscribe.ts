import type { Context } from '../context.js';
import type { MailRow, RecipientRow } from '../mail/mail-repository.js';
import { oneClickUnsubscribeOn } from '../orgs/org-repository.js';
import { unsubscribeToken } from './unsubscribe-token.js';

/**
 * The one-click unsubscribe link of a message (RFC 8058), or null when its org has
 * `one_click_unsubscribe` off. Read when the message is built (delivery/build-mime.ts puts it in
 * `List-Unsubscribe` with `List-Unsubscribe-Post`), so a change of the setting applies from the
 * next attempt on; the token is computed from the recipient's id, so no stored copy holds it.
 *
 * Whom it names: one SMTP transaction carries the same message to every To, Cc and Bcc recipient,
 * so the link cannot differ per recipient. It names the first `To` recipient (as the consent link
 * does): the person the mail is about. It only ever opts out that address, which was a recipient
 * of this mail (docs/compliance.md#one-click-unsubscribe).
 */
export async function listUnsubscribeUrl(
  ctx: Pick<Context, 'db' | 'config' | 'secrets'>,
  mail: Pick<MailRow, 'org_id'>,
  recipients: readonly RecipientRow[],
): Promise<string | null> {
  const first = [...recipients].filter((r) => r.kind === 'to').sort((a, b) => a.position - b.position)[0];
  if (!first || !(await oneClickUnsubscribeOn(ctx.db, mail.org_id))) return null;
  return `${ctx.config.publicUrl}/unsubscribe/${unsubscribeToken(ctx.secrets, first.id)}`;
}
