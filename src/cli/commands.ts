import fs from 'node:fs';
import type { ParseArgsConfig } from 'node:util';
import type { App } from '../app.js';
import { createClient, createGrantCode } from '../auth/clients.js';
import { revokeOAuthToken } from '../auth/exchange-token.js';
import { issueTokenPair, normaliseScopes } from '../auth/issue-tokens.js';
import type { Principal } from '../context.js';
import type { Edition, Profile } from '../db/schema.js';
import { AppError } from '../errors.js';
import { listAudit } from '../compliance/audit-log.js';
import { listProfilePermissions, setProfilePermission } from '../compliance/permissions.js';
import { createOrg } from '../orgs/create-org.js';
import { findFirstOrg, findOrg, type OrgRow } from '../orgs/org-repository.js';
import { updateOrg } from '../orgs/update-org.js';
import { createCustomModule, type CustomFieldInput } from '../records/create-custom-module.js';
import { createInventoryTemplate } from '../inventory/create-inventory-template.js';
import { presentInventoryTemplates } from '../inventory/present-inventory-template.js';
import { addOrgFromAddress } from '../mail/add-org-from-address.js';
import { setUserSmtp } from '../mail/set-user-smtp.js';
import { createEmailTemplates } from '../templates/create-email-templates.js';
import { deleteEmailTemplates } from '../templates/delete-email-templates.js';
import { getEmailTemplate } from '../templates/get-email-template.js';
import { listEmailTemplates } from '../templates/list-email-templates.js';
import { updateEmailTemplates } from '../templates/update-email-templates.js';
import type { ItemOutcome } from '../refusals.js';
import type { TemplateInput } from '../templates/template-input.js';
import { emailTemplateJson } from '../wire/email-templates.js';
import { itemAt, refusalError, withErrorsAt, type ItemPlace } from '../wire/item-errors.js';
import { createUser } from '../users/create-user.js';
import { INBOUND_STATES, listInbound, showInbound, type InboundState } from '../inbound/list-inbound-messages.js';
import { findUserByEmail, findUserById, fullName, listUsers, type UserRow } from '../users/user-repository.js';
import { emailTrackingOn } from '../tracking/tracking-setting.js';
import { WEBHOOK_COMMANDS } from './webhook-commands.js';
import { backupCommand } from './backup.js';
import { resolveOrg } from './command-kit.js';
import { dkimCommands } from './dkim.js';

export { CommandFailed, UsageError, type Command, type CommandOutput, type Values } from './command-kit.js';
import { required, str, UsageError, type Command, type CommandOutput, type Values } from './command-kit.js';

const bool = (values: Values, key: string): boolean | undefined => {
  const value = str(values, key);
  if (value === undefined) return undefined;
  if (value !== 'true' && value !== 'false') throw new UsageError(`--${key} takes true or false`);
  return value === 'true';
};

/** `--daily-mail-limit N|default` and the like: a whole number, or `default` (null) for the edition's rule. */
const limitOverride = (values: Values, key: string): number | null | undefined => {
  const value = str(values, key);
  if (value === undefined) return undefined;
  if (value === 'default') return null;
  if (!/^\d+$/.test(value)) throw new UsageError(`--${key} takes a whole number or default`);
  return Number(value);
};

const multiline = (value: string | undefined): string | null => (value === undefined ? null : value.replace(/\\n/g, '\n'));


/** `--user ID|EMAIL`, or the org's first admin. */
async function resolveUser(app: App, org: OrgRow, ref: string | undefined): Promise<UserRow> {
  let user: UserRow | undefined;
  if (ref === undefined) user = (await listUsers(app.db, org.id)).find((u) => u.profile === 'admin');
  else if (ref.includes('@')) user = await findUserByEmail(app.db, org.id, ref);
  else user = await findUserById(app.db, org.id, ref);
  if (!user) throw new AppError('NOT_FOUND', { details: { api_name: 'user', id: ref ?? null } });
  return user;
}

/**
 * Who a command acts as when it calls a use-case that a user of the org would call through the
 * API: the user named by `--user`, else the org's first administrator (docs/cli.md). What it makes
 * is theirs (`created_by`); times are shown in the org's time zone.
 */
async function actAs(app: App, org: OrgRow, userRef: string | undefined): Promise<Principal> {
  const user = await resolveUser(app, org, userRef);
  return { orgId: org.id, userId: user.id, scopes: [], timeZone: org.time_zone };
}

const presentOrgRow = (org: OrgRow) => ({
  id: org.id,
  name: org.name,
  edition: org.edition,
  time_zone: org.time_zone,
  privacy_settings: org.privacy_settings === 1,
  one_click_unsubscribe: org.one_click_unsubscribe === 1,
  email_tracking: emailTrackingOn(org),
  daily_mail_limit: org.daily_mail_limit,
  api_credit_limit: org.api_credit_limit,
  api_concurrency_limit: org.api_concurrency_limit,
});

/** `--content HTML` or `--content-file F` (read as UTF-8); undefined when neither is given. */
function templateContent(values: Values): string | undefined {
  const inline = str(values, 'content');
  const file = str(values, 'content-file');
  if (inline !== undefined && file !== undefined) throw new UsageError('give --content or --content-file, not both');
  if (file === undefined) return inline;
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read --content-file ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** The template keys a create/update command sets. */
function templateInput(values: Values): TemplateInput {
  const input: TemplateInput = {};
  const name = str(values, 'name');
  if (name !== undefined) input.name = name;
  const subject = str(values, 'subject');
  if (subject !== undefined) input.subject = subject;
  const module = str(values, 'module');
  if (module !== undefined) input.module = { apiName: module };
  const description = str(values, 'description');
  if (description !== undefined) input.description = description;
  const content = templateContent(values);
  if (content !== undefined) input.content = content;
  const folder = str(values, 'folder');
  if (folder !== undefined) input.folder = { name: folder };
  const editorMode = str(values, 'editor-mode');
  if (editorMode !== undefined) input.editorMode = editorMode;
  const attachments = values.attachment as string[] | undefined;
  if (attachments !== undefined) input.attachmentFileIds = attachments;
  return input;
}

/** Errors name the key as the admin API does for its first item (`$.email_templates[0].module`). */
const TEMPLATE_ITEM: ItemPlace = itemAt('email_templates', 0, { apiName: 'first-key' });

/** The outcome of a single-item template call: what was done, or its refusal thrown (exit 1). */
function onlyOutcome<T>(outcomes: readonly ItemOutcome<T>[]): T {
  const [outcome] = outcomes;
  if (!outcome) throw new Error('no result');
  if ('refused' in outcome) throw refusalError(outcome.refused, TEMPLATE_ITEM);
  return outcome.done;
}

/** A template as GET shows it, without the (possibly large) content. */
async function showTemplate(app: App, principal: Principal, id: string): Promise<CommandOutput> {
  const { content: _content, ...template } = emailTemplateJson(await getEmailTemplate(app, principal, id), principal.timeZone);
  return template;
}

const TEMPLATE_OPTIONS = {
  org: { type: 'string' },
  user: { type: 'string' },
  module: { type: 'string' },
  name: { type: 'string' },
  subject: { type: 'string' },
  content: { type: 'string' },
  'content-file': { type: 'string' },
  folder: { type: 'string' },
  attachment: { type: 'string', multiple: true },
  'editor-mode': { type: 'string' },
  description: { type: 'string' },
} as const;

export const COMMANDS: Command[] = [
  backupCommand,
  ...dkimCommands,
  {
    name: ['org', 'create'],
    usage: 'org create --name N [--edition E] [--time-zone TZ] [--admin-email A] [--admin-name N] [--admin-password P]',
    summary: 'create an org and its admin user',
    options: {
      name: { type: 'string' },
      edition: { type: 'string' },
      'time-zone': { type: 'string' },
      'admin-email': { type: 'string' },
      'admin-name': { type: 'string' },
      'admin-password': { type: 'string' },
    },
    async run(app, values) {
      const password = str(values, 'admin-password');
      const timeZone = str(values, 'time-zone');
      const { org, admin } = await createOrg(app, {
        name: required(values, 'name'),
        edition: (str(values, 'edition') ?? 'enterprise') as Edition,
        ...(timeZone ? { timeZone } : {}),
        adminEmail: str(values, 'admin-email') ?? app.config.demoAdminEmail,
        adminName: str(values, 'admin-name') ?? 'Administrator',
        ...(password ? { adminPassword: password } : {}),
      });
      return { ...presentOrgRow(org), admin_user_id: admin.id, admin_email: admin.email };
    },
  },
  {
    name: ['org', 'update'],
    usage:
      'org update [--id ID] [--name N] [--edition E] [--time-zone TZ] [--privacy-settings true|false] [--one-click-unsubscribe true|false] [--email-tracking true|false|default] ' +
      '[--daily-mail-limit N|default] [--api-credit-limit N|default] [--api-concurrency-limit N|default]',
    summary: 'change an org (default: the first org)',
    options: {
      id: { type: 'string' },
      name: { type: 'string' },
      edition: { type: 'string' },
      'time-zone': { type: 'string' },
      'privacy-settings': { type: 'string' },
      'one-click-unsubscribe': { type: 'string' },
      'email-tracking': { type: 'string' },
      'daily-mail-limit': { type: 'string' },
      'api-credit-limit': { type: 'string' },
      'api-concurrency-limit': { type: 'string' },
    },
    async run(app, values) {
      const org = await resolveOrg(app, values);
      const privacy = bool(values, 'privacy-settings');
      const oneClick = bool(values, 'one-click-unsubscribe');
      // `default`: back to the edition's default (on for paid editions, off for free).
      const tracking = str(values, 'email-tracking') === 'default' ? null : bool(values, 'email-tracking');
      const name = str(values, 'name');
      const edition = str(values, 'edition');
      const timeZone = str(values, 'time-zone');
      const dailyMailLimit = limitOverride(values, 'daily-mail-limit');
      const apiCreditLimit = limitOverride(values, 'api-credit-limit');
      const apiConcurrencyLimit = limitOverride(values, 'api-concurrency-limit');
      const updated = await updateOrg(app, {
        orgId: org.id,
        ...(name !== undefined ? { name } : {}),
        ...(edition !== undefined ? { edition: edition as Edition } : {}),
        ...(timeZone !== undefined ? { timeZone } : {}),
        ...(privacy !== undefined ? { privacySettings: privacy } : {}),
        ...(oneClick !== undefined ? { oneClickUnsubscribe: oneClick } : {}),
        ...(tracking !== undefined ? { emailTracking: tracking } : {}),
        ...(dailyMailLimit !== undefined ? { dailyMailLimit } : {}),
        ...(apiCreditLimit !== undefined ? { apiCreditLimit } : {}),
        ...(apiConcurrencyLimit !== undefined ? { apiConcurrencyLimit } : {}),
      });
      return presentOrgRow(updated);
    },
  },
  {
    name: ['user', 'create'],
    usage: 'user create [--org ID] --email E --name N [--profile admin|standard] [--password P]',
    summary: 'add a user to an org',
    options: {
      org: { type: 'string' },
      email: { type: 'string' },
      name: { type: 'string' },
      profile: { type: 'string' },
      password: { type: 'string' },
    },
    async run(app, values) {
      const org = await resolveOrg(app, values);
      const profile = str(values, 'profile') ?? 'standard';
      if (profile !== 'admin' && profile !== 'standard') throw new UsageError('--profile takes admin or standard');
      const password = str(values, 'password');
      const user = await createUser(app, {
        orgId: org.id,
        email: required(values, 'email'),
        name: required(values, 'name'),
        profile: profile as Profile,
        ...(password ? { password } : {}),
      });
      return { id: user.id, org_id: org.id, email: user.email, name: fullName(user), profile: user.profile };
    },
  },
  {
    name: ['client', 'create'],
    usage: 'client create [--org ID] [--user ID|EMAIL] [--name N]',
    summary: 'register an OAuth client (prints its secret once)',
    options: { org: { type: 'string' }, user: { type: 'string' }, name: { type: 'string' } },
    async run(app, values) {
      const org = await resolveOrg(app, values);
      const user = await resolveUser(app, org, str(values, 'user'));
      const name = str(values, 'name');
      const client = await createClient(app, { orgId: org.id, userId: user.id, ...(name ? { name } : {}) });
      return { ...client, org_id: org.id, user_id: user.id };
    },
  },
  {
    name: ['token', 'create'],
    usage: 'token create [--org ID] [--user ID|EMAIL] --scopes "A,B" [--client-id ID]',
    summary: 'issue a refresh token and an access token',
    options: { org: { type: 'string' }, user: { type: 'string' }, scopes: { type: 'string' }, 'client-id': { type: 'string' } },
    async run(app, values) {
      const org = await resolveOrg(app, values);
      const user = await resolveUser(app, org, str(values, 'user'));
      const scopes = normaliseScopes(required(values, 'scopes'));
      const tokens = await issueTokenPair(app, {
        orgId: org.id,
        userId: user.id,
        clientId: str(values, 'client-id') ?? null,
        scopes,
      });
      return { ...tokens, org_id: org.id, user_id: user.id };
    },
  },
  {
    name: ['token', 'grant'],
    usage: 'token grant --client-id ID --scopes "A,B" [--user ID] [--expires-in SECONDS]',
    summary: 'issue a grant code for the authorization_code flow (self client)',
    options: { 'client-id': { type: 'string' }, scopes: { type: 'string' }, user: { type: 'string' }, 'expires-in': { type: 'string' } },
    async run(app, values) {
      const expires = str(values, 'expires-in');
      const user = str(values, 'user');
      return createGrantCode(app, {
        clientId: required(values, 'client-id'),
        scopes: required(values, 'scopes'),
        ...(user ? { userId: user } : {}),
        ...(expires ? { expiresInSeconds: Number(expires) } : {}),
      });
    },
  },
  {
    name: ['token', 'revoke'],
    usage: 'token revoke --token T',
    summary: 'revoke a refresh token (and its access tokens) or an access token',
    options: { token: { type: 'string' } },
    async run(app, values) {
      const revoked = await revokeOAuthToken(app, required(values, 'token'));
      if (!revoked) throw new AppError('NOT_FOUND', { details: { api_name: 'token' } });
      return { revoked };
    },
  },
  {
    name: ['module', 'create'],
    usage: 'module create [--org ID] --api-name A [--singular-label S] [--plural-label P] [--field "Api_Name:type[:Label[:LookupModule]]"]…',
    summary: 'create a custom module',
    options: {
      org: { type: 'string' },
      'api-name': { type: 'string' },
      'singular-label': { type: 'string' },
      'plural-label': { type: 'string' },
      field: { type: 'string', multiple: true },
    },
    async run(app, values) {
      const org = await resolveOrg(app, values);
      const fields: CustomFieldInput[] = ((values.field as string[] | undefined) ?? []).map((spec) => {
        const [apiName, type, label, lookupModule] = spec.split(':');
        if (!apiName || !type) throw new UsageError(`--field "${spec}" must look like Api_Name:type[:Label[:LookupModule]]`);
        return { apiName, type, ...(label ? { label } : {}), ...(lookupModule ? { lookupModule } : {}) };
      });
      const singular = str(values, 'singular-label');
      const plural = str(values, 'plural-label');
      const module = await createCustomModule(app, {
        orgId: org.id,
        apiName: required(values, 'api-name'),
        ...(singular ? { singularLabel: singular } : {}),
        ...(plural ? { pluralLabel: plural } : {}),
        fields,
      });
      return {
        id: module.id,
        api_name: module.apiName,
        singular_label: module.singularLabel,
        plural_label: module.pluralLabel,
        fields: module.fields.filter((f) => !f.readOnly).map((f) => ({ api_name: f.apiName, label: f.label, data_type: f.type })),
      };
    },
  },
  {
    name: ['inventory-template', 'create'],
    usage:
      'inventory-template create [--org ID] [--user ID|EMAIL] --module M --name N [--title T] [--header-text T] [--footer-text T] [--favorite true|false] [--active true|false]',
    summary: 'add an inventory template (PDF layout texts) for Quotes, Sales_Orders, Purchase_Orders or Invoices',
    options: {
      org: { type: 'string' },
      user: { type: 'string' },
      module: { type: 'string' },
      name: { type: 'string' },
      title: { type: 'string' },
      'header-text': { type: 'string' },
      'footer-text': { type: 'string' },
      favorite: { type: 'string' },
      active: { type: 'string' },
    },
    async run(app, values) {
      const org = await resolveOrg(app, values);
      const user = await resolveUser(app, org, str(values, 'user'));
      const favorite = bool(values, 'favorite');
      const active = bool(values, 'active');
      // Errors name the key under `$` (`$.name`), the command's options being one template.
      const template = await withErrorsAt({ root: null, index: 0, rules: { apiName: 'first-key' } }, () => createInventoryTemplate(app, {
        orgId: org.id,
        userId: user.id,
        module: required(values, 'module'),
        name: required(values, 'name'),
        title: str(values, 'title') ?? null,
        // The shell cannot easily pass a newline: `\n` in these texts stands for one.
        headerText: multiline(str(values, 'header-text')),
        footerText: multiline(str(values, 'footer-text')),
        ...(favorite !== undefined ? { favorite } : {}),
        ...(active !== undefined ? { active } : {}),
      }));
      const [presented] = await presentInventoryTemplates(app.db, org.id, [template], org.time_zone);
      return { ...presented, title: template.title, header_text: template.headerText, footer_text: template.footerText, org_id: org.id };
    },
  },
  {
    name: ['from-address', 'add'],
    usage: 'from-address add [--org ID] --email E --name N',
    summary: 'add an organisation From address (sent with org_email: true)',
    options: { org: { type: 'string' }, email: { type: 'string' }, name: { type: 'string' } },
    async run(app, values) {
      const org = await resolveOrg(app, values);
      const address = await addOrgFromAddress(app, { orgId: org.id, email: required(values, 'email'), name: required(values, 'name') });
      return { ...address, org_id: org.id, type: 'org_email' };
    },
  },
  {
    name: ['smtp', 'set'],
    usage: 'smtp set [--org ID] --user ID|EMAIL --host H [--port P] [--secure true|false] [--username U] [--password P] [--from-email E] [--from-name N] [--no-verify]',
    summary: "save a user's own SMTP server (checked first; password encrypted; without --password the stored one is kept only if host, port, secure and username are unchanged)",
    options: {
      org: { type: 'string' },
      user: { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
      secure: { type: 'string' },
      username: { type: 'string' },
      password: { type: 'string' },
      'from-email': { type: 'string' },
      'from-name': { type: 'string' },
      'no-verify': { type: 'boolean' },
    },
    async run(app, values) {
      const org = await resolveOrg(app, values);
      const user = await resolveUser(app, org, required(values, 'user'));
      const secure = bool(values, 'secure') ?? false;
      const port = Number(str(values, 'port') ?? (secure ? 465 : 587));
      const fromEmail = str(values, 'from-email');
      const fromName = str(values, 'from-name');
      return setUserSmtp(app, {
        orgId: org.id,
        userId: user.id,
        host: required(values, 'host'),
        port,
        secure,
        username: str(values, 'username') ?? null,
        password: str(values, 'password') ?? null,
        ...(fromEmail ? { fromEmail } : {}),
        ...(fromName ? { fromName } : {}),
        verify: values['no-verify'] !== true,
      });
    },
  },
  {
    name: ['template', 'create'],
    usage:
      'template create [--org ID] [--user ID|EMAIL] --module M --name N --subject S (--content HTML | --content-file F) [--folder F] [--attachment FILE_ID]… [--editor-mode rich_text|plain_text|gallery] [--description D]',
    summary: 'create an email template (merge fields: ${Module.Field Label})',
    options: TEMPLATE_OPTIONS,
    async run(app, values) {
      const org = await resolveOrg(app, values);
      const principal = await actAs(app, org, str(values, 'user'));
      const input = templateInput(values);
      for (const key of ['module', 'name', 'subject'] as const) required(values, key);
      if (input.content === undefined) throw new UsageError('--content or --content-file is required');
      const { id } = onlyOutcome(await createEmailTemplates(app, principal, [{ input }]));
      return showTemplate(app, principal, id);
    },
  },
  {
    name: ['template', 'update'],
    usage:
      'template update [--org ID] [--user ID|EMAIL] --id ID [--name N] [--subject S] [--content HTML | --content-file F] [--folder F] [--module M] [--attachment FILE_ID]… [--editor-mode E] [--description D]',
    summary: 'change an email template (attachments given replace its list)',
    options: { ...TEMPLATE_OPTIONS, id: { type: 'string' } },
    async run(app, values) {
      const id = required(values, 'id');
      const org = await resolveOrg(app, { ...values, id: undefined });
      const principal = await actAs(app, org, str(values, 'user'));
      const input = templateInput(values);
      if (Object.keys(input).length === 0) throw new UsageError('nothing to change: give --name, --subject, --content, --folder, …');
      onlyOutcome(await updateEmailTemplates(app, principal, [{ id, item: { input } }]));
      return showTemplate(app, principal, id);
    },
  },
  {
    name: ['template', 'delete'],
    usage: 'template delete [--org ID] --id ID',
    summary: 'delete an email template',
    options: { org: { type: 'string' }, id: { type: 'string' } },
    async run(app, values) {
      const id = required(values, 'id');
      const org = await resolveOrg(app, { ...values, id: undefined });
      onlyOutcome(await deleteEmailTemplates(app, await actAs(app, org, undefined), [id]));
      return { id, deleted: true };
    },
  },
  {
    name: ['template', 'list'],
    usage: 'template list [--org ID] [--module M]',
    summary: "list an org's email templates (newest change first)",
    options: { org: { type: 'string' }, module: { type: 'string' } },
    async run(app, values) {
      const org = await resolveOrg(app, values);
      const module = str(values, 'module');
      const page = await listEmailTemplates(app, await actAs(app, org, undefined), { per_page: '200', ...(module !== undefined ? { module } : {}) });
      const templates = page?.templates.map((t) => emailTemplateJson(t, org.time_zone)) ?? [];
      return { email_templates: templates, count: templates.length };
    },
  },
  {
    name: ['audit', 'list'],
    usage: 'audit list [--org ID] [--action A] [--record ID] [--page N] [--per-page N]',
    summary: "list an org's compliance audit trail (newest first): consent, locks, unblocks, permissions, refused sends",
    options: { org: { type: 'string' }, action: { type: 'string' }, record: { type: 'string' }, page: { type: 'string' }, 'per-page': { type: 'string' } },
    async run(app, values) {
      const org = await resolveOrg(app, values);
      const page = Number(str(values, 'page') ?? '1');
      const perPage = Number(str(values, 'per-page') ?? '50');
      if (!Number.isInteger(page) || page < 1) throw new UsageError('--page takes a whole number from 1');
      if (!Number.isInteger(perPage) || perPage < 1 || perPage > 200) throw new UsageError('--per-page takes 1 to 200');
      const action = str(values, 'action');
      const record = str(values, 'record');
      const result = await listAudit(app.db, org.id, org.time_zone, {
        page,
        perPage,
        ...(action !== undefined ? { action } : {}),
        ...(record !== undefined ? { recordId: record } : {}),
      });
      return { audit_log: result.entries, count: result.entries.length, page, more_records: result.moreRecords };
    },
  },
  {
    name: ['inbound', 'list'],
    usage: 'inbound list [--state pending|processed|ignored] [--limit N]',
    summary: 'list what the inbound SMTP listener took (DSNs, complaints; ignored ones with the reason), newest first',
    options: { state: { type: 'string' }, limit: { type: 'string' } },
    async run(app, values) {
      const state = str(values, 'state');
      if (state !== undefined && !(INBOUND_STATES as readonly string[]).includes(state)) throw new UsageError(`--state takes ${INBOUND_STATES.join(', ')}`);
      const limit = Number(str(values, 'limit') ?? '50');
      if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new UsageError('--limit takes 1 to 500');
      const messages = await listInbound(app, { limit, ...(state !== undefined ? { state: state as InboundState } : {}) });
      return { inbound_messages: messages, count: messages.length };
    },
  },
  {
    name: ['inbound', 'show'],
    usage: 'inbound show --id ID',
    summary: 'show one message the inbound listener took, with its raw text',
    options: { id: { type: 'string' } },
    async run(app, values) {
      const id = required(values, 'id');
      const message = await showInbound(app, id);
      if (!message) throw new AppError('INVALID_DATA', { details: { id } });
      return { inbound_message: message };
    },
  },
  {
    name: ['profile', 'permission'],
    usage: 'profile permission [--org ID] [--profile admin|standard --permission send_email --enabled true|false]',
    summary: "show the profiles' permissions, or grant/take one (e.g. Send Email) for a profile",
    options: { org: { type: 'string' }, profile: { type: 'string' }, permission: { type: 'string' }, enabled: { type: 'string' } },
    async run(app, values) {
      const org = await resolveOrg(app, values);
      const enabled = bool(values, 'enabled');
      if (enabled === undefined) return { profile_permissions: await listProfilePermissions(app.db, org.id) };
      const profiles = await setProfilePermission(app, {
        orgId: org.id,
        profile: required(values, 'profile'),
        permission: required(values, 'permission'),
        enabled,
        actor: { type: 'cli', id: null },
      });
      return { profile_permissions: profiles };
    },
  },
  ...WEBHOOK_COMMANDS,
];
