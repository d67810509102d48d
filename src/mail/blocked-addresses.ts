import type { Context } from '../context.js';
import { recordAudit } from '../compliance/audit-log.js';
import type { Database } from '../db/database.js';
import { findBlocked, upsertBlock, type BlockInput } from './blocked-address-repository.js';

// Kept importable from here: acceptance and delivery read blocks.
export { findBlocked };

/**
 * Addresses of an org that bounced (5xx). A blocked address makes send_mail refuse or skip it
 * until `unblock_email` lifts the block, which Zoho allows five times per address.
 */
export const MAX_UNBLOCKS = 5;

/**
 * Blocks an address after a bounce (permanently after a hard one: 5.1.x, no such user or domain). With `audit` (ids and clock of the caller's context) the
 * block is also written to the compliance audit trail, in the same transaction.
 */
export async function blockAddress(
  db: Database,
  input: BlockInput,
  audit?: Pick<Context, 'ids' | 'clock'>,
): Promise<void> {
  if (audit) {
    await recordAudit(audit, db, {
      orgId: input.orgId,
      actor: { type: 'system', id: null },
      action: 'email.blocked',
      reason: input.reason,
      details: { email: input.email.toLowerCase(), status_code: input.statusCode, permanent: input.permanent === true, category: input.category ?? null, sub_category: input.subCategory ?? null },
    });
  }
  await upsertBlock(db, input);
}
