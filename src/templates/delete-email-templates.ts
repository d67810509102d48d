import type { Context, Principal } from '../context.js';
import { AppError } from '../errors.js';
import { settleItem, type ItemOutcome } from '../refusals.js';
import { MAX_DATA_ITEMS } from '../wire/item-array.js';
import { deleteTemplateRow } from './template-repository.js';

/**
 * `DELETE /settings/email_templates/{id}` or `?ids=a,b` (up to 100). Mails already sent keep
 * their rendered subject and content; only the template and its attachment list go.
 */
export async function deleteEmailTemplates(ctx: Context, actor: Pick<Principal, 'orgId'>, ids: readonly string[]): Promise<ItemOutcome<{ id: string }>[]> {
  if (ids.length === 0) throw new AppError('REQUIRED_PARAM_MISSING', { details: { param: 'ids' } });
  if (ids.length > MAX_DATA_ITEMS) {
    throw new AppError('LIMIT_EXCEEDED_RECORDS', { details: { param: 'ids', maximum_length: MAX_DATA_ITEMS } });
  }
  const results: ItemOutcome<{ id: string }>[] = [];
  for (const id of ids) {
    results.push(
      await settleItem(async () => {
        const deleted =
          /^\d{1,19}$/.test(id) && (await ctx.db.transaction().execute((tx) => deleteTemplateRow(tx, actor.orgId, id)));
        if (!deleted) throw new AppError('RECORD_NOT_FOUND', { details: { id } });
        return { id };
      }),
    );
  }
  return results;
}
