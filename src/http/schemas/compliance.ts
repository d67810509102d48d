import { Type } from 'typebox';
import { ActionResults, bulkResponses, ERRORS, JsonBody, NoContent, OpenObject, PageInfo, PageResponses, PathSegment, RecordParams, VersionParams } from './common.js';

/** Record locking, the audit trail and profile permissions (docs/zoho-contract.md §11, docs/compliance.md). */
const tags = ['Compliance'];

const PAGE = Type.String({ pattern: '^[1-9][0-9]{0,5}$', description: 'Page number, from 1 (default 1); anything else: INVALID_PARAMETER' });
const PER_PAGE = Type.String({ pattern: '^[1-9][0-9]{0,2}$', description: 'Entries per page, at most 200 (default 200); anything else: INVALID_PARAMETER' });
const MODULE_QUERY = Type.Object({
  module: Type.Optional(Type.String({ maxLength: 100, description: 'A lockable module (Leads, Contacts, … or a custom module); required unless the body names it' })),
});

export const lockRecord = {
  summary: 'Lock a record',
  tags,
  params: RecordParams,
  body: JsonBody('`{"data": [{"Locked_Reason__s": "…"}]}` (the reason is optional)', { data: [{ Locked_Reason__s: 'Legal hold' }] }),
  response: bulkResponses(201),
};

export const getLock = {
  summary: "Get a record's lock",
  tags,
  params: RecordParams,
  response: {
    200: Type.Object(
      { data: Type.Array(OpenObject({ id: Type.String(), Locked_For__s: Type.String(), Locked_Time__s: Type.String() }), { minItems: 1, maxItems: 1 }), info: PageInfo },
      { description: 'The lock' },
    ),
    204: NoContent('The record is not locked'),
    ...ERRORS,
  },
};

export const unlockRecord = {
  summary: 'Unlock a record',
  tags,
  params: Type.Object({ ...RecordParams.properties, lockId: PathSegment('The lock id') }),
  response: bulkResponses(200),
};

const LockingConfiguration = OpenObject({
  id: Type.Union([Type.String(), Type.Null()]),
  module: OpenObject({ api_name: Type.String() }),
  lock_type: Type.Literal('manual'),
  locked_for: Type.String(),
  restricted_actions: Type.Array(Type.String()),
  restricted_communications: Type.Array(Type.String()),
});

export const getLockingConfiguration = {
  summary: "Get a module's record locking configuration",
  tags,
  params: VersionParams,
  querystring: MODULE_QUERY,
  response: { 200: Type.Object({ record_locking_configurations: Type.Array(LockingConfiguration) }, { description: 'The configuration' }), ...ERRORS },
};

export const updateLockingConfiguration = {
  summary: "Change a module's record locking configuration",
  tags,
  params: VersionParams,
  querystring: MODULE_QUERY,
  body: JsonBody('`{"record_locking_configurations": [{…only the keys to change…}]}`', {
    record_locking_configurations: [{ restricted_actions: ['update', 'delete'], restricted_communications: ['send_mail'] }],
  }),
  response: { 200: ActionResults('record_locking_configurations', 'Saved'), ...ERRORS },
};

export const auditLog = {
  summary: 'Read the audit trail',
  tags,
  params: VersionParams,
  querystring: Type.Object({
    page: Type.Optional(PAGE),
    per_page: Type.Optional(PER_PAGE),
    action: Type.Optional(Type.String({ maxLength: 50, description: 'Only this action (`consent.changed`, `record.locked`, …)' })),
    record_id: Type.Optional(Type.String({ pattern: '^[0-9]{1,19}$', description: 'Only entries about this record' })),
  }),
  response: PageResponses(
    'audit_log',
    OpenObject({ id: Type.String(), time: Type.String(), action: Type.String(), reason: Type.String() }),
    'A page of entries, newest first',
    'No entry on this page',
  ),
};

const ProfilePermissions = Type.Object(
  {
    profile_permissions: Type.Array(
      Type.Object({ profile: Type.String(), permissions: Type.Object({}, { additionalProperties: Type.Boolean() }) }, { additionalProperties: false }),
    ),
  },
  { description: 'Every profile with its permissions' },
);

export const profilePermissions = { summary: 'List profile permissions', tags, params: VersionParams, response: { 200: ProfilePermissions, ...ERRORS } };

export const updateProfilePermissions = {
  summary: 'Grant or take away profile permissions',
  tags,
  params: VersionParams,
  body: JsonBody('`{"profile_permissions": [{"profile": "standard", "permission": "send_email", "enabled": false}]}`, 1 to 10 changes', {
    profile_permissions: [{ profile: 'standard', permission: 'send_email', enabled: false }],
  }),
  response: { 200: ProfilePermissions, ...ERRORS },
};
