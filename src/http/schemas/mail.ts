import { Type } from 'typebox';
import { MAX_DATA_ITEMS } from '../../wire/item-array.js';
import { Bytes, bulkResponses, ERRORS, OneResponses, JsonBody, ModuleParams, NoContent, OpenObject, PathSegment, QueryValue, RecordParams, VersionParams } from './common.js';

/** Send Mail, From addresses, the Emails related list, cancel/reschedule and unblock_email (docs/zoho-contract.md §3–§5, §8, §10). */
const tags = ['Mail'];

const EmailParams = Type.Object({
  ...RecordParams.properties,
  messageId: PathSegment('The mail\'s `message_id` (64 hex digits), or a reply\'s (`r…`), from the Emails list'),
});

const Person = Type.Object({ user_name: Type.Union([Type.String(), Type.Null()]), email: Type.String() }, { additionalProperties: true });

/** One mail of the Emails related list (docs/zoho-contract.md §8); `content` and `attachments` only for one mail. */
const EmailSchema = OpenObject(
  {
    message_id: Type.String(),
    subject: Type.Union([Type.String(), Type.Null()]),
    from: Person,
    to: Type.Array(Person),
    time: Type.String(),
    sent: Type.Boolean(),
    status: Type.Array(OpenObject({ type: Type.String(), email: Type.String() }), { description: 'One entry per recipient: Zoho\'s `type` plus the delivery (DSN) fields' }),
  },
  'A mail sent from the record',
);

export const sendMail = {
  summary: 'Send mail from a record',
  description:
    'Accepts each `data` item (one mail) on its own; an accepted mail is committed with its recipients and queue state before the answer ' +
    '(delivery follows). `Idempotency-Key` makes a retry answer the first result (`Idempotent-Replayed: true`).',
  tags,
  params: RecordParams,
  headers: Type.Object({
    'idempotency-key': Type.Optional(QueryValue('1 to 255 letters, digits and -_.: — a retry of the same request with the same key replays the first answer (IDEMPOTENCY_KEY_INVALID otherwise)')),
  }),
  body: JsonBody(`\`{"data": [mail, …]}\`, at most ${MAX_DATA_ITEMS} mails: \`from\`, \`to\`, \`subject\`, \`content\`, … (docs/zoho-contract.md §3)`, {
    data: [
      {
        from: { user_name: 'Patricia Boyle', email: 'p.boyle@zylker.example' },
        to: [{ user_name: 'Ted Watson', email: 'ted@example.com' }],
        subject: 'Your quote',
        content: '<p>Hello Ted</p>',
        mail_format: 'html',
      },
    ],
  }),
  response: bulkResponses(200),
};

export const fromAddresses = {
  summary: 'List the From addresses a user may send with',
  tags,
  params: VersionParams,
  querystring: Type.Object({ user_id: Type.Optional(QueryValue("Another user's id (default: the caller); unknown: INVALID_PARAMETER")) }),
  response: {
    200: Type.Object(
      { from_addresses: Type.Array(OpenObject({ email: Type.String(), user_name: Type.Union([Type.String(), Type.Null()]) })) },
      { description: 'The addresses' },
    ),
    ...ERRORS,
  },
};

export const listEmails = {
  summary: 'List the mails of a record (Emails related list)',
  tags,
  params: RecordParams,
  querystring: Type.Object({
    type: Type.Optional(QueryValue('`sent_from_crm`, `scheduled_in_crm`, `drafts` or `user_emails` (default: sent and scheduled)')),
    index: Type.Optional(QueryValue('The cursor `info.next_index` of the previous page (default `0`)')),
  }),
  response: {
    200: Type.Object(
      {
        Emails: Type.Array(EmailSchema),
        info: OpenObject({ per_page: Type.Integer(), count: Type.Integer(), next_index: Type.Union([Type.String(), Type.Null()]), more_records: Type.Boolean() }),
      },
      { description: 'A page of mails, newest first' },
    ),
    204: NoContent('No mail'),
    ...ERRORS,
  },
};

export const getEmail = {
  summary: 'Get a mail of a record, with its content',
  tags,
  params: EmailParams,
  response: OneResponses('Emails', EmailSchema, 'The mail'),
};

export const replyAttachment = {
  summary: 'Download an attachment of a reply received on the record (beyond Zoho)',
  tags,
  params: Type.Object({
    ...RecordParams.properties,
    messageId: PathSegment('The reply\'s `message_id` (`r…`) from the Emails list'),
    attachmentId: PathSegment('The attachment\'s `id` (`r…-<index>`) from the reply\'s `attachments`'),
  }),
  response: { 200: Bytes('The attachment, as a download', 'application/octet-stream'), ...ERRORS },
};

const ChangeResult = Type.Object({ data: Type.Array(Type.Ref('ActionSuccess'), { minItems: 1, maxItems: 1 }) }, { description: 'Done' });

export const cancelMail = {
  summary: 'Cancel a mail that has not started sending (beyond Zoho)',
  tags,
  params: EmailParams,
  response: { 200: ChangeResult, ...ERRORS },
};

export const rescheduleMail = {
  summary: 'Reschedule a mail that has not started sending (beyond Zoho)',
  tags,
  params: EmailParams,
  body: JsonBody('`{"data": [{"scheduled_time": "2030-01-02T09:00:00+01:00"}]}`', { data: [{ scheduled_time: '2030-01-02T09:00:00+01:00' }] }),
  response: { 200: ChangeResult, ...ERRORS },
};

const UnblockBody = JsonBody('`{"data": [{"id": "<record id>", "email_fields": ["Email"]}]}` (docs/zoho-contract.md §10)');

export const unblockRecordEmail = {
  summary: "Unblock a record's email addresses",
  tags,
  params: RecordParams,
  body: UnblockBody,
  response: bulkResponses(200),
};

export const unblockEmails = {
  summary: 'Unblock email addresses of records',
  tags,
  params: ModuleParams,
  body: UnblockBody,
  response: bulkResponses(200),
};
