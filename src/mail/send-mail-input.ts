import { domainToASCII } from 'node:url';
import { AppError, type ErrorCode } from '../errors.js';
import { versionNumber, type ApiVersion } from '../wire/versions.js';
import { isValidEmail } from '../records/email-address.js';
import { lookupId } from '../records/record-input.js';
import { parseOffsetDateTime } from '../time.js';

/**
 * Reads one item of a send_mail `data` array into a checked `MailInput`, or throws the Zoho error
 * for that item. Pure: no I/O. Rules beyond Zoho's documented ones are in docs/zoho-compatibility.md.
 */
export type Address = { email: string; name: string | null };

export type MailInput = {
  from: Address;
  to: Address[];
  cc: Address[];
  bcc: Address[];
  replyTo: Address | null;
  orgEmail: boolean;
  inReplyTo: string | null;
  /** Null when absent or blank: the template's subject, else an empty one (request keys win over the template's). */
  subject: string | null;
  content: string | null;
  mailFormat: 'html' | 'text' | null;
  templateId: string | null;
  /** Raw `inventory_details`, checked by the inventory renderer (it knows the record's module). */
  inventoryDetails: unknown;
  /** `scheduled_time`: the instant and the offset it was written with; null = send now. */
  scheduledTime: { ms: number; offset: string } | null;
  linkedRecord: { module: string; id: string; name: string | null } | null;
  /** File ids of `attachments`, in order (Zoho's key is `id`; the Java SDK sample sends `file_id`); null when absent. */
  attachmentIds: string[] | null;
  /** `consent_email: true`: a GDPR consent request whose content links the consent form. */
  consentEmail: boolean;
  /** `data_subject_request`: the request this mail answers (checked against the record later). */
  dataSubjectRequest: { id: string; type: 'access' | 'rectify' | 'export' } | null;
};

export const MAX_RECIPIENTS = 100;
export const MAX_SUBJECT_LENGTH = 500;
export const MAX_NAME_LENGTH = 200;
export const MAX_CONTENT_LENGTH = 2 * 1024 * 1024;

/** At most this many attachments per mail (their total size is capped at 10 MB too). */
export const MAX_ATTACHMENTS = 50;

/** Characters that would let a value break out of a mail header. */
const HEADER_BREAKERS = /[\r\n\0\u0085\u2028\u2029]/;

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export class ItemReader {
  constructor(
    private readonly index: number,
    private readonly version: ApiVersion,
  ) {}

  /**
   * Error details in the style of the API version: v3 and later name the key with `json_path`;
   * v2.x names it with `index` and, for nested keys, `parent_api_name`.
   */
  error(code: ErrorCode, path: readonly (string | number)[], extra: Record<string, unknown> = {}): AppError {
    return this.build(code, path, extra, false);
  }

  /**
   * MANDATORY_NOT_FOUND for `from`, `to` or an address's `email`: Zoho's resolution for these
   * names the parent key, so `parent_api_name` is there on every version, next to `json_path`
   * from v3 on (`data` for a key of the item itself: `from`, `to`).
   */
  missing(path: readonly (string | number)[]): AppError {
    return this.build('MANDATORY_NOT_FOUND', path, {}, true);
  }

  private build(code: ErrorCode, path: readonly (string | number)[], extra: Record<string, unknown>, alwaysParent: boolean): AppError {
    const names = path.filter((p): p is string => typeof p === 'string');
    const apiName = names.at(-1) ?? 'data';
    const parent = names.length > 1 ? names[names.length - 2] : alwaysParent ? 'data' : undefined;
    const parentKey = parent ? { parent_api_name: parent } : {};
    if (versionNumber(this.version) < 3) {
      return new AppError(code, { details: { ...extra, api_name: apiName, ...parentKey, index: this.index } });
    }
    const jsonPath = path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : `${acc}.${p}`), `$.data[${this.index}]`);
    return new AppError(code, { details: { ...extra, api_name: apiName, ...(alwaysParent ? parentKey : {}), json_path: jsonPath } });
  }

  address(value: unknown, path: (string | number)[]): Address {
    if (!isPlainObject(value)) throw this.error('INVALID_DATA', path, { expected_data_type: 'jsonobject' });
    const email = value.email;
    if (email === undefined || email === null || email === '') throw this.missing([...path, 'email']);
    if (typeof email !== 'string' || HEADER_BREAKERS.test(email) || !isValidEmail(email.trim())) {
      throw this.error('INVALID_DATA', [...path, 'email']);
    }
    const name = value.user_name;
    if (name !== undefined && name !== null) {
      if (typeof name !== 'string') throw this.error('INVALID_DATA', [...path, 'user_name'], { expected_data_type: 'string' });
      if (HEADER_BREAKERS.test(name)) throw this.error('INVALID_DATA', [...path, 'user_name']);
      if (name.length > MAX_NAME_LENGTH) throw this.error('INVALID_DATA', [...path, 'user_name'], { maximum_length: MAX_NAME_LENGTH });
    }
    return { email: normaliseEmail(email.trim()), name: typeof name === 'string' && name.trim() !== '' ? name.trim() : null };
  }

  addressList(value: unknown, key: string, required: boolean): Address[] {
    if (value === undefined || value === null) {
      if (required) throw this.missing([key]);
      return [];
    }
    if (!Array.isArray(value)) throw this.error('INVALID_DATA', [key], { expected_data_type: 'jsonarray' });
    if (required && value.length === 0) throw this.missing([key]);
    if (value.length > MAX_RECIPIENTS) throw this.error('INVALID_DATA', [key], { maximum_length: MAX_RECIPIENTS });
    return value.map((entry, i) => this.address(entry, [key, i]));
  }
}

/** Lower-cases and converts the domain to ASCII (IDNA) once, so every check sees one form. */
export function normaliseEmail(email: string): string {
  const at = email.lastIndexOf('@');
  const domain = domainToASCII(email.slice(at + 1).toLowerCase()) || email.slice(at + 1).toLowerCase();
  return `${email.slice(0, at)}@${domain}`;
}

/** Removes repeated addresses (case-insensitively), keeping the first place each appears. */
function dedupe(lists: Address[][]): Address[][] {
  const seen = new Set<string>();
  return lists.map((list) =>
    list.filter((a) => {
      const key = a.email.toLowerCase();
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    }),
  );
}

export function parseMailItem(item: unknown, index: number, version: ApiVersion): MailInput {
  const read = new ItemReader(index, version);
  if (!isPlainObject(item)) throw read.error('INVALID_DATA', [], { expected_data_type: 'jsonobject' });

  if (item.consent_email !== undefined && item.consent_email !== null && typeof item.consent_email !== 'boolean') {
    throw read.error('INVALID_DATA', ['consent_email'], { expected_data_type: 'boolean' });
  }
  let dataSubjectRequest: MailInput['dataSubjectRequest'] = null;
  const dsr = item.data_subject_request;
  if (dsr !== undefined && dsr !== null) {
    if (!isPlainObject(dsr)) throw read.error('INVALID_DATA', ['data_subject_request'], { expected_data_type: 'jsonobject' });
    if (dsr.id === undefined || dsr.id === null || dsr.id === '') throw read.error('MANDATORY_NOT_FOUND', ['data_subject_request', 'id']);
    const id = lookupId(dsr.id);
    if (id === null) throw read.error('DATA_SUBJECT_REQUEST_INVALID', ['data_subject_request', 'id']);
    if (dsr.type === undefined || dsr.type === null || dsr.type === '') throw read.error('MANDATORY_NOT_FOUND', ['data_subject_request', 'type']);
    if (dsr.type !== 'access' && dsr.type !== 'rectify' && dsr.type !== 'export') {
      throw read.error('INVALID_DATA', ['data_subject_request', 'type'], { supported_values: ['access', 'rectify', 'export'] });
    }
    dataSubjectRequest = { id, type: dsr.type };
  }

  if (item.from === undefined || item.from === null) throw read.missing(['from']);
  const from = read.address(item.from, ['from']);
  const to = read.addressList(item.to, 'to', true);
  const cc = read.addressList(item.cc, 'cc', false);
  const bcc = read.addressList(item.bcc, 'bcc', false);
  if (to.length + cc.length + bcc.length > MAX_RECIPIENTS) {
    throw read.error('INVALID_DATA', ['to'], { maximum_length: MAX_RECIPIENTS });
  }
  const [uniqueTo, uniqueCc, uniqueBcc] = dedupe([to, cc, bcc]);
  const replyTo = item.reply_to === undefined || item.reply_to === null ? null : read.address(item.reply_to, ['reply_to']);

  if (item.org_email !== undefined && item.org_email !== null && typeof item.org_email !== 'boolean') {
    throw read.error('INVALID_DATA', ['org_email'], { expected_data_type: 'boolean' });
  }

  let templateId: string | null = null;
  if (item.template !== undefined && item.template !== null) {
    if (!isPlainObject(item.template)) throw read.error('INVALID_DATA', ['template'], { expected_data_type: 'jsonobject' });
    const id = lookupId(item.template.id);
    if (item.template.id === undefined || item.template.id === null || item.template.id === '') {
      throw read.error('MANDATORY_NOT_FOUND', ['template', 'id']);
    }
    if (id === null) throw read.error('TEMPLATE_NOT_FOUND', ['template', 'id']);
    templateId = id;
  }

  // Optional (Zoho's send_mail page): absent or blank, the template's subject applies, else the mail goes
  // with an empty one.
  let subject: string | null = null;
  const rawSubject = item.subject;
  if (!(rawSubject === undefined || rawSubject === null || (typeof rawSubject === 'string' && rawSubject.trim() === ''))) {
    if (typeof rawSubject !== 'string') throw read.error('INVALID_DATA', ['subject'], { expected_data_type: 'string' });
    if (HEADER_BREAKERS.test(rawSubject)) throw read.error('INVALID_DATA', ['subject']);
    if (rawSubject.length > MAX_SUBJECT_LENGTH) throw read.error('INVALID_DATA', ['subject'], { maximum_length: MAX_SUBJECT_LENGTH });
    subject = rawSubject;
  }

  const content = item.content ?? null;
  if (content !== null) {
    if (typeof content !== 'string') throw read.error('INVALID_DATA', ['content'], { expected_data_type: 'string' });
    if (content.includes('\0')) throw read.error('INVALID_DATA', ['content']);
    if (content.length > MAX_CONTENT_LENGTH) throw read.error('INVALID_DATA', ['content'], { maximum_length: MAX_CONTENT_LENGTH });
  }

  const mailFormat = item.mail_format ?? null;
  if (mailFormat !== null && mailFormat !== 'html' && mailFormat !== 'text') {
    throw read.error('INVALID_DATA', ['mail_format'], { supported_values: ['html', 'text'] });
  }

  // v2.1–v5 send a string, v6+ an object {message_id, owner}; both are accepted everywhere.
  let inReplyTo: string | null = null;
  const rawReply = item.in_reply_to;
  if (rawReply !== undefined && rawReply !== null) {
    const id = isPlainObject(rawReply) ? rawReply.message_id : rawReply;
    const path = isPlainObject(rawReply) ? ['in_reply_to', 'message_id'] : ['in_reply_to'];
    if (id === undefined || id === null || id === '') throw read.error('MANDATORY_NOT_FOUND', path);
    if (typeof id !== 'string' || id.length > 255 || !/^<?[\x21-\x3b\x3d\x3f-\x7e]+>?$/.test(id)) {
      throw read.error('INVALID_DATA', path);
    }
    inReplyTo = id.replace(/^<|>$/g, '');
  }

  let linkedRecord: MailInput['linkedRecord'] = null;
  if (item.linked_record !== undefined && item.linked_record !== null) {
    const linked = item.linked_record;
    if (!isPlainObject(linked)) throw read.error('INVALID_DATA', ['linked_record'], { expected_data_type: 'jsonobject' });
    const module = isPlainObject(linked.module) ? linked.module.api_name : undefined;
    if (typeof module !== 'string' || module === '') throw read.error('MANDATORY_NOT_FOUND', ['linked_record', 'module']);
    const id = lookupId(linked.id);
    if (id === null) throw read.error('MANDATORY_NOT_FOUND', ['linked_record', 'id']);
    linkedRecord = { module, id, name: typeof linked.name === 'string' ? linked.name : null };
  }

  let attachmentIds: string[] | null = null;
  if (item.attachments !== undefined && item.attachments !== null) {
    attachmentIds = [];
    if (!Array.isArray(item.attachments)) throw read.error('INVALID_DATA', ['attachments'], { expected_data_type: 'jsonarray' });
    if (item.attachments.length > MAX_ATTACHMENTS) throw read.error('INVALID_DATA', ['attachments'], { maximum_length: MAX_ATTACHMENTS });
    for (const [i, entry] of item.attachments.entries()) {
      const id = isPlainObject(entry) ? (entry.id ?? entry.file_id) : undefined;
      if (id === undefined || id === null || id === '') throw read.error('MANDATORY_NOT_FOUND', ['attachments', i, 'id']);
      if (typeof id !== 'string') throw read.error('ATTACHMENT_NOT_FOUND', ['attachments', i, 'id']);
      if (attachmentIds.includes(id)) throw read.error('INVALID_DATA', ['attachments', i, 'id'], { reason: 'duplicate' });
      attachmentIds.push(id);
    }
  }

  return {
    from,
    to: uniqueTo!,
    cc: uniqueCc!,
    bcc: uniqueBcc!,
    replyTo,
    orgEmail: item.org_email === true,
    inReplyTo,
    subject,
    content,
    mailFormat,
    templateId,
    inventoryDetails: item.inventory_details ?? null,
    scheduledTime: item.scheduled_time === undefined || item.scheduled_time === null ? null : parseScheduledTime(item.scheduled_time, read),
    linkedRecord,
    attachmentIds,
    consentEmail: item.consent_email === true,
    dataSubjectRequest,
  };
}

/**
 * `scheduled_time`: ISO-8601 with an offset or `Z` (`2026-12-01T09:30:00+05:30`; Zoho's SDK sends
 * `…Z` without milliseconds). A time without an offset is ambiguous and refused. Whether it is in
 * the future, within the horizon and allowed by the edition is checked at acceptance.
 */
export function parseScheduledTime(value: unknown, read: ItemReader, path: (string | number)[] = ['scheduled_time']): { ms: number; offset: string } {
  const parsed = typeof value === 'string' ? parseOffsetDateTime(value.trim()) : null;
  if (!parsed) throw read.error('INVALID_DATA', path, { expected_data_type: 'datetime' });
  return parsed;
}
