import type { Session } from '../auth/web-sessions.js';
import { hasPermission } from '../compliance/permissions.js';
import type { Context } from '../context.js';
import { AppError, ERROR_CATALOGUE } from '../errors.js';
import { UNBLOCK_FIELDS, unblockEmail } from '../mail/unblock-email.js';
import type { ModuleDefinition } from '../records/modules.js';
import { findRecord, parseData } from '../records/record-repository.js';
import { PageError } from './page-error.js';

/**
 * The record page's "Unblock" button: `unblock_email` for the field of the record (Email or
 * Secondary_Email) that holds the address, with its rules (five unblocks, never a permanent
 * block). Who may: the API asks for the `ZohoCRM.send_mail.{module}.CREATE` scope; a session has
 * no scopes, so the user's profile must have the send_email permission (what send_mail asks of a
 * user). Answers the message to show when unblock_email refuses, or null when it was lifted.
 */
export async function unblockFromRecord(ctx: Context, session: Session, module: ModuleDefinition, recordId: string, email: string): Promise<string | null> {
  const { orgId } = session.principal;
  if (!(await hasPermission(ctx.db, orgId, session.isAdmin ? 'admin' : 'standard', 'send_email'))) {
    throw new PageError(403, 'Not allowed', 'Your profile may not send email, so it may not unblock addresses either.');
  }
  const row = /^\d{1,19}$/.test(recordId) ? await findRecord(ctx.db, orgId, module.apiName, recordId) : undefined;
  if (!row) throw new AppError('RECORD_NOT_FOUND', { details: { resource_path_index: 1 } });
  const data = parseData(row);
  const address = email.trim().toLowerCase();
  const fields = UNBLOCK_FIELDS.filter((f) => module.fields.some((field) => field.apiName === f) && typeof data[f] === 'string' && (data[f] as string).toLowerCase() === address);
  if (address === '' || fields.length === 0) return 'Only the record’s own Email or Secondary Email can be unblocked from its page.';
  const [outcome] = await unblockEmail(ctx, session.principal, module, { fields, recordIds: () => [recordId] });
  return outcome && 'refused' in outcome ? ERROR_CATALOGUE[outcome.refused.code].message : null;
}
