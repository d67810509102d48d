import type { Context } from '../context.js';
import { AppError } from '../errors.js';
import { findOrg } from '../orgs/org-repository.js';
import { isValidEmail } from '../records/email-address.js';
import { findOrgFromAddressId, insertOrgFromAddress } from './from-address-repository.js';
import { normaliseEmail } from './mail-input.js';

/** Adds an organisation From address (Zoho: Setup › Channels › Email › Organization Emails). */
export async function addOrgFromAddress(
  ctx: Context,
  input: { orgId: string; email: string; name: string },
): Promise<{ id: string; email: string; user_name: string }> {
  if (!(await findOrg(ctx.db, input.orgId))) throw new AppError('NOT_FOUND', { details: { api_name: 'org' } });
  const raw = input.email.trim();
  if (!isValidEmail(raw)) throw new AppError('INVALID_DATA', { details: { api_name: 'email' } });
  const name = input.name.trim();
  if (name === '' || name.length > 200 || /[\r\n\0]/.test(name)) throw new AppError('INVALID_DATA', { details: { api_name: 'name' } });
  const email = normaliseEmail(raw);
  if ((await findOrgFromAddressId(ctx.db, input.orgId, email)) !== undefined) throw new AppError('ALREADY_EXISTS', { details: { api_name: 'email' } });
  const id = ctx.ids.next();
  await insertOrgFromAddress(ctx.db, { id, org_id: input.orgId, email, user_name: name, created_at: ctx.clock.now() });
  ctx.cache.orgFromAddresses.invalidate(input.orgId);
  return { id, email, user_name: name };
}
