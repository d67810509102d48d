import { timingSafeEqual } from 'node:crypto';
import type { Context } from '../context.js';
import { inTransaction } from '../db/database.js';
import type { ConsentLinkTable } from '../db/schema.js';
import { findOrg } from '../orgs/org-repository.js';
import { findRecord, parseData, updateRecordRow, type RecordData } from '../records/record-repository.js';
import { formatZohoDateTime } from '../time.js';
import { recordAudit } from './audit-log.js';
import { EMAIL_CONSENT_WITHDRAWN, setEmailConsentWithdrawn } from './consent-details.js';
import { markConsentLinkAnswered } from './consent-link-repository.js';
import { findConsentLink } from './consent-links.js';

/**
 * The consent page behind a consent email's link (`GET/POST /consent/<secret>`): the person
 * grants or refuses email contact. Submitting:
 * - is accepted only from this server's own page: the Origin (or, without it, the Referer) must
 *   be PUBLIC_URL's origin, and the hidden `form_token` must be the HMAC of the link's id
 *   (CSRF: a third-party page can neither read the token nor send our Origin);
 * - sets the record's `Data_Processing_Basis_Details` (basis Consent, `Contact_Through_Email`,
 *   `Consent_Date` today in the org's zone, `Consent_Through: "Consent form"`); a refusal is a
 *   withdrawal (`EMAIL_CONSENT_WITHDRAWN`: later sends get NOT_ALLOWED "…opted to stop the email
 *   communication" while privacy is on) and also sets `Email_Opt_Out: true` (Unsubscribed_Mode
 *   "Consent form"), so mail stays stopped if privacy settings are turned off; a grant clears both;
 * - is idempotent: the same answer again changes nothing and writes no audit entry;
 * - keeps working until the link expires, so the person can change their mind.
 */
export type ConsentChoice = 'granted' | 'refused';

export type ConsentView =
  | { kind: 'form'; orgName: string; personName: string | null; current: ConsentChoice | null; formToken: string; saved: boolean }
  | { kind: 'gone'; status: 404 | 410; message: string };

type Gone = Extract<ConsentView, { kind: 'gone' }>;

const NOT_FOUND: Gone = { kind: 'gone', status: 404, message: 'This consent link is not valid. Please use the link from the most recent email you received.' };
const EXPIRED: Gone = { kind: 'gone', status: 410, message: 'This consent link has expired. Please ask the sender for a new one.' };

export const formTokenOf = (ctx: Pick<Context, 'secrets'>, link: ConsentLinkTable): string => ctx.secrets.mac('consent-form', link.id);

type Loaded = { link: ConsentLinkTable; data: RecordData; orgName: string } | Gone;

async function load(ctx: Context, secret: string): Promise<Loaded> {
  const link = await findConsentLink(ctx.db, secret);
  if (!link) return NOT_FOUND;
  if (Number(link.expires_at) <= ctx.clock.now()) return EXPIRED;
  const [record, org] = await Promise.all([findRecord(ctx.db, link.org_id, link.module, link.record_id), findOrg(ctx.db, link.org_id)]);
  if (!record || !org) return EXPIRED;
  return { link, data: parseData(record), orgName: org.name };
}

function currentChoice(data: RecordData): ConsentChoice | null {
  if (data.Email_Opt_Out === true || data[EMAIL_CONSENT_WITHDRAWN] === true) return 'refused';
  const details = data.Data_Processing_Basis_Details;
  if (typeof details !== 'object' || details === null) return null;
  const email = (details as Record<string, unknown>).Contact_Through_Email;
  if (email === true) return 'granted';
  return null;
}

export async function viewConsent(ctx: Context, secret: string, saved: boolean): Promise<ConsentView> {
  const loaded = await load(ctx, secret);
  if ('kind' in loaded) return loaded;
  const name = [loaded.data.First_Name, loaded.data.Last_Name].filter((p) => typeof p === 'string' && p !== '').join(' ');
  return {
    kind: 'form',
    orgName: loaded.orgName,
    personName: name === '' ? null : name,
    current: currentChoice(loaded.data),
    formToken: formTokenOf(ctx, loaded.link),
    saved,
  };
}

export type ConsentSubmission = { choice: unknown; formToken: unknown; origin: string | undefined; referer: string | undefined };

export type SubmitOutcome = { kind: 'saved' } | { kind: 'forbidden' } | { kind: 'invalid' } | Gone;

function sameOrigin(ctx: Context, origin: string | undefined, referer: string | undefined): boolean {
  const ours = new URL(ctx.config.publicUrl).origin;
  if (origin !== undefined) return origin === ours;
  if (referer === undefined) return false;
  try {
    return new URL(referer).origin === ours;
  } catch {
    return false;
  }
}

function tokensEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export async function submitConsent(ctx: Context, secret: string, form: ConsentSubmission): Promise<SubmitOutcome> {
  const loaded = await load(ctx, secret);
  if ('kind' in loaded) return loaded;
  const { link } = loaded;
  if (!sameOrigin(ctx, form.origin, form.referer)) return { kind: 'forbidden' };
  if (typeof form.formToken !== 'string' || !tokensEqual(form.formToken, formTokenOf(ctx, link))) return { kind: 'forbidden' };
  if (form.choice !== 'granted' && form.choice !== 'refused') return { kind: 'invalid' };
  const choice: ConsentChoice = form.choice;

  const now = ctx.clock.now();
  await inTransaction(ctx.db, async (tx) => {
    // Read again inside the transaction: the answer is applied to the record as it is now.
    const [record, org] = await Promise.all([findRecord(tx, link.org_id, link.module, link.record_id), findOrg(tx, link.org_id)]);
    if (!record || !org) return;
    const data = parseData(record);
    if (link.answer === choice && currentChoice(data) === choice) return; // the same answer again
    const before = { Data_Processing_Basis_Details: data.Data_Processing_Basis_Details ?? null, Email_Opt_Out: data.Email_Opt_Out === true };
    const existing = typeof data.Data_Processing_Basis_Details === 'object' && data.Data_Processing_Basis_Details !== null
      ? (data.Data_Processing_Basis_Details as Record<string, unknown>)
      : {};
    data.Data_Processing_Basis_Details = {
      ...existing,
      Data_Processing_Basis: 'Consent',
      Contact_Through_Email: choice === 'granted',
      Consent_Date: formatZohoDateTime(now, org.time_zone).slice(0, 10),
      Consent_Through: 'Consent form',
    };
    setEmailConsentWithdrawn(data, choice === 'refused');
    if (choice === 'refused') {
      data.Email_Opt_Out = true;
      data.Unsubscribed_Mode = 'Consent form';
      data.Unsubscribed_Time = now;
    } else {
      data.Email_Opt_Out = false;
      delete data.Unsubscribed_Mode;
      delete data.Unsubscribed_Time;
    }
    await updateRecordRow(tx, link.org_id, record.id, { data: JSON.stringify(data), modified_at: now });
    await markConsentLinkAnswered(tx, link.id, choice, now);
    await recordAudit(ctx, tx, {
      orgId: link.org_id,
      actor: { type: 'data_subject', id: link.recipient_email },
      action: 'consent.form_answered',
      module: link.module,
      recordId: record.id,
      reason: choice === 'granted' ? 'email contact granted on the consent form' : 'email contact refused on the consent form',
      details: {
        consent_link_id: link.id,
        message_id: link.message_id,
        before,
        after: { Data_Processing_Basis_Details: data.Data_Processing_Basis_Details, Email_Opt_Out: data.Email_Opt_Out },
      },
    });
  });
  return { kind: 'saved' };
}
