import { Type } from 'typebox';
import { SECURITY } from '../openapi.js';
import { ERRORS, HtmlPage, Bytes, OpenObject, PathSegment, SeeOther } from './common.js';

/** The local mailbox: HTML pages, downloads and a JSON API (docs/operations.md, `/mailbox`). */
const tags = ['Local mailbox'];

/** A token with ZohoCRM.modules.emails.READ, HTTP Basic, or the web UI's session. */
const security: readonly Record<string, readonly string[]>[] = [{ [SECURITY.oauth]: ['ZohoCRM.modules.emails.READ'] }, { [SECURITY.basic]: [] }, { [SECURITY.session]: [] }];

const PAGE = Type.String({ pattern: '^[1-9][0-9]{0,5}$', description: 'Page number, from 1 (default 1)' });
const IdParams = Type.Object({ id: PathSegment('Message id') });

const HTML_ERRORS = {
  '4xx': HtmlPage('An error page (401 with a Basic challenge for wrong credentials, 404 for another org\'s or a missing message)'),
  '5xx': HtmlPage('An error page'),
};

export const listPage = {
  summary: 'The mailbox (HTML)',
  tags,
  security,
  querystring: Type.Object({ page: Type.Optional(PAGE) }),
  response: { 200: HtmlPage('Messages, newest first'), 303: SeeOther('No credentials: to /ui/login'), ...HTML_ERRORS },
};

export const messagePage = {
  summary: 'A message (HTML; its HTML body sanitised in a sandboxed frame)',
  tags,
  security,
  params: IdParams,
  response: { 200: HtmlPage('The message'), 303: SeeOther('No credentials: to /ui/login'), ...HTML_ERRORS },
};

export const rawMessage = {
  summary: 'A message as it was sent (RFC 5322)',
  tags,
  security,
  params: IdParams,
  response: { 200: Bytes('The message, as an attachment', 'message/rfc822'), ...HTML_ERRORS },
};

export const attachment = {
  summary: 'An attachment of a message',
  tags,
  security,
  params: Type.Object({ id: IdParams.properties.id, index: PathSegment('The attachment\'s index, from 0') }),
  response: { 200: Bytes('The attachment, as a download', 'application/octet-stream'), ...HTML_ERRORS },
};

const Summary = {
  id: Type.String(),
  message_id: Type.String(),
  envelope_from: Type.String(),
  envelope_to: Type.Array(Type.String()),
  subject: Type.String(),
  created_time: Type.String(),
};

export const listMessages = {
  summary: 'The mailbox (JSON)',
  tags,
  security,
  querystring: Type.Object({
    page: Type.Optional(PAGE),
    per_page: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,2}$', description: 'Messages per page, at most 200 (default 50)' })),
  }),
  response: {
    200: Type.Object(
      {
        messages: Type.Array(Type.Object(Summary, { additionalProperties: false })),
        info: Type.Object({ page: Type.Integer(), per_page: Type.Integer(), count: Type.Integer(), more_records: Type.Boolean() }, { additionalProperties: false }),
      },
      { description: 'A page of messages, newest first' },
    ),
    ...ERRORS,
  },
};

export const getMessage = {
  summary: 'A message (JSON)',
  tags,
  security,
  params: IdParams,
  response: {
    200: Type.Object(
      {
        ...Summary,
        headers: OpenObject(),
        text: Type.Union([Type.String(), Type.Null()]),
        html: Type.Union([Type.String(), Type.Null()]),
        attachments: Type.Array(Type.Object({ index: Type.Integer(), filename: Type.Union([Type.String(), Type.Null()]), content_type: Type.String(), size: Type.Integer() })),
      },
      { description: 'The message, decoded' },
    ),
    ...ERRORS,
  },
};
