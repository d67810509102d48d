import type { Session } from '../auth/web-sessions.js';
import type { DkimKeyView } from '../dkim/dkim-keys.js';
import { html } from '../html/template.js';
import { layout } from './layout.js';

/** Settings → DKIM keys (administrators): the org's keys with the DNS records to publish; create, rotate, delete. */
export type DkimPageView = Readonly<{
  keys: readonly DkimKeyView[];
  notice: string | null;
  /** A refused form: the message, and what was typed. */
  error: string | null;
  form: Readonly<{ domain: string; selector: string; algorithm: string }>;
}>;

const csrf = (session: Session) => html`<input type="hidden" name="_csrf" value="${session.csrfToken}">`;

export function renderDkimPage(session: Session, view: DkimPageView): string {
  const domains = [...new Set(view.keys.map((k) => k.domain))];
  const rows = view.keys.map(
    (k) => html`<tr><td>${k.domain}</td><td>${k.selector}</td><td>${k.algorithm === 'ed25519-sha256' ? 'Ed25519' : 'RSA-2048'}</td>
<td><code class="dns-name">${k.dns.name}</code> TXT<br><code class="dns-value">${k.dns.value}</code></td>
<td><form method="post" action="/ui/settings/dkim/${k.id}/delete">${csrf(session)}<button type="submit" aria-label="Delete the key ${k.selector} of ${k.domain}">Delete</button></form></td></tr>`,
  );
  const algorithm = (value: string, label: string) => html`<option value="${value}"${view.form.algorithm === value ? html` selected` : ''}>${label}</option>`;
  return layout(
    { title: 'DKIM keys', session },
    html`<h1>DKIM keys</h1>
<p><a href="/ui/settings">Settings</a></p>
${view.notice ? html`<p class="notice" role="status">${view.notice}</p>` : ''}
${view.error ? html`<p class="alert" role="alert">${view.error}</p>` : ''}
<section class="card" aria-labelledby="keys-h"><h2 id="keys-h">Keys</h2>
<p>Every key of a domain signs the org's mail from that domain. Publish each record in the domain's DNS; after a rotation, delete the old key once the new record is live.</p>
${
  view.keys.length === 0
    ? html`<p>No key yet: mail goes out unsigned.</p>`
    : html`<table><caption>DKIM keys and their DNS records</caption><thead><tr><th scope="col">Domain</th><th scope="col">Selector</th><th scope="col">Algorithm</th><th scope="col">DNS record</th><th scope="col">Action</th></tr></thead><tbody>${rows}</tbody></table>`
}
</section>
<section class="card" aria-labelledby="new-h"><h2 id="new-h">Add a key</h2>
<form method="post" action="/ui/settings/dkim" class="row">${csrf(session)}
<div class="field"><label for="domain">Domain</label><input id="domain" name="domain" value="${view.form.domain}" required></div>
<div class="field"><label for="selector">Selector (optional)</label><input id="selector" name="selector" value="${view.form.selector}"></div>
<div class="field"><label for="algorithm">Algorithm</label><select id="algorithm" name="algorithm">${algorithm('rsa-2048', 'RSA-2048')}${algorithm('ed25519', 'Ed25519')}</select></div>
<button type="submit">Add key</button></form>
${
  domains.length === 0
    ? ''
    : html`<h3>Rotate</h3><form method="post" action="/ui/settings/dkim/rotate" class="row">${csrf(session)}
<div class="field"><label for="rotate-domain">Domain</label><select id="rotate-domain" name="domain">${domains.map((d) => html`<option value="${d}">${d}</option>`)}</select></div>
<button type="submit">Add a new key beside the current ones</button></form>`
}
</section>`,
  );
}
