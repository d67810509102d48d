import { AppError } from '../errors.js';
import type { Profile } from '../db/schema.js';
import {
  LOCKED_FOR,
  RESTRICTED_ACTIONS,
  RESTRICTED_COMMUNICATIONS,
  type LockingChanges,
  type LockingConfigView,
  type LockingSettings,
} from '../compliance/locking-config.js';
import { MAX_LOCK_REASON, type LockInput, type RecordLockView } from '../compliance/record-locks.js';
import { readItem, refuse, type ReadItem } from '../refusals.js';
import { formatZohoDateTime } from '../time.js';
import { PROFILE_REFS } from '../users/present-user.js';
import { idText } from './json-ids.js';
import { isJsonObject, readItemArray } from './item-array.js';
import { itemsReply } from './zoho-envelope.js';

/**
 * Record locking on the wire (docs/zoho-contract.md §11): `Locking_Information__s` of a record, and
 * `/settings/record_locking_configurations`.
 */

/** `POST …/Locking_Information__s`: `{"data": [{"Locked_Reason__s"?: "…"}]}`, exactly one item. */
export function readLockRequest(body: unknown): ReadItem<LockInput> {
  const items = readItemArray(body, 'data');
  if (items.length !== 1) throw new AppError('INVALID_DATA', { details: { api_name: 'data', json_path: '$.data', maximum_length: 1 } });
  const item = items[0];
  return readItem(() => {
    const reason = isJsonObject(item) ? item.Locked_Reason__s : undefined;
    if (reason === undefined || reason === null) return { reason: null };
    if (typeof reason !== 'string') throw refuse('INVALID_DATA', ['Locked_Reason__s'], { maximum_length: MAX_LOCK_REASON });
    return { reason };
  });
}

/** The record's lock as a Zoho record list (`GET …/Locking_Information__s`). */
export function lockInformationJson(lock: RecordLockView, timeZone: string): Record<string, unknown> {
  const by = lock.lockedBy ? { name: lock.lockedBy.name, id: lock.lockedBy.id, email: lock.lockedBy.email } : null;
  return {
    data: [
      {
        id: lock.id,
        Locked_For__s: lock.lockedFor,
        Locked_Reason__s: lock.reason,
        Lock_Source__s: lock.source,
        Locked_Time__s: formatZohoDateTime(lock.lockedAt, timeZone),
        Locked_By__s: by,
        Record_Locking_Rule_Id__s: null,
        Record_Locking_Configuration_Id__s: lock.configurationId,
        Owner: by,
        Parent_Id: { module: { api_name: lock.module.apiName, id: lock.module.id }, id: lock.record.id, name: lock.record.name },
      },
    ],
    info: { per_page: 200, count: 1, page: 1, more_records: false },
  };
}

const CONFIGURATIONS = 'record_locking_configurations';

export function lockingConfigurationJson(config: LockingConfigView, timeZone: string): Record<string, unknown> {
  const s = config.settings;
  return {
    [CONFIGURATIONS]: [
      {
        id: config.id,
        module: { api_name: config.module.apiName, id: config.module.id },
        lock_type: 'manual',
        feature_type: 'record_locking',
        locked_for: s.locked_for,
        lock_excluded_profiles: s.lock_excluded_profiles.map((p) => PROFILE_REFS[p]),
        restricted_actions: s.restricted_actions,
        restricted_communications: s.restricted_communications,
        restricted_custom_buttons: [],
        excluded_fields: [],
        locking_rules: [],
        lock_for_portal_users: s.lock_for_portal_users,
        modified_time: config.modifiedAt === null ? null : formatZohoDateTime(config.modifiedAt, timeZone),
      },
    ],
  };
}

export function lockingConfigurationUpdated(id: string): Record<string, unknown> {
  return itemsReply([{ success: { message: 'Record locking configuration updated successfully', details: { id } } }], {
    root: CONFIGURATIONS,
    rules: { apiName: 'last-key' },
    successStatus: 200,
  }).body;
}

/**
 * `PUT /settings/record_locking_configurations[?module=]`: one configuration, its module named by
 * the query or by its own `module.api_name`. The settings are read by `changes`, when the use-case
 * has checked the module.
 */
export function readLockingConfigRequest(body: unknown, queryModule: string | undefined): { moduleName: string | undefined; changes: () => LockingChanges } {
  const list = isJsonObject(body) ? body[CONFIGURATIONS] : undefined;
  if (!Array.isArray(list) || list.length !== 1 || !isJsonObject(list[0])) {
    throw new AppError('INVALID_DATA', { details: { api_name: CONFIGURATIONS, expected_data_type: 'jsonarray' } });
  }
  const item = list[0];
  const fromBody = isJsonObject(item.module) ? item.module.api_name : undefined;
  return { moduleName: queryModule ?? (typeof fromBody === 'string' ? fromBody : undefined), changes: () => readLockingChanges(item) };
}

function readLockingChanges(item: Record<string, unknown>): LockingChanges {
  const changes: LockingChanges = {};
  if (item.locked_for !== undefined) {
    if (!(LOCKED_FOR as readonly unknown[]).includes(item.locked_for)) {
      throw new AppError('INVALID_DATA', { details: { api_name: 'locked_for', supported_values: LOCKED_FOR } });
    }
    changes.locked_for = item.locked_for as LockingSettings['locked_for'];
  }
  if (item.lock_excluded_profiles !== undefined) {
    const raw = item.lock_excluded_profiles;
    if (!Array.isArray(raw) || raw.length > 2) throw new AppError('INVALID_DATA', { details: { api_name: 'lock_excluded_profiles' } });
    changes.lock_excluded_profiles = raw.map((p) => {
      const found = (Object.keys(PROFILE_REFS) as Profile[]).find(
        (key) => isJsonObject(p) && (idText(p.id) === PROFILE_REFS[key].id || p.name === PROFILE_REFS[key].name),
      );
      if (!found) throw new AppError('INVALID_DATA', { details: { api_name: 'lock_excluded_profiles' } });
      return found;
    });
  }
  const actions = subset(item, 'restricted_actions', RESTRICTED_ACTIONS);
  if (actions) changes.restricted_actions = actions;
  const communications = subset(item, 'restricted_communications', RESTRICTED_COMMUNICATIONS);
  if (communications) changes.restricted_communications = communications;
  if (item.lock_for_portal_users !== undefined) {
    if (typeof item.lock_for_portal_users !== 'boolean') {
      throw new AppError('INVALID_DATA', { details: { api_name: 'lock_for_portal_users', expected_data_type: 'boolean' } });
    }
    changes.lock_for_portal_users = item.lock_for_portal_users;
  }
  return changes;
}

function subset(item: Record<string, unknown>, key: string, allowed: readonly string[]): string[] | undefined {
  const value = item[key];
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length > allowed.length || value.some((v) => typeof v !== 'string' || !allowed.includes(v))) {
    throw new AppError('INVALID_DATA', { details: { api_name: key, json_path: `$.${CONFIGURATIONS}[0].${key}`, supported_values: allowed } });
  }
  return [...new Set(value as string[])];
}
