import type { Context, Principal } from '../context.js';
import { AppError } from '../errors.js';
import type { ModuleDefinition } from '../records/modules.js';
import { findRecord } from '../records/record-repository.js';
import { replyAttachment } from './parse-reply.js';
import { isReplyId } from './reply-ids.js';
import { findReply, rawOfReply } from './reply-repository.js';

/**
 * `GET /crm/{v}/{module}/{id}/Emails/{reply id}/attachments/{reply id}-{index}` (beyond Zoho): one
 * attachment of a reply on the record, read again from the stored raw message (the reply keeps
 * only its metadata). Another org's reply, another record's, or an index it does not have: not found.
 */
export async function getReplyAttachment(
  ctx: Context,
  principal: Principal,
  module: ModuleDefinition,
  recordId: string,
  replyId: string,
  attachmentId: string,
): Promise<{ name: string; contentType: string; content: Buffer }> {
  const record = /^\d{1,19}$/.test(recordId) ? await findRecord(ctx.db, principal.orgId, module.apiName, recordId) : undefined;
  if (!record) throw new AppError('RECORD_NOT_FOUND', { details: { resource_path_index: 1 } });
  const reply = isReplyId(replyId) ? await findReply(ctx.db, principal.orgId, replyId) : undefined;
  if (!reply || (reply.record_id !== recordId && reply.linked_record_id !== recordId)) throw new AppError('RECORD_NOT_FOUND', { details: { resource_path_index: 3 } });
  const match = /^(r\d{1,19})-(\d{1,3})$/.exec(attachmentId);
  const listed = JSON.parse(reply.attachments_json) as { index: number }[];
  const index = match && match[1] === reply.id ? Number(match[2]) : -1;
  const raw = listed.some((a) => a.index === index) ? await rawOfReply(ctx.db, reply.inbound_id) : undefined;
  const attachment = raw ? await replyAttachment(raw, index) : null;
  if (!attachment) throw new AppError('RECORD_NOT_FOUND', { details: { resource_path_index: 5 } });
  return attachment;
}
