import type { Context } from '../context.js';
import type { SecretBox } from '../secrets.js';
import type { DeliveryDkimKey } from '../delivery/delivery-facts-repository.js';

/**
 * DKIM signatures of outgoing messages (RFC 6376, RFC 8463) with mailauth's signer: every key of
 * the org for the From address's domain signs (after a rotation, old and new selector side by
 * side), relaxed/relaxed, over the header fields RFC 6376 §5.4.1 recommends that the message has
 * — including the MIME headers and, when present, `List-Unsubscribe` and `List-Unsubscribe-Post`
 * (RFC 8058 §4 wants both signed). The keys are read per delivery attempt with the other delivery
 * facts (delivery/fire-time-checks.ts `loadDeliveryFacts`): a new or deleted key takes effect with
 * the next message in every process. Unsealing a private key is done once per process and key
 * (see `openedKey`), not per message.
 */
export const SIGNED_HEADERS = [
  'From',
  'Sender',
  'Reply-To',
  'Subject',
  'Date',
  'Message-ID',
  'To',
  'Cc',
  'MIME-Version',
  'Content-Type',
  'Content-Transfer-Encoding',
  'In-Reply-To',
  'References',
  'List-Unsubscribe',
  'List-Unsubscribe-Post',
].join(':');

export type MessageSigner = (raw: Buffer) => Promise<Buffer>;

/**
 * Private keys already unsealed in this process, by key id. A key's row is never updated in place
 * (a rotation adds a key with a new id and selector), but the entry also remembers the sealed text
 * it was opened from and is only used for that same text, so a changed row is opened again. A
 * deleted key is no longer read, so no longer used; its entry stays until pushed out (the cache is
 * bounded, least recently opened out first). It holds nothing the database does not.
 */
const opened = new Map<string, { sealed: string; pem: string; secrets: SecretBox }>();
const OPENED_MAX = 1_000;

/** The PEM of a key, unsealed once per process (and per SecretBox: tests run several apps in one process). */
export function openedKey(secrets: SecretBox, key: Pick<DeliveryDkimKey, 'id' | 'private_key'>): string {
  const hit = opened.get(key.id);
  if (hit && hit.sealed === key.private_key && hit.secrets === secrets) return hit.pem;
  const pem = secrets.open(key.private_key);
  opened.delete(key.id);
  opened.set(key.id, { sealed: key.private_key, pem, secrets });
  if (opened.size > OPENED_MAX) opened.delete(opened.keys().next().value as string);
  return pem;
}

/**
 * The signer of a message from `fromEmail` in the org with the org's keys of the From domain (as
 * `loadDeliveryFacts` read them), or null when the domain has no key.
 */
export function dkimSignerFor(ctx: Pick<Context, 'secrets' | 'clock' | 'log'>, fromEmail: string, keys: readonly DeliveryDkimKey[]): MessageSigner | null {
  const domain = fromEmail.slice(fromEmail.lastIndexOf('@') + 1).toLowerCase();
  if (keys.length === 0) return null;
  const signatureData = keys.map((key) => ({
    signingDomain: key.domain,
    selector: key.selector,
    privateKey: openedKey(ctx.secrets, key),
    algorithm: key.algorithm,
    canonicalization: 'relaxed/relaxed',
  }));
  return async (raw) => {
    // Loaded on the first signature: mailauth (and what it imports) costs start-up time to every
    // process and CLI command that never signs.
    const { dkimSign } = await import('mailauth/lib/dkim/sign.js');
    const signed = await dkimSign(raw, {
      // mailauth reads the list as a colon-separated string (its typings say string[]).
      headerList: SIGNED_HEADERS as unknown as string[],
      signTime: new Date(ctx.clock.now()),
      signatureData,
    } as Parameters<typeof dkimSign>[1]);
    if (signed.errors && signed.errors.length > 0) {
      // Never send a message signed with fewer keys than asked without saying so: unsigned is
      // still deliverable, so it goes, and the operator is told why.
      ctx.log.error({ event: 'dkim.sign_failed', domain, errors: signed.errors.map((e) => (e instanceof Error ? e.message : String(e))) }, 'DKIM signing failed');
    }
    return signed.signatures.trim() === '' ? raw : Buffer.concat([Buffer.from(signed.signatures), raw]);
  };
}
