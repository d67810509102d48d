import { Type } from 'typebox';
import { HtmlPage, SeeOther } from './common.js';

/** The consent page a consent email links to (docs/compliance.md): the link is the credential. */
const tags = ['Consent page'];

const Params = Type.Object({ secret: Type.String({ maxLength: 64, description: 'The secret of the consent link' }) });
const ERROR_PAGES = { '4xx': HtmlPage('A problem page (a bad form, a link that is no longer valid)'), '5xx': HtmlPage('A problem page') };

export const page = {
  summary: 'The consent page',
  tags,
  params: Params,
  querystring: Type.Object({ saved: Type.Optional(Type.String({ maxLength: 1, description: '`1` after the form was saved' })) }),
  response: { 200: HtmlPage('The question, or the answer given'), 404: HtmlPage('Not a valid link'), 410: HtmlPage('The link has expired'), ...ERROR_PAGES },
};

export const submit = {
  summary: 'Answer the consent page',
  tags,
  params: Params,
  body: {
    content: {
      'application/x-www-form-urlencoded': {
        schema: Type.Unsafe<unknown>({
          properties: { choice: { type: 'string', description: '`granted` or `refused`' }, form_token: { type: 'string', description: 'The token of the page\'s form' } },
          description: 'The form of the page',
        }),
      },
    },
  },
  response: { 303: SeeOther('Saved: to the page with `?saved=1`'), 200: HtmlPage('The answer'), ...ERROR_PAGES },
};
