import { html, type SafeHtml } from '../html/template.js';
import type { Session } from '../auth/web-sessions.js';

/**
 * Every UI page: no inline script or style, so the CSP below holds without exceptions. Mail and
 * template HTML only ever appears sanitised inside `<iframe sandbox="">` (no scripts, no
 * same-origin), which inherits this CSP.
 */
export const UI_CSP =
  "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; connect-src 'self'; frame-src 'self'; " +
  "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/**
 * Pages that show sanitised mail HTML in a sandboxed frame (template previews) also allow inline
 * style attributes, as the mailbox does, so the preview keeps the template's formatting; the
 * sanitiser has already removed `url()`, `expression()` and style sheets.
 */
export const UI_PREVIEW_CSP = UI_CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'");

export const UI_PAGE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': UI_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'x-frame-options': 'DENY',
  'cache-control': 'private, no-store',
};

export type PageOptions = { title: string; session: Session | null; scripts?: string[] };

export function layout(options: PageOptions, body: SafeHtml): string {
  const { session } = options;
  const top = session
    ? html`<header class="top">
<a class="brand" href="/ui">Mailroom</a>
<nav aria-label="Main"><a href="/ui/records">Records</a><a href="/mailbox">Mailbox</a><a href="/ui/settings">Settings</a></nav>
<div class="who"><span>${session.userName || session.userEmail}</span>
<form class="inline" method="post" action="/ui/logout"><input type="hidden" name="_csrf" value="${session.csrfToken}"><button type="submit">Sign out</button></form></div>
</header>`
    : html`<header class="top"><span class="brand">Mailroom</span></header>`;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${options.title} – Mailroom</title>
<link rel="stylesheet" href="/ui/assets/ui.css">
${(options.scripts ?? []).map((src) => html`<script src="${src}" defer></script>`)}
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
${top}
<main id="main">
${body}
</main>
</body>
</html>
`.value;
}

/** `2026-05-01T14:03:22+02:00` as a readable `<time>`. */
export function timeElement(iso: string | null | undefined): SafeHtml {
  if (!iso) return html`<span class="none">—</span>`;
  const shown = iso.replace('T', ' ').replace(/:\d\d([+-]\d\d:\d\d|Z)$/, ' $1');
  return html`<time datetime="${iso}">${shown}</time>`;
}

export const none = (label = 'none'): SafeHtml => html`<span class="none">(${label})</span>`;
