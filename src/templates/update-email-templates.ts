import type { Context, Principal } from '../context.js';
import { AppError } from '../errors.js';
import { refusalError, refuse, settleItem, type ItemOutcome, type ReadItem } from '../refusals.js';
import { listModules } from '../records/module-registry.js';
import { folderIdFor } from './template-folders.js';
import { linksConsentForm, prepareTemplateItem, type TemplateInput } from './template-input.js';
import { findTemplate, replaceTemplateAttachments, updateTemplateRow } from './template-repository.js';

/**
 * One template to change: its id (`null`: the item names none) and its keys as read (a read
 * refusal is reported once the template is found, as the template is checked first).
 */
export type TemplateUpdate = Readonly<{ id: string | null; item: ReadItem<TemplateInput> }>;

/**
 * `PUT /settings/email_templates/{id}` (the one item changes that template) or
 * `PUT /settings/email_templates` (each item names its template with `id`), the web UI's editor
 * and `mailroom template update`. Only the keys given change; `attachments` replaces the list.
 * Another org's id answers like a missing one.
 */
export async function updateEmailTemplates(
  ctx: Context,
  actor: Pick<Principal, 'orgId' | 'userId'>,
  updates: readonly TemplateUpdate[],
): Promise<ItemOutcome<{ id: string }>[]> {
  const modules = await listModules(ctx.db, actor.orgId);
  const results: ItemOutcome<{ id: string }>[] = [];
  for (const { id, item } of updates) {
    results.push(
      await settleItem(async () => {
        if (id === null) throw refuse('MANDATORY_NOT_FOUND', ['id']);
        const row = /^\d{1,19}$/.test(id) ? await findTemplate(ctx.db, actor.orgId, id) : undefined;
        if (!row) throw new AppError('RECORD_NOT_FOUND', { details: { id } });
        if ('refused' in item) throw refusalError(item.refused);
        const changes = await prepareTemplateItem(item.input, { db: ctx.db, orgId: actor.orgId, modules, existing: row });
        const now = ctx.clock.now();
        await ctx.db.transaction().execute(async (tx) => {
          await updateTemplateRow(tx, actor.orgId, row.id, {
            ...(changes.name !== undefined ? { name: changes.name } : {}),
            ...(changes.module !== undefined ? { module: changes.module.apiName } : {}),
            ...(changes.subject !== undefined ? { subject: changes.subject } : {}),
            ...(changes.content !== undefined
              ? { content: changes.content, consent_linked: linksConsentForm(changes.content) ? 1 : 0 }
              : {}),
            ...(changes.folder !== undefined ? { folder_id: await folderIdFor(ctx, tx, actor.orgId, changes.folder, now) } : {}),
            ...(changes.editorMode !== undefined ? { editor_mode: changes.editorMode } : {}),
            ...(changes.category !== undefined ? { category: changes.category } : {}),
            ...(changes.description !== undefined ? { description: changes.description } : {}),
            ...(changes.active !== undefined ? { active: changes.active ? 1 : 0 } : {}),
            ...(changes.favorite !== undefined ? { favorite: changes.favorite ? 1 : 0 } : {}),
            modified_by: actor.userId,
            modified_at: now,
          });
          if (changes.attachmentFileIds !== undefined) {
            await replaceTemplateAttachments(
              tx,
              row.id,
              changes.attachmentFileIds.map((fileId, position) => ({ id: ctx.ids.next(), template_id: row.id, position, file_id: fileId })),
            );
          }
        });
        return { id: row.id };
      }),
    );
  }
  return results;
}
