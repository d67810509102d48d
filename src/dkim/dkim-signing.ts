import type { Context } from '../context.js';
import { listDkimKeys } from './dkim-key-repository.js';

/**
 * DKIM signatures of outgoing messages (RFC 6376, RFC 8463) with mailauth's signer: every key of
 * the org for the From address's domain signs (after a rotation, old and new selector side by
 * side), relaxed/relaxed, over the header fields RFC 6376 §5.4.1 recommends that the message has
 * — including the MIME headers and, when present, `List-Unsubscribe` and `List-Unsubscribe-Post`
 * (RFC 8058 §4 wants both signed). Read per delivery (one indexed query): a new or deleted key
 * takes effect with the next message in every process.
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

/** The signer of a message from `fromEmail` in the org, or null when its domain has no key. */
export async function dkimSignerFor(ctx: Context, orgId: string, fromEmail: string): Promise<MessageSigner | null> {
  const domain = fromEmail.slice(fromEmail.lastIndexOf('@') + 1).toLowerCase();
  const keys = await listDkimKeys(ctx.db, orgId, domain);
  if (keys.length === 0) return null;
  const signatureData = keys.map((key) => ({
    signingDomain: key.domain,
    selector: key.selector,
    privateKey: ctx.secrets.open(key.private_key),
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
