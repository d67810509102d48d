import type { Database } from '../db/database.js';

/** An org's From domain in use: of a user's address or an org From address. */
export type DomainInUse = Readonly<{ orgId: string; orgName: string; domain: string }>;

/**
 * Every (org, domain) an org sends from — its users' addresses and its org From addresses — and
 * whether the org has a DKIM key for it. Bounded by the number of users and From addresses.
 */
export async function domainsWithoutDkim(db: Database): Promise<DomainInUse[]> {
  const [users, fromAddresses, keys, orgs] = await Promise.all([
    db.selectFrom('users').select(['org_id', 'email']).execute(),
    db.selectFrom('org_from_addresses').select(['org_id', 'email']).execute(),
    db.selectFrom('dkim_keys').select(['org_id', 'domain']).execute(),
    db.selectFrom('orgs').select(['id', 'name']).execute(),
  ]);
  const signed = new Set(keys.map((k) => `${k.org_id} ${k.domain}`));
  const names = new Map(orgs.map((o) => [o.id, o.name]));
  const found = new Map<string, DomainInUse>();
  for (const { org_id, email } of [...users, ...fromAddresses]) {
    const domain = email.slice(email.lastIndexOf('@') + 1).toLowerCase();
    const key = `${org_id} ${domain}`;
    if (!domain || signed.has(key) || found.has(key)) continue;
    found.set(key, { orgId: org_id, orgName: names.get(org_id) ?? org_id, domain });
  }
  return [...found.values()].sort((a, b) => a.orgName.localeCompare(b.orgName) || a.domain.localeCompare(b.domain));
}
