import type { Context, Principal } from '../context.js';
import { AppError } from '../errors.js';
import { templateViews, type EmailTemplateView } from './template-view.js';
import { findTemplate } from './template-repository.js';

/**
 * `GET /settings/email_templates/{id}`: one template with its `content`. Another org's id answers
 * exactly like an id that does not exist.
 */
export async function getEmailTemplate(
  ctx: Context,
  principal: Pick<Principal, 'orgId'>,
  id: string,
): Promise<EmailTemplateView> {
  const row = /^\d{1,19}$/.test(id) ? await findTemplate(ctx.db, principal.orgId, id) : undefined;
  if (!row) throw new AppError('RECORD_NOT_FOUND', { details: { resource_path_index: 2 } });
  const [template] = await templateViews(ctx.db, principal.orgId, [row]);
  return template!;
}
