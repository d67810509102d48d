import type { FromAddress } from '../mail/from-addresses.js';
import type { ModuleDefinition } from '../records/modules.js';
import type { ComposeForm, ComposePreview, FormErrors, FormField } from './compose-form.js';
import { COMMON_MERGE_FIELDS } from './editor-asset.js';
import { fromValue } from './compose-form.js';
import { html, type SafeHtml } from '../html/template.js';
import { layout, none } from './layout.js';
import { recordPath } from './render-record-pages.js';
import type { Session } from '../auth/web-sessions.js';

export type ComposeView = {
  module: ModuleDefinition;
  recordId: string;
  recordName: string;
  fromAddresses: readonly FromAddress[];
  templates: readonly { id: string; name: string }[];
  /** Inventory modules only: their PDF templates. */
  inventoryTemplates: readonly { id: string; name: string }[] | null;
  form: ComposeForm;
  errors: FormErrors;
  /** The org's daily mail quota today (org time zone). */
  quota: { remaining: number; limit: number };
  /** The module's merge fields for the editor (`Leads.First Name`). */
  mergeFields: readonly string[];
  /** Whether the rich-text editor's bundle is there (else the page keeps the template script only). */
  editor: boolean;
  /** "Preview": the mail merged with this record, sanitised. */
  preview: ComposePreview | null;
};

/**
 * The Body textarea's hooks for the rich-text editor (src/ui/editor/): which select says HTML, where
 * images go, which merge fields to offer. Without JavaScript they are inert attributes.
 */
export function richEditorAttributes(options: { formatSelect: string; htmlValue: string; mergeFields: Record<string, readonly string[]>; mergeModule?: string; mergeModuleSelect?: string }): SafeHtml {
  return html` data-rich-editor data-format-select="${options.formatSelect}" data-html-value="${options.htmlValue}" data-upload-url="/ui/inline-images" data-merge-fields="${JSON.stringify(
    options.mergeFields,
  )}" data-common-fields="${JSON.stringify(COMMON_MERGE_FIELDS)}"${options.mergeModule ? html` data-merge-module="${options.mergeModule}"` : ''}${
    options.mergeModuleSelect ? html` data-merge-module-select="${options.mergeModuleSelect}"` : ''
  }`;
}

const PAPER = [
  ['default', 'Default'],
  ['A4', 'A4'],
  ['us_letter', 'US Letter'],
] as const;
const VIEW = [
  ['portrait', 'Portrait'],
  ['landscape', 'Landscape'],
] as const;

/** A labelled field; its error (if any) is announced and tied to the control by aria-describedby. */
function field(id: FormField, label: string, control: (attrs: SafeHtml) => SafeHtml, errors: FormErrors, hint?: string): SafeHtml {
  const error = errors[id];
  const described = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ');
  const attrs = html`id="${id}" name="${id}"${described ? html` aria-describedby="${described}"` : ''}${error ? html` aria-invalid="true"` : ''}`;
  return html`<div class="field"><label for="${id}">${label}</label>${hint ? html`<p class="hint" id="${id}-hint">${hint}</p>` : ''}${control(attrs)}${
    error ? html`<p class="error" id="${id}-error">${error}</p>` : ''
  }</div>`;
}

const option = (value: string, label: string, selected: boolean): SafeHtml => html`<option value="${value}"${selected ? ' selected' : ''}>${label}</option>`;

export function renderCompose(session: Session, view: ComposeView): string {
  const { form, errors } = view;
  const base = recordPath(view.module.apiName, view.recordId);
  const fromOptions = view.fromAddresses.map((a) => {
    const value = fromValue(a.type, a.email);
    const kind = a.type === 'org_email' ? 'organisation' : a.type === 'smtp' ? 'your SMTP server' : 'you';
    return option(value, `${a.user_name} <${a.email}> (${kind})`, form.from === value);
  });
  const pdf = view.inventoryTemplates
    ? html`<fieldset><legend>Attach PDF</legend><div class="grid3">
${field('inventory_template', 'Inventory template', (a) => html`<select ${a}>${option('', 'No PDF', form.inventoryTemplateId === '')}${view.inventoryTemplates!.map((t) => option(t.id, t.name, form.inventoryTemplateId === t.id))}</select>`, errors)}
${field('paper_type', 'Paper', (a) => html`<select ${a}>${PAPER.map(([v, l]) => option(v, l, form.paperType === v))}</select>`, errors)}
${field('view_type', 'Orientation', (a) => html`<select ${a}>${VIEW.map(([v, l]) => option(v, l, form.viewType === v))}</select>`, errors)}
</div></fieldset>`
    : '';
  return layout(
    { title: `Send email – ${view.recordName}`, session, scripts: [view.editor ? '/ui/assets/editor.js' : '/ui/assets/compose.js'] },
    html`<p class="crumbs"><a href="/ui/records">Modules</a> › <a href="/ui/records/${view.module.apiName}">${view.module.pluralLabel}</a> › <a href="${base}">${view.recordName}</a></p>
<h1>Send email <span class="small">from ${view.module.singularLabel} ${view.recordName}</span></h1>
${errors.form ? html`<p class="alert" role="alert" id="form-error">${errors.form}</p>` : ''}
${Object.keys(errors).length > 0 && !errors.form ? html`<p class="alert" role="alert">The email was not sent: please check the fields marked below.</p>` : ''}
${view.preview ? previewSection(view.preview) : ''}
<form class="card form" method="post" action="${base}/compose" enctype="multipart/form-data" data-template-url="${base}/template">
<input type="hidden" name="_csrf" value="${session.csrfToken}">
${field('from', 'From', (a) => html`<select ${a}>${fromOptions}</select>`, errors)}
${field('to', 'To', (a) => html`<input type="text" ${a} value="${form.to}" autocomplete="off">`, errors, 'Email addresses, separated by commas; “Name <address>” works too.')}
<div class="grid2">
${field('cc', 'Cc', (a) => html`<input type="text" ${a} value="${form.cc}" autocomplete="off">`, errors)}
${field('bcc', 'Bcc', (a) => html`<input type="text" ${a} value="${form.bcc}" autocomplete="off">`, errors)}
</div>
<div class="grid2">
${field('template', 'Template', (a) => html`<select ${a}>${option('', 'No template', form.templateId === '')}${view.templates.map((t) => option(t.id, t.name, form.templateId === t.id))}</select>`, errors, 'Fills Subject and Body; merge fields such as ${Leads.Last Name} are filled in when the email is sent.')}
<div class="field"><span class="hint">&nbsp;</span><button type="submit" name="action" value="template" class="secondary" formnovalidate>Use template</button></div>
</div>
${field('subject', 'Subject', (a) => html`<input type="text" ${a} value="${form.subject}" maxlength="500">`, errors)}
<div class="field"><label for="mail_format">Format</label><select id="mail_format" name="mail_format">${option('text', 'Plain text', form.mailFormat === 'text')}${option('html', 'HTML (sanitised: no scripts, forms or remote styles)', form.mailFormat === 'html')}</select></div>
${field('content', 'Body', (a) => html`<textarea ${a}${richEditorAttributes({ formatSelect: 'mail_format', htmlValue: 'html', mergeFields: { [view.module.apiName]: view.mergeFields }, mergeModule: view.module.apiName })}>${form.content}</textarea>`, errors)}
${field('attachments', 'Attachments', (a) => html`<input type="file" ${a} multiple>`, errors, 'Up to 10 files; 10 MB in total per email.')}
${pdf}
${field('send_at', 'Send at', (a) => html`<input type="datetime-local" ${a} value="${form.sendAt}">`, errors, `For Schedule only; in your time zone (${session.principal.timeZone}).`)}
<div class="actions"><button type="submit" name="action" value="send">Send</button><button type="submit" name="action" value="schedule" class="secondary">Schedule</button><button type="submit" name="action" value="preview" class="secondary" formnovalidate>Preview</button><a href="${base}">Cancel</a>
<span class="small" id="quota">Daily quota: ${view.quota.remaining} of ${view.quota.limit} emails left today</span></div>
</form>`,
  );
}

/** The mail merged with this record: the subject, and the sanitised HTML in a sandboxed frame (or the text). */
function previewSection(preview: ComposePreview): SafeHtml {
  return html`<section class="card" id="preview" aria-labelledby="preview-h"><h2 id="preview-h">Preview</h2>
<p class="small">As the recipient will see it, merged with this record (the form below is unchanged; attachments must be chosen again).</p>
<p><strong>Subject:</strong> ${preview.subject ? html`<span id="preview-subject">${preview.subject}</span>` : none('no subject')}</p>${
    preview.srcdoc !== null
      ? html`<iframe sandbox="" referrerpolicy="no-referrer" title="Email preview" srcdoc="${preview.srcdoc}"></iframe>`
      : html`<pre class="preview-text">${preview.text ?? ''}</pre>`
  }</section>`;
}
