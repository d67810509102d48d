import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

/**
 * VERP return path (variable envelope return path): each recipient's message goes out with the
 * envelope sender `<local>+<token>@<domain>` of the configured BOUNCE_ADDRESS
 * (`bounces@mail.example.com` → `bounces+0rqyyoiahb1xlfbkryme6uboipjm2@mail.example.com` for the
 * recipient 3652397000002181001), so a delivery report names the recipient it is about in its own
 * envelope, whatever its body says. One SMTP transaction per recipient follows from this (each
 * has its own envelope sender).
 *
 * Token (29 characters, [0-9a-z] only, so an MTA that lowercases local parts changes nothing):
 * - 13 characters: the recipient id (a decimal id below 10^19, src/ids.ts) in base 36, zero-padded;
 * - 16 characters: the first 80 bits of HMAC-SHA-256(key, "verp:" + id) in lowercase base32
 *   (RFC 4648 alphabet, lowercased).
 * The key is derived from SECRETS_KEY with HKDF (`deriveVerpKey`), so a forged or altered token
 * names no recipient: `readVerpAddress` answers null for it (compared in constant time).
 *
 * Unsubscribe address (the mailto form of `List-Unsubscribe`, docs/compliance.md#one-click-unsubscribe):
 * `<local>+u<token>@<domain>`, the same token of the same recipient with `u` before it
 * (`unsubscribeAddress`, `readUnsubscribeAddress`). A VERP token is exactly 29 characters, so
 * neither form is ever read as the other.
 *
 * The local part must fit in 64 octets (RFC 5321 §4.5.3.1.1): the bounce address' own local part
 * may be at most 64 − 1 − 1 − 29 = 33 characters (`checkBounceAddress`), so both forms fit.
 */

const ID_CHARS = 13;
const MAC_BYTES = 10;
const MAC_CHARS = 16;
export const VERP_TOKEN_LENGTH = ID_CHARS + MAC_CHARS;
export const MAX_LOCAL_PART = 64;
/** What goes between the `+` and the token in an unsubscribe address. */
export const UNSUBSCRIBE_TAG = 'u';
export const MAX_BOUNCE_LOCAL_PART = MAX_LOCAL_PART - 1 - UNSUBSCRIBE_TAG.length - VERP_TOKEN_LENGTH;

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';
const RECIPIENT_ID = /^(0|[1-9][0-9]{0,18})$/;
const TOKEN = /^[0-9a-z]{29}$/;
const LOCAL_PART = /^[A-Za-z0-9!#$%&'*/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*/=?^_`{|}~-]+)*$/;
const DOMAIN = /^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/** The 32-byte VERP MAC key, derived (HKDF-SHA-256) from the 32-byte secrets key for this purpose alone. */
export const VERP_KEY_INFO = 'mailroom verp v1';

export function deriveVerpKey(secretsKey: Buffer): Buffer {
  if (secretsKey.length !== 32) throw new Error('secret key must be 32 bytes');
  return Buffer.from(hkdfSync('sha256', secretsKey, Buffer.alloc(0), VERP_KEY_INFO, 32));
}

/**
 * Why BOUNCE_ADDRESS cannot be used as a VERP base, or null when it can: a plain
 * `local@domain` without `+` in the local part, the local part at most 33 characters (so that
 * `+u` and the token fit in 64).
 */
export function checkBounceAddress(address: string): string | null {
  const at = address.lastIndexOf('@');
  if (at <= 0) return 'must be an address like bounces@mail.example.com';
  const local = address.slice(0, at);
  const domain = address.slice(at + 1);
  if (!LOCAL_PART.test(local)) return 'its local part must be a plain dot-atom (no quotes, no spaces)';
  if (local.includes('+')) return 'its local part must not contain "+" (the token is added after one)';
  if (local.length > MAX_BOUNCE_LOCAL_PART) return `its local part must be at most ${MAX_BOUNCE_LOCAL_PART} characters ("+${UNSUBSCRIBE_TAG}" and a ${VERP_TOKEN_LENGTH}-character token are added)`;
  if (!DOMAIN.test(domain)) return 'its domain must be a host name';
  return null;
}

/** The envelope sender for the recipient `recipientId`: `<local>+<token>@<domain>` of `bounceAddress`. */
export function verpAddress(bounceAddress: string, recipientId: string, key: Buffer): string {
  return taggedAddress(bounceAddress, recipientId, key, '');
}

/**
 * The unsubscribe address of the recipient `recipientId` (the mailto of its `List-Unsubscribe`):
 * `<local>+u<token>@<domain>` of `bounceAddress`, the token that of `verpAddress`.
 */
export function unsubscribeAddress(bounceAddress: string, recipientId: string, key: Buffer): string {
  return taggedAddress(bounceAddress, recipientId, key, UNSUBSCRIBE_TAG);
}

/**
 * The recipient id a VERP address names, or null when `address` is not a VERP address of
 * `bounceAddress` (other local part or domain, no token, wrong shape — an unsubscribe address
 * included) or its token does not verify under `key`. Case-insensitive; surrounding angle brackets
 * and spaces are ignored.
 */
export function readVerpAddress(address: string, bounceAddress: string, key: Buffer): string | null {
  return readTaggedAddress(address, bounceAddress, key, '');
}

/** The recipient id an unsubscribe address (`unsubscribeAddress`) names, or null, as `readVerpAddress`. */
export function readUnsubscribeAddress(address: string, bounceAddress: string, key: Buffer): string | null {
  return readTaggedAddress(address, bounceAddress, key, UNSUBSCRIBE_TAG);
}

function taggedAddress(bounceAddress: string, recipientId: string, key: Buffer, tag: string): string {
  const problem = checkBounceAddress(bounceAddress);
  if (problem) throw new Error(`bounce address ${JSON.stringify(bounceAddress)}: ${problem}`);
  if (!RECIPIENT_ID.test(recipientId)) throw new Error(`recipient id ${JSON.stringify(recipientId)} is not a decimal id of at most 19 digits`);
  const at = bounceAddress.lastIndexOf('@');
  const token = BigInt(recipientId).toString(36).padStart(ID_CHARS, '0') + tokenMac(recipientId, key);
  return `${bounceAddress.slice(0, at)}+${tag}${token}@${bounceAddress.slice(at + 1)}`;
}

function readTaggedAddress(address: string, bounceAddress: string, key: Buffer, tag: string): string | null {
  const candidate = address.trim().replace(/^<(.*)>$/, '$1').toLowerCase();
  const base = bounceAddress.trim().toLowerCase();
  const at = candidate.lastIndexOf('@');
  const baseAt = base.lastIndexOf('@');
  if (at <= 0 || baseAt <= 0) return null;
  if (candidate.slice(at + 1) !== base.slice(baseAt + 1)) return null;
  const prefix = `${base.slice(0, baseAt)}+${tag}`;
  const local = candidate.slice(0, at);
  if (!local.startsWith(prefix)) return null;
  const token = local.slice(prefix.length);
  if (!TOKEN.test(token)) return null;
  const id = parseBase36(token.slice(0, ID_CHARS));
  if (id >= 10n ** 19n) return null;
  const recipientId = id.toString();
  const expected = Buffer.from(tokenMac(recipientId, key), 'latin1');
  const given = Buffer.from(token.slice(ID_CHARS), 'latin1');
  return timingSafeEqual(expected, given) ? recipientId : null;
}

function tokenMac(recipientId: string, key: Buffer): string {
  const mac = createHmac('sha256', key).update(`verp:${recipientId}`, 'utf8').digest().subarray(0, MAC_BYTES);
  return base32(mac);
}

function base32(bytes: Buffer): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += BASE32[(buffer << (5 - bits)) & 31];
  return out;
}

function parseBase36(text: string): bigint {
  let value = 0n;
  for (const char of text) value = value * 36n + BigInt(Number.parseInt(char, 36));
  return value;
}
