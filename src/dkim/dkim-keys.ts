import { generateKeyPairSync } from 'node:crypto';
import type { Context } from '../context.js';
import { AppError } from '../errors.js';
import { dkimSelectorTaken, deleteDkimKey, insertDkimKey, listDkimKeys, type DkimKeyRow } from './dkim-key-repository.js';

/**
 * DKIM keys per From domain (docs/operations.md "DKIM"): made here (the private key never leaves
 * Mailroom; it is stored sealed with SECRETS_KEY so every worker can sign), published by the
 * operator as the DNS TXT record this module prints. Managed through `mailroom dkim …`.
 */
export const DKIM_ALGORITHMS = { 'rsa-2048': 'rsa-sha256', ed25519: 'ed25519-sha256' } as const;
export type DkimAlgorithmOption = keyof typeof DKIM_ALGORITHMS;

/** What an operator sees of a key: never the private key. */
export type DkimKeyView = Readonly<{
  id: string;
  domain: string;
  selector: string;
  algorithm: DkimKeyRow['algorithm'];
  createdAt: number;
  /** The TXT record to publish: its name and its value. */
  dns: Readonly<{ name: string; type: 'TXT'; value: string }>;
}>;

const DOMAIN = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const SELECTOR = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

export function dkimDomainOf(value: string): string {
  const domain = value.trim().toLowerCase().replace(/\.$/, '');
  if (!DOMAIN.test(domain)) throw new AppError('INVALID_DATA', { details: { api_name: 'domain', expected: 'a domain name such as example.com' } });
  return domain;
}

function checkSelector(value: string): string {
  const selector = value.trim().toLowerCase();
  if (!SELECTOR.test(selector)) throw new AppError('INVALID_DATA', { details: { api_name: 'selector', expected: 'letters, digits and hyphens, at most 63' } });
  return selector;
}

/** `v=DKIM1; k=rsa|ed25519; p=…`, split into 255-character strings by the DNS tools that need it. */
export function dnsRecordValue(algorithm: DkimKeyRow['algorithm'], publicKey: string): string {
  return `v=DKIM1; k=${algorithm === 'ed25519-sha256' ? 'ed25519' : 'rsa'}; p=${publicKey}`;
}

export function viewOf(row: DkimKeyRow): DkimKeyView {
  return {
    id: row.id,
    domain: row.domain,
    selector: row.selector,
    algorithm: row.algorithm,
    createdAt: Number(row.created_at),
    dns: { name: `${row.selector}._domainkey.${row.domain}`, type: 'TXT', value: dnsRecordValue(row.algorithm, row.public_key) },
  };
}

/** A new key pair: the PKCS#8 PEM private key and the record's `p=` (RSA: SPKI DER; Ed25519: the raw 32-byte key, RFC 8463). */
function generate(algorithm: DkimKeyRow['algorithm']): { privateKey: string; publicKey: string } {
  if (algorithm === 'ed25519-sha256') {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const spki = publicKey.export({ type: 'spki', format: 'der' });
    // The SPKI of an Ed25519 key is a 12-byte prefix and the 32-byte key.
    return { privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), publicKey: spki.subarray(spki.length - 32).toString('base64') };
  }
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), publicKey: publicKey.export({ type: 'spki', format: 'der' }).toString('base64') };
}

/** A selector for a new key: `mr<yyyymmdd>`, with a suffix when the day's is taken. */
async function freshSelector(ctx: Context, domain: string): Promise<string> {
  const day = new Date(ctx.clock.now()).toISOString().slice(0, 10).replace(/-/g, '');
  for (let n = 0; ; n += 1) {
    const selector = n === 0 ? `mr${day}` : `mr${day}-${n + 1}`;
    if (!(await dkimSelectorTaken(ctx.db, domain, selector))) return selector;
  }
}

export type CreateDkimKeyInput = Readonly<{ orgId: string; domain: string; selector?: string; algorithm?: DkimAlgorithmOption }>;

/** `dkim create`: a key for the domain; refused when its DNS name is taken (by any org). */
export async function createDkimKey(ctx: Context, input: CreateDkimKeyInput): Promise<DkimKeyView> {
  const domain = dkimDomainOf(input.domain);
  const option = input.algorithm ?? 'rsa-2048';
  if (!(option in DKIM_ALGORITHMS)) throw new AppError('INVALID_DATA', { details: { api_name: 'algorithm', supported_values: Object.keys(DKIM_ALGORITHMS) } });
  const algorithm = DKIM_ALGORITHMS[option];
  // A selector we choose is free already; one given is checked (the unique index backs both).
  const selector = input.selector === undefined ? await freshSelector(ctx, domain) : checkSelector(input.selector);
  if (input.selector !== undefined && (await dkimSelectorTaken(ctx.db, domain, selector))) {
    throw new AppError('ALREADY_EXISTS', { details: { api_name: 'selector', selector } });
  }
  const { privateKey, publicKey } = generate(algorithm);
  const row: DkimKeyRow = {
    id: ctx.ids.next(),
    org_id: input.orgId,
    domain,
    selector,
    algorithm,
    private_key: ctx.secrets.seal(privateKey),
    public_key: publicKey,
    created_at: ctx.clock.now(),
  };
  await insertDkimKey(ctx.db, row);
  ctx.log.info({ event: 'dkim.created', domain, selector, algorithm }, 'DKIM key created');
  return viewOf(row);
}

/**
 * `dkim rotate`: a new key beside the domain's current ones. Both sign from now on; once the new
 * record is published and has propagated, delete the old key (`dkim delete`).
 */
export async function rotateDkimKey(ctx: Context, input: CreateDkimKeyInput): Promise<{ created: DkimKeyView; signing: DkimKeyView[] }> {
  const domain = dkimDomainOf(input.domain);
  const existing = await listDkimKeys(ctx.db, input.orgId, domain);
  if (existing.length === 0) throw new AppError('NOT_FOUND', { details: { api_name: 'domain', domain } });
  const created = await createDkimKey(ctx, { ...input, domain, algorithm: input.algorithm ?? optionOf(existing[existing.length - 1]!.algorithm) });
  return { created, signing: [...existing.map(viewOf), created] };
}

const optionOf = (algorithm: DkimKeyRow['algorithm']): DkimAlgorithmOption => (algorithm === 'ed25519-sha256' ? 'ed25519' : 'rsa-2048');

export async function listDkimKeyViews(ctx: Context, orgId: string): Promise<DkimKeyView[]> {
  return (await listDkimKeys(ctx.db, orgId)).map(viewOf);
}

/** `dkim delete`: the key stops signing at once in this process, within the signing cache's bound elsewhere. */
export async function removeDkimKey(ctx: Context, input: Readonly<{ orgId: string; domain: string; selector: string }>): Promise<void> {
  const domain = dkimDomainOf(input.domain);
  const deleted = await deleteDkimKey(ctx.db, input.orgId, domain, checkSelector(input.selector));
  if (!deleted) throw new AppError('NOT_FOUND', { details: { api_name: 'selector', domain, selector: input.selector } });
  ctx.log.info({ event: 'dkim.deleted', domain, selector: input.selector }, 'DKIM key deleted');
}
