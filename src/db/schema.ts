/**
 * Row types for every table: the one source of truth the query builder checks against.
 *
 * Portable conventions (the same SQL runs on SQLite and PostgreSQL):
 * - ids are 19-digit numeric strings stored as text;
 * - instants are epoch milliseconds in `bigint` columns (the pg driver is told to return numbers);
 * - booleans are integers 0/1;
 * - structured values are JSON text.
 */

import type { DsnAction, MailState, RecipientStatus } from '../mail/lifecycle.js';

export type Edition = 'free' | 'standard' | 'professional' | 'enterprise' | 'ultimate';
export type Profile = 'admin' | 'standard';

export interface OrgTable {
  id: string;
  zgid: string;
  name: string;
  edition: Edition;
  time_zone: string;
  privacy_settings: number;
  /** 1: messages carry RFC 8058 `List-Unsubscribe` headers (migration 0013; docs/compliance.md). */
  one_click_unsubscribe: number;
  /** Open and click tracking (migration 0015): 1 on, 0 off, null the edition's default (src/tracking/tracking-setting.ts). */
  email_tracking?: number | null;
  created_at: number;
  /** Individual mails per local day instead of the edition's rule (docs/zoho-contract.md §16); null = the rule. */
  daily_mail_limit: number | null;
  /** API credits per rolling 24 hours instead of the edition's table (docs/zoho-contract.md §15); null = the table. */
  api_credit_limit: number | null;
  /** Simultaneous API requests per process instead of the edition's (docs/zoho-contract.md §15); null = the edition's. */
  api_concurrency_limit: number | null;
}

export interface UserTable {
  id: string;
  org_id: string;
  first_name: string | null;
  last_name: string;
  email: string;
  profile: Profile;
  status: 'active' | 'inactive';
  is_confirmed: number;
  is_email_confirmed: number;
  password_hash: string | null;
  time_zone: string | null;
  created_at: number;
}

export interface OAuthClientTable {
  client_id: string;
  org_id: string;
  user_id: string;
  name: string;
  secret_digest: string;
  created_at: number;
}

export interface OAuthGrantTable {
  code_digest: string;
  client_id: string;
  org_id: string;
  user_id: string;
  scopes: string;
  expires_at: number;
  used_at: number | null;
}

export interface OAuthTokenTable {
  token_digest: string;
  kind: 'access' | 'refresh';
  org_id: string;
  user_id: string;
  client_id: string | null;
  scopes: string;
  /** Refresh token an access token was minted from; revoking it revokes its access tokens. */
  parent_digest: string | null;
  expires_at: number | null;
  revoked_at: number | null;
  created_at: number;
}

export interface CustomModuleTable {
  id: string;
  org_id: string;
  api_name: string;
  singular_label: string;
  plural_label: string;
  /** JSON array of field definitions beyond the defaults every custom module has. */
  fields: string;
  created_at: number;
}

export interface RecordTable {
  id: string;
  org_id: string;
  module: string;
  /** JSON object: field API name → stored value (lookups are stored as ids). */
  data: string;
  owner_id: string;
  created_by: string;
  modified_by: string;
  created_at: number;
  modified_at: number;
}

export interface OrgFromAddressTable {
  id: string;
  org_id: string;
  email: string;
  user_name: string;
  created_at: number;
}

export interface UserSmtpSettingsTable {
  user_id: string;
  org_id: string;
  host: string;
  port: number;
  secure: number;
  username: string | null;
  /** AES-256-GCM, see secrets.ts; never logged, never returned. */
  password_encrypted: string | null;
  from_email: string;
  from_name: string;
  /** Set when the server refused authentication or connection; send_mail then answers CUSTOM_ERROR. */
  failing_since: number | null;
  failure_reason: string | null;
  updated_at: number;
}

export interface MailTable {
  message_id: string;
  org_id: string;
  user_id: string;
  module: string;
  record_id: string;
  linked_module: string | null;
  linked_record_id: string | null;
  linked_record: string | null;
  from_email: string;
  from_name: string | null;
  reply_to_email: string | null;
  reply_to_name: string | null;
  subject: string;
  content: string;
  mail_format: 'html' | 'text';
  org_email: number;
  in_reply_to: string | null;
  /** Space-separated Message-IDs (with angle brackets) of the thread, oldest first. */
  references_header: string | null;
  thread_id: string;
  source: string;
  /** The mail's place in the queue; its states and transitions: src/mail/lifecycle.ts. */
  state: MailState;
  due_at: number | null;
  /** Queue lane: 0 = first attempt of a mail accepted to go now, 1 = scheduled mail, retries, re-claims. */
  lane: number;
  scheduled_at: number | null;
  scheduled_offset: string | null;
  lease_owner: string | null;
  lease_until: number | null;
  attempts: number;
  skip_reason: string | null;
  created_at: number;
  sent_at: number | null;
  updated_at: number;
  /** The daily-quota reservation this mail holds (org-local day and units), given back on cancel. */
  quota_day?: string | null;
  quota_units?: number | null;
  /** 1 for a GDPR consent request (`consent_email: true`): allowed before consent is given. */
  consent_email?: number;
  /** The Data Subject Request this mail answers (`data_subject_request`), and its type. */
  dsr_id?: string | null;
  dsr_type?: 'access' | 'rectify' | 'export' | null;
}

export interface MailRecipientTable {
  id: string;
  message_id: string;
  position: number;
  kind: 'to' | 'cc' | 'bcc';
  email: string;
  name: string | null;
  /** Its DSN-like status; the statuses and transitions: src/mail/lifecycle.ts. */
  status: RecipientStatus;
  action: DsnAction | null;
  status_code: string | null;
  diagnostic: string | null;
  remote_mta: string | null;
  attempts: number;
  /**
   * 0: no attempt under way; 1: claimed for an attempt, the message not yet complete at the
   * receiver; 2: handed over — the final dot may have been sent and no outcome is recorded yet
   * (a crash now ⇒ the retry is flagged `possible_duplicate`). `IN_FLIGHT` in src/mail/lifecycle.ts.
   */
  in_flight: number;
  possible_duplicate: number;
  last_attempt_at: number | null;
  next_attempt_at: number | null;
  done_at: number | null;
  /** When a bounce was learnt (at once from a 5xx, or later from a DSN or a relay event). */
  bounced_at?: number | null;
  /** Zoho's `category` / `sub_category` of the bounce ("Permanently blocked", "Invalid Mailbox"…). */
  bounce_category?: string | null;
  bounce_sub_category?: string | null;
}

export interface BlockedAddressTable {
  org_id: string;
  email: string;
  is_blocked: number;
  reason: string;
  status_code: string | null;
  blocked_at: number;
  unblock_count: number;
  unblocked_at: number | null;
  /** 1 for a hard bounce: `unblock_email` refuses ("Cannot unblock, Email is blocked permanently"). */
  permanent?: number;
  category?: string | null;
  sub_category?: string | null;
}

export interface IdempotencyKeyTable {
  org_id: string;
  key: string;
  fingerprint: string;
  state: 'running' | 'done';
  response_status: number | null;
  response_body: string | null;
  created_at: number;
  expires_at: number;
  /** The API process (process_heartbeats.id) whose request holds a `running` key. */
  owner_process: string | null;
  /** Identifies the claim: only the request that made it may complete or release the key. */
  claim_token: string | null;
}

/** One row per running API process, refreshed every HEARTBEAT_SECONDS (migration 0012). */
export interface ProcessHeartbeatTable {
  id: string;
  host: string;
  pid: number;
  started_at: number;
  last_seen: number;
}

export interface MailboxMessageTable {
  id: string;
  org_id: string;
  message_id: string;
  envelope_from: string;
  envelope_to: string;
  subject: string;
  raw: string;
  created_at: number;
}

export interface FileTable {
  /** 64 random hex characters: opaque and unguessable, like Zoho's encrypted file ids. */
  id: string;
  org_id: string;
  /** The uploader's file name, cleaned; only ever used as a MIME filename, never as a path. */
  name: string;
  content_type: string;
  size: number;
  sha256: string;
  is_inline: number;
  created_by: string;
  created_at: number;
}

export interface FileBlobTable {
  file_id: string;
  bytes: Buffer;
}

/** Files a mail carries, pinned at acceptance: `attachment`, `inline` (cid image) or `generated` (PDF). */
export interface MailAttachmentTable {
  message_id: string;
  position: number;
  file_id: string;
  kind: 'attachment' | 'inline' | 'generated';
  content_id: string | null;
}

export interface EmailTemplateFolderTable {
  id: string;
  org_id: string;
  name: string;
  created_at: number;
}

export type EmailTemplateEditorMode = 'gallery' | 'rich_text' | 'plain_text';
export type EmailTemplateCategory = 'normal' | 'draft' | 'system_templates' | 'plugin_templates' | 'marketplace_templates';

export interface EmailTemplateTable {
  id: string;
  org_id: string;
  /** API name of the module the template merges from (`Leads`, `Sales_Orders`, a custom module). */
  module: string;
  name: string;
  subject: string;
  /** HTML (or plain text when `editor_mode` is `plain_text`), with `${Module.Field Label}` merge fields. */
  content: string;
  folder_id: string;
  editor_mode: EmailTemplateEditorMode;
  category: EmailTemplateCategory;
  description: string | null;
  active: number;
  favorite: number;
  /** 1 when the content carries a `${ConsentForm.…}` link; kept on write so lists need no content. */
  consent_linked: number;
  created_by: string;
  modified_by: string;
  created_at: number;
  modified_at: number;
  last_used_at: number | null;
  /** Mails accepted with this template (`last_version_statistics.sent`). */
  sent_count: number;
}

/** Files a template attaches, in order; `file_id` is a Files API id (no foreign key, see 0004). */
export interface EmailTemplateAttachmentTable {
  id: string;
  template_id: string;
  position: number;
  file_id: string;
}

/** Inventory templates an admin made; the built-in ones per module live in code, not here. */
export interface InventoryTemplateTable {
  id: string;
  org_id: string;
  /** Quotes, Sales_Orders, Purchase_Orders or Invoices. */
  module: string;
  name: string;
  /** Large heading of the PDF, e.g. `QUOTE`. */
  title: string;
  /** Printed under the org name (address, phone …). */
  header_text: string | null;
  /** Printed after the totals and the record's terms. */
  footer_text: string | null;
  favorite: number;
  active: number;
  created_by: string;
  modified_by: string;
  created_at: number;
  modified_at: number;
}

/** When an inventory template (built-in or admin-made) last rendered a PDF for a mail. */
export interface InventoryTemplateUsageTable {
  org_id: string;
  template_id: string;
  last_used_at: number;
}

/** Individual mails counted against an org's daily limit, per local calendar day of the org. */
export interface DailyMailUsageTable {
  org_id: string;
  /** `YYYY-MM-DD` in the org's time zone. */
  day: string;
  used: number;
}

/** API credits used per org and UTC hour (epoch ms / 3,600,000); 24 rows make the rolling window. */
export interface ApiCreditUsageTable {
  org_id: string;
  hour: number;
  used: number;
}

/** A consent-form link sent in a consent email; the link's secret is kept only as its SHA-256. */
export interface ConsentLinkTable {
  id: string;
  org_id: string;
  /** Hex SHA-256 of the secret part of the link. */
  token_hash: string;
  module: string;
  record_id: string;
  message_id: string;
  /** The address the consent email went to (its first `to`). */
  recipient_email: string;
  locale: string;
  created_at: number;
  expires_at: number;
  /** Latest answer given with this link: `granted` or `refused`; null until used. */
  answer: 'granted' | 'refused' | null;
  answered_at: number | null;
}

/** Locking_Information__s (docs/zoho-contract.md §11): one lock per record at most. */
export interface RecordLockTable {
  id: string;
  org_id: string;
  module: string;
  record_id: string;
  reason: string | null;
  /** `manual` (API/UI) — Mailroom has no automatic locking rules. */
  source: string;
  locked_by: string;
  locked_at: number;
}

/** An org's record-locking configuration for one module; JSON settings (see compliance/locking-config.ts). */
export interface RecordLockingConfigurationTable {
  id: string;
  org_id: string;
  module: string;
  settings: string;
  modified_by: string;
  modified_at: number;
}

/** A profile permission set away from its default (every permission is granted by default). */
export interface ProfilePermissionTable {
  org_id: string;
  profile: Profile;
  permission: string;
  enabled: number;
}

export type AuditActorType = 'user' | 'data_subject' | 'system' | 'cli';

/** Compliance audit trail: consent changes, locks, blocks, permission changes, refused sends. */
export interface AuditLogTable {
  /** Time-ordered id (ids.ts), so paging by id is paging by time. */
  id: string;
  org_id: string;
  at: number;
  actor_type: AuditActorType;
  /** A user id, the data subject's address, or null for the system. */
  actor_id: string | null;
  action: string;
  module: string | null;
  record_id: string | null;
  reason: string;
  /** JSON object with the specifics (old and new values, error code …). */
  details: string;
}

/** A browser sign-in (web UI and local mailbox); `id` is the SHA-256 (hex) of the cookie's token. */
export interface UiSessionTable {
  id: string;
  org_id: string;
  user_id: string;
  /** Random token every form post of this session must carry (`_csrf`). */
  csrf_token: string;
  created_at: number;
  expires_at: number;
}

/** One limited counter (migration 0011): `count` attempts in the window that ends at `expires_at`. */
export interface AttemptCounterTable {
  scope: string;
  /** HMAC of what is counted (see limits/attempt-counters.ts). */
  key: string;
  count: number;
  expires_at: number;
}

/**
 * A message the inbound SMTP listener accepted (migration 0014), committed before its 250:
 * `pending` until processed, then `processed` (recognised and applied) or `ignored` (unknown or
 * unparseable: kept for admins, changed nothing).
 */
export interface InboundMessageTable {
  id: string;
  received_at: number;
  remote_address: string;
  helo: string | null;
  mail_from: string;
  /** JSON array of envelope recipients. */
  rcpt_to: string;
  size: number;
  raw: Buffer;
  state: 'pending' | 'processed' | 'ignored';
  kind: string | null;
  org_id: string | null;
  /** JSON: what processing found and did. */
  summary: string | null;
  attempts: number;
  lease_until: number | null;
  processed_at: number | null;
}

/** A relay webhook event already applied (idempotency of SES / SendGrid deliveries). */
export interface RelayEventTable {
  relay: string;
  event_id: string;
  received_at: number;
}

/** An engagement event of a mail recipient (migration 0015; append-only: src/tracking/recipient-event-repository.ts). */
export interface RecipientEventTable {
  id: string;
  org_id: string;
  message_id: string;
  recipient_id: string;
  kind: 'opened' | 'clicked';
  at: number;
  /** 1: a prefetching proxy or a scanner (src/tracking/prefetch.ts): recorded, not counted. */
  flagged: number;
  flag_reason: string | null;
  url: string | null;
  user_agent: string | null;
  remote_address: string | null;
}

/** A reply to one of our mails, on its record (migration 0017; src/replies/). */
export interface MailReplyTable {
  /** `r` + a decimal id: never a mail's 64-hex message_id (src/replies/reply-ids.ts). */
  id: string;
  org_id: string;
  inbound_id: string;
  /** The mail it answers. */
  message_id: string;
  /** The recipient who replied; null for a copy of the sender's own message (BCC dropbox). */
  recipient_id: string | null;
  thread_id: string;
  module: string;
  record_id: string;
  linked_record_id: string | null;
  matched_by: 'token' | 'in_reply_to' | 'references';
  from_email: string;
  from_name: string | null;
  to_json: string;
  subject: string;
  /** Sanitised (src/mail/sanitize-mail-html.ts) and capped at storage. */
  html: string | null;
  text: string | null;
  received_at: number;
  auto_reply: number;
  header_message_id: string | null;
  attachments_json: string;
}

/** An org's webhook endpoint (migration 0016). */
export interface WebhookEndpointTable {
  id: string;
  org_id: string;
  url: string;
  description: string | null;
  /** SecretBox ciphertext of the `whsec_…` signing secret. */
  secret: string;
  /** JSON array of event types. */
  event_types: string;
  enabled: number;
  disabled_reason: string | null;
  disabled_at: number | null;
  failing_since: number | null;
  last_success_at: number | null;
  created_by: string | null;
  created_at: number;
  updated_at: number;
}

/** One event type an endpoint wants (migration 0016). */
export interface WebhookSubscriptionTable {
  endpoint_id: string;
  org_id: string;
  event_type: string;
}

/** One event for one endpoint: the outbox row and its delivery state (migration 0016). */
export interface WebhookMessageTable {
  event_id: string;
  endpoint_id: string;
  org_id: string;
  event_type: string;
  payload: string;
  occurred_at: number;
  created_at: number;
  state: 'pending' | 'delivered' | 'failed';
  attempts: number;
  due_at: number | null;
  lease_owner: string | null;
  lease_until: number | null;
  last_attempt_at: number | null;
  last_status: number | null;
  last_error: string | null;
  delivered_at: number | null;
  possible_duplicate: number;
}

/** One attempt to deliver a webhook message (migration 0016). */
export interface WebhookAttemptTable {
  id: string;
  endpoint_id: string;
  event_id: string;
  attempt: number;
  at: number;
  status_code: number | null;
  error: string | null;
  duration_ms: number;
}

/** A DKIM signing key of an org's From domain (migration 0018). */
export interface DkimKeyTable {
  id: string;
  org_id: string;
  /** Lower-case. */
  domain: string;
  selector: string;
  algorithm: 'rsa-sha256' | 'ed25519-sha256';
  /** SecretBox ciphertext of the PKCS#8 PEM private key. */
  private_key: string;
  /** The DNS record's `p=` (base64). */
  public_key: string;
  created_at: number;
}

export interface DB {
  orgs: OrgTable;
  users: UserTable;
  oauth_clients: OAuthClientTable;
  oauth_grants: OAuthGrantTable;
  oauth_tokens: OAuthTokenTable;
  custom_modules: CustomModuleTable;
  records: RecordTable;
  org_from_addresses: OrgFromAddressTable;
  user_smtp_settings: UserSmtpSettingsTable;
  mails: MailTable;
  mail_recipients: MailRecipientTable;
  blocked_addresses: BlockedAddressTable;
  idempotency_keys: IdempotencyKeyTable;
  process_heartbeats: ProcessHeartbeatTable;
  mailbox_messages: MailboxMessageTable;
  files: FileTable;
  file_blobs: FileBlobTable;
  mail_attachments: MailAttachmentTable;
  email_template_folders: EmailTemplateFolderTable;
  email_templates: EmailTemplateTable;
  email_template_attachments: EmailTemplateAttachmentTable;
  inventory_templates: InventoryTemplateTable;
  ui_sessions: UiSessionTable;
  attempt_counters: AttemptCounterTable;
  inventory_template_usage: InventoryTemplateUsageTable;
  daily_mail_usage: DailyMailUsageTable;
  api_credit_usage: ApiCreditUsageTable;
  consent_links: ConsentLinkTable;
  record_locks: RecordLockTable;
  record_locking_configurations: RecordLockingConfigurationTable;
  profile_permissions: ProfilePermissionTable;
  audit_log: AuditLogTable;
  inbound_messages: InboundMessageTable;
  mail_replies: MailReplyTable;
  relay_events: RelayEventTable;
  recipient_events: RecipientEventTable;
  webhook_endpoints: WebhookEndpointTable;
  webhook_subscriptions: WebhookSubscriptionTable;
  webhook_messages: WebhookMessageTable;
  webhook_attempts: WebhookAttemptTable;
  dkim_keys: DkimKeyTable;
}
