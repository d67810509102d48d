import { AppError } from '../errors.js';

/**
 * Readers of the two settings writes beyond Zoho's own API: `PUT /settings/profile_permissions`
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

/** `{"org": [{"privacy_settings": true}]}`: the org's GDPR compliance switch. */
export function readPrivacySettingsChange(body: unknown): { privacySettings: boolean } {
  const list = (body as { org?: unknown } | undefined)?.org;
  const item = Array.isArray(list) && list.length === 1 ? (list[0] as Record<string, unknown>) : undefined;
  if (!item || typeof item !== 'object' || typeof item.privacy_settings !== 'boolean') {
    throw new AppError('INVALID_DATA', { details: { api_name: 'privacy_settings', json_path: '$.org[0].privacy_settings', expected_data_type: 'boolean' } });
  }
  return { privacySettings: item.privacy_settings };
}
