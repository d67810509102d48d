import { Type } from 'typebox';
import { SECURITY } from '../openapi.js';
import { Bytes, HtmlPage, PathSegment, QueryValue, SeeOther } from './common.js';

/**
 * The web UI (docs/web-ui.md): server-rendered pages over the same use-cases as the API. Every page
 * but the sign-in page needs the session cookie; every form post carries the session's CSRF token
 * (`_csrf`). Its errors are HTML pages.
 */
const tags = ['Web UI'];
const session: readonly Record<string, readonly string[]>[] = [{ [SECURITY.session]: [] }];

const HTML_ERRORS = {
  '4xx': HtmlPage('An error page (403 for a form without its CSRF token, 404 for a page or record that does not exist)'),
  '5xx': HtmlPage('An error page'),
};

/** A form's fields as they arrive (strings; an array when a name repeats): the page judges them. */
const fields = (names: Record<string, string>) =>
  Type.Unsafe<unknown>({
    properties: Object.fromEntries(Object.entries(names).map(([name, description]) => [name, QueryValue(description)])),
    description: 'The form',
  });
const form = (names: Record<string, string>) => ({ content: { 'application/x-www-form-urlencoded': { schema: fields(names) } } });
const CSRF = { _csrf: "The session's CSRF token (in every form of the UI)" };

const query = (names: Record<string, string>) =>
  Type.Object(Object.fromEntries(Object.entries(names).map(([name, description]) => [name, Type.Optional(QueryValue(description))])));

const ModuleParams = Type.Object({ module: PathSegment('Module API name') });
const RecordParams = Type.Object({ module: ModuleParams.properties.module, id: PathSegment('Record id') });
const EmailParams = Type.Object({ ...RecordParams.properties, messageId: PathSegment("The mail's message_id") });
const TemplateParams = Type.Object({ id: PathSegment('Template id') });

/** A page behind the session: without one, a GET goes to the sign-in page. */
const page = <Parts extends object>(summary: string, description: string, parts = {} as Parts) => ({
  summary,
  tags,
  security: session,
  ...parts,
  response: { 200: HtmlPage(description), 303: SeeOther('No session: to /ui/login?next=…'), ...HTML_ERRORS },
});

/** A form post behind the session: a 303 when it worked, the page again with the errors when not. */
const post = <Parts extends object>(summary: string, parts: Parts, redirect: string) => ({
  summary,
  tags,
  security: session,
  ...parts,
  response: { 303: SeeOther(redirect), ...HTML_ERRORS },
});

export const stylesheet = { summary: "The UI's style sheet", tags, response: { 200: Bytes('CSS', 'text/css') } };
export const composeScript = { summary: "The compose page's script", tags, response: { 200: Bytes('JavaScript', 'text/javascript') } };

export const loginPage = {
  summary: 'The sign-in page',
  tags,
  querystring: query({ next: 'Where to go after signing in (a page of /ui or /mailbox)' }),
  response: { 200: HtmlPage('The form'), 303: SeeOther('Already signed in: to `next`'), ...HTML_ERRORS },
};

export const login = {
  summary: 'Sign in',
  tags,
  body: form({ email: "A Mailroom user's email address", password: 'The password', next: 'Where to go after', ...CSRF }),
  response: {
    303: SeeOther('Signed in (the session cookie is set): to `next`'),
    ...HTML_ERRORS,
    401: HtmlPage('Wrong email or password: the form again'),
    403: HtmlPage('The form had expired: the form again'),
    429: HtmlPage('Too many failed sign-ins: the form again'),
  },
};

export const home = { summary: 'The UI: to the records', tags, security: session, response: { 303: SeeOther('To /ui/records'), ...HTML_ERRORS } };
export const logout = post('Sign out', { body: form(CSRF) }, 'To /ui/login (the session ends)');
export const modules = page('Modules', 'Every module with its number of records');
export const records = page('Records of a module', 'A page of records', {
  params: ModuleParams,
  querystring: query({ q: 'Search term', page: 'Page number, from 1' }),
});
export const record = page('A record', 'The record, with its Emails section', {
  params: RecordParams,
  querystring: query({ notice: 'A notice to show (`sent`, `scheduled`, `cancelled`, `rescheduled`, `unblocked`)', emails_index: 'The Emails section\'s page cursor' }),
});
export const composePage = page('Compose a mail', 'The compose form', { params: RecordParams });

export const templateForCompose = {
  summary: 'A template for the compose form (JSON, read by its script)',
  tags,
  security: session,
  params: RecordParams,
  querystring: query({ template_id: 'Template id' }),
  response: {
    200: Type.Object({ subject: Type.Union([Type.String(), Type.Null()]), content: Type.String(), mail_format: Type.String() }, { description: 'The template' }),
    303: SeeOther('No session: to /ui/login?next=…'),
    404: Type.Object({ code: Type.Literal('NOT_FOUND') }, { description: 'No such template for this module' }),
    ...HTML_ERRORS,
  },
};

export const compose = post(
  'Send (or schedule) the composed mail',
  {
    params: RecordParams,
    body: {
      content: {
        'multipart/form-data': {
          schema: Type.Unsafe<unknown>({
            description: 'The compose form (read by the page: the body stays empty here): from, to, cc, bcc, subject, content, attachments, send_at, template_id, action, _csrf',
          }),
        },
      },
    },
  },
  'Accepted: to the record with a notice',
);
export const cancel = post('Cancel a scheduled mail', { params: EmailParams, body: form(CSRF) }, 'Cancelled: to the record with a notice');
export const reschedule = post(
  'Reschedule a scheduled mail',
  { params: EmailParams, body: form({ send_at: 'Local date and time (`YYYY-MM-DDTHH:MM`)', ...CSRF }) },
  'Rescheduled: to the record with a notice',
);
export const unblock = post(
  "Unblock the record's Email or Secondary Email (unblock_email's rules; the send_email permission)",
  { params: RecordParams, body: form({ email: 'The blocked address (the record field that holds it is unblocked)', ...CSRF }) },
  'Unblocked: to the record with a notice',
);
export const notFound = { summary: 'Any other page: the UI\'s 404 page', tags, security: session, response: { 303: SeeOther('No session: to /ui/login?next=…'), ...HTML_ERRORS } };

export const settings = page('Settings', 'Daily limit, From addresses, SMTP server and templates', { querystring: query({ notice: 'A notice to show' }) });
export const addFromAddress = post(
  'Add an organisation From address (administrators)',
  { body: form({ email: 'The address', name: 'The name shown', ...CSRF }) },
  'Added: to the settings with a notice',
);
export const setOneClickUnsubscribe = post(
  'Turn one-click unsubscribe (RFC 8058 List-Unsubscribe headers) on or off (administrators)',
  { body: form({ one_click_unsubscribe: '`true` to turn it on, `false` to turn it off', ...CSRF }) },
  'Saved: to the settings with a notice',
);
export const setEmailTracking = post(
  'Turn open and click tracking on or off (administrators)',
  { body: form({ email_tracking: '`true` to turn it on, `false` to turn it off', ...CSRF }) },
  'Saved: to the settings with a notice',
);
export const smtpPage = page('Your SMTP server', 'The form (the password is never shown)', { querystring: query({ notice: 'A notice to show' }) });
export const saveSmtp = post(
  'Check and save your SMTP server',
  {
    body: form({
      host: 'Host name',
      port: 'Port',
      secure: '`true` for TLS from the start',
      username: 'User name',
      password: 'Password (empty: keep the stored one)',
      from_email: 'From address',
      from_name: 'From name',
      ...CSRF,
    }),
  },
  'Saved: to the form with a notice',
);
export const templates = page('Email templates', 'The templates', { querystring: query({ notice: 'A notice to show' }) });
export const newTemplate = page('A new email template', 'The editor');
const TEMPLATE_FORM = form({ name: 'Name', module: 'Module API name', subject: 'Subject', content: 'Content', editor_mode: '`rich_text` or `plain_text`', ...CSRF });
export const createTemplate = post('Create an email template', { body: TEMPLATE_FORM }, 'Created: to the editor with a notice');
export const template = page('An email template', 'The editor, with a preview for a record', {
  params: TemplateParams,
  querystring: query({ record_id: 'Preview the template merged with this record', notice: 'A notice to show' }),
});
export const saveTemplate = post('Save an email template', { params: TemplateParams, body: TEMPLATE_FORM }, 'Saved: to the editor with a notice');

const WebhookParams = Type.Object({ id: PathSegment('Webhook endpoint id') });
export const webhooks = page('Webhooks (administrators)', 'The endpoints and the form that adds one', { querystring: query({ notice: 'A notice to show' }) });
export const createWebhook = {
  ...post('Add a webhook endpoint (administrators)', { body: form({ url: 'https URL', description: 'Description', events: 'Event types (repeated), or `*`', ...CSRF }) }, 'Never: the answer is a page'),
  response: { 201: HtmlPage('Added: the endpoints, with the signing secret shown once'), ...HTML_ERRORS },
};
export const setWebhookEnabled = post(
  'Enable or disable a webhook endpoint (administrators)',
  { params: WebhookParams, body: form({ enabled: '`true` or `false`', ...CSRF }) },
  'Saved: to the endpoints with a notice',
);
export const rotateWebhookSecret = {
  ...post("Replace a webhook endpoint's signing secret (administrators)", { params: WebhookParams, body: form(CSRF) }, 'Never: the answer is a page'),
  response: { 200: HtmlPage('The endpoints, with the new secret shown once'), ...HTML_ERRORS },
};
export const deleteWebhook = post('Delete a webhook endpoint (administrators)', { params: WebhookParams, body: form(CSRF) }, 'Deleted: to the endpoints with a notice');
export const webhookDeliveries = page("A webhook endpoint's delivery log (administrators)", 'The log, newest first, with "Send again"', {
  params: WebhookParams,
  querystring: query({ state: '`pending`, `delivered` or `failed`', index: 'The page cursor', notice: 'A notice to show' }),
});
export const sendWebhookAgain = post(
  'Send a webhook delivery again (administrators)',
  { params: Type.Object({ id: PathSegment('Webhook endpoint id'), eventId: PathSegment('Event id') }), body: form(CSRF) },
  'Pending again: to the log with a notice',
);

export const dkimPage = page('DKIM keys (administrators)', "The org's DKIM keys with their DNS records, and the forms to add, rotate and delete", { querystring: query({ notice: 'A notice to show' }) });
export const createDkimKey = post(
  'Add a DKIM key for a From domain (administrators)',
  { body: form({ domain: 'The From domain', selector: 'The selector (optional)', algorithm: '`rsa-2048` or `ed25519`', ...CSRF }) },
  'Created: to the DKIM page with a notice',
);
export const rotateDkimKey = post('Add a new DKIM key beside a domain\'s current ones (administrators)', { body: form({ domain: 'The domain', ...CSRF }) }, 'Added: to the DKIM page with a notice');
export const deleteDkimKey = post('Delete a DKIM key (administrators)', { params: Type.Object({ id: PathSegment('The key id') }), body: form(CSRF) }, 'Deleted: to the DKIM page with a notice');
