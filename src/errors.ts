/**
 * The one error catalogue. Every error Mailroom answers with is an `AppError` whose code is a key
 * of `ERROR_CATALOGUE`; the HTTP layer maps it to a Zoho envelope in exactly one place
 * (`http/zoho-envelope.ts`). Adding a code without its HTTP status, Zoho code and message fails
 * to compile.
 *
 * Messages are Zoho's, verbatim, typos included ("Succeessfully", "occured"): clients match on them.
 */
export type ErrorSpec = Readonly<{ status: number; zohoCode: string; message: string }>;

export const ERROR_CATALOGUE = {
  // Authentication and authorisation (top-level envelopes).
  AUTHENTICATION_FAILURE: { status: 401, zohoCode: 'AUTHENTICATION_FAILURE', message: 'Authentication failed' },
  INVALID_TOKEN: { status: 401, zohoCode: 'INVALID_TOKEN', message: 'invalid oauth token' },
  OAUTH_SCOPE_MISMATCH: { status: 401, zohoCode: 'OAUTH_SCOPE_MISMATCH', message: 'invalid oauth scope to access this URL' },
  NO_PERMISSION: { status: 403, zohoCode: 'NO_PERMISSION', message: 'permission denied' },

  // URL, method and module.
  INVALID_URL_PATTERN: {
    status: 404,
    zohoCode: 'INVALID_URL_PATTERN',
    message: 'Please check if the URL trying to access is a correct one',
  },
  INVALID_REQUEST_METHOD: {
    status: 400,
    zohoCode: 'INVALID_REQUEST_METHOD',
    message: 'The http request method type is not a valid one',
  },
  INVALID_MODULE: { status: 400, zohoCode: 'INVALID_MODULE', message: 'The module name given seems to be invalid' },
  REQUIRED_PARAM_MISSING: {
    status: 400,
    zohoCode: 'REQUIRED_PARAM_MISSING',
    message: 'One of the expected parameter is missing',
  },
  INVALID_PARAMETER: { status: 400, zohoCode: 'INVALID_DATA', message: 'invalid data' },

  // Requests Fastify or Node's HTTP parser refuse before any route runs (http/http-errors.ts).
  // BAD_REQUEST is in the generic code list of Zoho's SDKs; the other codes and every message are ours.
  MALFORMED_REQUEST: { status: 400, zohoCode: 'BAD_REQUEST', message: 'The request could not be understood by the server' },
  REQUEST_TIMEOUT: { status: 408, zohoCode: 'REQUEST_TIMEOUT', message: 'The request was not received in time' },
  EXPECTATION_FAILED: { status: 417, zohoCode: 'EXPECTATION_FAILED', message: 'The expectation in the Expect header is not supported' },
  HEADERS_TOO_LARGE: {
    status: 431,
    zohoCode: 'REQUEST_HEADERS_TOO_LARGE',
    message: 'The request line and headers are larger than allowed',
  },

  // Request bodies.
  INVALID_BODY: { status: 400, zohoCode: 'INVALID_DATA', message: 'invalid data' },
  PAYLOAD_TOO_LARGE: { status: 413, zohoCode: 'PAYLOAD_TOO_LARGE', message: 'The request body is larger than allowed' },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    zohoCode: 'UNSUPPORTED_MEDIA_TYPE',
    message: 'The content type of the request is not supported',
  },
  LIMIT_EXCEEDED_RECORDS: {
    status: 400,
    zohoCode: 'LIMIT_EXCEEDED',
    message: 'the number of records exceeds the maximum allowed',
  },

  // Records.
  INVALID_DATA: { status: 400, zohoCode: 'INVALID_DATA', message: 'invalid data' },
  MANDATORY_NOT_FOUND: { status: 400, zohoCode: 'MANDATORY_NOT_FOUND', message: 'required field not found' },
  RECORD_NOT_FOUND: { status: 400, zohoCode: 'INVALID_DATA', message: 'the id given seems to be invalid' },
  RELATED_RECORD_NOT_FOUND: { status: 400, zohoCode: 'INVALID_DATA', message: 'the related id given seems to be invalid' },
  DUPLICATE_DATA: { status: 400, zohoCode: 'DUPLICATE_DATA', message: 'duplicate data' },

  // Send Mail (zoho-api.md §3.5; messages verbatim, typos included).
  FROM_ADDRESS_NOT_ALLOWED: {
    status: 400,
    zohoCode: 'INVALID_DATA',
    message: "Email can't be sent using this from address.Kindly check the allowed from address list",
  },
  RECORD_HAS_NO_EMAIL: {
    status: 400,
    zohoCode: 'NOT_ALLOWED',
    message: "You cannot send email to this record as it doesn't have either primary or secondary email address",
  },
  DEAL_CONTACT_HAS_NO_EMAIL: {
    status: 400,
    zohoCode: 'NOT_ALLOWED',
    message: "You cannot send email to this record as associated contact doesn't have either primary or secondary email address",
  },
  RECORD_EMAIL_BLOCKED: {
    status: 400,
    zohoCode: 'NOT_ALLOWED',
    message: "Email cannot be sent as record's email field contain one or more blocked emaill",
  },
  RECIPIENT_BLOCKED: {
    status: 400,
    zohoCode: 'NOT_ALLOWED',
    message: "Email cannot be sent as recipient email's contain one or more blocked email",
  },
  EMAIL_OPT_OUT: { status: 403, zohoCode: 'NO_PERMISSION', message: 'You have enabled Email Opt Out for that record' },
  ACCOUNT_NOT_CONFIRMED: {
    status: 403,
    zohoCode: 'NO_PERMISSION',
    message: 'Account confirmation required.Please confirm your account registration so that you can send emails',
  },
  EMAIL_NOT_CONFIRMED: {
    status: 403,
    zohoCode: 'NO_PERMISSION',
    message: 'Email Confirmation Required.Please confirm your email associated to your account so that you can send emails',
  },
  // Permissions and compliance (zoho-api.md §3.5, §11, §12). Where Zoho's words are unknown the
  // message is ours and docs/zoho-compatibility.md says so.
  SEND_EMAIL_NOT_PERMITTED: { status: 403, zohoCode: 'NO_PERMISSION', message: 'permission denied' },
  CONSENT_NOT_GIVEN: { status: 400, zohoCode: 'NOT_ALLOWED', message: 'Have not consented to receive email from you' },
  CONSENT_WITHDRAWN: {
    status: 400,
    zohoCode: 'NOT_ALLOWED',
    message: 'You cannot send an email to this customer because this person has opted to stop the email communication',
  },
  CONSENT_COMPLIANCE_DISABLED: {
    status: 400,
    zohoCode: 'INVALID_DATA',
    message: 'You cannot send email to get consent from customer as Compliance settings is not enabled',
  },
  CONSENT_FORM_LINK_MISSING: {
    status: 400,
    zohoCode: 'INVALID_DATA',
    message: 'The content of a consent email must contain the consent form link ${ConsentForm.en_US}',
  },
  DATA_SUBJECT_REQUEST_INVALID: { status: 400, zohoCode: 'INVALID_DATA', message: 'invalid data' },
  RECORD_LOCKED: { status: 400, zohoCode: 'RECORD_LOCKED', message: 'You cannot perform this operation as the record is locked.' },
  RECORD_ALREADY_LOCKED: { status: 403, zohoCode: 'NOT_ALLOWED', message: 'Record is already locked' },
  ADMIN_ONLY: { status: 403, zohoCode: 'NO_PERMISSION', message: 'permission denied' },
  SMTP_CONNECTIVITY: {
    status: 400,
    zohoCode: 'CUSTOM_ERROR',
    message: 'Connectivity issue occured when sending mail via your SMTP server',
  },
  FEATURE_NOT_IN_EDITION: { status: 400, zohoCode: 'NOT_ALLOWED', message: 'This feature is not supported for your edition.' },
  // Saving a user's own SMTP server (beyond Zoho, which sets it up in its UI): the SSRF guard,
  // the password rule and the limit on server checks. Our words; docs/zoho-compatibility.md.
  SMTP_HOST_NOT_ALLOWED: {
    status: 400,
    zohoCode: 'INVALID_DATA',
    message: 'The SMTP host is not allowed: it must resolve to public internet addresses only',
  },
  SMTP_PASSWORD_REQUIRED: {
    status: 400,
    zohoCode: 'MANDATORY_NOT_FOUND',
    message: 'The password is required again when the host, port, security or username changes',
  },
  SMTP_CHECKS_EXCEEDED: {
    status: 429,
    zohoCode: 'TOO_MANY_REQUESTS',
    message: 'Too many SMTP server checks. Please try again later.',
  },
  SCHEDULING_NOT_IN_EDITION: {
    status: 400,
    zohoCode: 'FEATURE_NOT_SUPPORTED',
    message: 'You cannot schedule email as your license type does not support email scheduling',
  },
  SCHEDULE_TIME_PAST: { status: 400, zohoCode: 'INVALID_DATA', message: 'Schedule time should not be past time' },
  SCHEDULE_TIME_TOO_FAR: {
    status: 400,
    zohoCode: 'INVALID_DATA',
    message: 'Schedule time is beyond the allowed scheduling horizon',
  },
  MAIL_ALREADY_STARTED: {
    status: 400,
    zohoCode: 'NOT_ALLOWED',
    message: 'This mail can no longer be changed as its sending has already started',
  },
  KEY_NOT_SUPPORTED: {
    status: 400,
    zohoCode: 'NOT_SUPPORTED',
    message: 'This key is not supported by this server yet',
  },

  // Files (zoho-api.md §5) and attachments on send_mail.
  FILE_UPLOAD_FAILED: {
    status: 400,
    zohoCode: 'failure_in_attachment_handling',
    message: 'Problem in uploading attachment. kindly upload the file properly',
  },
  FILE_TOO_LARGE: {
    status: 400,
    zohoCode: 'FILE_SIZE_MORE_THAN_ALLOWED_SIZE',
    message: 'The file size is more than the allowed size of 20 MB',
  },
  TOO_MANY_FILES: { status: 400, zohoCode: 'LIMIT_EXCEEDED', message: 'You can upload at most 10 files at a time' },
  FILE_ID_MISSING: { status: 400, zohoCode: 'REQUIRED_PARAM_MISSING', message: 'The expected parameter is missing' },
  ATTACHMENT_NOT_FOUND: { status: 400, zohoCode: 'INVALID_DATA', message: 'There is no file exists with the given id' },
  ATTACHMENTS_TOO_LARGE: { status: 400, zohoCode: 'FILE_SIZE_EXCEEDS', message: 'Total file(s) size should not exceed 10MB' },

  // Unblock Email (zoho-api.md §10).
  UNBLOCK_UNKNOWN_FIELD: { status: 400, zohoCode: 'NOT_ALLOWED', message: 'unknown field provided' },
  UNBLOCK_FIELDS_UNAVAILABLE: {
    status: 400,
    zohoCode: 'NOT_ALLOWED',
    message: 'EMAIL, SECONDARY_EMAIL field not available for module',
  },
  UNBLOCK_LIMIT_REACHED: {
    status: 400,
    zohoCode: 'NOT_ALLOWED',
    message: 'Cannot unblock, email has been unblocked 5 times already',
  },
  ALREADY_UNBLOCKED: { status: 400, zohoCode: 'NOT_ALLOWED', message: 'Email is already unblocked' },
  INVALID_RECORD_PROVIDED: { status: 400, zohoCode: 'INVALID_DATA', message: 'Invalid record provided' },

  // Email templates (zoho-api.md §6), as send_mail's `template` key uses them. Another org's
  // template answers exactly like a missing one.
  TEMPLATE_NOT_FOUND: { status: 400, zohoCode: 'INVALID_DATA', message: 'the template id given seems to be invalid' },
  TEMPLATE_MODULE_MISMATCH: {
    status: 400,
    zohoCode: 'INVALID_DATA',
    message: 'The template given belongs to another module',
  },

  // Inventory templates (zoho-api.md §7) as send_mail's `inventory_details` uses them. Another
  // org's template answers exactly like a missing one.
  INVENTORY_TEMPLATE_NOT_FOUND: {
    status: 400,
    zohoCode: 'INVALID_DATA',
    message: 'the inventory template id given seems to be invalid',
  },
  INVENTORY_TEMPLATE_MODULE_MISMATCH: {
    status: 400,
    zohoCode: 'INVALID_DATA',
    message: 'The inventory template given cannot be used for a record of this module',
  },

  // Idempotency-Key (beyond Zoho; IETF draft semantics).
  IDEMPOTENCY_KEY_INVALID: {
    status: 400,
    zohoCode: 'IDEMPOTENCY_KEY_INVALID',
    message: 'The Idempotency-Key header must be 1 to 255 characters of letters, digits, and -_.:',
  },
  IDEMPOTENCY_KEY_REUSED: {
    status: 422,
    zohoCode: 'IDEMPOTENCY_KEY_REUSED',
    message: 'This Idempotency-Key was already used with a different request',
  },
  IDEMPOTENCY_IN_PROGRESS: {
    status: 409,
    zohoCode: 'IDEMPOTENCY_IN_PROGRESS',
    message: 'A request with this Idempotency-Key is still being processed',
  },

  // Limits (zoho-api.md §16, §15). The daily limit is an item error of send_mail (inside data[i]);
  // of Zoho's two strings (§3.5) this one names what is counted: the org's daily mail usage.
  DAILY_LIMIT_EXCEEDED: {
    status: 400,
    zohoCode: 'LIMIT_EXCEEDED',
    message: 'You have reached the daily mail usage limit for your organization.',
  },
  // API credits and concurrency: Zoho's body is unpublished; the messages are its status page's words.
  API_CREDITS_EXCEEDED: {
    status: 429,
    zohoCode: 'TOO_MANY_REQUESTS',
    message: 'The number of API requests for the 24 hour period is exceeded.',
  },
  API_CONCURRENCY_EXCEEDED: {
    status: 429,
    zohoCode: 'TOO_MANY_REQUESTS',
    message: 'The concurrency limit of the user for the app is exceeded.',
  },

  // Local mailbox sign-in (beyond Zoho): too many wrong passwords from one address.
  TOO_MANY_FAILED_SIGN_INS: {
    status: 429,
    zohoCode: 'TOO_MANY_REQUESTS',
    message: 'Too many failed sign-in attempts. Please try again later.',
  },

  // Admin operations (CLI and admin API).
  NOT_FOUND: { status: 404, zohoCode: 'INVALID_DATA', message: 'the id given seems to be invalid' },
  ALREADY_EXISTS: { status: 400, zohoCode: 'DUPLICATE_DATA', message: 'duplicate data' },

  // Everything unexpected. The message never carries details of the fault.
  INTERNAL_ERROR: { status: 500, zohoCode: 'INTERNAL_ERROR', message: 'Internal server error occurred.' },
  // The database is unreachable or busy (restart, network, lock, full disk): nothing was changed,
  // the same request may be sent again after `Retry-After` seconds.
  SERVICE_UNAVAILABLE: {
    status: 503,
    zohoCode: 'SERVICE_UNAVAILABLE',
    message: 'The service is temporarily unavailable. Please try again later.',
  },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export type ErrorDetails = Record<string, unknown>;

export class AppError extends Error {
  readonly details: ErrorDetails;
  /** Seconds after which the same request may succeed; answered as the `Retry-After` header. */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    readonly code: ErrorCode,
    options: { details?: ErrorDetails; cause?: unknown; retryAfterSeconds?: number } = {},
  ) {
    super(ERROR_CATALOGUE[code].message, { cause: options.cause });
    this.name = 'AppError';
    this.details = options.details ?? {};
    this.retryAfterSeconds = options.retryAfterSeconds === undefined ? undefined : Math.max(1, Math.ceil(options.retryAfterSeconds));
  }

  get spec(): ErrorSpec {
    return ERROR_CATALOGUE[this.code];
  }
}

export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError;
}
