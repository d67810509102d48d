import { Type } from 'typebox';
import { Bytes, HtmlPage, SeeOther } from './common.js';

/** Open and click tracking (README "Tracking opens and clicks"): the link is the credential. */
const tags = ['Tracking'];

// Any text up to the router's limit: a malformed or forged token is answered like a valid one
// (the pixel) or by the 404 page, not by validation.
const Params = Type.Object({ token: Type.String({ maxLength: 200, description: 'The token of the link (`<recipient id>z<MAC>`)' }) });

export const open = {
  summary: 'The open pixel',
  description:
    'A 1×1 transparent GIF, never cached, whatever the token: the answer never tells whether a token is valid. A valid token records an `opened` event ' +
    'of its recipient (flagged, not counted, when it comes from a known prefetching proxy or scanner). Changes nothing else.',
  tags,
  params: Params,
  response: { 200: Bytes('The pixel', 'image/gif') },
};

export const click = {
  summary: 'A tracked link',
  description:
    'Redirects (302) to exactly the target the token signs, after recording a `clicked` event of its recipient (flagged, not counted, when it comes ' +
    'from a known scanner). An altered, forged or cut link records nothing and answers a 404 page: never an open redirect.',
  tags,
  params: Params,
  querystring: Type.Object({ u: Type.Optional(Type.String({ maxLength: 4096, description: 'The target URL, base64url (signed by the token)' })) }),
  response: { 302: SeeOther('To the signed target'), 404: HtmlPage('Not a valid link; nothing recorded') },
};
