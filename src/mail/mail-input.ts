import { domainToASCII } from 'node:url';
import type { FieldPath } from '../errors.js';
import type { InventoryDetails } from '../inventory/render-for-send.js';
import { isValidEmail } from '../records/email-address.js';
import { refuse } from '../refusals.js';

/**
 * What one mail of send_mail asks for, typed, and the rules its values must meet. The HTTP layer
 * reads it from a `data` item (`wire/send-mail-request.ts`), the web UI builds it from the compose
 * form; `sendMail` holds every input to `checkMailInput`, so both meet the same rules. A rule that
 * fails throws the item's refusal, naming the key (`['to', 1, 'email']`). Rules beyond Zoho's
 * documented ones are in docs/zoho-compatibility.md.
 */
export type Address = { email: string; name: string | null };

export type ScheduledTime = { ms: number; offset: string };

export type MailInput = {
  from: Address;
  to: Address[];
  cc: Address[];
  bcc: Address[];
  replyTo: Address | null;
  /** The From address is one of the org's (`org_email: true`), not the sender's own. */
  orgEmail: boolean;
  /** The Message-ID replied to, without angle brackets. */
  inReplyTo: string | null;
  /** Null when absent or blank: the template's subject, else an empty one (request keys win over the template's). */
  subject: string | null;
  content: string | null;
  mailFormat: 'html' | 'text' | null;
  templateId: string | null;
  /** A PDF of the record to attach (inventory modules). */
  inventory: InventoryDetails | null;
  /** The instant to send at and the offset it was written with; null = send now. */
  scheduledTime: ScheduledTime | null;
  linkedRecord: { module: string; id: string } | null;
  /** File ids of `attachments`, in order; null when absent (a template's own then apply). */
  attachmentIds: string[] | null;
  /** A GDPR consent request, whose content links the consent form. */
  consentEmail: boolean;
  /** The Data Subject Request this mail answers (checked against the record later). */
  dataSubjectRequest: { id: string; type: 'access' | 'rectify' | 'export' } | null;
};

export type RecipientKind = 'to' | 'cc' | 'bcc';

export const MAX_RECIPIENTS = 100;
export const MAX_SUBJECT_LENGTH = 500;
export const MAX_NAME_LENGTH = 200;
export const MAX_CONTENT_LENGTH = 2 * 1024 * 1024;
/** At most this many attachments per mail (their total size is capped at 10 MB too). */
export const MAX_ATTACHMENTS = 50;

/** Characters that would let a value break out of a mail header. */
const HEADER_BREAKERS = /[\r\n\0\u0085\u2028\u2029]/;
const MESSAGE_ID = /^<?[\x21-\x3b\x3d\x3f-\x7e]+>?$/;

/** Lower-cases and converts the domain to ASCII (IDNA) once, so every check sees one form. */
export function normaliseEmail(email: string): string {
  const at = email.lastIndexOf('@');
  const domain = domainToASCII(email.slice(at + 1).toLowerCase()) || email.slice(at + 1).toLowerCase();
  return `${email.slice(0, at)}@${domain}`;
}

/** An address's `email` (at `path`): present, one line, valid; normalised. */
export function checkEmail(email: string, path: FieldPath): string {
  if (email === '') throw refuse('MANDATORY_NOT_FOUND', path);
  if (HEADER_BREAKERS.test(email) || !isValidEmail(email.trim())) throw refuse('INVALID_DATA', path);
  return normaliseEmail(email.trim());
}

/** An address's `user_name` (at `path`): one line, at most MAX_NAME_LENGTH; blank → null. */
export function checkName(name: string | null, path: FieldPath): string | null {
  if (name === null) return null;
  if (HEADER_BREAKERS.test(name)) throw refuse('INVALID_DATA', path);
  if (name.length > MAX_NAME_LENGTH) throw refuse('INVALID_DATA', path, { maximum_length: MAX_NAME_LENGTH });
  return name.trim() !== '' ? name.trim() : null;
}

export function checkAddress(address: Address, path: FieldPath): Address {
  return { email: checkEmail(address.email, [...path, 'email']), name: checkName(address.name, [...path, 'user_name']) };
}

/** The size of a recipient list: `to` needs someone; no list over MAX_RECIPIENTS. */
export function checkListLength(length: number, key: RecipientKind): void {
  if (key === 'to' && length === 0) throw refuse('MANDATORY_NOT_FOUND', [key]);
  if (length > MAX_RECIPIENTS) throw refuse('INVALID_DATA', [key], { maximum_length: MAX_RECIPIENTS });
}

/** No more than MAX_RECIPIENTS altogether; repeated addresses (case-insensitively) keep their first place. */
export function recipientsOf(to: Address[], cc: Address[], bcc: Address[]): Pick<MailInput, 'to' | 'cc' | 'bcc'> {
  if (to.length + cc.length + bcc.length > MAX_RECIPIENTS) throw refuse('INVALID_DATA', ['to'], { maximum_length: MAX_RECIPIENTS });
  const seen = new Set<string>();
  const unique = (list: Address[]) =>
    list.filter((a) => {
      const key = a.email.toLowerCase();
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  return { to: unique(to), cc: unique(cc), bcc: unique(bcc) };
}

/** A subject: one line, at most MAX_SUBJECT_LENGTH; blank → null (the template's, else empty). */
export function checkSubject(subject: string | null): string | null {
  if (subject === null || subject.trim() === '') return null;
  if (HEADER_BREAKERS.test(subject)) throw refuse('INVALID_DATA', ['subject']);
  if (subject.length > MAX_SUBJECT_LENGTH) throw refuse('INVALID_DATA', ['subject'], { maximum_length: MAX_SUBJECT_LENGTH });
  return subject;
}

export function checkContent(content: string | null): string | null {
  if (content === null) return null;
  if (content.includes('\0')) throw refuse('INVALID_DATA', ['content']);
  if (content.length > MAX_CONTENT_LENGTH) throw refuse('INVALID_DATA', ['content'], { maximum_length: MAX_CONTENT_LENGTH });
  return content;
}

/** A Message-ID replied to (at `path`): printable, no spaces, at most 255; without its angle brackets. */
export function checkInReplyTo(id: string, path: FieldPath): string {
  if (id === '') throw refuse('MANDATORY_NOT_FOUND', path);
  if (id.length > 255 || !MESSAGE_ID.test(id)) throw refuse('INVALID_DATA', path);
  return id.replace(/^<|>$/g, '');
}

export function checkAttachmentCount(count: number): void {
  if (count > MAX_ATTACHMENTS) throw refuse('INVALID_DATA', ['attachments'], { maximum_length: MAX_ATTACHMENTS });
}

/** The file id of `attachments[index]`, given the ones before it. */
export function checkAttachmentId(id: string, index: number, before: readonly string[]): string {
  if (id === '') throw refuse('MANDATORY_NOT_FOUND', ['attachments', index, 'id']);
  if (before.includes(id)) throw refuse('INVALID_DATA', ['attachments', index, 'id'], { reason: 'duplicate' });
  return id;
}

/**
 * Holds a mail to the rules above, key by key in the order the wire reader checks them (so the
 * first problem named is the same however the input was made); returns it normalised (addresses
 * trimmed and IDNA-encoded, repeated recipients dropped).
 */
export function checkMailInput(input: MailInput): MailInput {
  const from = checkAddress(input.from, ['from']);
  const list = (key: RecipientKind) => {
    checkListLength(input[key].length, key);
    return input[key].map((address, i) => checkAddress(address, [key, i]));
  };
  const recipients = recipientsOf(list('to'), list('cc'), list('bcc'));
  const replyTo = input.replyTo === null ? null : checkAddress(input.replyTo, ['reply_to']);
  const subject = checkSubject(input.subject);
  const content = checkContent(input.content);
  const inReplyTo = input.inReplyTo === null ? null : checkInReplyTo(input.inReplyTo, ['in_reply_to']);
  if (input.linkedRecord && input.linkedRecord.module === '') throw refuse('MANDATORY_NOT_FOUND', ['linked_record', 'module']);
  let attachmentIds: string[] | null = null;
  if (input.attachmentIds !== null) {
    checkAttachmentCount(input.attachmentIds.length);
    attachmentIds = [];
    for (const [i, id] of input.attachmentIds.entries()) attachmentIds.push(checkAttachmentId(id, i, attachmentIds));
  }
  return { ...input, from, ...recipients, replyTo, subject, content, inReplyTo, attachmentIds };
}
