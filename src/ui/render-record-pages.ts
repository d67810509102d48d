import { subjectText } from '../mailbox/render-mailbox.js';
import { sanitizedHtmlDocument } from '../mail/sanitize-mail-html.js';
import type { MailView, RecipientView } from '../mail/mail-view.js';
import { formatWithOffset, formatZohoDateTime } from '../time.js';
import type { FieldDefinition, ModuleDefinition } from '../records/modules.js';
import { html, pathOf, type SafeHtml } from '../html/template.js';
import { layout, none, timeElement } from './layout.js';
import type { RelatedGroup } from './record-queries.js';
import type { Session } from '../auth/web-sessions.js';
import type { ReplyRow } from '../replies/reply-repository.js';
import { groupByThread, type BlockView, type MailStory, type RecipientStory, type StoryStep } from './timeline.js';

/** Pages for modules, record lists and one record with its Emails section. */

export const recordPath = (module: string, id: string): string => pathOf('ui', 'records', module, id);

export function renderModuleList(session: Session, modules: readonly ModuleDefinition[], counts: Map<string, number>): string {
  const rows = modules.map(
    (m) => html`<tr><td><a href="${pathOf('ui', 'records', m.apiName)}">${m.pluralLabel}</a></td><td>${counts.get(m.apiName) ?? 0}</td><td>${m.isCustom ? 'custom' : 'standard'}</td></tr>`,
  );
  return layout(
    { title: 'Modules', session },
    html`<h1>Modules</h1>
<div class="card"><table>
<caption>Modules of your organisation</caption>
<thead><tr><th scope="col">Module</th><th scope="col">Records</th><th scope="col">Kind</th></tr></thead>
<tbody>${rows}</tbody>
</table></div>`,
  );
}

/** Columns of a record list: the name, then the first of these the module has. */
const LIST_FIELDS = ['Email', 'Company', 'Account_Name', 'Phone', 'Stage', 'Status', 'Grand_Total'];

export type RecordListView = {
  module: ModuleDefinition;
  records: Record<string, unknown>[];
  names: Map<string, string>;
  term: string;
  page: number;
  more: boolean;
};

export function renderRecordList(session: Session, view: RecordListView): string {
  const { module } = view;
  const columns = LIST_FIELDS.map((name) => module.fields.find((f) => f.apiName === name)).filter((f): f is FieldDefinition => !!f).slice(0, 3);
  const rows = view.records.map(
    (r) => html`<tr>
<td><a href="${recordPath(module.apiName, String(r.id))}">${view.names.get(String(r.id)) ?? String(r.id)}</a></td>
${columns.map((f) => html`<td>${fieldValue(f, r[f.apiName])}</td>`)}
<td>${timeElement(typeof r.Created_Time === 'string' ? r.Created_Time : null)}</td>
</tr>`,
  );
  const query = (page: number) => `${pathOf('ui', 'records', module.apiName)}?${new URLSearchParams({ ...(view.term ? { q: view.term } : {}), page: String(page) })}`;
  const table =
    view.records.length === 0
      ? html`<p>${view.term ? 'No records match this search.' : 'No records yet.'}</p>`
      : html`<table>
<caption>${module.pluralLabel}${view.term ? html`, matching “${view.term}”` : ''} (page ${view.page})</caption>
<thead><tr><th scope="col">Name</th>${columns.map((f) => html`<th scope="col">${f.label}</th>`)}<th scope="col">Created</th></tr></thead>
<tbody>${rows}</tbody>
</table>`;
  const pager = [
    view.page > 1 ? html`<a href="${query(view.page - 1)}" rel="prev">Previous page</a>` : '',
    view.more ? html`<a href="${query(view.page + 1)}" rel="next">Next page</a>` : '',
  ];
  return layout(
    { title: module.pluralLabel, session },
    html`<p class="crumbs"><a href="/ui/records">Modules</a></p>
<h1>${module.pluralLabel}</h1>
<form class="row" method="get" action="${pathOf('ui', 'records', module.apiName)}" role="search">
<div class="field"><label for="q">Search ${module.pluralLabel}</label><input type="search" id="q" name="q" value="${view.term}"></div>
<button type="submit" class="secondary">Search</button>
</form>
<div class="card">${table}<nav class="pager" aria-label="Pages">${pager}</nav></div>`,
  );
}

/** A field's value as the record page shows it: lookups link to their record. */
export function fieldValue(field: FieldDefinition, value: unknown): SafeHtml {
  if (value === null || value === undefined || value === '') return html`<span class="none">—</span>`;
  if (field.type === 'lookup' && typeof value === 'object' && value !== null && 'id' in value) {
    const lookup = value as { id: string; name: string };
    return field.lookupModule ? html`<a href="${recordPath(field.lookupModule, lookup.id)}">${lookup.name || lookup.id}</a>` : html`${lookup.name}`;
  }
  if (field.type === 'ownerlookup' && typeof value === 'object' && value !== null && 'name' in value) return html`${(value as { name: string }).name}`;
  if (field.type === 'boolean') return html`${value === true ? 'Yes' : 'No'}`;
  if (field.type === 'datetime' && typeof value === 'string') return timeElement(value);
  if (field.type === 'email' && typeof value === 'string') return html`<a href="mailto:${value}">${value}</a>`;
  if (field.type === 'subform' && Array.isArray(value)) return lineItems(value as Record<string, unknown>[]);
  if (typeof value === 'object') return html`<code>${JSON.stringify(value)}</code>`;
  return html`${String(value)}`;
}

function lineItems(lines: Record<string, unknown>[]): SafeHtml {
  if (lines.length === 0) return html`<span class="none">—</span>`;
  return html`<table><thead><tr><th scope="col">Product</th><th scope="col">Qty</th><th scope="col">Total</th></tr></thead><tbody>${lines.map((line) => {
    const product = line.Product_Name as { id: string; name: string } | null;
    return html`<tr><td>${product ? html`<a href="${recordPath('Products', product.id)}">${product.name}</a>` : '—'}</td><td>${String(line.Quantity ?? '')}</td><td>${String(line.Total ?? '')}</td></tr>`;
  })}</tbody></table>`;
}

export type RecordPageView = {
  module: ModuleDefinition;
  record: Record<string, unknown>;
  name: string;
  related: RelatedGroup[];
  emails: readonly MailView[];
  /** The mails of `emails` with each recipient's story (src/ui/timeline.ts). */
  stories: readonly MailStory[];
  /** Whether this user may lift a block (the send_email permission of their profile). */
  mayUnblock: boolean;
  emailsNext: string | null;
  emailsIndex: string | null;
  notice: string | null;
  error: string | null;
  /** The user's local date-time now, `YYYY-MM-DDTHH:MM`, to prefill reschedule inputs. */
  localNow: string;
};

const HIDDEN_FIELDS = new Set(['Full_Name', 'Locked__s', 'Unsubscribed_Mode', 'Unsubscribed_Time', 'Last_Activity_Time', 'Data_Processing_Basis_Details']);

export function renderRecordPage(session: Session, view: RecordPageView): string {
  const { module, record } = view;
  const id = String(record.id);
  const fields = module.fields.filter((f) => !HIDDEN_FIELDS.has(f.apiName) && f.apiName !== module.lineItemsField);
  const lineField = module.lineItemsField ? module.fields.find((f) => f.apiName === module.lineItemsField) : undefined;
  const composeUrl = `${recordPath(module.apiName, id)}/compose`;
  const related = view.related.map(
    (g) => html`<li>${g.module.pluralLabel} (by ${g.field}): ${g.records.map((r, i) => html`${i > 0 ? ', ' : ''}<a href="${recordPath(g.module.apiName, r.id)}">${r.name}</a>`)}</li>`,
  );
  const lookups = fields.filter((f) => f.type === 'lookup' && record[f.apiName]);
  return layout(
    { title: `${view.name} – ${module.singularLabel}`, session },
    html`<p class="crumbs"><a href="/ui/records">Modules</a> › <a href="${pathOf('ui', 'records', module.apiName)}">${module.pluralLabel}</a></p>
${view.notice ? html`<p class="notice" role="status">${view.notice}</p>` : ''}
${view.error ? html`<p class="alert" role="alert">${view.error}</p>` : ''}
<div class="head"><h1>${view.name} <span class="small">${module.singularLabel}</span></h1>
${module.apiName === 'Products' ? '' : html`<a class="button" href="${composeUrl}">Send email</a>`}</div>
<section class="card" aria-labelledby="fields-h"><h2 id="fields-h">Details</h2>
<dl class="fields">${fields.map((f) => html`<div><dt>${f.label}</dt><dd>${fieldValue(f, record[f.apiName])}</dd></div>`)}</dl>
${lineField ? html`<h3>${lineField.label}</h3>${fieldValue(lineField, record[lineField.apiName])}` : ''}
</section>
<section class="card" aria-labelledby="related-h"><h2 id="related-h">Related records</h2>
${lookups.length === 0 && related.length === 0 ? html`<p>${none('no related records')}</p>` : ''}
${lookups.length > 0 ? html`<ul>${lookups.map((f) => html`<li>${f.label}: ${fieldValue(f, record[f.apiName])}</li>`)}</ul>` : ''}
${related.length > 0 ? html`<ul>${related}</ul>` : ''}
</section>
${renderEmails(session, view)}`,
  );
}

const STATUS_LABELS: Record<string, string> = {
  sent: 'sent',
  deferred: 'deferred',
  bounced: 'bounced',
  failed: 'failed',
  skipped: 'skipped',
  scheduled: 'scheduled',
  queued: 'queued',
  cancelled: 'cancelled',
  opened: 'opened',
  clicked: 'clicked',
  replied: 'replied',
};

function recipientStatus(s: RecipientView, timeZone: string): SafeHtml {
  const label = STATUS_LABELS[s.status] ?? s.status;
  let detail: SafeHtml | string = '';
  const next = s.nextAttemptAt === null ? null : formatZohoDateTime(s.nextAttemptAt, timeZone);
  if (s.status === 'deferred' && s.delivery === 'sent') detail = html` — the relay took it; a later server is still trying${s.diagnostic ? html`: ${s.diagnostic}` : ''}`;
  else if (s.status === 'deferred') detail = html` — next attempt ${timeElement(next)}${s.diagnostic ? html`; ${s.diagnostic}` : ''}`;
  else if (s.bounce) {
    // Zoho's bounce fields: when, the category (permanently / temporarily blocked) and why.
    const category = [s.bounce.category, s.bounce.subCategory].filter((part): part is string => part !== null).join(', ');
    detail = html` — ${category ? html`<span class="bounce-category">${category}</span>, ` : ''}${timeElement(formatZohoDateTime(s.bounce.at, timeZone))}${s.diagnostic ? html`: ${s.diagnostic}` : ''}`;
  } else if (s.status === 'bounced' || s.status === 'failed' || s.status === 'skipped') detail = s.diagnostic ? html` — ${s.diagnostic}` : '';
  else if (s.opens || s.clicks) {
    // Tracking: the person's opens and clicks (prefetches and scanners are not counted).
    const parts = [s.opens ? times(s.opens.count, 'open') : null, s.clicks ? times(s.clicks.count, 'click') : null].filter((p): p is string => p !== null);
    const last = Math.max(s.opens?.last ?? 0, s.clicks?.last ?? 0);
    detail = html` — <span class="engagement">${parts.join(', ')}</span>, last ${timeElement(formatZohoDateTime(last, timeZone))}`;
  }
  return html`${s.email} <span class="status s-${label}">${label}</span>${detail}`;
}

const times = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

/** A reply's content: HTML sanitised at storage and again here, only in `<iframe sandbox="" srcdoc>`, or the text. */
function replyContent(from: string, body: { content: string; mailFormat: 'html' | 'text' } | null): SafeHtml | string {
  if (!body) return '';
  return body.mailFormat === 'html'
    ? html`<iframe sandbox="" referrerpolicy="no-referrer" title="Reply from ${from}" srcdoc="${sanitizedHtmlDocument(body.content)}"></iframe>`
    : html`<pre class="reply-text">${body.content}</pre>`;
}

const replyBody = (reply: ReplyRow) => (reply.html !== null ? { content: reply.html, mailFormat: 'html' as const } : { content: reply.text ?? '', mailFormat: 'text' as const });

/**
 * A reply received on the record (src/replies/) that no story on this page tells (its mail is on
 * another page, or it names no recipient): who, when, whether it is an auto-reply, its
 * attachments' names, and its content behind "Show the reply".
 */
function replyRow(e: MailView, timeZone: string, original: MailView | undefined): SafeHtml {
  const incoming = e.incoming!;
  const who = e.from.name ? html`${e.from.name} &lt;${e.from.email}&gt;` : html`${e.from.email}`;
  return html`<tr class="reply">
<td colspan="4"><span aria-hidden="true">↳</span> ${incoming.autoReply ? html`<span class="status s-auto-reply">auto-reply</span> ` : html`<span class="status s-replied">reply</span> `}from ${who}, ${timeElement(formatZohoDateTime(e.at, timeZone))}${original ? '' : html` <span class="small">(to an older mail)</span>`}: ${subjectText(e.subject)}${e.attachments.length > 0 ? html` <span class="small">(attachments: ${e.attachments.map((a) => a.name).join(', ')})</span>` : ''}
<details><summary>Show the reply</summary>${replyContent(e.from.email, e.body)}</details></td>
</tr>`;
}

/** One step of a recipient's story: its time, what happened, and the details stored with it. */
function storyStep(step: StoryStep, timeZone: string): SafeHtml {
  const when = (at: number | null | undefined) => (at === null || at === undefined ? html`<span class="none">(time not recorded)</span>` : timeElement(formatZohoDateTime(at, timeZone)));
  const words = (detail: string | null) => (detail ? html`: ${detail}` : '');
  const after = (n: number | undefined) => (n !== undefined && n > 1 ? html` after ${n} attempts` : '');
  let what: SafeHtml;
  switch (step.kind) {
    case 'accepted':
      what = html`accepted`;
      break;
    case 'scheduled':
      what = html`scheduled for ${when(step.until)}`;
      break;
    case 'cancelled':
      what = html`cancelled`;
      break;
    case 'skipped':
      what = html`skipped${words(step.detail)}`;
      break;
    case 'deferred':
      what = html`deferred (attempt ${String(step.attempts ?? 1)})${words(step.detail)}; next attempt ${when(step.until)}`;
      break;
    case 'sent':
      what = html`sent${after(step.attempts)}`;
      break;
    case 'remote-delay':
      what = html`a later server is still trying${words(step.detail)}`;
      break;
    case 'bounced':
      what = html`bounced${step.late ? ' (reported later by the receiving side)' : ''}${step.category ? html` — <span class="bounce-category">${step.category}</span>` : ''}${words(step.detail)}`;
      break;
    case 'failed':
      what = html`failed${after(step.attempts)}${words(step.detail)}`;
      break;
    case 'opened':
    case 'clicked':
      what = html`${step.kind} ${times(step.count ?? 1, 'time')}${step.count && step.count > 1 ? html`, last ${when(step.until)}` : ''}`;
      break;
    case 'replied':
    case 'auto-reply': {
      const reply = step.reply!;
      const attachments = (JSON.parse(reply.attachments_json) as { name: string }[]).map((a) => a.name);
      what = html`${step.kind === 'replied' ? 'replied' : 'auto-reply received'}: ${subjectText(reply.subject)}${attachments.length > 0 ? html` <span class="small">(attachments: ${attachments.join(', ')})</span>` : ''}
<details><summary>Show the reply</summary>${replyContent(reply.from_email, replyBody(reply))}</details>`;
      break;
    }
    case 'complained':
      what = html`complained (reported the mail as spam${step.detail ? html`: ${step.detail}` : ''}); the address opted out`;
      break;
    case 'unsubscribed':
      what = html`unsubscribed (${step.via ?? ''})`;
      break;
  }
  return html`<li class="step st-${step.kind}">${when(step.at)} ${what}</li>`;
}

/** A blocked address says so; those allowed to may lift a temporary block of the record's Email / Secondary Email. */
function blockLine(email: string, block: BlockView, view: RecordPageView, session: Session, base: string): SafeHtml {
  const timeZone = session.principal.timeZone;
  const since = timeElement(formatZohoDateTime(block.since, timeZone));
  const why = block.permanent
    ? html` — permanently: it cannot be unblocked`
    : block.limitReached
      ? html` — it was unblocked 5 times already and cannot be unblocked again`
      : block.field === null
        ? html` — unblock it from the record whose email it is`
        : !view.mayUnblock
          ? html` — your profile may not unblock it`
          : html` <form class="inline" method="post" action="${base}/unblock"><input type="hidden" name="_csrf" value="${session.csrfToken}"><input type="hidden" name="email" value="${email}"><button type="submit" class="secondary small-button" aria-label="Unblock ${email}">Unblock</button></form>`;
  return html`<p class="blocked"><span class="status s-blocked">blocked</span> since ${since} (${block.reason})${why}</p>`;
}

function recipientStory(story: RecipientStory, view: RecordPageView, session: Session, base: string): SafeHtml {
  const timeZone = session.principal.timeZone;
  return html`<li>${recipientStatus(story.recipient, timeZone)}
<ol class="story" aria-label="What happened to the mail to ${story.recipient.email}">${story.steps.map((step) => storyStep(step, timeZone))}</ol>${story.block ? blockLine(story.recipient.email, story.block, view, session, base) : ''}</li>`;
}

function renderEmails(session: Session, view: RecordPageView): SafeHtml {
  const base = recordPath(view.module.apiName, String(view.record.id));
  const timeZone = session.principal.timeZone;
  const mailRow = (story: MailStory): SafeHtml => {
    const e = story.mail;
    const subject = subjectText(e.subject);
    const scheduled = e.recipients.some((s) => s.status === 'scheduled');
    const actions = scheduled
      ? html`<form class="inline" method="post" action="${base}/emails/${e.messageId}/cancel"><input type="hidden" name="_csrf" value="${session.csrfToken}"><button type="submit" class="danger" aria-label="Cancel scheduled mail ${subject}">Cancel</button></form>
<details><summary>Reschedule</summary><form method="post" action="${base}/emails/${e.messageId}/reschedule" class="row">
<input type="hidden" name="_csrf" value="${session.csrfToken}">
<div class="field"><label for="rs-${e.messageId}">New time (${timeZone})</label><input type="datetime-local" id="rs-${e.messageId}" name="send_at" value="${view.localNow}" required></div>
<button type="submit" class="secondary">Reschedule</button></form></details>`
      : '';
    const others = story.otherReplies.map((reply) => {
      const who = reply.from_name ? html`${reply.from_name} &lt;${reply.from_email}&gt;` : html`${reply.from_email}`;
      return html`<tr class="reply"><td colspan="4"><span aria-hidden="true">↳</span> <span class="status ${reply.auto_reply === 1 ? 's-auto-reply' : 's-replied'}">${reply.auto_reply === 1 ? 'auto-reply' : 'reply'}</span> from ${who}, ${timeElement(formatZohoDateTime(reply.received_at, timeZone))}: ${subjectText(reply.subject)}
<details><summary>Show the reply</summary>${replyContent(reply.from_email, replyBody(reply))}</details></td></tr>`;
    });
    return html`<tr>
<td>${subject}${e.attachments.length > 0 ? html` <span class="small">(attachments)</span>` : ''}<br><span class="small">from ${e.from.email}</span></td>
<td>${e.scheduled && scheduled ? html`scheduled for ${timeElement(formatWithOffset(e.scheduled.at, e.scheduled.offset))}` : timeElement(formatZohoDateTime(e.at, timeZone))}</td>
<td><ul class="recipients">${story.recipients.map((r) => recipientStory(r, view, session, base))}</ul></td>
<td>${actions}</td>
</tr>${others}`;
  };
  // Mails of one thread together (where its newest mail on this page is); a reply to a mail on
  // this page is in its recipient's story, any other keeps its own place in the list.
  const onPage = new Set(view.stories.map((s) => s.mail.messageId));
  const groups = groupByThread(view.stories);
  const groupOf = new Map(groups.flatMap((g) => g.map((s) => [s.mail.messageId, g] as const)));
  const placed = new Set<MailStory[]>();
  const bodies = view.emails.flatMap((e) => {
    if (e.incoming !== null) return onPage.has(e.incoming.inReplyTo) ? [] : [html`<tbody>${replyRow(e, timeZone, undefined)}</tbody>`];
    const group = groupOf.get(e.messageId);
    if (!group || placed.has(group)) return [];
    placed.add(group);
    const head =
      group.length > 1
        ? html`<tr class="thread-head"><th scope="colgroup" colspan="4">Conversation: ${subjectText(group[group.length - 1]!.mail.subject)} (${String(group.length)} mails, newest first)</th></tr>`
        : '';
    return [html`<tbody class="${group.length > 1 ? 'thread' : 'single'}">${head}${group.map(mailRow)}</tbody>`];
  });
  const more = view.emailsNext ? html`<nav class="pager" aria-label="Emails pages"><a href="${base}?emails_index=${view.emailsNext}#emails-h">Older emails</a></nav>` : '';
  return html`<section class="card" aria-labelledby="emails-h"><h2 id="emails-h">Emails</h2>
${
  view.emails.length === 0
    ? html`<p>${none('no emails sent or scheduled from this record yet')}</p>`
    : html`<table class="emails"><caption>Sent and scheduled emails, newest first, each recipient's story oldest first, and the replies received</caption>
<thead><tr><th scope="col">Subject</th><th scope="col">Time</th><th scope="col">Recipients and what happened</th><th scope="col">Actions</th></tr></thead>
${bodies}</table>`
}${more}</section>`;
}
