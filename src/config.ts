import { isIP } from 'node:net';
import path from 'node:path';

/**
 * Configuration, read once from the environment and validated. This is the only file that
 * reads `process.env` (apart from src/faults.ts, the test-only crash points); everything else
 * receives a frozen `Config`.
 *
 * Every variable is documented in the README's configuration table: keep the two in step.
 */
export type DatabaseTarget =
  | { kind: 'sqlite'; file: string }
  | { kind: 'postgres'; url: string; schema: string; poolSize: number };

export type Config = Readonly<{
  /** TCP port of the HTTP API. */
  port: number;
  /** Interface to bind; 127.0.0.1 by default so a fresh demo is not exposed to the network. */
  host: string;
  /** Base URL clients use to reach this server; returned as the OAuth `api_domain`. */
  publicUrl: string;
  /** Folder for the embedded SQLite database and other local state. */
  dataDir: string;
  database: DatabaseTarget;
  /** Outgoing SMTP relay (`smtp://user:pass@host:587`, `smtps://…`); unset = local mailbox. */
  smtpUrl: string | null;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** IANA time zone of the demo org created on first start. */
  defaultTimeZone: string;
  /** Address of the demo org's admin user, created on first start. */
  demoAdminEmail: string;
  /** Lifetime of OAuth access tokens, in seconds (Zoho: one hour). */
  accessTokenTtlSeconds: number;
  /** Largest accepted request body, in bytes (JSON and forms). */
  bodyLimitBytes: number;
  /** Domain part of generated Message-IDs (`<message_id@domain>`). */
  messageIdDomain: string;
  /** 32-byte key (hex or base64) that encrypts stored SMTP passwords; null = generate into DATA_DIR. */
  secretsKey: string | null;
  /**
   * Which peers' `X-Forwarded-For` tells the client's address (Fastify's `trustProxy`): false =
   * none (the peer is the client), true = any, a number = that many proxy hops, or a list of
   * proxy addresses / CIDRs (and `loopback`, `linklocal`, `uniquelocal`).
   */
  trustProxy: boolean | number | readonly string[];
  /** Count API credits and concurrent requests per org and answer 429 beyond them (zoho-api.md §15). */
  apiRateLimits: boolean;
  /** How long a consent-form link (`${ConsentForm.en_US}`) keeps working after its mail is accepted. */
  consentLinkTtlMs: number;
  /**
   * How often an API process records that it is alive; one silent for 3 intervals is taken for
   * dead and the Idempotency-Keys its requests held are released. The same on every process.
   */
  heartbeatMs: number;
  delivery: Readonly<{
    /** Mails a worker works on at once (at most SMTP_MAX_CONNECTIONS of them talk to one destination). */
    concurrency: number;
    /** How long a claimed mail stays leased to its worker before another may take it. */
    leaseMs: number;
    /** First retry of a deferred recipient; each later retry waits twice as long (capped at 1 h). */
    firstRetryMs: number;
    /** A recipient still deferred this long after acceptance fails for good. */
    maxAgeMs: number;
    /** Connection, greeting and socket timeout towards SMTP servers. */
    smtpTimeoutMs: number;
    /** SMTP transactions at a time per destination host:port in one worker process (and pooled connections per server). */
    smtpMaxConnections: number;
    /** Messages sent over one pooled connection before it is replaced. */
    smtpMaxMessagesPerConnection: number;
    /** SIGTERM: time in-flight sends get to finish. */
    shutdownGraceMs: number;
    /** Allow users' own SMTP servers on loopback/private addresses (off: SSRF guard). */
    allowPrivateSmtpHosts: boolean;
    /** How far ahead `scheduled_time` may be. */
    scheduleHorizonMs: number;
  }>;
}>;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

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
  const read = (name: string): string | undefined => {
    const value = env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  };
  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const raw = read(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${name}=${raw} must be a whole number from ${min} to ${max} (default ${fallback})`);
      return fallback;
    }
    return value;
  };

  const port = integer('PORT', 8080, 0, 65535);
  const host = read('HOST') ?? '127.0.0.1';
  const dataDir = path.resolve(read('DATA_DIR') ?? './data');

  let publicUrl = read('PUBLIC_URL') ?? `http://localhost:${port}`;
  try {
    const url = new URL(publicUrl);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('protocol');
    publicUrl = url.toString().replace(/\/+$/, '');
  } catch {
    problems.push(`PUBLIC_URL=${publicUrl} must be an http(s) URL such as https://crm.example.com`);
  }

  let database: DatabaseTarget = { kind: 'sqlite', file: path.join(dataDir, 'mailroom.db') };
  const databaseUrl = read('DATABASE_URL');
  if (databaseUrl !== undefined) {
    if (/^postgres(ql)?:\/\//i.test(databaseUrl)) {
      const schema = read('DATABASE_SCHEMA') ?? 'public';
      if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
        problems.push(`DATABASE_SCHEMA=${schema} must be a lower-case SQL identifier such as mailroom`);
      }
      database = { kind: 'postgres', url: databaseUrl, schema, poolSize: integer('DATABASE_POOL_SIZE', 10, 1, 200) };
    } else if (/^(sqlite|file):/i.test(databaseUrl)) {
      database = { kind: 'sqlite', file: path.resolve(databaseUrl.replace(/^(sqlite|file):(\/\/)?/i, '')) };
    } else {
      problems.push(
        'DATABASE_URL must start with postgres:// (or postgresql://) or sqlite:; leave it unset for the embedded database in DATA_DIR',
      );
    }
  }

  const smtpUrl = read('SMTP_URL') ?? null;
  if (smtpUrl !== null && !/^smtps?:\/\//i.test(smtpUrl)) {
    problems.push('SMTP_URL must look like smtp://user:pass@host:587 or smtps://host:465');
  }

  const logLevelRaw = (read('LOG_LEVEL') ?? 'info').toLowerCase();
  const logLevel = (LOG_LEVELS as readonly string[]).includes(logLevelRaw)
    ? (logLevelRaw as Config['logLevel'])
    : (problems.push(`LOG_LEVEL=${logLevelRaw} must be one of ${LOG_LEVELS.join(', ')}`), 'info' as const);

  const defaultTimeZone = read('DEFAULT_TIME_ZONE') ?? 'UTC';
  if (!isValidTimeZone(defaultTimeZone)) {
    problems.push(`DEFAULT_TIME_ZONE=${defaultTimeZone} is not an IANA time zone (e.g. Europe/Berlin, Asia/Kolkata, UTC)`);
  }

  const demoAdminEmail = read('DEMO_ADMIN_EMAIL') ?? 'admin@example.com';
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(demoAdminEmail)) {
    problems.push(`DEMO_ADMIN_EMAIL=${demoAdminEmail} must be an email address`);
  }

  let messageIdDomain = read('MESSAGE_ID_DOMAIN');
  if (messageIdDomain === undefined) {
    try {
      messageIdDomain = new URL(publicUrl).hostname;
    } catch {
      messageIdDomain = 'localhost';
    }
  } else if (!/^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/.test(messageIdDomain)) {
    problems.push(`MESSAGE_ID_DOMAIN=${messageIdDomain} must be a domain name such as mail.example.com`);
  }

  const secretsKey = read('SECRETS_KEY') ?? null;
  if (secretsKey !== null && decodeKey(secretsKey) === null) {
    problems.push('SECRETS_KEY must be 32 bytes, hex (64 characters) or base64 (44 characters); e.g. `openssl rand -hex 32`');
  }
  if (secretsKey === null && database.kind === 'postgres') {
    problems.push(
      'SECRETS_KEY is required with DATABASE_URL (every process must share it): generate one with `openssl rand -hex 32`',
    );
  }
  const flag = (name: string, fallback: boolean): boolean => {
    const raw = read(name);
    if (raw === undefined) return fallback;
    if (raw === 'true' || raw === '1') return true;
    if (raw === 'false' || raw === '0') return false;
    problems.push(`${name}=${raw} must be true or false`);
    return fallback;
  };

  const trustProxy = parseTrustProxy(read('TRUST_PROXY'), problems);

  const config: Config = {
    port,
    host,
    publicUrl,
    dataDir,
    database,
    smtpUrl,
    logLevel,
    defaultTimeZone,
    demoAdminEmail,
    accessTokenTtlSeconds: integer('ACCESS_TOKEN_TTL_SECONDS', 3600, 60, 86400),
    bodyLimitBytes: integer('BODY_LIMIT_BYTES', 5 * 1024 * 1024, 1024, 100 * 1024 * 1024),
    messageIdDomain,
    secretsKey,
    trustProxy,
    apiRateLimits: flag('API_RATE_LIMITS', true),
    consentLinkTtlMs: integer('CONSENT_LINK_TTL_DAYS', 90, 1, 730) * 24 * 3600 * 1000,
    heartbeatMs: integer('HEARTBEAT_SECONDS', 5, 1, 60) * 1000,
    delivery: Object.freeze({
      concurrency: integer('WORKER_CONCURRENCY', 16, 1, 256),
      leaseMs: integer('WORKER_LEASE_SECONDS', 60, 5, 3600) * 1000,
      firstRetryMs: integer('RETRY_FIRST_SECONDS', 60, 1, 86400) * 1000,
      maxAgeMs: integer('RETRY_MAX_AGE_HOURS', 72, 1, 24 * 30) * 3600 * 1000,
      smtpTimeoutMs: integer('SMTP_TIMEOUT_SECONDS', 30, 1, 600) * 1000,
      smtpMaxConnections: integer('SMTP_MAX_CONNECTIONS', 5, 1, 100),
      smtpMaxMessagesPerConnection: integer('SMTP_MAX_MESSAGES_PER_CONNECTION', 100, 1, 10_000),
      shutdownGraceMs: integer('SHUTDOWN_GRACE_SECONDS', 30, 1, 600) * 1000,
      allowPrivateSmtpHosts: flag('SMTP_ALLOW_PRIVATE_HOSTS', false),
      scheduleHorizonMs: integer('SCHEDULE_HORIZON_DAYS', 365, 1, 3650) * 24 * 3600 * 1000,
    }),
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(config);
}

const PROXY_RANGE_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

/** TRUST_PROXY: unset/false/0, true, a hop count, or a comma-separated list of addresses and CIDRs. */
function parseTrustProxy(raw: string | undefined, problems: string[]): Config['trustProxy'] {
  if (raw === undefined || raw === 'false' || raw === '0') return false;
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
