/**
 * The one error catalogue. Every error Mailroom answers with is an `AppError` whose code is a key
 * of `ERROR_CATALOGUE`; the HTTP layer maps it to a Zoho envelope in exactly one place
 * (`wire/zoho-envelope.ts`). Adding a code without its HTTP status, Zoho code, message and `when`
 * fails to compile; `npm run docs` then rewrites docs/errors.md (CI fails while it is stale).
 *
 * Messages are Zoho's, verbatim, typos included ("Succeessfully", "occured"): clients match on them.
 */
export type ErrorSpec = Readonly<{
  status: number;
  zohoCode: string;
  message: string;
  /** One line: when Mailroom answers with it. docs/errors.md is generated from this catalogue. */
  when: string;
}>;

export const ERROR_CATALOGUE = {
  // Authentication and authorisation (top-level envelopes).
  AUTHENTICATION_FAILURE: {
    status: 401,
    zohoCode: 'AUTHENTICATION_FAILURE',
    message: 'Authentication failed',
    when: 'No credentials: no Authorization header, another scheme or an empty token; also a wrong email or password (mailbox Basic, web sign-in).',
  },
  INVALID_TOKEN: {
    status: 401,
    zohoCode: 'INVALID_TOKEN',
    message: 'invalid oauth token',
    when: 'The OAuth token is malformed, unknown, revoked or expired (all answer alike), or its org no longer exists.',
  },
  OAUTH_SCOPE_MISMATCH: {
    status: 401,
    zohoCode: 'OAUTH_SCOPE_MISMATCH',
    message: 'invalid oauth scope to access this URL',
    when: "The token's scopes do not cover the operation (e.g. `ZohoCRM.modules.leads.READ` for a send_mail).",
  },
  NO_PERMISSION: {
    status: 403,
    zohoCode: 'NO_PERMISSION',
    message: 'permission denied',
    when: "Zoho's generic refusal; Mailroom answers the specific entries below instead (opt-out, profile permission, administrators only, unconfirmed account).",
  },

  // URL, method and module.
  INVALID_URL_PATTERN: {
    status: 404,
    zohoCode: 'INVALID_URL_PATTERN',
    message: 'Please check if the URL trying to access is a correct one',
    when: 'No route answers the URL, or its version segment is not one Zoho has used (`v2` … `v8`).',
  },
  INVALID_REQUEST_METHOD: {
    status: 400,
    zohoCode: 'INVALID_REQUEST_METHOD',
    message: 'The http request method type is not a valid one',
    when: 'The URL exists but not with this HTTP method.',
  },
  INVALID_MODULE: {
    status: 400,
    zohoCode: 'INVALID_MODULE',
    message: 'The module name given seems to be invalid',
    when: 'The module in the URL (or a `module` parameter) is unknown to the org, or not allowed for the operation.',
  },
  REQUIRED_PARAM_MISSING: {
    status: 400,
    zohoCode: 'REQUIRED_PARAM_MISSING',
    message: 'One of the expected parameter is missing',
    when: 'A required query parameter is missing: `fields`, `ids`, `module` (`details.param` names it).',
  },
  INVALID_PARAMETER: {
    status: 400,
    zohoCode: 'INVALID_DATA',
    message: 'invalid data',
    when: 'A query or path parameter is malformed or out of range (`details.param_name`), e.g. `page`, `per_page`, `sort_order`, `fields`, `ids`.',
  },

  // Requests Fastify or Node's HTTP parser refuse before any route runs (http/http-errors.ts).
  // BAD_REQUEST is in the generic code list of Zoho's SDKs; the other codes and every message are ours.
  MALFORMED_REQUEST: {
    status: 400,
    zohoCode: 'BAD_REQUEST',
    message: 'The request could not be understood by the server',
    when: 'Node refused the request before any route ran (bad request line, method or header, Content-Length with Transfer-Encoding, an HTTP/2 preface), an HTTP/1.1 request without `Host` (`details.header: "host"`), or a body whose length differs from `Content-Length` (`details.header: "content-length"`).',
  },
  REQUEST_TIMEOUT: {
    status: 408,
    zohoCode: 'REQUEST_TIMEOUT',
    message: 'The request was not received in time',
    when: 'The request (headers and body) did not arrive within the server\'s request timeout (120 s).',
  },
  EXPECTATION_FAILED: {
    status: 417,
    zohoCode: 'EXPECTATION_FAILED',
    message: 'The expectation in the Expect header is not supported',
    when: 'An `Expect` header other than `100-continue`.',
  },
  HEADERS_TOO_LARGE: {
    status: 431,
    zohoCode: 'REQUEST_HEADERS_TOO_LARGE',
    message: 'The request line and headers are larger than allowed',
    when: 'The request line and headers together exceed Node\'s limit (16 KiB).',
  },

  // Request bodies.
  INVALID_BODY: {
    status: 400,
    zohoCode: 'INVALID_DATA',
    message: 'invalid data',
    when: 'The body is not JSON, or not the JSON object the endpoint expects (`details.expected_data_type`), or it is nested deeper than 32 levels (`details.maximum_depth: 32`).',
  },
  PAYLOAD_TOO_LARGE: {
    status: 413,
    zohoCode: 'PAYLOAD_TOO_LARGE',
    message: 'The request body is larger than allowed',
    when: "The request body exceeds `BODY_LIMIT_BYTES` (or a route's own smaller limit).",
  },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    zohoCode: 'UNSUPPORTED_MEDIA_TYPE',
    message: 'The content type of the request is not supported',
    when: 'Fastify cannot read the body as sent: a content type it has no parser for.',
  },
  LIMIT_EXCEEDED_RECORDS: {
    status: 400,
    zohoCode: 'LIMIT_EXCEEDED',
    message: 'the number of records exceeds the maximum allowed',
    when: 'More than 100 items in one `data` array (or ids in one delete) (`details.maximum_length`).',
  },

  // Records.
  INVALID_DATA: {
    status: 400,
    zohoCode: 'INVALID_DATA',
    message: 'invalid data',
    when: 'A field value has the wrong type, format or length (`details.api_name` / `json_path`): records, send_mail items, templates.',
  },
  MANDATORY_NOT_FOUND: {
    status: 400,
    zohoCode: 'MANDATORY_NOT_FOUND',
    message: 'required field not found',
    when: 'A required field is missing (`details.api_name`; send_mail also names `parent_api_name`).',
  },
  RECORD_NOT_FOUND: {
    status: 400,
    zohoCode: 'INVALID_DATA',
    message: 'the id given seems to be invalid',
    when: "The record id in the URL or body does not exist in the org (another org's id answers the same).",
  },
  RELATED_RECORD_NOT_FOUND: {
    status: 400,
    zohoCode: 'INVALID_DATA',
    message: 'the related id given seems to be invalid',
    when: 'send_mail (or a template merge) names a record, in the URL, that does not exist in the org.',
  },
  DUPLICATE_DATA: {
    status: 400,
    zohoCode: 'DUPLICATE_DATA',
    message: 'duplicate data',
    when: 'An email template name is already taken in the org.',
  },

  // Send Mail (docs/zoho-contract.md §3.5; messages verbatim, typos included).
  FROM_ADDRESS_NOT_ALLOWED: {
    status: 400,
    zohoCode: 'INVALID_DATA',
    message: "Email can't be sent using this from address.Kindly check the allowed from address list",
    when: "send_mail's `from` is not one of the sender's allowed From addresses (or `org_email` does not match its kind).",
  },
  RECORD_HAS_NO_EMAIL: {
    status: 400,
    zohoCode: 'NOT_ALLOWED',
    message: "You cannot send email to this record as it doesn't have either primary or secondary email address",
    when: 'send_mail from a record with neither a primary nor a secondary email.',
  },
  DEAL_CONTACT_HAS_NO_EMAIL: {
    status: 400,
    zohoCode: 'NOT_ALLOWED',
    message: "You cannot send email to this record as associated contact doesn't have either primary or secondary email address",
    when: 'send_mail from a Deal whose contact has neither a primary nor a secondary email.',
  },
  RECORD_EMAIL_BLOCKED: {
    status: 400,
    zohoCode: 'NOT_ALLOWED',
    message: "Email cannot be sent as record's email field contain one or more blocked emaill",
    when: "The record's own address is blocked (it bounced with a 5xx).",
  },
  RECIPIENT_BLOCKED: {
    status: 400,
    zohoCode: 'NOT_ALLOWED',
    message: "Email cannot be sent as recipient email's contain one or more blocked email",
    when: 'A `to`/`cc`/`bcc` address is blocked (it bounced with a 5xx); `details.blocked_email_addresses` lists them.',
  },
  EMAIL_OPT_OUT: {
    status: 403,
    zohoCode: 'NO_PERMISSION',
    message: 'You have enabled Email Opt Out for that record',
    when: 'The record has `Email_Opt_Out: true` (set by a user, the Records API or the consent page).',
  },
  ACCOUNT_NOT_CONFIRMED: {
    status: 403,
    zohoCode: 'NO_PERMISSION',
    message: 'Account confirmation required.Please confirm your account registration so that you can send emails',
    when: "The sender's account is not confirmed.",
  },
  EMAIL_NOT_CONFIRMED: {
    status: 403,
    zohoCode: 'NO_PERMISSION',
    message: 'Email Confirmation Required.Please confirm your email associated to your account so that you can send emails',
    when: "The sender's email address is not confirmed.",
  },
  // Permissions and compliance (docs/zoho-contract.md §3.5, §11, §12). Where Zoho's words are unknown the
  // message is ours and docs/zoho-compatibility.md says so.
  SEND_EMAIL_NOT_PERMITTED: {
    status: 403,
    zohoCode: 'NO_PERMISSION',
    message: 'permission denied',
    when: "The sender's profile lacks the Send Email permission (`details.permissions: [\"Crm_Implied_Send_Email\"]`).",
  },
  CONSENT_NOT_GIVEN: {
    status: 400,
    zohoCode: 'NOT_ALLOWED',
    message: 'Have not consented to receive email from you',
    when: 'Privacy settings on, basis Consent, and the person has not consented to email yet (a consent email may still go).',
  },
  CONSENT_WITHDRAWN: {
    status: 400,
    zohoCode: 'NOT_ALLOWED',
    message: 'You cannot send an email to this customer because this person has opted to stop the email communication',
    when: 'Privacy settings on, basis Consent, and the person withdrew email consent (consent page "No", or `Contact_Through_Email` true → false).',
  },
  CONSENT_COMPLIANCE_DISABLED: {
    status: 400,
    zohoCode: 'INVALID_DATA',
    message: 'You cannot send email to get consent from customer as Compliance settings is not enabled',
    when: "`consent_email: true` while the org's privacy settings are off.",
  },
  CONSENT_FORM_LINK_MISSING: {
    status: 400,
    zohoCode: 'INVALID_DATA',
    message: 'The content of a consent email must contain the consent form link ${ConsentForm.en_US}',
    when: 'A consent email whose content (or template) lacks the `${ConsentForm.…}` link.',
  },
  DATA_SUBJECT_REQUEST_INVALID: {
    status: 400,
    zohoCode: 'INVALID_DATA',
    message: 'invalid data',
    when: "`data_subject_request` names no request, another record's request, or a request of another type.",
  },
  RECORD_LOCKED: {
    status: 400,
    zohoCode: 'RECORD_LOCKED',
    message: 'You cannot perform this operation as the record is locked.',
    when: "The record is locked and its module's locking configuration restricts this action (send_mail, update, delete) for the sender's profile.",
  },
  RECORD_ALREADY_LOCKED: {
    status: 403,
    zohoCode: 'NOT_ALLOWED',
    message: 'Record is already locked',
    when: 'Locking a record that already has a lock.',
  },
  ADMIN_ONLY: {
    status: 403,
    zohoCode: 'NO_PERMISSION',
    message: 'permission denied',
    when: 'A setting only an Administrator may read or change (privacy settings, locking configuration, profile permissions, audit log).',
  },
  SMTP_CONNECTIVITY: {
    status: 400,
    zohoCode: 'CUSTOM_ERROR',
    message: 'Connectivity issue occured when sending mail via your SMTP server',
    when: "Saving a user's SMTP server whose check failed (`details.reason`: connect_failed, tls_failed, auth_failed), or send_mail from that server while it is failing.",
  },
  FEATURE_NOT_IN_EDITION: {
    status: 400,
    zohoCode: 'NOT_ALLOWED',
    message: 'This feature is not supported for your edition.',
    when: "The org's edition lacks the module (free edition: inventory and custom modules).",
  },
  // Saving a user's own SMTP server (beyond Zoho, which sets it up in its UI): the SSRF guard,
  // the password rule and the limit on server checks. Our words; docs/zoho-compatibility.md.
  SMTP_HOST_NOT_ALLOWED: {
    status: 400,
    zohoCode: 'INVALID_DATA',
    message: 'The SMTP host is not allowed: it must resolve to public internet addresses only',
    when: "The SSRF guard refused a user's SMTP host: it resolves to a non-public address, or does not resolve.",
  },
  SMTP_PASSWORD_REQUIRED: {
    status: 400,
    zohoCode: 'MANDATORY_NOT_FOUND',
    message: 'The password is required again when the host, port, security or username changes',
    when: "Saving a user's SMTP server with an empty password after changing its host, port, security or username.",
  },
  SMTP_CHECKS_EXCEEDED: {
    status: 429,
    zohoCode: 'TOO_MANY_REQUESTS',
    message: 'Too many SMTP server checks. Please try again later.',
    when: 'More than 10 SMTP server checks by one user in 10 minutes (`details.retry_after_seconds`).',
  },
  SCHEDULING_NOT_IN_EDITION: {
    status: 400,
    zohoCode: 'FEATURE_NOT_SUPPORTED',
    message: 'You cannot schedule email as your license type does not support email scheduling',
    when: '`scheduled_time` on the free edition.',
  },
  SCHEDULE_TIME_PAST: {
    status: 400,
    zohoCode: 'INVALID_DATA',
    message: 'Schedule time should not be past time',
    when: '`scheduled_time` (or a reschedule) is in the past.',
  },
  SCHEDULE_TIME_TOO_FAR: {
    status: 400,
    zohoCode: 'INVALID_DATA',
    message: 'Schedule time is beyond the allowed scheduling horizon',
    when: '`scheduled_time` is further ahead than `SCHEDULE_HORIZON_DAYS`.',
  },
  MAIL_ALREADY_STARTED: {
    status: 400,
    zohoCode: 'NOT_ALLOWED',
    message: 'This mail can no longer be changed as its sending has already started',
    when: 'Cancelling or rescheduling a mail that has started sending.',
  },
  KEY_NOT_SUPPORTED: {
    status: 400,
    zohoCode: 'NOT_SUPPORTED',
    message: 'This key is not supported by this server yet',
    when: 'A parameter Zoho has but Mailroom does not implement yet (`filters` on the template lists).',
  },

  // Files (docs/zoho-contract.md §5) and attachments on send_mail.
  FILE_UPLOAD_FAILED: {
    status: 400,
    zohoCode: 'failure_in_attachment_handling',
    message: 'Problem in uploading attachment. kindly upload the file properly',
    when: 'A file upload that is not multipart, has no file part, or an inline upload that is not a PNG, JPEG, GIF or WebP image.',
  },
  FILE_TOO_LARGE: {
    status: 400,
    zohoCode: 'FILE_SIZE_MORE_THAN_ALLOWED_SIZE',
    message: 'The file size is more than the allowed size of 20 MB',
    when: 'An uploaded file is larger than 20 MB.',
  },
  TOO_MANY_FILES: {
    status: 400,
    zohoCode: 'LIMIT_EXCEEDED',
    message: 'You can upload at most 10 files at a time',
    when: 'More than 10 files in one upload.',
  },
  FILE_ID_MISSING: {
    status: 400,
    zohoCode: 'REQUIRED_PARAM_MISSING',
    message: 'The expected parameter is missing',
    when: '`GET /crm/{v}/files` without `id`.',
  },
  ATTACHMENT_NOT_FOUND: {
    status: 400,
    zohoCode: 'INVALID_DATA',
    message: 'There is no file exists with the given id',
    when: 'An `attachments[].id` (send_mail or template) names no file of the org.',
  },
  ATTACHMENTS_TOO_LARGE: {
    status: 400,
    zohoCode: 'FILE_SIZE_EXCEEDS',
    message: 'Total file(s) size should not exceed 10MB',
    when: 'The files of one mail (or template) add up to more than 10 MB.',
  },

  // Unblock Email (docs/zoho-contract.md §10).
  UNBLOCK_UNKNOWN_FIELD: {
    status: 400,
    zohoCode: 'NOT_ALLOWED',
    message: 'unknown field provided',
    when: 'unblock_email names a field other than `Email` / `Secondary_Email`.',
  },
  UNBLOCK_FIELDS_UNAVAILABLE: {
    status: 400,
    zohoCode: 'NOT_ALLOWED',
    message: 'EMAIL, SECONDARY_EMAIL field not available for module',
    when: 'unblock_email on a module without email fields.',
  },
  UNBLOCK_LIMIT_REACHED: {
    status: 400,
    zohoCode: 'NOT_ALLOWED',
    message: 'Cannot unblock, email has been unblocked 5 times already',
    when: 'unblock_email on an address already unblocked five times.',
  },
  UNBLOCK_PERMANENT: {
    status: 400,
    zohoCode: 'NOT_ALLOWED',
    message: 'Cannot unblock, Email is blocked permanently',
    when: 'unblock_email on an address blocked by a hard bounce (e.g. 5.1.1, no such user), learnt at once or later from a DSN or a relay event.',
  },
  ALREADY_UNBLOCKED: {
    status: 400,
    zohoCode: 'NOT_ALLOWED',
    message: 'Email is already unblocked',
    when: 'unblock_email on an address that is not blocked.',
  },
  INVALID_RECORD_PROVIDED: {
    status: 400,
    zohoCode: 'INVALID_DATA',
    message: 'Invalid record provided',
    when: 'unblock_email names a record id that does not exist in the org.',
  },

  // Email templates (docs/zoho-contract.md §6), as send_mail's `template` key uses them. Another org's
  // template answers exactly like a missing one.
  TEMPLATE_NOT_FOUND: {
    status: 400,
    zohoCode: 'INVALID_DATA',
    message: 'the template id given seems to be invalid',
    when: "send_mail's `template.id` names no email template of the org.",
  },
  TEMPLATE_MODULE_MISMATCH: {
    status: 400,
    zohoCode: 'INVALID_DATA',
    message: 'The template given belongs to another module',
    when: "send_mail's template belongs to another module than the record's.",
  },

  // Inventory templates (docs/zoho-contract.md §7) as send_mail's `inventory_details` uses them. Another
  // org's template answers exactly like a missing one.
  INVENTORY_TEMPLATE_NOT_FOUND: {
    status: 400,
    zohoCode: 'INVALID_DATA',
    message: 'the inventory template id given seems to be invalid',
    when: "send_mail's `inventory_details.inventory_template.id` names no inventory template of the org.",
  },
  INVENTORY_TEMPLATE_MODULE_MISMATCH: {
    status: 400,
    zohoCode: 'INVALID_DATA',
    message: 'The inventory template given cannot be used for a record of this module',
    when: "The inventory template is for another module than the record's, or the record's module has no PDFs.",
  },

  // Idempotency-Key (beyond Zoho; IETF draft semantics).
  IDEMPOTENCY_KEY_INVALID: {
    status: 400,
    zohoCode: 'IDEMPOTENCY_KEY_INVALID',
    message: 'The Idempotency-Key header must be 1 to 255 characters of letters, digits, and -_.:',
    when: 'The Idempotency-Key header is empty, longer than 255 characters or has other characters.',
  },
  IDEMPOTENCY_KEY_REUSED: {
    status: 422,
    zohoCode: 'IDEMPOTENCY_KEY_REUSED',
    message: 'This Idempotency-Key was already used with a different request',
    when: 'An Idempotency-Key already used (in the last 24 h, by the org) with a different request.',
  },
  IDEMPOTENCY_IN_PROGRESS: {
    status: 409,
    zohoCode: 'IDEMPOTENCY_IN_PROGRESS',
    message: 'A request with this Idempotency-Key is still being processed',
    when: 'The first request with this Idempotency-Key is still running (`Retry-After`: when to try again).',
  },

  // Limits (docs/zoho-contract.md §16, §15). The daily limit is an item error of send_mail (inside data[i]);
  // of Zoho's two strings (§3.5) this one names what is counted: the org's daily mail usage.
  DAILY_LIMIT_EXCEEDED: {
    status: 400,
    zohoCode: 'LIMIT_EXCEEDED',
    message: 'You have reached the daily mail usage limit for your organization.',
    when: "A send_mail item would exceed the org's daily individual-mail limit (`details: {period, allowed_limit}`, inside `data[i]`).",
  },
  // API credits and concurrency: Zoho's body is unpublished; the messages are its status page's words.
  API_CREDITS_EXCEEDED: {
    status: 429,
    zohoCode: 'TOO_MANY_REQUESTS',
    message: 'The number of API requests for the 24 hour period is exceeded.',
    when: 'The org used its API credits of the rolling 24 hours (`Retry-After`).',
  },
  API_CONCURRENCY_EXCEEDED: {
    status: 429,
    zohoCode: 'TOO_MANY_REQUESTS',
    message: 'The concurrency limit of the user for the app is exceeded.',
    when: 'The org has as many simultaneous requests on this process as its edition allows (`Retry-After`).',
  },

  // Local mailbox sign-in (beyond Zoho): too many wrong passwords from one address.
  TOO_MANY_FAILED_SIGN_INS: {
    status: 429,
    zohoCode: 'TOO_MANY_REQUESTS',
    message: 'Too many failed sign-in attempts. Please try again later.',
    when: 'Too many wrong passwords for the account and client (web sign-in and mailbox Basic together; `Retry-After`).',
  },

  // Relay event webhooks (beyond Zoho): `POST /webhooks/ses`, `POST /webhooks/sendgrid`.
  WEBHOOK_SIGNATURE_INVALID: {
    status: 403,
    zohoCode: 'INVALID_SIGNATURE',
    message: 'The webhook request is not signed by the relay',
    when: 'A relay webhook request whose signature is missing or does not verify, an SNS message of a topic not in `SES_SNS_TOPIC_ARNS`, or a SendGrid timestamp more than 10 minutes off (`details.reason`); nothing changes.',
  },
  WEBHOOK_BODY_INVALID: {
    status: 400,
    zohoCode: 'INVALID_DATA',
    message: 'The webhook body is not an event the relay sends',
    when: 'A signed relay webhook request whose body is not the JSON the relay sends (`details.reason`); nothing changes.',
  },
  WEBHOOK_RATE_LIMITED: {
    status: 429,
    zohoCode: 'TOO_MANY_REQUESTS',
    message: 'Too many webhook requests. Please try again later.',
    when: 'More than 600 requests a minute to one relay webhook from one client address (per process; `Retry-After`); the relay retries.',
  },

  // Webhook endpoints of an org (beyond Zoho): `/crm/{v}/settings/webhooks`, `mailroom webhook …`, the web UI.
  WEBHOOK_URL_NOT_ALLOWED: {
    status: 400,
    zohoCode: 'INVALID_DATA',
    message: 'The webhook URL is not allowed: its host must be a public internet address',
    when: 'A webhook URL whose host is `localhost` or an IP address that is not public (loopback, private, link-local, …) while neither `WEBHOOK_ALLOW_PRIVATE_HOSTS` nor `SMTP_ALLOW_PRIVATE_HOSTS` is on; nothing changes.',
  },
  WEBHOOK_LIMIT_REACHED: {
    status: 400,
    zohoCode: 'LIMIT_EXCEEDED',
    message: 'the number of webhooks exceeds the maximum allowed',
    when: 'Adding an 11th webhook endpoint to an org (`details.maximum: 10`); nothing changes.',
  },
  WEBHOOK_DISABLED: {
    status: 400,
    zohoCode: 'NOT_ALLOWED',
    message: 'The webhook is disabled. Enable it before sending again',
    when: '"Send again" of a delivery of a disabled webhook endpoint (`details.disabled_reason`); nothing changes.',
  },

  // Admin operations (CLI and admin API).
  NOT_FOUND: {
    status: 404,
    zohoCode: 'INVALID_DATA',
    message: 'the id given seems to be invalid',
    when: 'An admin operation (CLI, admin API, web UI) names an org, user, client or other object that does not exist.',
  },
  ALREADY_EXISTS: {
    status: 400,
    zohoCode: 'DUPLICATE_DATA',
    message: 'duplicate data',
    when: 'An admin operation would create a duplicate: user email, From address, custom module, inventory template name.',
  },

  // Everything unexpected. The message never carries details of the fault.
  INTERNAL_ERROR: {
    status: 500,
    zohoCode: 'INTERNAL_ERROR',
    message: 'Internal server error occurred.',
    when: 'Anything unexpected; logged with the request id, which `details.request_id` carries.',
  },
  // The database is unreachable or busy (restart, network, lock, full disk): nothing was changed,
  // the same request may be sent again after `Retry-After` seconds.
  SERVICE_UNAVAILABLE: {
    status: 503,
    zohoCode: 'SERVICE_UNAVAILABLE',
    message: 'The service is temporarily unavailable. Please try again later.',
    when: 'The database is unreachable or busy (restart, network cut, lock, full disk; `Retry-After`), or the process is shutting down; nothing was changed.',
  },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export type ErrorDetails = Record<string, unknown>;

/**
 * A key inside one item of a request, counted from the item: `['to', 0, 'email']`; `[]` is the
 * item itself. How it is named on the wire (`json_path`, or `index` and `parent_api_name` on
 * v2.x) is decided by `src/wire/item-errors.ts`, never by a use-case.
 */
export type FieldPath = readonly (string | number)[];

export class AppError extends Error {
  readonly details: ErrorDetails;
  /** Seconds after which the same request may succeed; answered as the `Retry-After` header. */
  readonly retryAfterSeconds: number | undefined;
  /** The key of the request's item this error concerns, if any (see `FieldPath`); rendered by `src/wire`. */
  readonly path: FieldPath | null;

  constructor(
    readonly code: ErrorCode,
    options: { details?: ErrorDetails; cause?: unknown; retryAfterSeconds?: number; path?: FieldPath } = {},
  ) {
    super(ERROR_CATALOGUE[code].message, { cause: options.cause });
    this.name = 'AppError';
    this.details = options.details ?? {};
    this.path = options.path ?? null;
    this.retryAfterSeconds = options.retryAfterSeconds === undefined ? undefined : Math.max(1, Math.ceil(options.retryAfterSeconds));
  }

  get spec(): ErrorSpec {
    return ERROR_CATALOGUE[this.code];
  }
}

export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError;
}
