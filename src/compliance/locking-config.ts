import type { Context, Principal } from '../context.js';
import type { Database } from '../db/database.js';
import type { Profile } from '../db/schema.js';
import { AppError } from '../errors.js';
import type { ModuleDefinition } from '../records/modules.js';
import { resolveModule } from '../records/module-registry.js';
import { formatZohoDateTime } from '../time.js';
import { PROFILE_REFS } from '../users/present-user.js';
import { idText } from '../wire/json-ids.js';
import { recordAudit } from './audit-log.js';
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

const LOCKED_FOR = ['all_profiles', 'all_profiles_except_excluded_profiles'] as const;
const RESTRICTED_ACTIONS = ['update', 'delete', 'change_owner', 'convert', 'tags'] as const;
const RESTRICTED_COMMUNICATIONS = ['send_mail', 'send_survey', 'send_portal_invitation'] as const;

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
  const row = await db
    .selectFrom('record_locking_configurations')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('module', '=', moduleApiName)
    .executeTakeFirst();
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

async function lockableModule(ctx: Context, orgId: string, name: unknown): Promise<ModuleDefinition> {
  if (typeof name !== 'string' || name === '') {
    throw new AppError('REQUIRED_PARAM_MISSING', { details: { param_name: 'module' } });
  }
  const module = await resolveModule(ctx.db, orgId, name);
  if (!module || !isLockable(module)) throw new AppError('INVALID_MODULE', { details: { param_name: 'module' } });
  return module;
}

const profileRef = (p: Profile) => PROFILE_REFS[p];

export async function getLockingConfiguration(ctx: Context, principal: Principal, moduleName: unknown): Promise<unknown> {
  const module = await lockableModule(ctx, principal.orgId, moduleName);
  const stored = await loadLockingSettings(ctx.db, principal.orgId, module.apiName);
  const s = stored.settings;
  return {
    record_locking_configurations: [
      {
        id: stored.id,
        module: { api_name: module.apiName, id: module.id },
        lock_type: 'manual',
        feature_type: 'record_locking',
        locked_for: s.locked_for,
        lock_excluded_profiles: s.lock_excluded_profiles.map(profileRef),
        restricted_actions: s.restricted_actions,
        restricted_communications: s.restricted_communications,
        restricted_custom_buttons: [],
        excluded_fields: [],
        locking_rules: [],
        lock_for_portal_users: s.lock_for_portal_users,
        modified_time: stored.modifiedAt === null ? null : formatZohoDateTime(stored.modifiedAt, principal.timeZone),
      },
    ],
  };
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function subset(item: Record<string, unknown>, key: string, allowed: readonly string[]): string[] | undefined {
  const value = item[key];
  if (value === undefined) return undefined;
  const path = `$.record_locking_configurations[0].${key}`;
  if (!Array.isArray(value) || value.length > allowed.length || value.some((v) => typeof v !== 'string' || !allowed.includes(v))) {
    throw new AppError('INVALID_DATA', { details: { api_name: key, json_path: path, supported_values: allowed } });
  }
  return [...new Set(value as string[])];
}

/** `PUT /settings/record_locking_configurations?module=`: changes only the keys given; Administrators only (ADMIN_ONLY). */
export async function updateLockingConfiguration(ctx: Context, principal: Principal, moduleName: unknown, body: unknown): Promise<unknown> {
  await requireAdmin(ctx, principal);
  const list = isPlainObject(body) ? body.record_locking_configurations : undefined;
  if (!Array.isArray(list) || list.length !== 1 || !isPlainObject(list[0])) {
    throw new AppError('INVALID_DATA', { details: { api_name: 'record_locking_configurations', expected_data_type: 'jsonarray' } });
  }
  const item = list[0];
  const fromBody = isPlainObject(item.module) ? item.module.api_name : undefined;
  const module = await lockableModule(ctx, principal.orgId, moduleName ?? fromBody);
  const stored = await loadLockingSettings(ctx.db, principal.orgId, module.apiName);
  const next: LockingSettings = { ...stored.settings };

  if (item.locked_for !== undefined) {
    if (!(LOCKED_FOR as readonly unknown[]).includes(item.locked_for)) {
      throw new AppError('INVALID_DATA', { details: { api_name: 'locked_for', supported_values: LOCKED_FOR } });
    }
    next.locked_for = item.locked_for as LockingSettings['locked_for'];
  }
  if (item.lock_excluded_profiles !== undefined) {
    const raw = item.lock_excluded_profiles;
    if (!Array.isArray(raw) || raw.length > 2) throw new AppError('INVALID_DATA', { details: { api_name: 'lock_excluded_profiles' } });
    next.lock_excluded_profiles = raw.map((p) => {
      const found = (Object.keys(PROFILE_REFS) as Profile[]).find(
        (key) => isPlainObject(p) && (idText(p.id) === PROFILE_REFS[key].id || p.name === PROFILE_REFS[key].name),
      );
      if (!found) throw new AppError('INVALID_DATA', { details: { api_name: 'lock_excluded_profiles' } });
      return found;
    });
  }
  next.restricted_actions = subset(item, 'restricted_actions', RESTRICTED_ACTIONS) ?? next.restricted_actions;
  next.restricted_communications = subset(item, 'restricted_communications', RESTRICTED_COMMUNICATIONS) ?? next.restricted_communications;
  if (item.lock_for_portal_users !== undefined) {
    if (typeof item.lock_for_portal_users !== 'boolean') {
      throw new AppError('INVALID_DATA', { details: { api_name: 'lock_for_portal_users', expected_data_type: 'boolean' } });
    }
    next.lock_for_portal_users = item.lock_for_portal_users;
  }

  const now = ctx.clock.now();
  const id = stored.id ?? ctx.ids.next();
  await ctx.db.transaction().execute(async (tx) => {
    await tx
      .insertInto('record_locking_configurations')
      .values({ id, org_id: principal.orgId, module: module.apiName, settings: JSON.stringify(next), modified_by: principal.userId, modified_at: now })
      .onConflict((oc) =>
        oc.columns(['org_id', 'module']).doUpdateSet({ settings: JSON.stringify(next), modified_by: principal.userId, modified_at: now }),
      )
      .execute();
    await recordAudit(ctx, tx, {
      orgId: principal.orgId,
      actor: { type: 'user', id: principal.userId },
      action: 'record_locking.configured',
      module: module.apiName,
      reason: `record locking configuration of ${module.apiName} changed`,
      details: { before: stored.settings, after: next },
    });
  });
  return {
    record_locking_configurations: [
      { code: 'SUCCESS', details: { id }, message: 'Record locking configuration updated successfully', status: 'success' },
    ],
  };
}
