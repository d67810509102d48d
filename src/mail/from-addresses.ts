import type { Database } from '../db/database.js';
import type { OrgFromAddressTable, UserSmtpSettingsTable } from '../db/schema.js';
import { findUserById, fullName, type UserRow } from '../users/user-repository.js';
import { listOrgFromAddresses } from './from-address-repository.js';
import { findUserSmtp } from './user-smtp-repository.js';

// Kept importable from here: acceptance, transports and the settings pages read both.
export { findUserSmtp, listOrgFromAddresses };

/**
 * A user's allowed From addresses (docs/zoho-contract.md §4): the primary address, the org's addresses
 * (usable only with `org_email: true`), and the address of the user's own SMTP server.
 */
export type FromAddress = {
  email: string;
  user_name: string;
  type: 'primary' | 'org_email' | 'smtp';
  id: string | null;
  default: boolean;
};

export function fromAddressesOf(
  user: UserRow,
  orgAddresses: readonly OrgFromAddressTable[],
  smtp: UserSmtpSettingsTable | undefined,
): FromAddress[] {
  const list: FromAddress[] = [{ email: user.email, user_name: fullName(user), type: 'primary', id: null, default: true }];
  if (smtp && smtp.from_email.toLowerCase() !== user.email.toLowerCase()) {
    list.push({ email: smtp.from_email, user_name: smtp.from_name, type: 'smtp', id: null, default: false });
  }
  for (const address of orgAddresses) {
    list.push({ email: address.email, user_name: address.user_name, type: 'org_email', id: address.id, default: false });
  }
  return list;
}

export async function listFromAddresses(db: Database, orgId: string, userId: string): Promise<FromAddress[] | undefined> {
  const user = await findUserById(db, orgId, userId);
  if (!user) return undefined;
  const [orgAddresses, smtp] = await Promise.all([listOrgFromAddresses(db, orgId), findUserSmtp(db, orgId, userId)]);
  return fromAddressesOf(user, orgAddresses, smtp);
}

/**
 * Whether `email` may be the From of a mail, and how it goes out. Org addresses need
 * `org_email: true` (Zoho's rule, docs/zoho-contract.md §17); the user's own addresses need it false.
 */
export function allowedFrom(list: readonly FromAddress[], email: string, orgEmail: boolean): FromAddress | undefined {
  const match = list.find((a) => a.email.toLowerCase() === email.toLowerCase() && (a.type === 'org_email') === orgEmail);
  return match;
}
