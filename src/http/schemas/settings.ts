import { Type } from 'typebox';
import { ERRORS, JsonBody, ModuleParams, OneResponses, OpenObject, PageResponses, PathSegment, QueryValue, VersionParams } from './common.js';

/** The org, its users, module and field metadata, and email limits (docs/zoho-contract.md §2, §15, §16). */
const tags = ['Org and settings'];

const ModuleSchema = OpenObject(
  { api_name: Type.String(), module_name: Type.String(), plural_label: Type.String(), singular_label: Type.String(), id: Type.String(), generated_type: Type.String() },
  'A module',
);

const FieldSchema = OpenObject({ api_name: Type.String(), id: Type.String(), field_label: Type.String(), data_type: Type.String(), json_type: Type.String() }, 'A field');

const UserSchema = OpenObject({ id: Type.String(), full_name: Type.String(), email: Type.String(), status: Type.String(), profile: OpenObject({ name: Type.String(), id: Type.String() }) }, 'A user');

export const getOrg = {
  summary: "The caller's org",
  tags,
  params: VersionParams,
  response: OneResponses('org', OpenObject({ id: Type.String(), company_name: Type.String(), time_zone: Type.String(), privacy_settings: Type.Boolean(), one_click_unsubscribe: Type.Boolean(), email_tracking: Type.Boolean() }), 'The org'),
};

export const updateOrg = {
  summary: 'Switch privacy settings (GDPR compliance), one-click unsubscribe and open and click tracking on or off (beyond Zoho)',
  tags,
  params: VersionParams,
  body: JsonBody(
    '`{"org": [{"privacy_settings": true, "one_click_unsubscribe": true, "email_tracking": true}]}`: any of the keys, each a boolean (`one_click_unsubscribe` and `email_tracking` are Mailroom keys: RFC 8058 `List-Unsubscribe` headers on every message, docs/compliance.md; the open pixel and tracked links in html mail, README "Tracking opens and clicks" — until set, on for paid editions and off for the free edition)',
    { org: [{ privacy_settings: true, one_click_unsubscribe: true }] },
  ),
  response: {
    200: Type.Object(
      {
        org: Type.Array(
          Type.Object({
            code: Type.Literal('SUCCESS'),
            details: Type.Object({ id: Type.String(), privacy_settings: Type.Boolean(), one_click_unsubscribe: Type.Boolean(), email_tracking: Type.Boolean() }),
            message: Type.String(),
            status: Type.Literal('success'),
          }),
          { minItems: 1, maxItems: 1 },
        ),
      },
      { description: 'Saved' },
    ),
    ...ERRORS,
  },
};

export const listUsers = {
  summary: 'List users',
  tags,
  params: VersionParams,
  querystring: Type.Object({
    type: Type.Optional(Type.String({ maxLength: 50, description: '`AllUsers` (default), `ActiveUsers`, `AdminUsers`, `CurrentUser`, …' })),
    page: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,5}$', description: 'Page number, from 1' })),
    per_page: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,2}$', description: 'Users per page, at most 200' })),
  }),
  response: PageResponses('users', UserSchema, 'A page of users', 'No user of this type on this page'),
};

export const getUser = {
  summary: 'Get a user',
  tags,
  params: Type.Object({ ...VersionParams.properties, id: PathSegment('User id') }),
  response: OneResponses('users', UserSchema, 'The user'),
};

export const listModules = {
  summary: 'List modules',
  tags,
  params: VersionParams,
  response: { 200: Type.Object({ modules: Type.Array(ModuleSchema) }, { description: 'Every module of the org' }), ...ERRORS },
};

export const getModule = {
  summary: 'Get a module',
  tags,
  params: ModuleParams,
  response: OneResponses('modules', ModuleSchema, 'The module'),
};

export const listFields = {
  summary: "List a module's fields",
  tags,
  params: VersionParams,
  querystring: Type.Object({ module: Type.Optional(QueryValue('Module API name (required: REQUIRED_PARAM_MISSING)')) }),
  response: { 200: Type.Object({ fields: Type.Array(FieldSchema) }, { description: 'The fields' }), ...ERRORS },
};

export const emailLimits = {
  summary: "Today's individual-mail limit of the org (beyond Zoho)",
  tags,
  params: VersionParams,
  response: {
    200: Type.Object(
      {
        email_limits: Type.Array(
          OpenObject({ type: Type.String(), period: Type.String(), allowed_limit: Type.Integer(), used: Type.Integer(), remaining: Type.Integer() }),
        ),
      },
      { description: 'The limits' },
    ),
    ...ERRORS,
  },
};
