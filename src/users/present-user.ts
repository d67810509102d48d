import { formatZohoDateTime } from '../time.js';
import { fullName, type UserRow } from './user-repository.js';

export const PROFILE_REFS = {
  admin: { name: 'Administrator', id: '1000000000000100001' },
  standard: { name: 'Standard', id: '1000000000000100002' },
} as const;
const ROLES = {
  admin: { name: 'CEO', id: '1000000000000200001' },
  standard: { name: 'Manager', id: '1000000000000200002' },
} as const;

/** A user as `GET /users` shows it. */
export function presentUser(user: UserRow, orgTimeZone: string): Record<string, unknown> {
  return {
    id: user.id,
    first_name: user.first_name,
    last_name: user.last_name,
    full_name: fullName(user),
    email: user.email,
    status: user.status,
    confirm: user.is_confirmed === 1,
    profile: PROFILE_REFS[user.profile],
    role: ROLES[user.profile],
    time_zone: user.time_zone ?? orgTimeZone,
    created_time: formatZohoDateTime(user.created_at, user.time_zone ?? orgTimeZone),
    Modified_Time: formatZohoDateTime(user.created_at, user.time_zone ?? orgTimeZone),
  };
}
