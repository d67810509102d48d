import type { Context, Principal } from '../context.js';
import { AppError } from '../errors.js';
import { settleItem, type ItemResult } from '../records/data-array.js';
import { listModules } from '../records/module-registry.js';
import { idText } from '../wire/json-ids.js';
import { folderIdFor } from './template-folders.js';
import { linksConsentForm, prepareTemplateItem, readTemplateArray } from './template-input.js';
import { findTemplate, replaceTemplateAttachments, updateTemplateRow } from './template-repository.js';

/**
 * `PUT /settings/email_templates/{id}` (the one item changes that template) or
 * `PUT /settings/email_templates` (each item names its template with `id`). Only the keys given
 * change; `attachments` replaces the list. Another org's id answers like a missing one.
 */
export async function updateEmailTemplates(
  ctx: Context,
  actor: Pick<Principal, 'orgId' | 'userId'>,
  body: unknown,
  templateId?: string,
): Promise<ItemResult[]> {
  const items = readTemplateArray(body);
  const modules = await listModules(ctx.db, actor.orgId);
  const results: ItemResult[] = [];
  for (const [index, item] of items.entries()) {
    results.push(
      await settleItem(async () => {
        const bodyId = typeof item === 'object' && item !== null ? (item as Record<string, unknown>).id : undefined;
        // Any other number is echoed in the error as before (`1.5` → "the id given seems to be invalid").
        const id = templateId ?? idText(bodyId) ?? (typeof bodyId === 'number' ? String(bodyId) : undefined);
        if (id === undefined) {
          throw new AppError('MANDATORY_NOT_FOUND', { details: { api_name: 'id', json_path: `$.email_templates[${index}].id` } });
        }
        const row = /^\d{1,19}$/.test(id) ? await findTemplate(ctx.db, actor.orgId, id) : undefined;
        if (!row) throw new AppError('RECORD_NOT_FOUND', { details: { id } });
        const changes = await prepareTemplateItem(item, { db: ctx.db, orgId: actor.orgId, index, modules, existing: row });
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
        return { ok: true, message: 'email template updated successfully', details: { id: row.id } };
      }),
    );
  }
  return results;
}
