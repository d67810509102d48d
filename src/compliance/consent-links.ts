import { createHash } from 'node:crypto';
import type { Context } from '../context.js';
import type { Database } from '../db/database.js';
import type { ConsentLinkTable } from '../db/schema.js';
import { consentLinkOfMail, findConsentLinkByHash, insertConsentLink } from './consent-link-repository.js';

// Kept importable from here for acceptance and delivery, which write and read the links.
export { consentLinkOfMail, insertConsentLink };

/**
 * Consent-form links (`${ConsentForm.en_US}` in a consent email, docs/zoho-contract.md §12).
 *
 * - The link is `PUBLIC_URL/consent/<secret>`, the secret an HMAC of the link's id under a key
 *   derived from SECRETS_KEY (256 bits, base64url): unguessable without the key, and computed
 *   again when the message is composed for sending — so it is stored nowhere. The mail row keeps
 *   the `${ConsentForm.…}` token (what a CRM user reading the Emails list sees), this table only
 *   the SHA-256 of the secret (to find the link from a request). Rotating SECRETS_KEY voids
 *   the links not yet used.
 * - One link per consent email, bound to its record and to the address it went to (the first
 *   `to`); it expires `CONSENT_LINK_TTL_DAYS` after acceptance (default 90) and keeps working
 *   until then, so the person can change their answer.
 */
export const CONSENT_TOKEN = /\$\{ConsentForm\.([A-Za-z]{2}(?:_[A-Za-z]{2})?)\}/g;
const SECRET = /^[A-Za-z0-9_-]{43}$/;

export const hashSecret = (secret: string): string => createHash('sha256').update(secret, 'utf8').digest('hex');
export const isWellFormedSecret = (secret: string): boolean => SECRET.test(secret);

/** The locales named by `${ConsentForm.<locale>}` tokens in a text (empty when none). */
export function consentLocales(text: string): string[] {
  return [...text.matchAll(CONSENT_TOKEN)].map((m) => m[1]!);
}

const secretOf = (ctx: Pick<Context, 'secrets'>, linkId: string): string => ctx.secrets.mac('consent-link', linkId);

/** The link of a consent email, as its message is composed. */
export const consentUrl = (ctx: Pick<Context, 'config' | 'secrets'>, link: Pick<ConsentLinkTable, 'id'>): string =>
  `${ctx.config.publicUrl}/consent/${secretOf(ctx, link.id)}`;

export function newConsentLink(
  ctx: Pick<Context, 'config' | 'clock' | 'ids' | 'secrets'>,
  input: { orgId: string; module: string; recordId: string; messageId: string; recipient: string; locale: string },
): ConsentLinkTable {
  const id = ctx.ids.next();
  const now = ctx.clock.now();
  return {
    id,
    org_id: input.orgId,
    token_hash: hashSecret(secretOf(ctx, id)),
    module: input.module,
    record_id: input.recordId,
    message_id: input.messageId,
    recipient_email: input.recipient,
    locale: input.locale,
    created_at: now,
    expires_at: now + ctx.config.consentLinkTtlMs,
    answer: null,
    answered_at: null,
  };
}

/** Every `${ConsentForm.<locale>}` becomes `url` (or nothing, for mail that is not a consent email). */
export function fillConsentLinks(text: string, url: string): string {
  return text.replace(CONSENT_TOKEN, () => url);
}

export async function findConsentLink(db: Database, secret: string): Promise<ConsentLinkTable | undefined> {
  if (!isWellFormedSecret(secret)) return undefined;
  return findConsentLinkByHash(db, hashSecret(secret));
}
