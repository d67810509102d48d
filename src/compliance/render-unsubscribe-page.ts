import { standalonePage } from '../html/standalone-page.js';
import { html, type SafeHtml } from '../html/template.js';
import { CONSENT_PAGE_HEADERS } from './render-consent-page.js';
import type { UnsubscribeView } from './view-unsubscribe.js';

/**
 * The unsubscribe page (`/unsubscribe/<token>`): the consent page's shell and headers (strict CSP,
 * no Referer, no cache: the token is in the URL), no script, every stored string escaped. Its
 * button posts the same body a mail provider's one-click POST does.
 */
export const UNSUBSCRIBE_PAGE_HEADERS = CONSENT_PAGE_HEADERS;

const CSS = `body{font-family:system-ui,sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem;line-height:1.5;color:#1a1a1a}
button{font-size:1rem;padding:.5rem 1.25rem}.done{border-left:4px solid #1a7f37;padding:.5rem 1rem;background:#eef8f0}`;

const page = (title: string, body: SafeHtml): string => standalonePage({ title, css: CSS, meta: html`<meta name="robots" content="noindex">`, body });

/** `ann.smith@example.com` → `a•••@example.com`: enough for the person to recognise, little for anyone else. */
export function maskAddress(email: string): string {
  const at = email.lastIndexOf('@');
  if (at < 1) return '•••';
  return `${email[0]}•••${email.slice(at)}`;
}

export function renderUnsubscribePage(view: UnsubscribeView): string {
  if (view.kind === 'not_found') return renderUnsubscribeProblem(404);
  return page(
    `Unsubscribe – ${view.orgName}`,
    html`<h1>Unsubscribe</h1>
<p>Stop email from ${view.orgName} to <strong>${maskAddress(view.email)}</strong>?</p>
<form method="post">
<input type="hidden" name="List-Unsubscribe" value="One-Click">
<button type="submit">Unsubscribe</button>
</form>`,
  );
}

export function renderUnsubscribed(orgName: string, email: string): string {
  return page(
    `Unsubscribed – ${orgName}`,
    html`<h1>Unsubscribed</h1>\n<p class="done" role="status">${maskAddress(email)} will receive no more email from ${orgName}.</p>`,
  );
}

export function renderUnsubscribeProblem(status: number): string {
  const text =
    status === 404
      ? 'This unsubscribe link is not valid. Please use the link from the email you received.'
      : status === 429
        ? 'Too many requests for this link. Please try again in a minute.'
        : status >= 500
          ? 'This page is temporarily unavailable. Please try again in a moment.'
          : 'This request could not be understood. Please open the link from your email again and use its button.';
  return page('Unsubscribe', html`<h1>Unsubscribe</h1>\n<p>${text}</p>`);
}
