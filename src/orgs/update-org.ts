import { isValidTimeZone } from '../config.js';
import type { Context } from '../context.js';
import type { Edition } from '../db/schema.js';
import { AppError } from '../errors.js';
import { EDITIONS, findOrg, updateOrgRow, type OrgRow } from './org-repository.js';

export type UpdateOrgInput = {
  orgId: string;
  name?: string;
  edition?: Edition;
  timeZone?: string;
  privacySettings?: boolean;
};

export async function updateOrg(ctx: Context, input: UpdateOrgInput): Promise<OrgRow> {
  const org = await findOrg(ctx.db, input.orgId);
  if (!org) throw new AppError('NOT_FOUND', { details: { api_name: 'org', id: input.orgId } });
  const changes: Partial<Pick<OrgRow, 'name' | 'edition' | 'time_zone' | 'privacy_settings'>> = {};
  if (input.name !== undefined) {
    const name = input.name.trim();
    if (name.length === 0 || name.length > 200) throw new AppError('INVALID_DATA', { details: { api_name: 'name' } });
    changes.name = name;
  }
  if (input.edition !== undefined) {
    if (!EDITIONS.includes(input.edition)) {
      throw new AppError('INVALID_DATA', { details: { api_name: 'edition', supported_values: EDITIONS } });
    }
    changes.edition = input.edition;
  }
  if (input.timeZone !== undefined) {
    if (!isValidTimeZone(input.timeZone)) throw new AppError('INVALID_DATA', { details: { api_name: 'time_zone' } });
    changes.time_zone = input.timeZone;
  }
  if (input.privacySettings !== undefined) changes.privacy_settings = input.privacySettings ? 1 : 0;
  await updateOrgRow(ctx.db, org.id, changes);
  return { ...org, ...changes };
}
