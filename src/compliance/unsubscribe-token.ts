import { timingSafeEqual } from 'node:crypto';
import type { SecretBox } from '../secrets.js';

/**
 * The token of a one-click unsubscribe link (`PUBLIC_URL/unsubscribe/<token>`, RFC 8058;
 * docs/compliance.md#one-click-unsubscribe). Pure: the key is the caller's SecretBox.
 *
 * - It names one mail recipient (`mail_recipients.id`, 1 to 19 decimal digits) and carries a MAC of
 *   that id: HMAC-SHA-256 under a key derived with HKDF from SECRETS_KEY for this purpose alone
 *   (`SecretBox.mac('unsubscribe-link', …)`), truncated to 128 bits.
 * - Shape: `<id>z<32 lowercase hex digits>`, only `[a-z0-9]` (safe in a URL path, in a header
 *   between angle brackets, and through case-folding mail software that keeps lower case).
 * - Computed again each time the message is built, so it is stored nowhere; a token that does not
 *   verify (forged, altered, cut, another key) reads as nothing. Rotating SECRETS_KEY voids the
 *   links of messages already sent.
 */
export const UNSUBSCRIBE_PURPOSE = 'unsubscribe-link';

/** Bytes of the HMAC kept (128 bits; RFC 8058 only asks that the URI be hard to forge). */
const MAC_BYTES = 16;
const TOKEN = /^([0-9]{1,19})z([0-9a-f]{32})$/;
/** Longest token: a 19-digit id, the separator and 32 hex digits. */
export const MAX_UNSUBSCRIBE_TOKEN_LENGTH = 19 + 1 + MAC_BYTES * 2;

type Keys = Pick<SecretBox, 'mac'>;

const macOf = (keys: Keys, recipientId: string): Buffer =>
  Buffer.from(keys.mac(UNSUBSCRIBE_PURPOSE, recipientId), 'base64url').subarray(0, MAC_BYTES);

/** The token naming this recipient. */
export function unsubscribeToken(keys: Keys, recipientId: string): string {
  if (!/^[0-9]{1,19}$/.test(recipientId)) throw new Error('a recipient id is 1 to 19 decimal digits');
  return `${recipientId}z${macOf(keys, recipientId).toString('hex')}`;
}

/** The recipient id a token names, or null when it is malformed or its MAC does not verify. */
export function readUnsubscribeToken(keys: Keys, token: string): string | null {
  const match = TOKEN.exec(token);
  if (!match) return null;
  const [, recipientId, given] = match as unknown as [string, string, string];
  const expected = macOf(keys, recipientId);
  const actual = Buffer.from(given, 'hex');
  return actual.length === expected.length && timingSafeEqual(actual, expected) ? recipientId : null;
}
