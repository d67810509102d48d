import fs from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import { checkBounceAddress } from './bounces/verp.js';
import { sendgridPublicKey } from './bounces/sendgrid.js';

/**
 * Configuration, read once from the environment and validated. This is the only file that
 * reads `process.env` for configuration (the two test facilities in `ENVIRONMENT` with `readBy`
 * are read where they act); everything else receives a frozen `Config`.
 *
 * `ENVIRONMENT` is the one list of variables: the loader takes each variable's default and range
 * from it, and docs/configuration.md is generated from it (`npm run docs`; CI fails while the
 * file is stale). A variable that is not in it cannot be read (`read()` takes its names only).
 */

type VariableBase = {
  /** What it does (Markdown; links relative to docs/). */
  meaning: string;
  /** Read outside `loadConfig` (a test facility), by this file. */
  readBy?: string;
};
type IntegerVariable = VariableBase & { kind: 'integer'; default: number; min: number; max: number };
type FlagVariable = VariableBase & { kind: 'flag'; default: boolean };
type ChoiceVariable = VariableBase & { kind: 'choice'; default: string; choices: readonly string[] };
type TextVariable = VariableBase & {
  kind: 'text';
  /** The value when unset; null = unset (the loader or `shownDefault` says what then). */
  default: string | null;
  /** The default as the documentation shows it, when it is not a plain value (Markdown). */
  shownDefault?: string;
  /** The values the loader accepts (Markdown). */
  values: string;
};
export type VariableSpec = IntegerVariable | FlagVariable | ChoiceVariable | TextVariable;

/** Every environment variable, in the order the documentation lists them. */
export const ENVIRONMENT = {
  PORT: { kind: 'integer', default: 8080, min: 0, max: 65535, meaning: 'TCP port of the HTTP API.' },
  HOST: {
    kind: 'text',
    default: '127.0.0.1',
    values: 'an address or host name',
    meaning: 'Interface to bind. Use `0.0.0.0` in a container or behind a reverse proxy.',
  },
  PUBLIC_URL: {
    kind: 'text',
    default: null,
    shownDefault: '`http://localhost:$PORT`',
    values: 'an `http://` or `https://` URL',
    meaning:
      "Base URL clients reach this server at. Returned as `api_domain` by the token endpoint: Zoho's SDK sends every later call there. Consent links and the session cookie's `Secure` flag follow it.",
  },
  DATA_DIR: { kind: 'text', default: './data', values: 'a folder', meaning: 'Folder of the embedded SQLite database (`mailroom.db`).' },
  DATABASE_URL: {
    kind: 'text',
    default: null,
    shownDefault: 'unset',
    values: '`postgres://…` (or `postgresql://…`), `sqlite:<path>` (or `file:<path>`)',
    meaning:
      'Unset: SQLite in `DATA_DIR` (WAL, `synchronous=FULL`). `postgres://user:pass@host:5432/db`: PostgreSQL (must run with `synchronous_commit=on`; Mailroom refuses to start otherwise). `sqlite:/path/file.db`: SQLite at that path.',
  },
  DATABASE_SCHEMA: {
    kind: 'text',
    default: 'public',
    values: 'a lower-case SQL identifier (`[a-z_][a-z0-9_]*`, at most 63 characters)',
    meaning: "PostgreSQL schema for Mailroom's tables (created if missing).",
  },
  DATABASE_POOL_SIZE: { kind: 'integer', default: 10, min: 1, max: 200, meaning: 'PostgreSQL connections per process.' },
  FILE_STORAGE: {
    kind: 'text',
    default: null,
    shownDefault: '`database` with a PostgreSQL `DATABASE_URL`, `disk` otherwise',
    values: '`disk`, `database`',
    meaning:
      'Where the bytes of uploaded and generated files live. `disk`: under `DATA_DIR/files` (one machine). `database`: the `file_blobs` table, so every process on every machine sees them (what several API or worker processes need).',
  },
  SMTP_URL: {
    kind: 'text',
    default: null,
    shownDefault: 'unset',
    values: '`smtp://…` or `smtps://…`',
    meaning:
      'The org relay: `smtp://user:pass@smtp.example.com:587` (STARTTLS when offered; add `?requireTLS=true` to insist) or `smtps://…:465`. Used for `org_email: true` mail and for users without their own server. Unset: the local mailbox (`/mailbox`).',
  },
  MESSAGE_ID_DOMAIN: {
    kind: 'text',
    default: null,
    shownDefault: 'host of `PUBLIC_URL`',
    values: 'a domain name',
    meaning: 'Domain of generated Message-IDs: `<message_id@domain>`.',
  },
  SECRETS_KEY: {
    kind: 'text',
    default: null,
    shownDefault: 'generated into `DATA_DIR/secrets.key`',
    values: '32 bytes as 64 hex or 44 base64 characters (`openssl rand -hex 32`)',
    meaning:
      "Encrypts users' SMTP passwords (AES-256-GCM) and keys the HMACs of consent links, sign-in counters and the sign-in form. **Required with `DATABASE_URL`**, the same on every process.",
  },
  WORKER_CONCURRENCY: {
    kind: 'integer',
    default: 16,
    min: 1,
    max: 256,
    meaning:
      "Mails one worker process works on at once: reading and re-checking, sending, recording. At most `SMTP_MAX_CONNECTIONS` of them talk to one destination at a time; the others have their database work done and wait for a connection, which hides the database's round trips (on PostgreSQL 8 kept a relay taking 200 msg/s busy only 93 % of the time, 16 fully).",
  },
  WORKER_LEASE_SECONDS: {
    kind: 'integer',
    default: 60,
    min: 5,
    max: 3600,
    meaning: 'A claimed mail belongs to its worker this long; if the worker dies, another claims it after that.',
  },
  RETRY_FIRST_SECONDS: {
    kind: 'integer',
    default: 60,
    min: 1,
    max: 86400,
    meaning: 'First retry of a deferred recipient; each later retry waits twice as long, at most 1 h.',
  },
  RETRY_MAX_AGE_HOURS: {
    kind: 'integer',
    default: 72,
    min: 1,
    max: 720,
    meaning: 'A recipient still deferred this long after acceptance fails for good (4.x.x becomes 5.x.x).',
  },
  SMTP_TIMEOUT_SECONDS: { kind: 'integer', default: 30, min: 1, max: 600, meaning: 'Connection, greeting and socket timeout towards SMTP servers.' },
  SMTP_MAX_CONNECTIONS: {
    kind: 'integer',
    default: 5,
    min: 1,
    max: 100,
    meaning:
      "Per worker process and destination (host:port): SMTP transactions at a time, shared by the relay and users' own servers on the same host; also the connections each server's pool keeps. M workers open at most M × this to one destination.",
  },
  SMTP_MAX_MESSAGES_PER_CONNECTION: {
    kind: 'integer',
    default: 100,
    min: 1,
    max: 10000,
    meaning: 'Messages sent over one pooled connection before it is replaced.',
  },
  SHUTDOWN_GRACE_SECONDS: { kind: 'integer', default: 30, min: 1, max: 600, meaning: 'On SIGTERM, time in-flight sends and requests get to finish.' },
  SHUTDOWN_DRAIN_SECONDS: {
    kind: 'integer',
    default: 0,
    min: 0,
    max: 300,
    meaning: 'On SIGTERM, how long `/readyz` answers 503 while the server still serves requests, so a load balancer stops sending new ones before it closes (e.g. 10 behind one that probes every 5 s).',
  },
  SCHEDULE_HORIZON_DAYS: { kind: 'integer', default: 365, min: 1, max: 3650, meaning: 'How far ahead `scheduled_time` may be.' },
  CONSENT_LINK_TTL_DAYS: {
    kind: 'integer',
    default: 90,
    min: 1,
    max: 730,
    meaning: 'How long a consent-form link from a consent email keeps working.',
  },
  SMTP_ALLOW_PRIVATE_HOSTS: {
    kind: 'flag',
    default: false,
    meaning:
      "Let users' own SMTP servers be on loopback, private or other special-purpose addresses (off: the SSRF guard refuses them, see [Users' own SMTP servers](smtp-servers.md)). The host is still resolved once and connected to at the address resolved.",
  },
  WEBHOOK_TIMEOUT_MS: {
    kind: 'integer',
    default: 15000,
    min: 100,
    max: 120000,
    meaning: 'How long one webhook POST may take (connect, send, answer) before it counts as failed and is retried. See [Webhooks](webhooks.md).',
  },
  WEBHOOK_CONCURRENCY: { kind: 'integer', default: 8, min: 1, max: 256, meaning: 'Webhook POSTs one worker process makes at once.' },
  WEBHOOK_PER_ENDPOINT_CONCURRENCY: {
    kind: 'integer',
    default: 2,
    min: 1,
    max: 64,
    meaning: 'Webhook POSTs one worker process makes at once to the same endpoint.',
  },
  WEBHOOK_RETRY_SCHEDULE: {
    kind: 'text',
    default: '5s,1m,5m,30m,2h,6h,12h,24h,24h,24h',
    values: 'a comma-separated list of delays, each a number with `ms`, `s`, `m`, `h` or `d` (1 to 30 of them)',
    meaning:
      'The wait before each retry of a webhook message whose attempt failed (not 2xx, no answer); after the last one the message is `failed`. The default retries for about 4 days. See [Webhooks](webhooks.md).',
  },
  WEBHOOK_DISABLE_AFTER_HOURS: {
    kind: 'integer',
    default: 120,
    min: 1,
    max: 8760,
    meaning:
      'An endpoint whose attempts have all failed for longer than this (none succeeded since its first failure) is disabled, with the reason shown, and its pending messages end `failed`.',
  },
  WEBHOOK_ALLOW_PRIVATE_HOSTS: {
    kind: 'flag',
    default: false,
    meaning:
      "Let webhook endpoints be on loopback, private or other special-purpose addresses, and use plain `http://` (off: only `https://` to public addresses; the same SSRF guard as [users' own SMTP servers](smtp-servers.md)). `SMTP_ALLOW_PRIVATE_HOSTS=true` allows it too. The host is still resolved once and connected to at the address resolved.",
  },
  WEBHOOK_POLL_MS: {
    kind: 'integer',
    default: 1000,
    min: 50,
    max: 2000,
    meaning: 'How often an idle webhook sender looks for new messages (events written by other processes); it wakes at once for mail accepted in any process and for retries coming due.',
  },
  TRUST_PROXY: {
    kind: 'text',
    default: 'false',
    values: '`false` (or `0`), `true`, a number 1–20, or a comma-separated list of addresses, CIDRs and `loopback`, `linklocal`, `uniquelocal`',
    meaning:
      "Which peers' `X-Forwarded-For` names the client (the sign-in limits count per client). `false`: none, the peer is the client. A comma-separated list of the proxies' addresses or CIDRs (`10.0.0.5`, `172.16.0.0/12`, `::1`, or `loopback`, `linklocal`, `uniquelocal`): the client is the last address before the first untrusted one — the safe choice. `true`: trust every peer (only if nothing but the proxy can reach Mailroom, and it overwrites the header). A number 1–20: trust that many nearest hops whatever their address (same caveat).",
  },
  LOG_LEVEL: {
    kind: 'choice',
    default: 'info',
    choices: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
    meaning:
      'Logs are JSON (pino); tokens, secrets and passwords are redacted: headers and fields by name (an OAuth grant `code` in a request body or query; error codes stay readable), and in every logged URL (request line, error message, stack) the values of `access_token`, `refresh_token`, `id_token`, `client_secret`, `code`, `token`, `password`, `passwd`, `pass`, `secret`, `api_key`, `apikey`, `key`, `signature`, `authorization`, `_csrf` and the consent link\'s secret become `[redacted]`, the rest stays readable.',
  },  GROUP_COMMIT_MAX_BATCH: {
    kind: 'integer',
    default: 64,
    min: 1,
    max: 1000,
    meaning:
      'At most this many concurrent send_mail acceptances share one transaction and one durable commit (group commit; each in its own savepoint, each answered only after that commit). 1 turns grouping off: one commit per request.',
  },
  METRICS_TOKEN: {
    kind: 'text',
    default: null,
    shownDefault: 'unset (open)',
    values: 'a secret of at least 16 characters',
    meaning: 'Set, `/metrics` (on the API and on the ops port) answers only requests with `Authorization: Bearer <token>`; others get 401.',
  },
  METRICS_PORT: {
    kind: 'text',
    default: null,
    shownDefault: 'unset (no ops port)',
    values: 'a TCP port (1-65535; 0 picks a free one)',
    meaning:
      'Port of the small HTTP server of `mailroom worker` and `mailroom inbound` with `/metrics`, `/livez` and `/readyz` (on `HOST`). The API serves these on its own port.',
  },
  METRICS_USER_SMTP_HOSTS: {
    kind: 'flag',
    default: false,
    meaning:
      "Label SMTP metrics of users' own servers with their host (`user:smtp.example.com`) instead of `user`: as many series as there are such hosts, so off by default.",
  },

  DEFAULT_TIME_ZONE: {
    kind: 'text',
    default: 'UTC',
    values: 'an IANA time zone (`Europe/Berlin`, `Asia/Kolkata`, `UTC`)',
    meaning: 'Time zone of orgs created without one (the demo org, `org create`).',
  },
  DEMO_ADMIN_EMAIL: {
    kind: 'text',
    default: 'admin@example.com',
    values: 'an email address',
    meaning: "Email of the demo org's admin, created on first start.",
  },
  ACCESS_TOKEN_TTL_SECONDS: { kind: 'integer', default: 3600, min: 60, max: 86400, meaning: 'Lifetime of access tokens (Zoho: one hour).' },
  BODY_LIMIT_BYTES: { kind: 'integer', default: 5242880, min: 1024, max: 104857600, meaning: 'Largest request body; larger ones get 413.' },
  HEARTBEAT_SECONDS: {
    kind: 'integer',
    default: 5,
    min: 1,
    max: 60,
    meaning:
      'How often an API process records that it is alive. One silent for 3 × this is taken for dead and the Idempotency-Keys its requests held are released (see [Idempotency after a crash](operations.md#idempotency-after-a-crash)). The same on every process.',
  },
  CACHE_TTL_SECONDS: {
    kind: 'integer',
    default: 5,
    min: 0,
    max: 300,
    meaning:
      'How long an API process keeps tokens, org settings, users, permissions, custom modules, org From addresses, daily-limit facts and webhook subscriptions in memory. A change made through this process is seen at once; one made through another process within this time (a revoked token included). `0`: nothing cached. See [Caches and API credits across processes](operations.md#caches-and-api-credits-across-processes).',
  },
  API_RATE_LIMITS: {
    kind: 'flag',
    default: true,
    meaning:
      "Per-org API limits of the org's edition (Zoho's credits per rolling 24 h, counted in the database — each process writes its counts in batches, see [Caches and API credits across processes](operations.md#caches-and-api-credits-across-processes) — and simultaneous requests, counted per process); beyond them 429. `false`: nothing is counted and no `X-RATELIMIT-*` headers are sent.",
  },
  BOUNCE_ADDRESS: {
    kind: 'text',
    default: null,
    shownDefault: 'unset',
    values: 'an email address such as `bounces@mail.example.com`: no `+`, a local part of at most 33 characters (the token is added to it)',
    meaning:
      "Envelope sender (return path) of every message, made per recipient (VERP): `bounces+<token>@mail.example.com`, the token naming the mail's recipient under an HMAC, so a late bounce (DSN) finds its recipient and a forged one changes nothing. Point the domain's MX at the inbound listener (`INBOUND_SMTP_PORT`; [Bounces and complaints](bounces.md)). Unset: the From address is the envelope sender, as before. The header From never changes.",
  },
  REPLY_ADDRESS: {
    kind: 'text',
    default: null,
    shownDefault: 'unset (no Reply-To is added; replies are not tracked)',
    values: 'an email address such as `replies@in.example.com`: no `+`, a local part of at most 33 characters, not `BOUNCE_ADDRESS`',
    meaning:
      "Replies on the record: a mail without a `reply_to` of its own goes out with `Reply-To: <sender's name> <replies+<token>@in.example.com>` (the token names its first To recipient under an HMAC), and the inbound listener takes mail for this address (with or without a token): a reply matched by its token or its In-Reply-To/References is stored on the record and makes the recipient `replied`. Users can Bcc the bare address (a \"BCC dropbox\"). Point the domain's MX at the inbound listener (`INBOUND_SMTP_PORT`; [Replies](replies.md)).",
  },
  SES_SNS_TOPIC_ARNS: {
    kind: 'text',
    default: null,
    shownDefault: 'unset (`POST /webhooks/ses` answers 404)',
    values: 'comma-separated SNS topic ARNs such as `arn:aws:sns:eu-west-1:123456789012:ses-events`',
    meaning:
      "Amazon SES events through SNS: the topics whose signed messages `POST /webhooks/ses` accepts (bounces, complaints, deliveries, delays; a subscription confirmation is confirmed). A message of any other topic is refused (403). [Relay webhooks](bounces.md#relay-webhooks).",
  },
  SENDGRID_WEBHOOK_PUBLIC_KEY: {
    kind: 'text',
    default: null,
    shownDefault: 'unset (`POST /webhooks/sendgrid` answers 404)',
    values: "the Event Webhook's verification key (base64 DER public key, EC P-256)",
    meaning:
      "SendGrid's signed Event Webhook at `POST /webhooks/sendgrid`: every request's ECDSA signature is checked against this key (unsigned or stale requests: 403). Checked at start-up. [Relay webhooks](bounces.md#relay-webhooks).",
  },
  INBOUND_SMTP_PORT: {
    kind: 'text',
    default: null,
    shownDefault: 'unset (no listener in `serve`)',
    values: 'a TCP port (1-65535; 0 picks a free one)',
    meaning:
      'Port of the inbound SMTP listener that takes DSNs and complaints for `BOUNCE_ADDRESS` and replies for `REPLY_ADDRESS`. Set, `serve` runs it too; `mailroom inbound` runs it alone (default port 2525 there). Every message is committed before its 250.',
  },
  INBOUND_SMTP_HOST: {
    kind: 'text',
    default: null,
    shownDefault: 'the value of `HOST`',
    values: 'an address or host name',
    meaning: 'Interface the inbound SMTP listener binds (`0.0.0.0` for a public MX).',
  },
  INBOUND_SMTP_NAME: {
    kind: 'text',
    default: null,
    shownDefault: '`MESSAGE_ID_DOMAIN`',
    values: 'a host name',
    meaning: 'Name the inbound listener gives in its greeting (the MX host name).',
  },
  INBOUND_MAX_MESSAGE_BYTES: {
    kind: 'integer',
    default: 10485760,
    min: 65536,
    max: 52428800,
    meaning: 'Largest message the inbound listener takes (announced with SIZE; larger ones get 552 and are not stored).',
  },
  INBOUND_MAX_CONNECTIONS: {
    kind: 'integer',
    default: 50,
    min: 1,
    max: 1000,
    meaning: 'Simultaneous connections to the inbound listener; beyond, new ones get 421.',
  },
  INBOUND_MESSAGES_PER_MINUTE: {
    kind: 'integer',
    default: 120,
    min: 1,
    max: 100000,
    meaning: 'Messages the inbound listener takes per client address per minute (per process); beyond, 421 and the sender retries later.',
  },
  INBOUND_TLS_CERT: {
    kind: 'text',
    default: null,
    shownDefault: 'unset (no STARTTLS)',
    values: 'path of a PEM certificate chain',
    meaning: 'With `INBOUND_TLS_KEY`: the inbound listener offers STARTTLS with this certificate.',
  },
  INBOUND_TLS_KEY: {
    kind: 'text',
    default: null,
    shownDefault: 'unset',
    values: 'path of a PEM private key',
    meaning: "Private key of `INBOUND_TLS_CERT`.",
  },
  MAILROOM_FAULT_AT: {
    kind: 'text',
    default: null,
    shownDefault: 'unset',
    values: '`<fault point>` or `<fault point>:<n>`',
    readBy: 'src/faults.ts',
    meaning:
      'Tests only: makes the process SIGKILL itself the n-th time (default the first) it reaches that fault point (`src/faults.ts` lists them). Never set it in production.',
  },
  MAILROOM_SMTP_INSECURE_TLS: {
    kind: 'text',
    default: null,
    shownDefault: 'unset',
    values: 'any non-empty value',
    readBy: 'src/delivery/smtp-transport.ts',
    meaning:
      "Tests only: set, SMTP connections no longer verify the server's TLS certificate. Never set it in production.",
  },
} as const satisfies Record<string, VariableSpec>;

export type VariableName = keyof typeof ENVIRONMENT;
type NamesOf<Kind extends VariableSpec['kind']> = {
  [Name in VariableName]: (typeof ENVIRONMENT)[Name] extends { kind: Kind } ? Name : never;
}[VariableName];

export type DatabaseTarget =
  | { kind: 'sqlite'; file: string }
  | { kind: 'postgres'; url: string; schema: string; poolSize: number };

/** Where file bytes live (FILE_STORAGE). */
export type FileStorageKind = 'disk' | 'database';
const FILE_STORAGE_KINDS: readonly FileStorageKind[] = ['disk', 'database'];

/** The parsed configuration; each field names the variable it comes from (see `ENVIRONMENT`). */
export type Config = Readonly<{
  /** PORT */
  port: number;
  /** HOST */
  host: string;
  /** PUBLIC_URL, without a trailing slash. */
  publicUrl: string;
  /** DATA_DIR, resolved. */
  dataDir: string;
  /** DATABASE_URL, DATABASE_SCHEMA, DATABASE_POOL_SIZE */
  database: DatabaseTarget;
  /** FILE_STORAGE */
  fileStorage: FileStorageKind;
  /** SMTP_URL; null = the local mailbox. */
  smtpUrl: string | null;
  /** LOG_LEVEL */
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** DEFAULT_TIME_ZONE */
  defaultTimeZone: string;
  /** DEMO_ADMIN_EMAIL */
  demoAdminEmail: string;
  /** ACCESS_TOKEN_TTL_SECONDS */
  accessTokenTtlSeconds: number;
  /** BODY_LIMIT_BYTES */
  bodyLimitBytes: number;
  /** MESSAGE_ID_DOMAIN */
  messageIdDomain: string;
  /** SECRETS_KEY; null = generate into DATA_DIR. */
  secretsKey: string | null;
  /** TRUST_PROXY, as Fastify's `trustProxy` takes it (a hop count becomes a function in http/server.ts). */
  trustProxy: boolean | number | readonly string[];
  /** API_RATE_LIMITS */
  apiRateLimits: boolean;
  /** CONSENT_LINK_TTL_DAYS */
  consentLinkTtlMs: number;
  /** HEARTBEAT_SECONDS */
  heartbeatMs: number;
  /** CACHE_TTL_SECONDS, in ms; 0 = no per-process caches. */
  cacheTtlMs: number;
  /** GROUP_COMMIT_MAX_BATCH */
  groupCommitMaxBatch: number;
  metrics: Readonly<{
    /** METRICS_TOKEN; null = `/metrics` is open. */
    token: string | null;
    /** METRICS_PORT; null = no ops port in `worker` / `inbound`. */
    port: number | null;
    /** METRICS_USER_SMTP_HOSTS */
    userSmtpHosts: boolean;
  }>;
  /** BOUNCE_ADDRESS, lower-cased; null = the From address is the envelope sender. */
  bounceAddress: string | null;
  /** REPLY_ADDRESS, lower-cased; null = no Reply-To added, replies not taken (src/replies/). */
  replyAddress: string | null;
  /** SES_SNS_TOPIC_ARNS; empty = the SES webhook is off (404). */
  sesSnsTopicArns: readonly string[];
  /** SENDGRID_WEBHOOK_PUBLIC_KEY (checked to be an EC P-256 key); null = the SendGrid webhook is off (404). */
  sendgridWebhookPublicKey: string | null;
  inbound: Readonly<{
    /** INBOUND_SMTP_PORT; null = no listener inside `serve`. */
    port: number | null;
    /** INBOUND_SMTP_HOST (default HOST) */
    host: string;
    /** INBOUND_SMTP_NAME (default MESSAGE_ID_DOMAIN) */
    name: string;
    /** INBOUND_MAX_MESSAGE_BYTES */
    maxMessageBytes: number;
    /** INBOUND_MAX_CONNECTIONS */
    maxConnections: number;
    /** INBOUND_MESSAGES_PER_MINUTE */
    messagesPerMinute: number;
    /** INBOUND_TLS_CERT, INBOUND_TLS_KEY (paths); null = no STARTTLS. */
    tls: Readonly<{ certFile: string; keyFile: string }> | null;
  }>;
  webhooks: Readonly<{
    /** WEBHOOK_TIMEOUT_MS */
    timeoutMs: number;
    /** WEBHOOK_CONCURRENCY */
    concurrency: number;
    /** WEBHOOK_PER_ENDPOINT_CONCURRENCY */
    perEndpoint: number;
    /** WEBHOOK_RETRY_SCHEDULE, in ms. */
    retryScheduleMs: readonly number[];
    /** WEBHOOK_DISABLE_AFTER_HOURS, in ms. */
    disableAfterMs: number;
    /** WEBHOOK_ALLOW_PRIVATE_HOSTS or SMTP_ALLOW_PRIVATE_HOSTS */
    allowPrivateHosts: boolean;
    /** WEBHOOK_POLL_MS */
    pollMs: number;
  }>;
  delivery: Readonly<{
    /** WORKER_CONCURRENCY */
    concurrency: number;
    /** WORKER_LEASE_SECONDS */
    leaseMs: number;
    /** RETRY_FIRST_SECONDS */
    firstRetryMs: number;
    /** RETRY_MAX_AGE_HOURS */
    maxAgeMs: number;
    /** SMTP_TIMEOUT_SECONDS */
    smtpTimeoutMs: number;
    /** SMTP_MAX_CONNECTIONS */
    smtpMaxConnections: number;
    /** SMTP_MAX_MESSAGES_PER_CONNECTION */
    smtpMaxMessagesPerConnection: number;
    /** SHUTDOWN_GRACE_SECONDS */
    shutdownGraceMs: number;
    /** SHUTDOWN_DRAIN_SECONDS */
    shutdownDrainMs: number;
    /** SMTP_ALLOW_PRIVATE_HOSTS */
    allowPrivateSmtpHosts: boolean;
    /** SCHEDULE_HORIZON_DAYS */
    scheduleHorizonMs: number;
  }>;
}>;

type Env = Record<string, string | undefined>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment; throws a ConfigError listing every problem with its fix. */
export function loadConfig(env: Env = process.env): Config {
  const problems: string[] = [];
  /**
   * A documented variable's value; empty counts as unset. Any variable may instead be given as
   * `<NAME>_FILE`, the path of a file holding the value (container platforms' secrets:
   * `SECRETS_KEY_FILE=/run/secrets/mailroom_key`); its content is trimmed. Both at once is a problem.
   */
  const read = (name: VariableName): string | undefined => {
    const given = (value: string | undefined): string | undefined => (value === undefined || value.trim() === '' ? undefined : value.trim());
    const value = given(env[name]);
    const file = given(env[`${name}_FILE`]);
    if (file === undefined) return value;
    if (value !== undefined) {
      problems.push(`${name} and ${name}_FILE are both set: keep one`);
      return value;
    }
    try {
      return given(fs.readFileSync(file, 'utf8'));
    } catch (error) {
      problems.push(`${name}_FILE=${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)}): give the path of a file holding ${name}`);
      return undefined;
    }
  };
  const text = (name: NamesOf<'text'>): string | undefined => read(name) ?? ENVIRONMENT[name].default ?? undefined;
  const integer = (name: NamesOf<'integer'>): number => {
    const { default: fallback, min, max } = ENVIRONMENT[name];
    const raw = read(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${name}=${raw} must be a whole number from ${min} to ${max} (default ${fallback})`);
      return fallback;
    }
    return value;
  };
  const flag = (name: NamesOf<'flag'>): boolean => {
    const raw = read(name);
    if (raw === undefined) return ENVIRONMENT[name].default;
    if (raw === 'true' || raw === '1') return true;
    if (raw === 'false' || raw === '0') return false;
    problems.push(`${name}=${raw} must be true or false`);
    return ENVIRONMENT[name].default;
  };
  const choice = <Name extends NamesOf<'choice'>>(name: Name): (typeof ENVIRONMENT)[Name]['choices'][number] => {
    const { default: fallback, choices } = ENVIRONMENT[name];
    const raw = (read(name) ?? fallback).toLowerCase();
    if ((choices as readonly string[]).includes(raw)) return raw as (typeof ENVIRONMENT)[Name]['choices'][number];
    problems.push(`${name}=${raw} must be one of ${choices.join(', ')}`);
    return fallback;
  };

  const port = integer('PORT');
  const host = text('HOST')!;
  const dataDir = path.resolve(text('DATA_DIR')!);

  let publicUrl = text('PUBLIC_URL') ?? `http://localhost:${port}`;
  try {
    const url = new URL(publicUrl);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('protocol');
    publicUrl = url.toString().replace(/\/+$/, '');
  } catch {
    problems.push(`PUBLIC_URL=${publicUrl} must be an http(s) URL such as https://crm.example.com`);
  }

  let database: DatabaseTarget = { kind: 'sqlite', file: path.join(dataDir, 'mailroom.db') };
  const databaseUrl = text('DATABASE_URL');
  if (databaseUrl !== undefined) {
    if (/^postgres(ql)?:\/\//i.test(databaseUrl)) {
      const schema = text('DATABASE_SCHEMA')!;
      if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
        problems.push(`DATABASE_SCHEMA=${schema} must be a lower-case SQL identifier such as mailroom`);
      }
      database = { kind: 'postgres', url: databaseUrl, schema, poolSize: integer('DATABASE_POOL_SIZE') };
    } else if (/^(sqlite|file):/i.test(databaseUrl)) {
      database = { kind: 'sqlite', file: path.resolve(databaseUrl.replace(/^(sqlite|file):(\/\/)?/i, '')) };
    } else {
      problems.push(
        'DATABASE_URL must start with postgres:// (or postgresql://) or sqlite:; leave it unset for the embedded database in DATA_DIR',
      );
    }
  }

  const fileStorageText = text('FILE_STORAGE')?.toLowerCase();
  let fileStorage: FileStorageKind = database.kind === 'postgres' ? 'database' : 'disk';
  if (fileStorageText !== undefined) {
    if ((FILE_STORAGE_KINDS as readonly string[]).includes(fileStorageText)) fileStorage = fileStorageText as FileStorageKind;
    else problems.push(`FILE_STORAGE=${fileStorageText} must be disk or database (default: database with a PostgreSQL DATABASE_URL, disk otherwise)`);
  }

  const smtpUrl = text('SMTP_URL') ?? null;
  if (smtpUrl !== null && !/^smtps?:\/\//i.test(smtpUrl)) {
    problems.push('SMTP_URL must look like smtp://user:pass@host:587 or smtps://host:465');
  }

  const logLevel = choice('LOG_LEVEL');

  const defaultTimeZone = text('DEFAULT_TIME_ZONE')!;
  if (!isValidTimeZone(defaultTimeZone)) {
    problems.push(`DEFAULT_TIME_ZONE=${defaultTimeZone} is not an IANA time zone (e.g. Europe/Berlin, Asia/Kolkata, UTC)`);
  }

  const demoAdminEmail = text('DEMO_ADMIN_EMAIL')!;
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(demoAdminEmail)) {
    problems.push(`DEMO_ADMIN_EMAIL=${demoAdminEmail} must be an email address`);
  }

  let messageIdDomain = text('MESSAGE_ID_DOMAIN');
  if (messageIdDomain === undefined) {
    try {
      messageIdDomain = new URL(publicUrl).hostname;
    } catch {
      messageIdDomain = 'localhost';
    }
  } else if (!/^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/.test(messageIdDomain)) {
    problems.push(`MESSAGE_ID_DOMAIN=${messageIdDomain} must be a domain name such as mail.example.com`);
  }

  const secretsKey = text('SECRETS_KEY') ?? null;
  if (secretsKey !== null && decodeKey(secretsKey) === null) {
    problems.push('SECRETS_KEY must be 32 bytes, hex (64 characters) or base64 (44 characters); e.g. `openssl rand -hex 32`');
  }
  if (secretsKey === null && database.kind === 'postgres') {
    problems.push(
      'SECRETS_KEY is required with DATABASE_URL (every process must share it): generate one with `openssl rand -hex 32`',
    );
  }

  const trustProxy = parseTrustProxy(text('TRUST_PROXY')!, problems);

  const metricsToken = text('METRICS_TOKEN') ?? null;
  if (metricsToken !== null && metricsToken.length < 16) problems.push('METRICS_TOKEN must be at least 16 characters (e.g. `openssl rand -hex 16`)');
  let metricsPort: number | null = null;
  const rawMetricsPort = text('METRICS_PORT');
  if (rawMetricsPort !== undefined) {
    metricsPort = Number(rawMetricsPort);
    if (!/^\d{1,5}$/.test(rawMetricsPort) || metricsPort > 65535) {
      problems.push(`METRICS_PORT=${rawMetricsPort} must be a TCP port from 0 to 65535`);
      metricsPort = null;
    }
  }

  const bounceAddress = text('BOUNCE_ADDRESS')?.toLowerCase() ?? null;
  const bounceProblem = bounceAddress === null ? null : checkBounceAddress(bounceAddress);
  if (bounceProblem !== null) problems.push(`BOUNCE_ADDRESS=${bounceAddress} ${bounceProblem} (e.g. bounces@mail.example.com; the VERP token is added to it)`);
  let inboundPort: number | null = null;
  const rawInboundPort = text('INBOUND_SMTP_PORT');
  if (rawInboundPort !== undefined) {
    inboundPort = Number(rawInboundPort);
    if (!/^\d{1,5}$/.test(rawInboundPort) || inboundPort > 65535) {
      problems.push(`INBOUND_SMTP_PORT=${rawInboundPort} must be a TCP port from 0 to 65535`);
      inboundPort = null;
    }
  }
  const replyAddress = text('REPLY_ADDRESS')?.toLowerCase() ?? null;
  const replyProblem = replyAddress === null ? null : checkBounceAddress(replyAddress);
  if (replyProblem !== null) problems.push(`REPLY_ADDRESS=${replyAddress} ${replyProblem} (e.g. replies@in.example.com; the reply token is added to it)`);
  if (replyAddress !== null && replyAddress === bounceAddress) problems.push('REPLY_ADDRESS must differ from BOUNCE_ADDRESS (replies and delivery reports are told apart by the address they arrive at)');
  if (inboundPort !== null && bounceAddress === null && replyAddress === null) {
    problems.push('INBOUND_SMTP_PORT needs BOUNCE_ADDRESS or REPLY_ADDRESS: the inbound listener takes mail for those addresses only');
  }
  const sesSnsTopicArns = (text('SES_SNS_TOPIC_ARNS') ?? '').split(',').map((arn) => arn.trim()).filter((arn) => arn !== '');
  for (const arn of sesSnsTopicArns) {
    if (!/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_.-]{1,256}$/.test(arn)) problems.push(`SES_SNS_TOPIC_ARNS: ${arn} is not an SNS topic ARN (arn:aws:sns:<region>:<account>:<topic>)`);
  }
  const sendgridWebhookPublicKey = text('SENDGRID_WEBHOOK_PUBLIC_KEY') ?? null;
  if (sendgridWebhookPublicKey !== null) {
    try {
      sendgridPublicKey(sendgridWebhookPublicKey);
    } catch (error) {
      problems.push(`SENDGRID_WEBHOOK_PUBLIC_KEY is not the Event Webhook's verification key (base64 EC P-256 public key): ${(error as Error).message}`);
    }
  }
  const tlsCert = text('INBOUND_TLS_CERT');
  const tlsKey = text('INBOUND_TLS_KEY');
  if ((tlsCert === undefined) !== (tlsKey === undefined)) {
    problems.push('INBOUND_TLS_CERT and INBOUND_TLS_KEY go together: set both (STARTTLS) or neither');
  }

  const config: Config = {
    port,
    host,
    publicUrl,
    dataDir,
    database,
    fileStorage,
    smtpUrl,
    logLevel,
    defaultTimeZone,
    demoAdminEmail,
    accessTokenTtlSeconds: integer('ACCESS_TOKEN_TTL_SECONDS'),
    bodyLimitBytes: integer('BODY_LIMIT_BYTES'),
    messageIdDomain,
    secretsKey,
    trustProxy,
    apiRateLimits: flag('API_RATE_LIMITS'),
    consentLinkTtlMs: integer('CONSENT_LINK_TTL_DAYS') * 24 * 3600 * 1000,
    heartbeatMs: integer('HEARTBEAT_SECONDS') * 1000,
    cacheTtlMs: integer('CACHE_TTL_SECONDS') * 1000,
    groupCommitMaxBatch: integer('GROUP_COMMIT_MAX_BATCH'),
    metrics: Object.freeze({ token: metricsToken, port: metricsPort, userSmtpHosts: flag('METRICS_USER_SMTP_HOSTS') }),
    bounceAddress,
    replyAddress,
    sesSnsTopicArns: Object.freeze(sesSnsTopicArns),
    sendgridWebhookPublicKey,
    inbound: Object.freeze({
      port: inboundPort,
      host: text('INBOUND_SMTP_HOST') ?? host,
      name: text('INBOUND_SMTP_NAME') ?? messageIdDomain,
      maxMessageBytes: integer('INBOUND_MAX_MESSAGE_BYTES'),
      maxConnections: integer('INBOUND_MAX_CONNECTIONS'),
      messagesPerMinute: integer('INBOUND_MESSAGES_PER_MINUTE'),
      tls: tlsCert !== undefined && tlsKey !== undefined ? Object.freeze({ certFile: path.resolve(tlsCert), keyFile: path.resolve(tlsKey) }) : null,
    }),
    webhooks: Object.freeze({
      timeoutMs: integer('WEBHOOK_TIMEOUT_MS'),
      concurrency: integer('WEBHOOK_CONCURRENCY'),
      perEndpoint: integer('WEBHOOK_PER_ENDPOINT_CONCURRENCY'),
      retryScheduleMs: Object.freeze(parseRetrySchedule(text('WEBHOOK_RETRY_SCHEDULE') ?? '', problems)),
      disableAfterMs: integer('WEBHOOK_DISABLE_AFTER_HOURS') * 3600 * 1000,
      allowPrivateHosts: flag('WEBHOOK_ALLOW_PRIVATE_HOSTS') || flag('SMTP_ALLOW_PRIVATE_HOSTS'),
      pollMs: integer('WEBHOOK_POLL_MS'),
    }),
    delivery: Object.freeze({
      concurrency: integer('WORKER_CONCURRENCY'),
      leaseMs: integer('WORKER_LEASE_SECONDS') * 1000,
      firstRetryMs: integer('RETRY_FIRST_SECONDS') * 1000,
      maxAgeMs: integer('RETRY_MAX_AGE_HOURS') * 3600 * 1000,
      smtpTimeoutMs: integer('SMTP_TIMEOUT_SECONDS') * 1000,
      smtpMaxConnections: integer('SMTP_MAX_CONNECTIONS'),
      smtpMaxMessagesPerConnection: integer('SMTP_MAX_MESSAGES_PER_CONNECTION'),
      shutdownGraceMs: integer('SHUTDOWN_GRACE_SECONDS') * 1000,
      shutdownDrainMs: integer('SHUTDOWN_DRAIN_SECONDS') * 1000,
      allowPrivateSmtpHosts: flag('SMTP_ALLOW_PRIVATE_HOSTS'),
      scheduleHorizonMs: integer('SCHEDULE_HORIZON_DAYS') * 24 * 3600 * 1000,
    }),
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(config);
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** WEBHOOK_RETRY_SCHEDULE: `5s,1m,…` as milliseconds. */
function parseRetrySchedule(raw: string, problems: string[]): number[] {
  const delays = raw.split(',').map((entry) => {
    const match = /^(\d+)(ms|s|m|h|d)$/.exec(entry.trim());
    return match ? Number(match[1]) * DURATION_UNITS[match[2]!]! : NaN;
  });
  if (delays.length >= 1 && delays.length <= 30 && delays.every((d) => Number.isFinite(d) && d > 0 && d <= 30 * 86_400_000)) return delays;
  problems.push(`WEBHOOK_RETRY_SCHEDULE=${raw} must be 1 to 30 comma-separated delays such as 5s,1m,5m,30m,2h (units ms, s, m, h, d; each at most 30d)`);
  return [5000];
}

const PROXY_RANGE_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

/** TRUST_PROXY: false/0, true, a hop count, or a comma-separated list of addresses and CIDRs. */
function parseTrustProxy(raw: string, problems: string[]): Config['trustProxy'] {
  if (raw === 'false' || raw === '0') return false;
  if (raw === 'true') return true;
  if (/^\d+$/.test(raw)) {
    const hops = Number(raw);
    if (hops <= 20) return hops;
  } else {
    const entries = raw.split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
    const valid = (entry: string): boolean => {
      if (PROXY_RANGE_NAMES.includes(entry) || isIP(entry) !== 0) return true;
      const [address = '', prefix, extra] = entry.split('/');
      const family = isIP(address);
      return family !== 0 && extra === undefined && prefix !== undefined && /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
    };
    if (entries.length > 0 && entries.every(valid)) return Object.freeze(entries);
  }
  problems.push(
    `TRUST_PROXY=${raw} must be true, false, a number of proxy hops (1-20), or a comma-separated list of the proxies' addresses or CIDRs (e.g. 10.0.0.5,172.16.0.0/12 or loopback)`,
  );
  return false;
}

export function isValidTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** A 32-byte key from hex or base64; null when it is neither. */
export function decodeKey(value: string): Buffer | null {
  if (/^[0-9a-fA-F]{64}$/.test(value)) return Buffer.from(value, 'hex');
  const buffer = Buffer.from(value, 'base64');
  return buffer.length === 32 && /^[A-Za-z0-9+/=_-]+$/.test(value) ? buffer : null;
}
