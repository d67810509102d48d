import type { FastifyError, FastifyReply } from 'fastify';
import { DATABASE_RETRY_AFTER_SECONDS, errorCode, isDatabaseUnavailable } from '../db/availability.js';
import { AppError, isAppError } from '../errors.js';

/**
 * What every error handler (the API's Zoho envelopes, the web UI's, the mailbox's and the consent
 * page's HTML) makes of a thrown error: a catalogue error, with `Retry-After` where it has one.
 */

/** A database outage as the catalogue error it is answered with (503, `Retry-After`); null for anything else. */
export function databaseUnavailableError(error: unknown): AppError | null {
  if (isAppError(error) || !isDatabaseUnavailable(error)) return null;
  return new AppError('SERVICE_UNAVAILABLE', { cause: error, retryAfterSeconds: DATABASE_RETRY_AFTER_SECONDS });
}

/** Maps whatever was thrown to a catalogue error; unknown faults become INTERNAL_ERROR. */
export function toAppError(error: FastifyError | AppError): AppError {
  if (isAppError(error)) return error;
  const unavailable = databaseUnavailableError(error);
  if (unavailable) return unavailable;
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new AppError('INVALID_BODY', { details: { expected_data_type: 'jsonobject' } });
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError('PAYLOAD_TOO_LARGE');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new AppError('UNSUPPORTED_MEDIA_TYPE');
    default:
      break;
  }
  if (error instanceof SyntaxError) return new AppError('INVALID_BODY', { details: { expected_data_type: 'jsonobject' } });
  if (error.validation) {
    const param = error.validation[0]?.instancePath.replace(/^\//, '') || undefined;
    return new AppError('INVALID_PARAMETER', { details: param ? { param_name: param } : {} });
  }
  if (typeof error.statusCode === 'number' && error.statusCode === 413) return new AppError('PAYLOAD_TOO_LARGE');
  return new AppError('INTERNAL_ERROR', { cause: error });
}

/** Sets `Retry-After` when the error says when to come back; logs a database outage once per request. */
export function prepareErrorReply(reply: FastifyReply, error: AppError): void {
  if (error.retryAfterSeconds !== undefined) reply.header('retry-after', String(error.retryAfterSeconds));
  if (error.code === 'SERVICE_UNAVAILABLE' && error.cause !== undefined) {
    reply.request.log.warn({ event: 'http.database_unavailable', err: error.cause, error_code: errorCode(error.cause) }, 'database unavailable; answered 503');
  }
}
