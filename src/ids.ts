import { createHash, randomBytes, randomInt } from 'node:crypto';

/**
 * Identifiers. Record, org, user and module ids are 19-digit numeric strings like Zoho's
 * (`3652397000002181001`): clients such as Zoho's SDKs parse them with `BigInt`, so they must be
 * numeric, and they are always sent as JSON strings.
 *
 * Layout: 10^18 + (ms since 2024-01-01) × 2^20 + (8 random node bits) × 2^12 + (12-bit counter).
 * Ids grow with time (lists sort by id), differ between processes, and stay below 2^63 for
 * about 240 years. A clash between two processes needs the same millisecond, node bits and
 * counter; the primary key turns that into an error, never into a shared id.
 */
const ID_EPOCH_MS = Date.UTC(2024, 0, 1);
const ID_BASE = 10n ** 18n;

export interface IdSource {
  next(): string;
}

export function createIdSource(now: () => number = Date.now): IdSource {
  const node = BigInt(randomInt(256));
  let lastMs = -1;
  let counter = 0;
  return {
    next(): string {
      let ms = Math.max(now(), lastMs);
      if (ms === lastMs) {
        counter += 1;
        if (counter >= 4096) {
          ms = lastMs + 1; // counter exhausted: borrow the next millisecond
          counter = 0;
        }
      } else {
        counter = 0;
      }
      lastMs = ms;
      const value = ID_BASE + BigInt(ms - ID_EPOCH_MS) * 1048576n + node * 4096n + BigInt(counter);
      return value.toString();
    },
  };
}

/** Zoho-style OAuth token: `1000.<32 hex>.<32 hex>`. */
export function newOAuthToken(): string {
  return `1000.${randomBytes(16).toString('hex')}.${randomBytes(16).toString('hex')}`;
}

/** Zoho-style client id: `1000.` followed by 30 upper-case letters and digits. */
export function newClientId(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  let out = '1000.';
  for (let i = 0; i < 30; i += 1) out += alphabet[randomInt(alphabet.length)];
  return out;
}

export function newSecret(bytes = 21): string {
  return randomBytes(bytes).toString('hex');
}

/** Tokens, codes and client secrets are stored only as SHA-256 digests. */
export function digest(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

export const OAUTH_TOKEN_PATTERN = /^1000\.[0-9a-f]{32}\.[0-9a-f]{32}$/;
