import { Type } from 'typebox';
import { HtmlPage } from './common.js';

/** One-click unsubscribe (RFC 8058; docs/compliance.md#one-click-unsubscribe): the link is the credential. */
const tags = ['Unsubscribe'];

// Any text up to the router's limit: a malformed or forged token is answered by the page (404), not by validation.
const Params = Type.Object({ token: Type.String({ maxLength: 200, description: 'The token of the link (`<recipient id>z<MAC>`)' }) });
const ERROR_PAGES = {
  '4xx': HtmlPage('A problem page: not a one-click request, a body too large, too many requests for this link'),
  '5xx': HtmlPage('A problem page'),
};

export const page = {
  summary: 'The unsubscribe page (changes nothing)',
  description: 'Names the address (masked) and shows a button that posts the one-click form. A GET never changes anything: link scanners follow GETs.',
  tags,
  params: Params,
  response: { 200: HtmlPage('The page with its button'), 404: HtmlPage('Not a valid link'), ...ERROR_PAGES },
};

const oneClickForm = Type.Unsafe<unknown>({
  properties: { 'List-Unsubscribe': { type: 'string', description: '`One-Click`' } },
  description: 'RFC 8058 §3.1: `List-Unsubscribe=One-Click`',
});

export const submit = {
  summary: 'One-click unsubscribe (RFC 8058 POST)',
  description:
    'What a mail provider posts for `List-Unsubscribe-Post: List-Unsubscribe=One-Click`, and what the page\'s button posts. ' +
    'Sets `Email_Opt_Out: true` on the org\'s records whose email fields hold the address, audited; idempotent. No cookie and no CSRF token: the token is the authority.',
  tags,
  params: Params,
  body: { content: { 'application/x-www-form-urlencoded': { schema: oneClickForm }, 'multipart/form-data': { schema: oneClickForm } } },
  response: { 200: HtmlPage('Unsubscribed (also when it already was)'), 404: HtmlPage('Not a valid link; nothing changed'), ...ERROR_PAGES },
};
