import path from 'node:path';

/**
 * Configuration, read once from the environment and validated. This is the only file that
 * reads `process.env`; everything else receives a frozen `Config`.
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
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(config);
}

export function isValidTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}
