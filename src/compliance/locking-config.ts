import type { Context, Principal } from '../context.js';
import { inTransaction, type Database } from '../db/database.js';
import type { Profile } from '../db/schema.js';
import { AppError } from '../errors.js';
import type { ModuleDefinition } from '../records/modules.js';
import { resolveModule } from '../records/module-registry.js';
import { recordAudit } from './audit-log.js';
import { findLockingConfigRow, upsertLockingConfig } from './locking-config-repository.js';
import { requireAdmin } from './require-admin.js';

/**
 * Record-locking configuration per module (`/settings/record_locking_configurations`, docs/zoho-contract.md
 * §11). Mailroom locks manually only (`lock_type: manual`, no locking rules) and enforces
 * `restricted_communications: send_mail` and `restricted_actions: update, delete` (Records API);
 * the other restrictions are stored and shown as given.
 * A new org's configuration (no row yet) restricts `send_mail` for all profiles.
 */
export const LOCKABLE_STANDARD_MODULES: ReadonlySet<string> = new Set([
  'Leads', 'Accounts', 'Contacts', 'Deals', 'Cases', 'Vendors', 'Quotes', 'Sales_Orders', 'Purchase_Orders', 'Invoices',
]);

export const isLockable = (module: ModuleDefinition): boolean => module.isCustom || LOCKABLE_STANDARD_MODULES.has(module.apiName);

export const LOCKED_FOR = ['all_profiles', 'all_profiles_except_excluded_profiles'] as const;
export const RESTRICTED_ACTIONS = ['update', 'delete', 'change_owner', 'convert', 'tags'] as const;
export const RESTRICTED_COMMUNICATIONS = ['send_mail', 'send_survey', 'send_portal_invitation'] as const;

export type LockingSettings = {
  locked_for: (typeof LOCKED_FOR)[number];
  lock_excluded_profiles: Profile[];
  restricted_actions: string[];
  restricted_communications: string[];
  lock_for_portal_users: boolean;
};

export const DEFAULT_LOCKING_SETTINGS: LockingSettings = Object.freeze({
  locked_for: 'all_profiles',
  lock_excluded_profiles: [],
  restricted_actions: [],
  restricted_communications: ['send_mail'],
  lock_for_portal_users: false,
}) as LockingSettings;

type StoredConfig = { id: string | null; settings: LockingSettings; modifiedBy: string | null; modifiedAt: number | null };

export async function loadLockingSettings(db: Database, orgId: string, moduleApiName: string): Promise<StoredConfig> {
  const row = await findLockingConfigRow(db, orgId, moduleApiName);
  if (!row) return { id: null, settings: DEFAULT_LOCKING_SETTINGS, modifiedBy: null, modifiedAt: null };
  return {
    id: row.id,
    settings: { ...DEFAULT_LOCKING_SETTINGS, ...(JSON.parse(row.settings) as Partial<LockingSettings>) },
    modifiedBy: row.modified_by,
    modifiedAt: Number(row.modified_at),
  };
}

/** Whether a lock on a record of this module stops `name` (a communication or an action) for a user of this profile. */
export function lockRestricts(settings: LockingSettings, profile: Profile, name: { communication: string } | { action: string }): boolean {
  const restricted = 'communication' in name ? settings.restricted_communications.includes(name.communication) : settings.restricted_actions.includes(name.action);
  if (!restricted) return false;
  return !(settings.locked_for === 'all_profiles_except_excluded_profiles' && settings.lock_excluded_profiles.includes(profile));
}

/** Whether a lock on a record of this module stops `send_mail` for a user of this profile. */
export const restrictsSendMail = (settings: LockingSettings, profile: Profile): boolean => lockRestricts(settings, profile, { communication: 'send_mail' });

async function lockableModule(ctx: Context, orgId: string, name: string | undefined): Promise<ModuleDefinition> {
  if (name === undefined || name === '') {
    throw new AppError('REQUIRED_PARAM_MISSING', { details: { param_name: 'module' } });
  }
  const module = await resolveModule(ctx.db, orgId, name);
  if (!module || !isLockable(module)) throw new AppError('INVALID_MODULE', { details: { param_name: 'module' } });
  return module;
}

/** A module's locking configuration as `/settings/record_locking_configurations` shows it. */
export type LockingConfigView = Readonly<{
  /** Null until the configuration is first changed (the default applies). */
  id: string | null;
  module: { apiName: string; id: string };
  settings: LockingSettings;
  modifiedAt: number | null;
}>;

export async function getLockingConfiguration(ctx: Context, principal: Principal, moduleName: string | undefined): Promise<LockingConfigView> {
  const module = await lockableModule(ctx, principal.orgId, moduleName);
  const stored = await loadLockingSettings(ctx.db, principal.orgId, module.apiName);
  return { id: stored.id, module: { apiName: module.apiName, id: module.id }, settings: stored.settings, modifiedAt: stored.modifiedAt };
}

/** The settings a change gives; the others stay. */
export type LockingChanges = Partial<LockingSettings>;

/** What a change request names: the module (from the query or the body), and its settings, read once the module is checked. */
export type LockingChangeRequest = Readonly<{ moduleName: string | undefined; changes: () => LockingChanges }>;

/**
 * `PUT /settings/record_locking_configurations?module=`: changes only the settings given;
 * Administrators only (ADMIN_ONLY), checked before anything of the request is read. `read` gives
 * the module and the reader of the changes, which runs once the module is known to be lockable.
 */
export async function updateLockingConfiguration(ctx: Context, principal: Principal, read: () => LockingChangeRequest): Promise<{ id: string }> {
  await requireAdmin(ctx, principal);
  const { moduleName, changes: readChanges } = read();
  const module = await lockableModule(ctx, principal.orgId, moduleName);
  const stored = await loadLockingSettings(ctx.db, principal.orgId, module.apiName);
  const next: LockingSettings = { ...stored.settings, ...readChanges() };

  const now = ctx.clock.now();
  const id = stored.id ?? ctx.ids.next();
  await inTransaction(ctx.db, async (tx) => {
    await upsertLockingConfig(tx, { id, org_id: principal.orgId, module: module.apiName, settings: JSON.stringify(next), modified_by: principal.userId, modified_at: now });
    await recordAudit(ctx, tx, {
      orgId: principal.orgId,
      actor: { type: 'user', id: principal.userId },
      action: 'record_locking.configured',
      module: module.apiName,
      reason: `record locking configuration of ${module.apiName} changed`,
      details: { before: stored.settings, after: next },
    });
  });
  return { id };
}
