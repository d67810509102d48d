import type { Context, Principal } from '../context.js';
import { AppError } from '../errors.js';
import { presentTemplates } from './present-template.js';
import { findTemplate } from './template-repository.js';

/**
 * `GET /settings/email_templates/{id}`: one template with its `content`. Another org's id answers
 * exactly like an id that does not exist.
 */
export async function getEmailTemplate(
  ctx: Context,
  principal: Pick<Principal, 'orgId' | 'timeZone'>,
  id: string,
): Promise<Record<string, unknown>> {
  const row = /^\d{1,19}$/.test(id) ? await findTemplate(ctx.db, principal.orgId, id) : undefined;
  if (!row) throw new AppError('RECORD_NOT_FOUND', { details: { resource_path_index: 2 } });
  const [template] = await presentTemplates(ctx.db, principal.orgId, [row], principal.timeZone);
  return template!;
}
