import { standalonePage } from '../html/standalone-page.js';
import { html, type SafeHtml } from '../html/template.js';
import type { ConsentView } from './submit-consent.js';

/**
 * The consent page: plain HTML, no script, works without JavaScript, labelled controls, every
 * stored string escaped. Served with the strict CSP below (forms may post only to this server).
 */
export const CONSENT_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

export const CONSENT_PAGE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': CONSENT_CSP,
  'x-content-type-options': 'nosniff',
  // The link's secret is in the URL: never send it on as a Referer, never keep the page in a cache.
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cache-control': 'no-store',
};

const CSS = `body{font-family:system-ui,sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem;line-height:1.5;color:#1a1a1a}
fieldset{border:1px solid #888;padding:1rem;margin:1rem 0}legend{font-weight:600}
label{display:block;margin:.5rem 0}button{font-size:1rem;padding:.5rem 1.25rem}
.saved{border-left:4px solid #1a7f37;padding:.5rem 1rem;background:#eef8f0}`;

const page = (title: string, body: SafeHtml): string => standalonePage({ title, css: CSS, meta: html`<meta name="robots" content="noindex">`, body });

export function renderConsentPage(view: ConsentView): string {
  if (view.kind === 'gone') return page('Consent link', html`<h1>Consent link</h1>\n<p>${view.message}</p>`);
  const org = view.orgName;
  const checked = (choice: string) => (view.current === choice ? html` checked` : '');
  const saved = view.saved
    ? html`<p class="saved" role="status">Thank you. Your choice has been saved: ${
        view.current === 'granted' ? 'you agreed to receive email from us' : 'you will not receive email from us'
      }. You can change it here at any time while this link is valid.</p>\n`
    : '';
  const greeting = view.personName ? html`<p>Hello ${view.personName},</p>\n` : '';
  return page(
    `Email consent – ${view.orgName}`,
    html`<h1>Email consent</h1>
${saved}${greeting}<p>${org} would like to keep in touch with you by email. Please tell us whether you agree. You can change your answer later with the same link.</p>
<form method="post">
<input type="hidden" name="form_token" value="${view.formToken}">
<fieldset>
<legend>May ${org} contact you by email?</legend>
<label><input type="radio" name="choice" value="granted" required${checked('granted')}> Yes, I agree to receive email from ${org}.</label>
<label><input type="radio" name="choice" value="refused"${checked('refused')}> No, please do not email me.</label>
</fieldset>
<button type="submit">Save my choice</button>
</form>`,
  );
}

export function renderConsentProblem(status: number): string {
  const text =
    status === 403
      ? 'This form could not be accepted. Please open the link from your email again and submit the form from that page.'
      : status === 503
        ? 'This page is temporarily unavailable. Please try again in a moment.'
        : 'Please choose one of the answers and submit the form again.';
  return page('Consent link', html`<h1>Consent link</h1>\n<p>${text}</p>`);
}
