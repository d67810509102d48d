import type { Context } from '../context.js';
import { isInventoryModule, loadInventoryTemplates } from '../inventory/inventory-templates.js';
import { quotaStatus } from '../limits/daily-quota.js';
import { listFromAddresses } from '../mail/from-addresses.js';
import type { ModuleDefinition } from '../records/modules.js';
import { findRecord, parseData } from '../records/record-repository.js';
import { listTemplateSummaries } from '../templates/template-repository.js';
import { fromValue, readComposeForm, type ComposeForm, type ComposePreview, type FormErrors } from './compose-form.js';
import { editorBundle, moduleMergeFields } from './editor-asset.js';
import { renderCompose } from './render-compose-page.js';
import { notFound } from './page-error.js';
import { recordName } from './record-queries.js';
import type { Session } from '../auth/web-sessions.js';

/** The compose form of a record: the user's from addresses, the module's templates, the day's quota. */
export async function buildComposePage(
  ctx: Context,
  session: Session,
  module: ModuleDefinition,
  id: string,
  form: ComposeForm | null,
  errors: FormErrors,
  preview: ComposePreview | null = null,
): Promise<string> {
  if (module.apiName === 'Products') throw notFound();
  const row = await findRecord(ctx.db, session.principal.orgId, module.apiName, id);
  if (!row || !/^\d{1,19}$/.test(id)) throw notFound();
  const data = parseData(row);
  const [fromAddresses, templates, inventory, quota] = await Promise.all([
    listFromAddresses(ctx.db, session.principal.orgId, session.principal.userId),
    listTemplateSummaries(ctx.db, session.principal.orgId, { module: module.apiName }).then((rows) =>
      rows.filter((t) => t.active === 1).map((t) => ({ id: t.id, name: t.name })).sort((a, b) => a.name.localeCompare(b.name)),
    ),
    isInventoryModule(module) ? loadInventoryTemplates(ctx.db, session.principal.orgId, module.apiName) : Promise.resolve(null),
    quotaStatus(ctx.db, session.principal.orgId, ctx.clock.now()),
  ]);
  const name = recordName(module, data);
  // "Name <address>" only when the name cannot be misread as address syntax.
  const plainName = name !== '(no name)' && /^[^<>,;"\n]+$/.test(name);
  const defaultTo = typeof data.Email === 'string' && data.Email !== '' ? (plainName ? `${name} <${data.Email}>` : data.Email) : '';
  const primary = fromAddresses?.[0];
  const initial: ComposeForm = form ?? {
    ...readComposeForm({}),
    from: primary ? fromValue(primary.type, primary.email) : '',
    to: defaultTo,
  };
  return renderCompose(session, {
    module,
    recordId: id,
    recordName: name,
    fromAddresses: fromAddresses ?? [],
    templates,
    inventoryTemplates: inventory ? inventory.map((t) => ({ id: t.id, name: t.name })) : null,
    form: initial,
    errors,
    quota: { remaining: quota.remaining, limit: quota.limit },
    mergeFields: moduleMergeFields(module),
    editor: editorBundle() !== null,
    preview,
  });
}
