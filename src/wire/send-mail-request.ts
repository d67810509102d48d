import type { FieldPath } from '../errors.js';
import type { InventoryDetails } from '../inventory/render-for-send.js';
import { PAPER_TYPES, VIEW_TYPES } from '../inventory/render-inventory-pdf.js';
import {
  checkAttachmentCount,
  checkAttachmentId,
  checkContent,
  checkEmail,
  checkInReplyTo,
  checkListLength,
  checkName,
  checkSubject,
  recipientsOf,
  type Address,
  type MailInput,
  type RecipientKind,
  type ScheduledTime,
} from '../mail/mail-input.js';
import { lookupId } from '../records/record-input.js';
import { refuse, type ReadItem } from '../refusals.js';
import { parseOffsetDateTime } from '../time.js';
import type { BlockedRecipients } from '../mail/send-mail.js';
import { idText } from './json-ids.js';
import { versionNumber, type ApiVersion } from './versions.js';
import { isJsonObject, jsonObjectItem, readItemArray, readItems } from './item-array.js';

/**
 * The body of `POST /{module}/{id}/actions/send_mail` (docs/zoho-contract.md §3.2) read into typed
 * mails: each `data` item is a `MailInput` or the refusal its first problem gives. Keys are read in
 * Zoho's order, each key's JSON type first and then its value (the rules of `mail/mail-input.ts`),
 * so the first problem named is the one Zoho would name. Reading is the same on every version; only
 * how a refusal names its key differs (`wire/item-errors.ts`).
 */
export function readSendMailItems(body: unknown): ReadItem<MailInput>[] {
  return readItems(body, 'data', readMailItem);
}

const present = (value: unknown): boolean => value !== undefined && value !== null;

function readMailItem(raw: unknown): MailInput {
  const item = jsonObjectItem(raw);
  if (present(item.consent_email) && typeof item.consent_email !== 'boolean') {
    throw refuse('INVALID_DATA', ['consent_email'], { expected_data_type: 'boolean' });
  }
  const dataSubjectRequest = readDataSubjectRequest(item.data_subject_request);

  if (!present(item.from)) throw refuse('MANDATORY_NOT_FOUND', ['from']);
  const from = readAddress(item.from, ['from']);
  const recipients = recipientsOf(readAddressList(item.to, 'to'), readAddressList(item.cc, 'cc'), readAddressList(item.bcc, 'bcc'));
  const replyTo = present(item.reply_to) ? readAddress(item.reply_to, ['reply_to']) : null;

  if (present(item.org_email) && typeof item.org_email !== 'boolean') {
    throw refuse('INVALID_DATA', ['org_email'], { expected_data_type: 'boolean' });
  }

  let templateId: string | null = null;
  if (present(item.template)) {
    if (!isJsonObject(item.template)) throw refuse('INVALID_DATA', ['template'], { expected_data_type: 'jsonobject' });
    const id = item.template.id;
    if (!present(id) || id === '') throw refuse('MANDATORY_NOT_FOUND', ['template', 'id']);
    templateId = lookupId(id);
    if (templateId === null) throw refuse('TEMPLATE_NOT_FOUND', ['template', 'id']);
  }

  // Optional (Zoho's send_mail page): absent or blank, the template's subject applies, else none.
  const rawSubject = item.subject;
  let subject: string | null = null;
  if (present(rawSubject) && !(typeof rawSubject === 'string' && rawSubject.trim() === '')) {
    if (typeof rawSubject !== 'string') throw refuse('INVALID_DATA', ['subject'], { expected_data_type: 'string' });
    subject = checkSubject(rawSubject);
  }

  const rawContent = item.content ?? null;
  if (rawContent !== null && typeof rawContent !== 'string') throw refuse('INVALID_DATA', ['content'], { expected_data_type: 'string' });
  const content = checkContent(rawContent);

  const mailFormat = item.mail_format ?? null;
  if (mailFormat !== null && mailFormat !== 'html' && mailFormat !== 'text') {
    throw refuse('INVALID_DATA', ['mail_format'], { supported_values: ['html', 'text'] });
  }

  return {
    from,
    ...recipients,
    replyTo,
    orgEmail: item.org_email === true,
    inReplyTo: readInReplyTo(item.in_reply_to),
    subject,
    content,
    mailFormat,
    templateId,
    linkedRecord: readLinkedRecord(item.linked_record),
    attachmentIds: readAttachmentIds(item.attachments),
    scheduledTime: present(item.scheduled_time) ? readScheduledTime(item.scheduled_time) : null,
    inventory: present(item.inventory_details) ? readInventoryDetails(item.inventory_details) : null,
    consentEmail: item.consent_email === true,
    dataSubjectRequest,
  };
}

function readDataSubjectRequest(dsr: unknown): MailInput['dataSubjectRequest'] {
  if (!present(dsr)) return null;
  if (!isJsonObject(dsr)) throw refuse('INVALID_DATA', ['data_subject_request'], { expected_data_type: 'jsonobject' });
  if (!present(dsr.id) || dsr.id === '') throw refuse('MANDATORY_NOT_FOUND', ['data_subject_request', 'id']);
  const id = lookupId(dsr.id);
  if (id === null) throw refuse('DATA_SUBJECT_REQUEST_INVALID', ['data_subject_request', 'id']);
  if (!present(dsr.type) || dsr.type === '') throw refuse('MANDATORY_NOT_FOUND', ['data_subject_request', 'type']);
  if (dsr.type !== 'access' && dsr.type !== 'rectify' && dsr.type !== 'export') {
    throw refuse('INVALID_DATA', ['data_subject_request', 'type'], { supported_values: ['access', 'rectify', 'export'] });
  }
  return { id, type: dsr.type };
}

function readAddress(value: unknown, path: FieldPath): Address {
  if (!isJsonObject(value)) throw refuse('INVALID_DATA', path, { expected_data_type: 'jsonobject' });
  const email = value.email;
  if (!present(email) || email === '') throw refuse('MANDATORY_NOT_FOUND', [...path, 'email']);
  if (typeof email !== 'string') throw refuse('INVALID_DATA', [...path, 'email']);
  const checkedEmail = checkEmail(email, [...path, 'email']);
  const name = value.user_name;
  if (present(name) && typeof name !== 'string') throw refuse('INVALID_DATA', [...path, 'user_name'], { expected_data_type: 'string' });
  return { email: checkedEmail, name: checkName(typeof name === 'string' ? name : null, [...path, 'user_name']) };
}

function readAddressList(value: unknown, key: RecipientKind): Address[] {
  if (!present(value)) {
    checkListLength(0, key);
    return [];
  }
  if (!Array.isArray(value)) throw refuse('INVALID_DATA', [key], { expected_data_type: 'jsonarray' });
  checkListLength(value.length, key);
  return value.map((entry, i) => readAddress(entry, [key, i]));
}

/** v2.1–v5 send a string, v6+ an object `{message_id, owner}`; both are accepted on every version. */
function readInReplyTo(raw: unknown): string | null {
  if (!present(raw)) return null;
  const id = isJsonObject(raw) ? raw.message_id : raw;
  const path = isJsonObject(raw) ? ['in_reply_to', 'message_id'] : ['in_reply_to'];
  if (!present(id)) throw refuse('MANDATORY_NOT_FOUND', path);
  if (typeof id !== 'string') throw refuse('INVALID_DATA', path);
  return checkInReplyTo(id, path);
}

function readLinkedRecord(linked: unknown): MailInput['linkedRecord'] {
  if (!present(linked)) return null;
  if (!isJsonObject(linked)) throw refuse('INVALID_DATA', ['linked_record'], { expected_data_type: 'jsonobject' });
  const module = isJsonObject(linked.module) ? linked.module.api_name : undefined;
  if (typeof module !== 'string' || module === '') throw refuse('MANDATORY_NOT_FOUND', ['linked_record', 'module']);
  const id = lookupId(linked.id);
  if (id === null) throw refuse('MANDATORY_NOT_FOUND', ['linked_record', 'id']);
  return { module, id };
}

/** `attachments: [{id}]` (Zoho's key; the Java SDK sample sends `file_id`). */
function readAttachmentIds(attachments: unknown): string[] | null {
  if (!present(attachments)) return null;
  if (!Array.isArray(attachments)) throw refuse('INVALID_DATA', ['attachments'], { expected_data_type: 'jsonarray' });
  checkAttachmentCount(attachments.length);
  const ids: string[] = [];
  for (const [i, entry] of attachments.entries()) {
    const id: unknown = isJsonObject(entry) ? (entry.id ?? entry.file_id) : undefined;
    if (!present(id) || id === '') throw refuse('MANDATORY_NOT_FOUND', ['attachments', i, 'id']);
    if (typeof id !== 'string') throw refuse('ATTACHMENT_NOT_FOUND', ['attachments', i, 'id']);
    ids.push(checkAttachmentId(id, i, ids));
  }
  return ids;
}

/**
 * `scheduled_time`: ISO-8601 with an offset or `Z` (`2026-12-01T09:30:00+05:30`; Zoho's SDK sends
 * `…Z` without milliseconds). A time without an offset is ambiguous and refused. Whether it is in
 * the future, within the horizon and allowed by the edition is the use-case's to check.
 */
export function readScheduledTime(value: unknown, path: FieldPath = ['scheduled_time']): ScheduledTime {
  const parsed = typeof value === 'string' ? parseOffsetDateTime(value.trim()) : null;
  if (!parsed) throw refuse('INVALID_DATA', path, { expected_data_type: 'datetime' });
  return parsed;
}

/**
 * `inventory_details` (docs/zoho-contract.md §3.2), the PDF of the record to attach:
 *   {"inventory_template": {"id": "…", "name"?: "…"}, "paper_type"?: "default"|"A4"|"us_letter",
 *    "view_type"?: "portrait"|"landscape"}
 */
export function readInventoryDetails(raw: unknown): InventoryDetails {
  const at = (...keys: string[]): FieldPath => ['inventory_details', ...keys];
  if (!isJsonObject(raw)) throw refuse('INVALID_DATA', at(), { expected_data_type: 'jsonobject' });
  const template = raw.inventory_template;
  if (!present(template)) throw refuse('MANDATORY_NOT_FOUND', at('inventory_template'));
  if (!isJsonObject(template)) throw refuse('INVALID_DATA', at('inventory_template'), { expected_data_type: 'jsonobject' });
  if (!present(template.id) || template.id === '') throw refuse('MANDATORY_NOT_FOUND', at('inventory_template', 'id'));
  // A string, or a JSON number that is an id (Zoho's other SDKs send `{"id":1000000000000100007}`).
  const id = idText(template.id);
  if (id === undefined) throw refuse('INVALID_DATA', at('inventory_template', 'id'), { expected_data_type: 'string' });
  const name = template.name;
  if (present(name) && typeof name !== 'string') throw refuse('INVALID_DATA', at('inventory_template', 'name'), { expected_data_type: 'string' });
  const choice = <T extends string>(key: string, allowed: readonly T[], fallback: T): T => {
    const value = raw[key];
    if (!present(value)) return fallback;
    if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
      throw refuse('INVALID_DATA', at(key), { supported_values: [...allowed] });
    }
    return value as T;
  };
  return {
    templateId: id.trim(),
    // Zoho's own example sends the PDF's file name here ("CT Scan Machines.pdf"); a template's
    // name (no .pdf) is just an echo of the id and is not used.
    fileName: typeof name === 'string' && /\.pdf$/i.test(name.trim()) ? name.trim() : null,
    paperType: choice('paper_type', PAPER_TYPES, 'default'),
    viewType: choice('view_type', VIEW_TYPES, 'portrait'),
  };
}

/** The body of `…/Emails/{message_id}/actions/reschedule`: `{"data": [{"scheduled_time": "…"}]}`. */
export function readRescheduleRequest(body: unknown): { scheduledTime: ScheduledTime; text: string } {
  const [item] = readItemArray(body, 'data', 1);
  const raw = isJsonObject(item) ? item.scheduled_time : undefined;
  if (!present(raw) || raw === '') throw refuse('MANDATORY_NOT_FOUND', ['scheduled_time']);
  return { scheduledTime: readScheduledTime(raw), text: raw as string };
}

/** Blocked recipients: v6 and later skip them (and list them in the answer); earlier versions refuse the mail. */
export function blockedRecipientsOn(version: ApiVersion): BlockedRecipients {
  return versionNumber(version) >= 6 ? 'skip' : 'refuse';
}
