import type { Kysely } from 'kysely';

/**
 * Inventory templates an admin made (Zoho's built-in "Quote Template" etc. are not stored: they
 * are defined in code, see src/inventory/inventory-templates.ts), and when each template of either
 * kind was last used to render a PDF. Built-in templates have no row to carry that time, so usage
 * lives in its own table keyed by (org, template id) rather than in a column of the first table.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('inventory_templates')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('orgs.id'))
    .addColumn('module', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('header_text', 'text')
    .addColumn('footer_text', 'text')
    .addColumn('favorite', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_by', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('modified_by', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('modified_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('inventory_templates_org_module').on('inventory_templates').columns(['org_id', 'module']).execute();

  await db.schema
    .createTable('inventory_template_usage')
    .addColumn('org_id', 'text', (c) => c.notNull().references('orgs.id'))
    .addColumn('template_id', 'text', (c) => c.notNull())
    .addColumn('last_used_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('inventory_template_usage_pk', ['org_id', 'template_id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['inventory_template_usage', 'inventory_templates']) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
