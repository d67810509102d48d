import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';
import { bodyText } from '../wire/json-body.js';

/**
 * The `Idempotency-Key` of a request (beyond Zoho; `mail/idempotency.ts` keeps the keys): the
 * header's value, or null without one. The header given twice is refused.
 */
export function idempotencyKeyOf(request: FastifyRequest): string | null {
  const key = request.headers['idempotency-key'];
  if (Array.isArray(key)) throw new AppError('IDEMPOTENCY_KEY_INVALID');
  return key ?? null;
}

/**
 * The request as its key remembers it. The body is serialised as parsed (whitespace does not
 * matter); an id sent as a JSON number beyond 2^53 (a bigint) counts as its digits, so it is the
 * same request as the id sent as a string.
 */
export function requestFingerprint(method: string, url: string, body: unknown): string {
  return createHash('sha256').update(`${method} ${url}\n${bodyText(body ?? null)}`).digest('hex');
}
