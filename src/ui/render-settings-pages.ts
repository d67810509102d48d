import type { DailyQuotaStatus } from '../limits/daily-quota.js';
import type { FromAddress } from '../mail/from-addresses.js';
import type { ModuleDefinition } from '../records/modules.js';
import { html, pathOf, type SafeHtml } from '../html/template.js';
import { layout, timeElement } from './layout.js';
import { moduleMergeFields } from './editor-asset.js';
import { richEditorAttributes } from './render-compose-page.js';
import type { Session } from '../auth/web-sessions.js';

/** Settings: daily quota, From addresses, one-click unsubscribe, the user's SMTP server, email templates. */

export type FieldErrors = Record<string, string>;

const csrf = (session: Session) => html`<input type="hidden" name="_csrf" value="${session.csrfToken}">`;

/** A labelled input; `extra` holds further attributes (an `html` fragment). */
function input(id: string, label: string, value: string, errors: FieldErrors, type = 'text', extra?: SafeHtml): SafeHtml {
  const error = errors[id];
  return html`<div class="field"><label for="${id}">${label}</label><input type="${type}" id="${id}" name="${id}" value="${value}"${extra ? html` ${extra}` : ''}${
    error ? html` aria-invalid="true" aria-describedby="${id}-error"` : ''
  }>${error ? html`<p class="error" id="${id}-error">${error}</p>` : ''}</div>`;
}

const topError = (errors: FieldErrors) => (errors.form ? html`<p class="alert" role="alert">${errors.form}</p>` : '');

export type SettingsView = {
  quota: DailyQuotaStatus;
  fromAddresses: readonly FromAddress[];
  smtp: { host: string; port: number; from_email: string; failing: string | null } | null;
  templateCount: number;
  /** The org's one-click unsubscribe setting (RFC 8058 headers; docs/compliance.md). */
  oneClickUnsubscribe: boolean;
  /** Open and click tracking (README "Tracking opens and clicks"). */
  emailTracking: boolean;
  notice: string | null;
  errors: FieldErrors;
  form: { email: string; name: string };
};

export function renderSettings(session: Session, view: SettingsView): string {
  const q = view.quota;
  const addresses = view.fromAddresses.map(
    (a) => html`<tr><td>${a.email}</td><td>${a.user_name}</td><td>${a.type === 'org_email' ? 'organisation' : a.type === 'smtp' ? 'your SMTP server' : 'your address'}</td></tr>`,
  );
  return layout(
    { title: 'Settings', session },
    html`<h1>Settings</h1>
${view.notice ? html`<p class="notice" role="status">${view.notice}</p>` : ''}
<section class="card" aria-labelledby="quota-h"><h2 id="quota-h">Daily email quota</h2>
<dl class="fields">
<div><dt>Used today</dt><dd id="quota-used">${q.used}</dd></div>
<div><dt>Remaining</dt><dd id="quota-remaining">${q.remaining}</dd></div>
<div><dt>Daily limit</dt><dd>${q.limit}</dd></div>
<div><dt>Day (org time)</dt><dd>${q.day}, resets ${timeElement(q.resets_at)}</dd></div>
</dl></section>
<section class="card" aria-labelledby="from-h"><h2 id="from-h">From addresses</h2>
<table><caption>Addresses you may send from</caption><thead><tr><th scope="col">Address</th><th scope="col">Name</th><th scope="col">Kind</th></tr></thead><tbody>${addresses}</tbody></table>
${
  session.isAdmin
    ? html`<h3>Add an organisation address</h3>${topError(view.errors)}<form method="post" action="/ui/settings/from-addresses" class="row">${csrf(session)}
${input('email', 'Email', view.form.email, view.errors, 'email', html`required`)}${input('name', 'Display name', view.form.name, view.errors, 'text', html`required`)}
<button type="submit">Add address</button></form>`
    : html`<p class="small">Only administrators add organisation addresses.</p>`
}</section>
${switchCard(session, {
  id: 'unsub',
  title: 'One-click unsubscribe',
  on: view.oneClickUnsubscribe,
  says: view.oneClickUnsubscribe ? 'every message carries a List-Unsubscribe link' : 'messages carry no List-Unsubscribe link',
  note: '(RFC 8058; mailbox providers ask it of bulk senders).',
  error: view.errors.unsubscribe,
  action: '/ui/settings/one-click-unsubscribe',
  field: 'one_click_unsubscribe',
  button: view.oneClickUnsubscribe ? 'Turn one-click unsubscribe off' : 'Turn one-click unsubscribe on',
})}
${switchCard(session, {
  id: 'tracking',
  title: 'Open and click tracking',
  on: view.emailTracking,
  says: view.emailTracking ? 'html mail carries an open pixel and tracked links; the Emails list shows opened and clicked' : 'mail carries no open pixel and its links are left as written',
  note: '(prefetches by mail proxies and scanners are recorded but not counted).',
  error: view.errors.tracking,
  action: '/ui/settings/email-tracking',
  field: 'email_tracking',
  button: view.emailTracking ? 'Turn tracking off' : 'Turn tracking on',
})}
<section class="card" aria-labelledby="smtp-h"><h2 id="smtp-h">Your SMTP server</h2>
${
  view.smtp
    ? html`<p>Mail from ${view.smtp.from_email} goes through ${view.smtp.host}:${view.smtp.port}.${view.smtp.failing ? html` <strong>Failing:</strong> ${view.smtp.failing}` : ''}</p>`
    : html`<p>None: your mail goes through the organisation's relay.</p>`
}<p><a href="/ui/settings/smtp">Edit SMTP settings</a></p></section>
<section class="card" aria-labelledby="tpl-h"><h2 id="tpl-h">Email templates</h2><p>${view.templateCount} templates. <a href="/ui/settings/templates">Manage email templates</a></p></section>
<section class="card" aria-labelledby="webhooks-h"><h2 id="webhooks-h">Webhooks</h2>${
  session.isAdmin
    ? html`<p>Delivery events pushed to your app, signed. <a href="/ui/settings/webhooks">Manage webhooks</a></p>`
    : html`<p class="small">Only administrators manage webhooks.</p>`
}</section>
${session.isAdmin ? html`<section class="card" aria-labelledby="dkim-h"><h2 id="dkim-h">DKIM signing</h2><p><a href="/ui/settings/dkim">Manage DKIM keys</a> and the DNS records to publish.</p></section>` : ''}`,
  );
}

export type SmtpForm = { host: string; port: string; secure: boolean; username: string; from_email: string; from_name: string };

export function renderSmtp(session: Session, view: { form: SmtpForm; hasPassword: boolean; errors: FieldErrors; notice: string | null }): string {
  const f = view.form;
  return layout(
    { title: 'SMTP settings', session },
    html`<p class="crumbs"><a href="/ui/settings">Settings</a></p><h1>Your SMTP server</h1>
${view.notice ? html`<p class="notice" role="status">${view.notice}</p>` : ''}${topError(view.errors)}
<form class="card form" method="post" action="/ui/settings/smtp">${csrf(session)}
<div class="grid2">${input('host', 'Host', f.host, view.errors, 'text', html`required`)}${input('port', 'Port', f.port, view.errors, 'number', html`min="1" max="65535" required`)}</div>
<div class="field"><label><input type="checkbox" name="secure" value="true"${f.secure ? ' checked' : ''}> Use TLS from the start (port 465)</label></div>
<div class="grid2">${input('username', 'Username', f.username, view.errors, 'text', html`autocomplete="off"`)}
${input('password', 'Password', '', view.errors, 'password', html`autocomplete="new-password" placeholder="${view.hasPassword ? 'unchanged (stored encrypted, never shown)' : ''}"`)}</div>
<div class="grid2">${input('from_email', 'From address', f.from_email, view.errors, 'email')}${input('from_name', 'From name', f.from_name, view.errors)}</div>
<p class="small">The server is checked (connect and sign in) before the settings are saved. The password is stored encrypted and is never shown again; leave it empty to keep the stored one while the host, port, security and username stay the same (changing any of them needs the password again).</p>
<div class="actions"><button type="submit">Save and check</button></div>
</form>`,
  );
}

export type TemplateSummary = { id: string; name: string; module: string; subject: string; active: boolean };

export function renderTemplateList(session: Session, templates: readonly TemplateSummary[], notice: string | null): string {
  const rows = templates.map(
    (t) => html`<tr><td><a href="${pathOf('ui', 'settings', 'templates', t.id)}">${t.name}</a></td><td>${t.module}</td><td>${t.subject}</td><td>${t.active ? 'active' : 'inactive'}</td></tr>`,
  );
  return layout(
    { title: 'Email templates', session },
    html`<p class="crumbs"><a href="/ui/settings">Settings</a></p><div class="head"><h1>Email templates</h1><a class="button" href="/ui/settings/templates/new">New template</a></div>
${notice ? html`<p class="notice" role="status">${notice}</p>` : ''}
<div class="card">${
      templates.length === 0
        ? html`<p>No templates yet.</p>`
        : html`<table><caption>Templates of your organisation</caption><thead><tr><th scope="col">Name</th><th scope="col">Module</th><th scope="col">Subject</th><th scope="col">State</th></tr></thead><tbody>${rows}</tbody></table>`
    }</div>`,
  );
}

export type TemplateForm = { name: string; module: string; subject: string; content: string; editor_mode: 'rich_text' | 'plain_text' };

export function renderTemplateEditor(
  session: Session,
  view: {
    id: string | null;
    form: TemplateForm;
    modules: readonly ModuleDefinition[];
    errors: FieldErrors;
    notice: string | null;
    /** Preview against a record: the merged subject and the sanitised HTML document for the srcdoc (or the text). */
    preview: { recordId: string; subject: string; srcdoc: string | null; text: string | null } | null;
    previewError: string | null;
    /** The rich-text editor's bundle is there: the Content textarea becomes the editor for HTML. */
    editor?: boolean;
  },
): string {
  const f = view.form;
  const action = view.id ? pathOf('ui', 'settings', 'templates', view.id) : '/ui/settings/templates';
  const error = (id: string) => (view.errors[id] ? html`<p class="error" id="${id}-error">${view.errors[id]}</p>` : '');
  const invalid = (id: string) => (view.errors[id] ? html` aria-invalid="true" aria-describedby="${id}-error"` : '');
  const preview = view.id
    ? html`<section class="card" aria-labelledby="preview-h"><h2 id="preview-h">Preview against a record</h2>
<form method="get" action="${pathOf('ui', 'settings', 'templates', view.id)}" class="row">
<div class="field"><label for="record_id">Record id (${f.module})</label><input type="text" id="record_id" name="record_id" value="${view.preview?.recordId ?? ''}" inputmode="numeric"${view.previewError ? html` aria-invalid="true" aria-describedby="record_id-error"` : ''}></div>
<button type="submit" class="secondary">Preview</button></form>
${view.previewError ? html`<p class="error" id="record_id-error">${view.previewError}</p>` : ''}
${
  view.preview
    ? html`<p><strong>Subject:</strong> <span id="preview-subject">${view.preview.subject}</span></p>${
        view.preview.srcdoc !== null
          ? html`<iframe sandbox="" referrerpolicy="no-referrer" title="Template preview" srcdoc="${view.preview.srcdoc}"></iframe>`
          : html`<pre>${view.preview.text ?? ''}</pre>`
      }`
    : ''
}</section>`
    : '';
  return layout(
    { title: view.id ? `Template ${f.name}` : 'New template', session, scripts: view.editor ? ['/ui/assets/editor.js'] : [] },
    html`<p class="crumbs"><a href="/ui/settings">Settings</a> › <a href="/ui/settings/templates">Email templates</a></p>
<h1>${view.id ? html`Edit template ${f.name}` : 'New template'}</h1>
${view.notice ? html`<p class="notice" role="status">${view.notice}</p>` : ''}${topError(view.errors)}
<form class="card form" method="post" action="${action}">${csrf(session)}
${input('name', 'Name', f.name, view.errors, 'text', html`required`)}
<div class="grid2"><div class="field"><label for="module">Module</label><select id="module" name="module"${invalid('module')}>${view.modules.map(
      (m) => html`<option value="${m.apiName}"${m.apiName === f.module ? ' selected' : ''}>${m.pluralLabel}</option>`,
    )}</select>${error('module')}</div>
<div class="field"><label for="editor_mode">Format</label><select id="editor_mode" name="editor_mode"><option value="rich_text"${f.editor_mode === 'rich_text' ? ' selected' : ''}>HTML</option><option value="plain_text"${f.editor_mode === 'plain_text' ? ' selected' : ''}>Plain text</option></select></div></div>
${input('subject', 'Subject', f.subject, view.errors, 'text', html`required`)}
<div class="field"><label for="content">Content</label><p class="hint" id="content-hint">Merge fields such as \${Leads.Last Name} are filled from the record when a mail is sent.</p><textarea id="content" name="content" aria-describedby="content-hint"${invalid('content')}${richEditorAttributes({
      formatSelect: 'editor_mode',
      htmlValue: 'rich_text',
      mergeFields: Object.fromEntries(view.modules.map((m) => [m.apiName, moduleMergeFields(m)])),
      mergeModuleSelect: 'module',
    })}>${f.content}</textarea>${error('content')}</div>
<div class="actions"><button type="submit">${view.id ? 'Save template' : 'Create template'}</button></div>
</form>
${preview}`,
  );
}

/** An org-wide on/off setting: its state, what it means, and (for administrators) the form that flips it. */
function switchCard(
  session: Session,
  card: { id: string; title: string; on: boolean; says: string; note: string; error: string | undefined; action: string; field: string; button: string },
): SafeHtml {
  return html`<section class="card" aria-labelledby="${card.id}-h"><h2 id="${card.id}-h">${card.title}</h2>
<p id="${card.id}-state">${card.on ? 'On' : 'Off'}: ${card.says} ${card.note}</p>${card.error ? html`<p class="alert" role="alert">${card.error}</p>` : ''}
${
  session.isAdmin
    ? html`<form method="post" action="${card.action}" class="row">${csrf(session)}
<input type="hidden" name="${card.field}" value="${card.on ? 'false' : 'true'}">
<button type="submit">${card.button}</button></form>`
    : html`<p class="small">Only administrators change it.</p>`
}</section>`;
}
