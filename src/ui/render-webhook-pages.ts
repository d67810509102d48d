import type { Session } from '../auth/web-sessions.js';
import { html, pathOf, type SafeHtml } from '../html/template.js';
import { WEBHOOK_EVENT_TYPES } from '../webhooks/event-types.js';
import { ALL_EVENT_TYPES } from '../webhooks/webhook-endpoint-rules.js';
import { layout, none, timeElement } from './layout.js';
import type { FieldErrors } from './render-settings-pages.js';

/**
 * Settings › Webhooks (administrators; README "Webhooks"): the org's endpoints with their state,
 * the form that adds one, and each endpoint's delivery log with "Send again". Plain forms (no
 * script), each with the session's CSRF token. A signing secret is shown once, on the page that
 * answers the form that made it (never in a URL, never again).
 */

/** An endpoint as the page shows it (the wire renderer's JSON, times in the org's zone). */
export type EndpointView = Readonly<{
  id: string;
  url: string;
  description: string | null;
  events: readonly string[];
  enabled: boolean;
  disabled_reason: string | null;
  disabled_time: string | null;
  failing_since: string | null;
  last_success_time: string | null;
}>;

export type WebhookForm = { url: string; description: string; events: readonly string[] };

const csrf = (session: Session) => html`<input type="hidden" name="_csrf" value="${session.csrfToken}">`;
const noticeOf = (notice: string | null) => (notice ? html`<p class="notice" role="status">${notice}</p>` : '');

/** The secret, once: after create or rotate. */
function secretCard(secret: { endpointId: string; url: string; secret: string } | null): SafeHtml | string {
  if (!secret) return '';
  return html`<section class="card" aria-labelledby="secret-h" id="secret"><h2 id="secret-h">Signing secret of ${secret.url}</h2>
<p>Copy it now: it is shown only this once (stored encrypted; rotate it to get a new one).</p>
<pre id="webhook-secret">${secret.secret}</pre>
<p class="small">Verify each request's <code>webhook-signature</code> with it (Standard Webhooks; docs/webhooks.md).</p></section>`;
}

function stateOf(e: EndpointView): SafeHtml {
  if (!e.enabled) return html`<strong>Disabled</strong>${e.disabled_reason ? html`: ${e.disabled_reason}` : ''}${e.disabled_time ? html` (${timeElement(e.disabled_time)})` : ''}`;
  if (e.failing_since) return html`Enabled, <strong>failing since</strong> ${timeElement(e.failing_since)}`;
  return html`Enabled`;
}

export function renderWebhooks(
  session: Session,
  view: { endpoints: readonly EndpointView[]; form: WebhookForm; errors: FieldErrors; notice: string | null; secret: { endpointId: string; url: string; secret: string } | null; max: number },
): string {
  const rows = view.endpoints.map((e) => {
    const base = pathOf('ui', 'settings', 'webhooks', e.id);
    return html`<tr id="${`webhook-${e.id}`}"><td><a href="${base}">${e.url}</a>${e.description ? html`<br><span class="small">${e.description}</span>` : ''}</td>
<td>${e.events.join(', ')}</td><td>${stateOf(e)}</td><td>${e.last_success_time ? timeElement(e.last_success_time) : none('never')}</td>
<td><form method="post" action="${base}/enabled" class="inline">${csrf(session)}<input type="hidden" name="enabled" value="${e.enabled ? 'false' : 'true'}"><button type="submit" class="secondary">${e.enabled ? 'Disable' : 'Enable'}</button></form>
<form method="post" action="${base}/rotate-secret" class="inline">${csrf(session)}<button type="submit" class="secondary">Rotate secret</button></form>
<form method="post" action="${base}/delete" class="inline">${csrf(session)}<button type="submit" class="danger">Delete</button></form></td></tr>`;
  });
  const error = (id: string) => (view.errors[id] ? html`<p class="error" id="${id}-error">${view.errors[id]}</p>` : '');
  const invalid = (id: string) => (view.errors[id] ? html` aria-invalid="true" aria-describedby="${id}-error"` : '');
  const checked = (type: string) => (view.form.events.includes(type) ? ' checked' : '');
  const boxes = [ALL_EVENT_TYPES, ...WEBHOOK_EVENT_TYPES].map(
    (type) =>
      html`<label class="check"><input type="checkbox" name="events" value="${type}"${checked(type)}> ${type === ALL_EVENT_TYPES ? 'All event types (*)' : html`<code>${type}</code>`}</label> `,
  );
  return layout(
    { title: 'Webhooks', session },
    html`<p class="crumbs"><a href="/ui/settings">Settings</a></p><h1>Webhooks</h1>
${noticeOf(view.notice)}${secretCard(view.secret)}
<p>Mailroom posts each event your endpoints subscribe to as signed JSON (Standard Webhooks), retrying for days while an endpoint fails; an endpoint failing too long is disabled with the reason shown here. At most ${view.max} endpoints.</p>
<section class="card" aria-labelledby="endpoints-h"><h2 id="endpoints-h">Endpoints</h2>${
      view.endpoints.length === 0
        ? html`<p>No endpoints yet.</p>`
        : html`<table><caption>Webhook endpoints of your organisation</caption><thead><tr><th scope="col">URL</th><th scope="col">Events</th><th scope="col">State</th><th scope="col">Last success</th><th scope="col">Actions</th></tr></thead><tbody>${rows}</tbody></table>`
    }</section>
<section class="card" aria-labelledby="add-h"><h2 id="add-h">Add an endpoint</h2>${view.errors.form ? html`<p class="alert" role="alert">${view.errors.form}</p>` : ''}
<form method="post" action="/ui/settings/webhooks" class="form">${csrf(session)}
<div class="field"><label for="url">URL (https)</label><input type="url" id="url" name="url" value="${view.form.url}" required maxlength="2048"${invalid('url')}>${error('url')}</div>
<div class="field"><label for="description">Description</label><input type="text" id="description" name="description" value="${view.form.description}" maxlength="255"${invalid('description')}>${error('description')}</div>
<fieldset${invalid('events')}><legend>Events</legend>${boxes}${error('events')}</fieldset>
<div class="actions"><button type="submit">Add endpoint</button></div></form></section>`,
  );
}

/** A delivery as the page shows it (the wire renderer's JSON). */
export type DeliveryView = Readonly<{
  event_id: string;
  event_type: string;
  state: string;
  attempts: number;
  last_status: number | null;
  last_error: string | null;
  occurred_time: string | null;
  last_attempt_time: string | null;
  next_attempt_time: string | null;
  possible_duplicate: boolean;
}>;

export function renderWebhookDeliveries(
  session: Session,
  view: { endpoint: EndpointView; deliveries: readonly DeliveryView[]; state: string | null; nextIndex: string | null; notice: string | null; error: string | null },
): string {
  const e = view.endpoint;
  const base = pathOf('ui', 'settings', 'webhooks', e.id);
  const rows = view.deliveries.map(
    (d) => html`<tr id="${`delivery-${d.event_id}`}"><td><code>${d.event_id}</code></td><td>${d.event_type}</td><td>${d.state}${d.possible_duplicate ? html` <span class="small">(possible duplicate)</span>` : ''}</td>
<td>${d.attempts}</td><td>${d.last_status ?? ''}${d.last_error ? html` <span class="small">${d.last_error}</span>` : ''}</td><td>${timeElement(d.occurred_time)}</td><td>${timeElement(d.last_attempt_time)}</td><td>${timeElement(d.next_attempt_time)}</td>
<td><form method="post" action="${base}/deliveries/${encodeURIComponent(d.event_id)}/send-again" class="inline">${csrf(session)}<button type="submit" class="secondary"${e.enabled ? '' : ' disabled'}>Send again</button></form></td></tr>`,
  );
  const filter = (state: string | null, label: string) =>
    state === view.state ? html`<strong>${label}</strong>` : html`<a href="${state ? `${base}?state=${state}` : base}">${label}</a>`;
  return layout(
    { title: `Webhook ${e.url}`, session },
    html`<p class="crumbs"><a href="/ui/settings">Settings</a> › <a href="/ui/settings/webhooks">Webhooks</a></p>
<h1>Deliveries to ${e.url}</h1>
${noticeOf(view.notice)}${view.error ? html`<p class="alert" role="alert">${view.error}</p>` : ''}
<p id="endpoint-state">${stateOf(e)}. Events: ${e.events.join(', ')}.${e.enabled ? '' : ' Enable the endpoint to send deliveries again.'}</p>
<p>Show: ${filter(null, 'all')} · ${filter('pending', 'pending')} · ${filter('delivered', 'delivered')} · ${filter('failed', 'failed')}</p>
<div class="card">${
      view.deliveries.length === 0
        ? html`<p>No deliveries${view.state ? html` in state ${view.state}` : ''}.</p>`
        : html`<table><caption>Delivery log, newest first</caption><thead><tr><th scope="col">Event id</th><th scope="col">Type</th><th scope="col">State</th><th scope="col">Attempts</th><th scope="col">Last answer</th><th scope="col">Occurred</th><th scope="col">Last attempt</th><th scope="col">Next attempt</th><th scope="col">Actions</th></tr></thead><tbody>${rows}</tbody></table>`
    }${view.nextIndex ? html`<p><a href="${`${base}?${new URLSearchParams({ ...(view.state ? { state: view.state } : {}), index: view.nextIndex }).toString()}`}">Older deliveries</a></p>` : ''}</div>`,
  );
}
