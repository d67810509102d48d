import { AppError } from '../errors.js';

/**
 * Readers of the settings writes beyond Zoho's own API: `PUT /settings/profile_permissions`
 * and `PUT /org`. Each reads the whole body (or throws the request's error) before anything is
 * changed; the use-cases call them after their Administrator check.
 */

export type ProfilePermissionChange = Readonly<{ profile: string; permission: string; enabled: boolean }>;

/** `{"profile_permissions": [{profile, permission, enabled}, …]}`: 1 to 10 changes, in order. */
export function readProfilePermissionChanges(body: unknown): ProfilePermissionChange[] {
  const list = (body as { profile_permissions?: unknown } | undefined)?.profile_permissions;
  if (!Array.isArray(list) || list.length === 0 || list.length > 10) {
    throw new AppError('INVALID_DATA', { details: { api_name: 'profile_permissions', expected_data_type: 'jsonarray' } });
  }
  return list.map((entry: unknown, index) => {
    const item = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<string, unknown>;
    if (typeof item.profile !== 'string' || typeof item.permission !== 'string' || typeof item.enabled !== 'boolean') {
      throw new AppError('INVALID_DATA', { details: { json_path: `$.profile_permissions[${index}]`, expected_data_type: 'jsonobject' } });
    }
    return { profile: item.profile, permission: item.permission, enabled: item.enabled };
  });
}

/** What `PUT /org` may change: at least one of the two keys, each a boolean. */
export type OrgSettingsChange = Readonly<{ privacySettings?: boolean; oneClickUnsubscribe?: boolean; emailTracking?: boolean }>;

/** The keys of `PUT /org`, in the order a faulty one is reported. */
const ORG_KEYS = [
  ['privacy_settings', 'privacySettings'],
  ['one_click_unsubscribe', 'oneClickUnsubscribe'],
  ['email_tracking', 'emailTracking'],
] as const;

const invalidOrgKey = (key: string): AppError =>
  new AppError('INVALID_DATA', { details: { api_name: key, json_path: `$.org[0].${key}`, expected_data_type: 'boolean' } });

/**
 * `{"org": [{"privacy_settings": true, "one_click_unsubscribe": true}]}`: the org's GDPR
 * compliance switch (beyond Zoho, which switches it in Setup only) and Mailroom's one-click
 * unsubscribe switch (RFC 8058 headers, docs/compliance.md) and open and click tracking switch
 * (`email_tracking`, README "Tracking opens and clicks"). Any of them; a key present with
 * another type than boolean, or neither key, is INVALID_DATA naming the key (`privacy_settings`
 * when neither is there, as before the second key existed).
 */
export function readOrgSettingsChange(body: unknown): OrgSettingsChange {
  const list = (body as { org?: unknown } | undefined)?.org;
  const item = Array.isArray(list) && list.length === 1 ? (list[0] as Record<string, unknown>) : undefined;
  if (!item || typeof item !== 'object') throw invalidOrgKey('privacy_settings');
  const change: { privacySettings?: boolean; oneClickUnsubscribe?: boolean; emailTracking?: boolean } = {};
  for (const [key, name] of ORG_KEYS) {
    if (!(key in item)) continue;
    const value = item[key];
    if (typeof value !== 'boolean') throw invalidOrgKey(key);
    change[name] = value;
  }
  if (Object.keys(change).length === 0) throw invalidOrgKey('privacy_settings');
  return change;
}
