/**
 * What a delivery report means for one recipient: hard bounce (the address is blocked
 * permanently), soft bounce (blocked temporarily: an admin may unblock it, 5 times as Zoho
 * allows, docs/zoho-contract.md §10), delayed (still trying: the recipient stays deferred) or
 * delivered. Pure: the caller passes what a DSN, a bounce text or a relay event said.
 *
 * Inputs: an RFC 3463 enhanced status (`5.1.1`), the DSN `Action` (RFC 3464 §2.3.3) and the
 * remote's diagnostic text (often an SMTP reply such as `550 5.1.1 <bob@x>: user unknown`).
 * When no status is given, one is read from the diagnostic (an enhanced code, else the SMTP
 * reply code: 5xx → 5.0.0, 4xx → 4.0.0).
 *
 * The rules, in order (first match wins):
 *
 * | Input | Outcome | Sub-category |
 * | --- | --- | --- |
 * | action delivered / relayed / expanded, or status 2.x.x | delivered | – |
 * | action delayed | delayed | as below, kept for the reason |
 * | 4.x.x (the remote gave up: action failed or no action) | soft | 4.2.2 Mailbox Full; 4.4.x, or 4.0.0 with DNS or connection text: Temporary Domain Failure; 4.7.x Message Rejected or Spam Blocked; else Temporary Failure |
 * | 5.1.0, 5.1.1, 5.1.3, 5.1.6 | hard | Invalid Mailbox (Invalid Domain when the text says only the domain is unknown) |
 * | 5.1.10: null MX (RFC 7505) or, as Microsoft uses it, recipient not found | hard | Invalid Domain or Invalid Mailbox, as the text says |
 * | 5.1.2, 5.4.4 | hard | Invalid Domain |
 * | 5.2.2, or text "mailbox full / over quota" | soft | Mailbox Full |
 * | 5.2.1 | soft | Mailbox Disabled |
 * | 5.2.3, 5.3.4 | soft | Message Too Large |
 * | 5.7.x: spam, blocklist, reputation text | soft | Spam Blocked |
 * | 5.7.x otherwise | soft | Message Rejected |
 * | other 5.x.x with "user unknown"-like text | hard | Invalid Mailbox |
 * | other 5.x.x with "domain not found"-like text | hard | Invalid Domain |
 * | 5.4.x otherwise | soft | Temporary Domain Failure |
 * | other 5.x.x | soft | Message Rejected |
 * | nothing readable | soft | Unknown |
 *
 * Why policy blocks (5.7.x) and unrecognised 5.x.x are soft: they are about the sender, the
 * message or the remote's mood, not about whether the address exists, and a permanent block
 * cannot be undone (Zoho: "Cannot unblock, Email is blocked permanently"). A soft bounce still
 * blocks the address; an admin can unblock it.
 *
 * The sub-category vocabulary (`BOUNCE_SUB_CATEGORIES`) is modelled on Zoho's `sub_category`
 * ("Temporary Domain Failure" is Zoho's own wording).
 */

export const BOUNCE_SUB_CATEGORIES = [
  'Invalid Mailbox',
  'Invalid Domain',
  'Mailbox Full',
  'Mailbox Disabled',
  'Message Too Large',
  'Message Rejected',
  'Spam Blocked',
  'Temporary Domain Failure',
  'Temporary Failure',
  'Unknown',
] as const;

export type BounceSubCategory = (typeof BOUNCE_SUB_CATEGORIES)[number];
export type BounceOutcome = 'hard' | 'soft' | 'delayed' | 'delivered';
/** Zoho's `category` of a bounced status; null when nothing is blocked (delayed, delivered). */
export type BlockCategory = 'Permanently blocked' | 'Temporarily blocked';
export type DsnAction = 'failed' | 'delayed' | 'delivered' | 'relayed' | 'expanded';

export const DSN_ACTIONS: readonly DsnAction[] = ['failed', 'delayed', 'delivered', 'relayed', 'expanded'];

export interface BounceInput {
  status?: string | null;
  action?: DsnAction | null;
  diagnostic?: string | null;
}

export interface BounceClassification {
  outcome: BounceOutcome;
  category: BlockCategory | null;
  subCategory: BounceSubCategory | null;
  /** The RFC 3463 status used (given or read from the diagnostic), null when none was found. */
  status: string | null;
  /** Human-readable, for Zoho's `bounced_reason`: the diagnostic, else the status' meaning. At most 500 characters. */
  reason: string;
}

export const MAX_REASON_LENGTH = 500;

const ENHANCED_STATUS = /(?<![\d.])([245])\.(\d{1,3})\.(\d{1,3})(?![\d.]*\d)/;
const SMTP_REPLY = /(?:^|[\s;:'"#(])([245])(\d)(\d)(?=[\s\-'"]|$)/;

const USER_UNKNOWN =
  /\b(user(?:name)?|mailbox|recipient|address|account)\b[^.;\n]{0,40}\b(unknown|not found|does not exist|doesn't exist|not exist|invalid|unavailable|disabled|not valid|rejected)\b|\bno such (user|mailbox|recipient|address|account)\b|\b(unknown|invalid) (user|mailbox|recipient|address)\b|\bRecipNotFound\b|\buser not found\b|\bnot our customer\b|\bunrouteable address\b|\bno mailbox here\b/i;
const DOMAIN_UNKNOWN =
  /\b(host|domain)\b[^.;\n]{0,30}\b(not found|unknown|does not exist|doesn't exist|has no mx|not exist)\b|\bno mx (record|host)s?\b|\bNXDOMAIN\b|\bhost or domain name not found\b|\bunknown (host|domain)\b|\bname service error\b/i;
const MAILBOX_FULL = /\b(mailbox|inbox|mail ?box|quota|storage)\b[^.;\n]{0,30}\b(full|exceeded|over)\b|\bover ?quota\b|\bquota exceeded\b|\binsufficient (system )?storage\b/i;
const SPAM = /\bspam\b|\bblock ?list(ed)?\b|\bblack ?list(ed)?\b|\bdeny ?list(ed)?\b|\bRBL\b|\bDNSBL\b|\bspamhaus\b|\breputation\b|\bjunk\b|\bblocked\b/i;
const DNS_TROUBLE = /\b(dns|host|domain|connection|timed? ?out|unreachable|not reachable|no route|lookup)\b/i;

const STATUS_MEANING: Record<string, string> = {
  '1.0': 'Other address status',
  '1.1': 'Bad destination mailbox address',
  '1.2': 'Bad destination system address',
  '1.3': 'Bad destination mailbox address syntax',
  '1.6': 'Destination mailbox has moved',
  '1.10': 'Recipient address has null MX',
  '2.0': 'Other or undefined mailbox status',
  '2.1': 'Mailbox disabled, not accepting messages',
  '2.2': 'Mailbox full',
  '2.3': 'Message length exceeds administrative limit',
  '3.0': 'Other or undefined mail system status',
  '3.4': 'Message too big for system',
  '4.0': 'Other or undefined network or routing status',
  '4.1': 'No answer from host',
  '4.2': 'Bad connection',
  '4.4': 'Unable to route',
  '4.7': 'Delivery time expired',
  '5.0': 'Other or undefined protocol status',
  '7.0': 'Other or undefined security status',
  '7.1': 'Delivery not authorized, message refused',
};

/** The RFC 3463 status in `text` (`5.1.1`), else one made from an SMTP reply code (`550` → `5.0.0`), else null. */
export function findStatus(text: string | null | undefined): string | null {
  if (!text) return null;
  const enhanced = ENHANCED_STATUS.exec(text);
  if (enhanced) return `${enhanced[1]}.${Number(enhanced[2])}.${Number(enhanced[3])}`;
  const reply = SMTP_REPLY.exec(text);
  if (reply) return `${reply[1]}.0.0`;
  return null;
}

/** `5.1.1` from `5.1.1`, ` 5.1.1 (bad mailbox)`, `#5.1.1`; null when there is no RFC 3463 status. */
export function normaliseStatus(value: string | null | undefined): string | null {
  if (!value) return null;
  const match = ENHANCED_STATUS.exec(value);
  return match ? `${match[1]}.${Number(match[2])}.${Number(match[3])}` : null;
}

export function classifyBounce(input: BounceInput): BounceClassification {
  const diagnostic = cleanText(input.diagnostic);
  const status = normaliseStatus(input.status) ?? findStatus(diagnostic);
  const action = input.action ?? null;
  const text = diagnostic ?? '';
  const reason = (detail: string | null): string => truncate(diagnostic ?? detail ?? 'No reason given by the remote server');
  const meaning = status ? describeStatus(status) : null;
  const result = (outcome: BounceOutcome, subCategory: BounceSubCategory | null): BounceClassification => ({
    outcome,
    category: outcome === 'hard' ? 'Permanently blocked' : outcome === 'soft' ? 'Temporarily blocked' : null,
    subCategory,
    status,
    reason: reason(meaning),
  });

  if (action === 'delivered' || action === 'relayed' || action === 'expanded') return result('delivered', null);
  const [klass, subject, detail] = status ? status.split('.').map(Number) : [undefined, undefined, undefined];
  if (klass === 2 && action !== 'failed' && action !== 'delayed') return result('delivered', null);

  const sub = subCategoryOf(klass, subject, detail, text);
  if (action === 'delayed') return result('delayed', sub);
  if (klass === 5 && isHard(subject, detail, text)) return result('hard', sub);
  return result('soft', sub);
}

function isHard(subject: number | undefined, detail: number | undefined, text: string): boolean {
  if (subject === 1) return detail === 0 || detail === 1 || detail === 2 || detail === 3 || detail === 6 || detail === 10 || USER_UNKNOWN.test(text) || DOMAIN_UNKNOWN.test(text);
  if (subject === 4 && detail === 4) return true;
  if (subject === 2 || subject === 7) return false;
  if (subject === 3 && detail === 4) return false;
  return USER_UNKNOWN.test(text) || DOMAIN_UNKNOWN.test(text);
}

function subCategoryOf(klass: number | undefined, subject: number | undefined, detail: number | undefined, text: string): BounceSubCategory {
  if (klass === undefined) {
    if (MAILBOX_FULL.test(text)) return 'Mailbox Full';
    if (USER_UNKNOWN.test(text)) return 'Invalid Mailbox';
    if (DOMAIN_UNKNOWN.test(text)) return 'Invalid Domain';
    return 'Unknown';
  }
  if (klass === 5) {
    if (subject === 1) {
      if (detail === 2 || (detail === 10 && (/null MX/i.test(text) || DOMAIN_UNKNOWN.test(text)))) return 'Invalid Domain';
      if (detail === 1 || detail === 0 || detail === 3 || detail === 6 || detail === 10) return DOMAIN_UNKNOWN.test(text) && !USER_UNKNOWN.test(text) ? 'Invalid Domain' : 'Invalid Mailbox';
    }
    if (subject === 4 && detail === 4) return 'Invalid Domain';
    if (subject === 2 && detail === 2) return 'Mailbox Full';
    if (subject === 2 && detail === 1) return 'Mailbox Disabled';
    if ((subject === 2 && detail === 3) || (subject === 3 && detail === 4)) return 'Message Too Large';
    if (subject === 7) return SPAM.test(text) ? 'Spam Blocked' : 'Message Rejected';
    if (MAILBOX_FULL.test(text)) return 'Mailbox Full';
    if (USER_UNKNOWN.test(text)) return 'Invalid Mailbox';
    if (DOMAIN_UNKNOWN.test(text)) return 'Invalid Domain';
    if (subject === 4) return 'Temporary Domain Failure';
    return 'Message Rejected';
  }
  // class 4 (or 2 with a failed/delayed action, which makes no sense and is treated like 4)
  if ((subject === 2 && detail === 2) || MAILBOX_FULL.test(text)) return 'Mailbox Full';
  if (subject === 4) return 'Temporary Domain Failure';
  if (subject === 7) return SPAM.test(text) ? 'Spam Blocked' : 'Message Rejected';
  if (subject === 0 && DNS_TROUBLE.test(text)) return 'Temporary Domain Failure';
  return 'Temporary Failure';
}

/** `5.1.1 Bad destination mailbox address`-style text for a status, from RFC 3463's table. */
export function describeStatus(status: string): string {
  const [klass, subject, detail] = status.split('.');
  const meaning = STATUS_MEANING[`${subject}.${detail}`] ?? STATUS_MEANING[`${subject}.0`];
  const kind = klass === '5' ? 'Permanent failure' : klass === '4' ? 'Temporary failure' : 'Success';
  return `${status} ${kind}${meaning ? `: ${meaning}` : ''}`;
}

function cleanText(value: string | null | undefined): string | null {
  if (!value) return null;
  const cleaned = value.replace(/\s+/g, ' ').trim();
  return cleaned === '' ? null : cleaned;
}

function truncate(value: string): string {
  return value.length <= MAX_REASON_LENGTH ? value : `${value.slice(0, MAX_REASON_LENGTH - 1)}…`;
}
