import type { Kysely } from 'kysely';

/**
 * One-click unsubscribe (RFC 8058, issue 14 item 6): `orgs.one_click_unsubscribe`, off by
 * default. When on, every message the org sends carries `List-Unsubscribe` and
 * `List-Unsubscribe-Post` (docs/compliance.md#one-click-unsubscribe). Nothing else is stored: the
 * link's token is computed from the recipient's id when the message is built.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('orgs').addColumn('one_click_unsubscribe', 'integer', (c) => c.notNull().defaultTo(0)).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('orgs').dropColumn('one_click_unsubscribe').execute();
}
