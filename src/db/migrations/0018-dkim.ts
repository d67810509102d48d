import type { Kysely } from 'kysely';

/**
 * DKIM keys (issue 17 item 1; docs/operations.md "DKIM"): per org and From domain, each with its
 * selector (`<selector>._domainkey.<domain>` is its DNS record, so (domain, selector) is unique
 * across the instance), algorithm (`rsa-sha256` with a 2048-bit key, or `ed25519-sha256`, RFC 8463),
 * the private key sealed with SECRETS_KEY (every worker signs) and the public key as the DNS
 * record's `p=`. Every key of a domain signs its messages: after a rotation the old and the new
 * selector sign side by side until the old key is deleted.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('dkim_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('domain', 'text', (c) => c.notNull())
    .addColumn('selector', 'text', (c) => c.notNull())
    .addColumn('algorithm', 'text', (c) => c.notNull())
    .addColumn('private_key', 'text', (c) => c.notNull())
    .addColumn('public_key', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('dkim_keys_domain_selector').on('dkim_keys').columns(['domain', 'selector']).unique().execute();
  await db.schema.createIndex('dkim_keys_org_domain').on('dkim_keys').columns(['org_id', 'domain']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('dkim_keys').execute();
}
