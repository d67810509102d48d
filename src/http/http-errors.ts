import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply } from 'fastify';
import { DATABASE_RETRY_AFTER_SECONDS, errorCode, isDatabaseUnavailable } from '../db/availability.js';
import { AppError, isAppError, type ErrorCode } from '../errors.js';
import { errorStatus, zohoError } from '../wire/zoho-envelope.js';

/**
 * What every error handler (the API's Zoho envelopes, the web UI's, the mailbox's and the consent
 * page's HTML) makes of a thrown error: a catalogue error, with `Retry-After` where it has one.
 */

/** A database outage as the catalogue error it is answered with (503, `Retry-After`); null for anything else. */
export function databaseUnavailableError(error: unknown): AppError | null {
  if (isAppError(error) || !isDatabaseUnavailable(error)) return null;
  return new AppError('SERVICE_UNAVAILABLE', { cause: error, retryAfterSeconds: DATABASE_RETRY_AFTER_SECONDS });
}

/**
 * Everything Fastify, its plugins or Node's HTTP server would answer on their own, mapped to the
 * error catalogue so that every answer is a Zoho envelope `{code, details, message, status}`:
 *
 * - errors reaching `setErrorHandler` (body parsers, multipart, validation): `toAppError`;
 * - the router's own answers (`FST_ERR_BAD_URL` for `%zz`, `FST_ERR_MAX_PARAM_LENGTH` for an
 *   over-long path segment): Fastify's `frameworkErrors` option, through `toAppError`;
 * - requests Node's HTTP parser refuses before Fastify sees them (bad request line or header,
 *   headers too large, a request that did not arrive in time): `answerClientError`, written to
 *   the socket by the `clientErrorHandler` option;
 * - `Expect:` other than `100-continue` (Node would answer 417 with no body): `answerExpectation`.
 */

const invalidJson = (): AppError => new AppError('INVALID_BODY', { details: { expected_data_type: 'jsonobject' } });

const BY_FASTIFY_CODE: Readonly<Record<string, () => AppError>> = {
  FST_ERR_CTP_INVALID_JSON_BODY: invalidJson,
  FST_ERR_CTP_EMPTY_JSON_BODY: invalidJson,
  FST_ERR_CTP_BODY_TOO_LARGE: () => new AppError('PAYLOAD_TOO_LARGE'),
  FST_ERR_CTP_INVALID_MEDIA_TYPE: () => new AppError('UNSUPPORTED_MEDIA_TYPE'),
  // The body was shorter or longer than its Content-Length said: a broken request, not a media type.
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: () => new AppError('MALFORMED_REQUEST', { details: { header: 'content-length' } }),
  // An undecodable (`%zz`) or over-long path segment matches no URL (Zoho's answer to a bad path).
  FST_ERR_BAD_URL: () => new AppError('INVALID_URL_PATTERN'),
  FST_ERR_MAX_PARAM_LENGTH: () => new AppError('INVALID_URL_PATTERN'),
  // @fastify/multipart (routes that read multipart bodies map the rest themselves).
  FST_INVALID_MULTIPART_CONTENT_TYPE: () => new AppError('UNSUPPORTED_MEDIA_TYPE'),
  FST_INVALID_JSON_FIELD_ERROR: invalidJson,
  FST_PROTO_VIOLATION: () => new AppError('INVALID_BODY'),
  FST_PARTS_LIMIT: () => new AppError('PAYLOAD_TOO_LARGE'),
  FST_FIELDS_LIMIT: () => new AppError('PAYLOAD_TOO_LARGE'),
  FST_FILES_LIMIT: () => new AppError('PAYLOAD_TOO_LARGE'),
  FST_REQ_FILE_TOO_LARGE: () => new AppError('PAYLOAD_TOO_LARGE'),
};

/** Catalogue codes for the client-error statuses Fastify and its plugins use. */
const BY_STATUS: Readonly<Record<number, ErrorCode>> = {
  404: 'INVALID_URL_PATTERN',
  408: 'REQUEST_TIMEOUT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  417: 'EXPECTATION_FAILED',
  431: 'HEADERS_TOO_LARGE',
};

/** Maps whatever was thrown to a catalogue error; unknown faults become INTERNAL_ERROR. */
export function toAppError(error: FastifyError | AppError): AppError {
  if (isAppError(error)) return error;
  const unavailable = databaseUnavailableError(error);
  if (unavailable) return unavailable;
  const known = typeof error.code === 'string' && Object.hasOwn(BY_FASTIFY_CODE, error.code) ? BY_FASTIFY_CODE[error.code] : undefined;
  if (known) return known();
  if (error instanceof SyntaxError) return invalidJson();
  if (error.validation) {
    const param = error.validation[0]?.instancePath.replace(/^\//, '') || undefined;
    return new AppError('INVALID_PARAMETER', { details: param ? { param_name: param } : {} });
  }
  // Anything else Fastify or a plugin refused as the client's fault (a request body that broke
  // off, QUERY without a Content-Type, …) is a 4xx of the catalogue, never a 500.
  const status = error.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) return new AppError(BY_STATUS[status] ?? 'MALFORMED_REQUEST');
  return new AppError('INTERNAL_ERROR', { cause: error });
}

/** Sets `Retry-After` when the error says when to come back; logs a database outage once per request. */
export function prepareErrorReply(reply: FastifyReply, error: AppError): void {
  if (error.retryAfterSeconds !== undefined) reply.header('retry-after', String(error.retryAfterSeconds));
  if (error.code === 'SERVICE_UNAVAILABLE' && error.cause !== undefined) {
    reply.request.log.warn({ event: 'http.database_unavailable', err: error.cause, error_code: errorCode(error.cause) }, 'database unavailable; answered 503');
  }
}

const envelopeHeaders = (body: string): Record<string, string> => ({
  'content-type': 'application/json; charset=utf-8',
  'content-length': String(Buffer.byteLength(body)),
  'x-content-type-options': 'nosniff',
  connection: 'close',
});

/** The catalogue error for a request Node's HTTP parser refused (`clientError`). */
function clientError(code: string | undefined): AppError {
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return new AppError('REQUEST_TIMEOUT');
  if (code === 'HPE_HEADER_OVERFLOW') return new AppError('HEADERS_TOO_LARGE');
  return new AppError('MALFORMED_REQUEST');
}

/**
 * Fastify's `clientErrorHandler`: answers a request Node could not parse with an envelope written
 * straight to the socket (there is no request object), then closes the connection, as Node and
 * Fastify do.
 */
export function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  if (socket.writable) {
    const appError = clientError(error.code);
    const status = errorStatus(appError.code);
    const body = JSON.stringify(zohoError(appError));
    const head = Object.entries(envelopeHeaders(body)).map(([name, value]) => `${name}: ${value}\r\n`).join('');
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n${head}\r\n${body}`);
  }
  socket.destroy();
}

/** Node's `checkExpectation` (an `Expect:` other than 100-continue): 417 as an envelope. */
export function answerExpectation(_request: IncomingMessage, response: ServerResponse): void {
  const body = JSON.stringify(zohoError(new AppError('EXPECTATION_FAILED')));
  response.writeHead(417, envelopeHeaders(body));
  response.end(body);
}
