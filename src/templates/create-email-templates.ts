import type { Context, Principal } from '../context.js';
import { settleItem, type ItemOutcome, type ReadItem } from '../refusals.js';
import { listModules } from '../records/module-registry.js';
import { folderIdFor } from './template-folders.js';
import { DEFAULT_FOLDER, linksConsentForm, prepareTemplateItem, type TemplateInput } from './template-input.js';
import { insertTemplate, replaceTemplateAttachments, type TemplateRow } from './template-repository.js';

/**
 * `POST /settings/email_templates` (beyond Zoho, which has no write API for templates), the web
 * UI's editor and `mailroom template create`: each template is checked and stored on its own, with
 * its folder (created on demand) and attachments in one transaction; outcomes in input order.
 */
export async function createEmailTemplates(
  ctx: Context,
  actor: Pick<Principal, 'orgId' | 'userId'>,
  items: readonly ReadItem<TemplateInput>[],
): Promise<ItemOutcome<{ id: string }>[]> {
  const modules = await listModules(ctx.db, actor.orgId);
  const results: ItemOutcome<{ id: string }>[] = [];
  for (const item of items) {
    if ('refused' in item) {
      results.push(item);
      continue;
    }
    results.push(
      await settleItem(async () => {
        const changes = await prepareTemplateItem(item.input, { db: ctx.db, orgId: actor.orgId, modules });
        const now = ctx.clock.now();
        const id = ctx.ids.next();
        const content = changes.content ?? '';
        await ctx.db.transaction().execute(async (tx) => {
          const row: TemplateRow = {
            id,
            org_id: actor.orgId,
            module: changes.module!.apiName,
            name: changes.name!,
            subject: changes.subject!,
            content,
            folder_id: await folderIdFor(ctx, tx, actor.orgId, changes.folder ?? { name: DEFAULT_FOLDER }, now),
            editor_mode: changes.editorMode ?? 'rich_text',
            category: changes.category ?? 'normal',
            description: changes.description ?? null,
            active: changes.active === false ? 0 : 1,
            favorite: changes.favorite === true ? 1 : 0,
            consent_linked: linksConsentForm(content) ? 1 : 0,
            created_by: actor.userId,
            modified_by: actor.userId,
            created_at: now,
            modified_at: now,
            last_used_at: null,
            sent_count: 0,
          };
          await insertTemplate(tx, row);
          const files = changes.attachmentFileIds ?? [];
          await replaceTemplateAttachments(
            tx,
            id,
            files.map((fileId, position) => ({ id: ctx.ids.next(), template_id: id, position, file_id: fileId })),
          );
        });
        return { id };
      }),
    );
  }
  return results;
}
