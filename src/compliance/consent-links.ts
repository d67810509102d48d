import { createHash, randomBytes } from 'node:crypto';
import type { Context } from '../context.js';
import type { Database } from '../db/database.js';
import type { ConsentLinkTable } from '../db/schema.js';

/**
 * Consent-form links (`${ConsentForm.en_US}` in a consent email, zoho-api.md §12).
 *
 * - The link is `PUBLIC_URL/consent/<secret>`: 32 random bytes (256 bits), base64url.
 * - Only the SHA-256 of the secret is stored here; a database reader cannot rebuild a link from
 *   this table. (The sent mail's own copy of its body does contain it, like any sent mail.)
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

export type NewConsentLink = { row: ConsentLinkTable; url: string };

export function newConsentLink(
  ctx: Pick<Context, 'config' | 'clock' | 'ids'>,
  input: { orgId: string; module: string; recordId: string; messageId: string; recipient: string; locale: string },
): NewConsentLink {
  const secret = randomBytes(32).toString('base64url');
  const now = ctx.clock.now();
  return {
    url: `${ctx.config.publicUrl}/consent/${secret}`,
    row: {
      id: ctx.ids.next(),
      org_id: input.orgId,
      token_hash: hashSecret(secret),
      module: input.module,
      record_id: input.recordId,
      message_id: input.messageId,
      recipient_email: input.recipient,
      locale: input.locale,
      created_at: now,
      expires_at: now + ctx.config.consentLinkTtlMs,
      answer: null,
      answered_at: null,
    },
  };
}

/** Every `${ConsentForm.<locale>}` becomes `url` (or nothing, for mail that is not a consent email). */
export function fillConsentLinks(text: string, url: string): string {
  return text.replace(CONSENT_TOKEN, () => url);
}

export async function insertConsentLink(db: Database, row: ConsentLinkTable): Promise<void> {
  await db.insertInto('consent_links').values(row).execute();
}

export async function findConsentLink(db: Database, secret: string): Promise<ConsentLinkTable | undefined> {
  if (!isWellFormedSecret(secret)) return undefined;
  return db.selectFrom('consent_links').selectAll().where('token_hash', '=', hashSecret(secret)).executeTakeFirst();
}
