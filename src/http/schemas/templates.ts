import { Type } from 'typebox';
import { bulkResponses, JsonBody, OneResponses, OpenObject, PageResponses, PathSegment, QueryValue, VersionParams } from './common.js';

/** Email templates (docs/zoho-contract.md §6) and inventory templates (§7). */
const tags = ['Templates'];

const IdParams = Type.Object({ ...VersionParams.properties, id: PathSegment('Template id') });

/** Query parameters Zoho's settings lists share (wire/list-query.ts). */
const LIST_QUERY = {
  module: QueryValue('Only templates of this module'),
  category: QueryValue('`normal`, `draft`, `favorite`, `created_by_me`, `shared_with_me`, …'),
  sort_by: QueryValue('`modified_time` (default), `created_time`, `last_usage_time` or `name`'),
  sort_order: QueryValue('`asc` or `desc` (default)'),
  page: QueryValue('Page number, from 1'),
  per_page: QueryValue('Templates per page, at most 200'),
  filters: QueryValue('Not supported: KEY_NOT_SUPPORTED'),
};

const Ref = OpenObject({ name: Type.Union([Type.String(), Type.Null()]), id: Type.Union([Type.String(), Type.Null()]) });

const EmailTemplate = OpenObject(
  {
    id: Type.String(),
    name: Type.String(),
    subject: Type.Union([Type.String(), Type.Null()]),
    module: OpenObject({ api_name: Type.String() }),
    folder: Ref,
    created_by: Ref,
    modified_by: Ref,
    editor_mode: Type.String(),
    category: Type.String(),
    active: Type.Boolean(),
    favorite: Type.Boolean(),
  },
  'An email template (`content` only when one template is read)',
);

const InventoryTemplate = OpenObject(
  { id: Type.String(), name: Type.String(), module: OpenObject({ api_name: Type.String() }), category: Type.String(), active: Type.Boolean() },
  'An inventory template (`content` only when one template is read)',
);

const TemplatesBody = JsonBody('`{"email_templates": [template, …]}`: `name`, `module.api_name`, `subject`, `content`, … (per-item results)', {
  email_templates: [{ name: 'Welcome', module: { api_name: 'Leads' }, subject: 'Welcome, ${Leads.First Name}', content: '<p>Hello</p>' }],
});

export const listEmailTemplates = {
  summary: 'List email templates',
  tags,
  params: VersionParams,
  querystring: Type.Partial(Type.Object(LIST_QUERY)),
  response: PageResponses('email_templates', EmailTemplate, 'A page of templates', 'No template matches'),
};

export const getEmailTemplate = {
  summary: 'Get an email template, with its content',
  tags,
  params: IdParams,
  response: OneResponses('email_templates', EmailTemplate, 'The template'),
};

export const createEmailTemplates = { summary: 'Create email templates (beyond Zoho)', tags, params: VersionParams, body: TemplatesBody, response: bulkResponses(201, 'email_templates') };

export const updateEmailTemplates = {
  summary: 'Update email templates, ids in the body (beyond Zoho)',
  tags,
  params: VersionParams,
  body: TemplatesBody,
  response: bulkResponses(200, 'email_templates'),
};

export const updateEmailTemplate = { summary: 'Update an email template (beyond Zoho)', tags, params: IdParams, body: TemplatesBody, response: bulkResponses(200, 'email_templates') };

export const deleteEmailTemplates = {
  summary: 'Delete email templates (beyond Zoho)',
  tags,
  params: VersionParams,
  querystring: Type.Object({ ids: Type.Optional(QueryValue('Comma-separated template ids')) }),
  response: bulkResponses(200, 'email_templates'),
};

export const deleteEmailTemplate = { summary: 'Delete an email template (beyond Zoho)', tags, params: IdParams, response: bulkResponses(200, 'email_templates') };

export const listInventoryTemplates = {
  summary: 'List inventory templates',
  tags,
  params: VersionParams,
  querystring: Type.Partial(Type.Object(LIST_QUERY)),
  response: PageResponses('inventory_templates', InventoryTemplate, 'A page of templates', 'No template matches'),
};

export const getInventoryTemplate = {
  summary: 'Get an inventory template, with its content',
  tags,
  params: IdParams,
  response: OneResponses('inventory_templates', InventoryTemplate, 'The template'),
};

export const createInventoryTemplates = {
  summary: 'Create inventory templates (beyond Zoho)',
  tags,
  params: VersionParams,
  body: JsonBody('`{"inventory_templates": [template, …]}` (per-item results)'),
  response: bulkResponses(201, 'inventory_templates'),
};
