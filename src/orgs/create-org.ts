import { randomInt } from 'node:crypto';
import { isValidTimeZone } from '../config.js';
import type { Context } from '../context.js';
import type { Edition } from '../db/schema.js';
import { AppError } from '../errors.js';
import { createUser } from '../users/create-user.js';
import type { UserRow } from '../users/user-repository.js';
import { EDITIONS, insertOrg, type OrgRow } from './org-repository.js';

export type CreateOrgInput = {
  name: string;
  edition?: Edition;
  timeZone?: string;
  adminEmail: string;
  adminName?: string;
  adminPassword?: string;
};

export type CreateOrgResult = { org: OrgRow; admin: UserRow };

/** Creates an org together with its first (admin) user, in one transaction. */
export async function createOrg(ctx: Context, input: CreateOrgInput): Promise<CreateOrgResult> {
  const name = input.name.trim();
  if (name.length === 0 || name.length > 200) throw new AppError('INVALID_DATA', { details: { api_name: 'name' } });
  const edition = input.edition ?? 'enterprise';
  if (!EDITIONS.includes(edition)) {
    throw new AppError('INVALID_DATA', { details: { api_name: 'edition', supported_values: EDITIONS } });
  }
  const timeZone = input.timeZone ?? ctx.config.defaultTimeZone;
  if (!isValidTimeZone(timeZone)) throw new AppError('INVALID_DATA', { details: { api_name: 'time_zone' } });

  return ctx.db.transaction().execute(async (tx) => {
    const org: OrgRow = {
      id: ctx.ids.next(),
      zgid: String(randomInt(100_000_000, 999_999_999)),
      name,
      edition,
      time_zone: timeZone,
      privacy_settings: 0,
      one_click_unsubscribe: 0,
      created_at: ctx.clock.now(),
      daily_mail_limit: null,
      api_credit_limit: null,
      api_concurrency_limit: null,
    };
    await insertOrg(tx, org);
    const admin = await createUser(
      ctx,
      {
        orgId: org.id,
        email: input.adminEmail,
        name: input.adminName ?? 'Administrator',
        profile: 'admin',
        ...(input.adminPassword !== undefined ? { password: input.adminPassword } : {}),
      },
      tx,
    );
    return { org, admin };
  });
}
