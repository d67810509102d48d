import { timingSafeEqual } from 'node:crypto';
import type { SecretBox } from '../secrets.js';

/**
 * The tokens of the open pixel (`PUBLIC_URL/t/o/<token>`) and of a tracked link
 * (`PUBLIC_URL/t/c/<token>?u=<target>`), README "Tracking opens and clicks". Pure: the key is the
 * caller's SecretBox. Built like the unsubscribe token (compliance/unsubscribe-token.ts):
 *
 * - `<recipient id>z<32 lowercase hex digits>`: the id of one mail recipient and an HMAC-SHA-256
 *   (truncated to 128 bits) under a key derived from SECRETS_KEY for its purpose alone: `open-pixel`
 *   over the id; `click-link` over the id, a line feed and the exact target URL. A click token
 *   therefore authenticates the recipient AND the target: `u` (the target, base64url) cannot be
 *   changed without the MAC failing, so the redirect is never open.
 * - Computed again each time a message is built: stored nowhere. A token that does not verify
 *   reads as nothing; rotating SECRETS_KEY voids the tracking of messages already sent.
 */
export const OPEN_PURPOSE = 'open-pixel';
export const CLICK_PURPOSE = 'click-link';

const MAC_BYTES = 16;
const TOKEN = /^([0-9]{1,19})z([0-9a-f]{32})$/;
const ID = /^[0-9]{1,19}$/;
/** Longest target a link may have to be tracked; a longer link is left as written. */
export const MAX_TRACKED_URL_LENGTH = 2048;

type Keys = Pick<SecretBox, 'mac'>;

const macOf = (keys: Keys, purpose: string, data: string): Buffer => Buffer.from(keys.mac(purpose, data), 'base64url').subarray(0, MAC_BYTES);

function verify(keys: Keys, purpose: string, token: string, data: (recipientId: string) => string): string | null {
  const match = TOKEN.exec(token);
  if (!match) return null;
  const [, recipientId, given] = match as unknown as [string, string, string];
  const expected = macOf(keys, purpose, data(recipientId));
  const actual = Buffer.from(given, 'hex');
  return actual.length === expected.length && timingSafeEqual(actual, expected) ? recipientId : null;
}

function checkId(recipientId: string): void {
  if (!ID.test(recipientId)) throw new Error('a recipient id is 1 to 19 decimal digits');
}

/** The open pixel's token naming this recipient. */
export function openToken(keys: Keys, recipientId: string): string {
  checkId(recipientId);
  return `${recipientId}z${macOf(keys, OPEN_PURPOSE, recipientId).toString('hex')}`;
}

/** The recipient id an open token names, or null when it is malformed or does not verify. */
export function readOpenToken(keys: Keys, token: string): string | null {
  return verify(keys, OPEN_PURPOSE, token, (id) => id);
}

/** A tracked link's path token and its `u` query value (the target, base64url). */
export function clickToken(keys: Keys, recipientId: string, url: string): { token: string; u: string } {
  checkId(recipientId);
  return { token: `${recipientId}z${macOf(keys, CLICK_PURPOSE, `${recipientId}\n${url}`).toString('hex')}`, u: Buffer.from(url, 'utf8').toString('base64url') };
}

/** The recipient and exact target a tracked link names, or null when anything does not verify. */
export function readClickToken(keys: Keys, token: string, u: string): { recipientId: string; url: string } | null {
  if (!/^[A-Za-z0-9_-]{1,4096}$/.test(u)) return null;
  const url = Buffer.from(u, 'base64url').toString('utf8');
  // Only the canonical encoding: another spelling of the same bytes is not the signed link.
  if (Buffer.from(url, 'utf8').toString('base64url') !== u || url.length > MAX_TRACKED_URL_LENGTH) return null;
  const recipientId = verify(keys, CLICK_PURPOSE, token, (id) => `${id}\n${url}`);
  return recipientId === null ? null : { recipientId, url };
}
