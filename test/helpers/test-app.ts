import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe } from 'node:test';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import pg from 'pg';
import { pino } from 'pino';
import { createApp, type App } from '../../src/app.js';
import { issueTokenPair } from '../../src/auth/issue-tokens.js';
import type { Clock } from '../../src/clock.js';
import { loadConfig, type Config } from '../../src/config.js';
import type { Edition } from '../../src/db/schema.js';
import { buildServer } from '../../src/http/server.js';
import { createOrg } from '../../src/orgs/create-org.js';
import type { HostLookup } from '../../src/delivery/smtp-host-guard.js';
import type { Logger } from '../../src/logger.js';
import type { RelayHttp } from '../../src/bounces/relay-http.js';

/**
 * Test harness: the real app on a real database. Every suite runs on SQLite (a fresh file) and on
 * PostgreSQL (a fresh schema in TEST_DATABASE_URL). PostgreSQL is never skipped: if it does not
 * answer, the suite fails and says so.
 */
export type DatabaseKind = 'sqlite' | 'postgres';
export const DATABASE_KINDS: readonly DatabaseKind[] = ['sqlite', 'postgres'];
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * Set by scripts/run-tests.mjs: every schema of a run starts with `t_<run>_`, and the runner drops
 * them all when the run ends, so a failed run leaves nothing behind either.
 */
const TEST_RUN = process.env.MAILROOM_TEST_RUN;

export function testSchemaName(): string {
  return `t_${TEST_RUN ?? 'x'}_${process.pid}_${randomBytes(4).toString('hex')}`;
}

export const ALL_SCOPES = [
  'ZohoCRM.modules.ALL',
  'ZohoCRM.settings.ALL',
  'ZohoCRM.org.ALL',
  'ZohoCRM.users.ALL',
  'ZohoCRM.send_mail.all.CREATE',
];

export type TestOrg = { orgId: string; adminId: string; token: string; refreshToken: string };

export interface TestApp {
  kind: DatabaseKind;
  app: App;
  server: FastifyInstance;
  config: Config;
  /** Environment that points a CLI child process at the same database. */
  env: Record<string, string>;
  inject(options: InjectOptions): Promise<LightMyRequestResponse>;
  /** Shorthand for a JSON API call with a token. */
  api(method: InjectOptions['method'], url: string, token: string | null, body?: unknown): Promise<LightMyRequestResponse>;
  createOrg(options?: { name?: string; edition?: Edition; scopes?: string[]; timeZone?: string }): Promise<TestOrg>;
  tokenFor(org: TestOrg, scopes: string[], userId?: string): Promise<string>;
  close(): Promise<void>;
}

export type TestAppOptions = {
  clock?: Clock;
  env?: Record<string, string>;
  /** The app's logger (default: silent). */
  log?: Logger;
  /** Name resolution of the SMTP host guard (default: the system's). */
  lookup?: HostLookup;
  /** The SES webhook's requests to Amazon SNS (default: the real ones). */
  relayHttp?: RelayHttp;
};

export async function startTestApp(kind: DatabaseKind, options: TestAppOptions = {}): Promise<TestApp> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-test-'));
  const schema = testSchemaName();
  const env: Record<string, string> = {
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    PUBLIC_URL: 'http://127.0.0.1:8080',
    SECRETS_KEY: randomBytes(32).toString('hex'),
    ...(kind === 'postgres' ? { DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: schema } : {}),
    ...options.env,
  };
  const config = loadConfig(env);
  const app = await createApp(config, {
    log: options.log ?? pino({ level: 'silent' }),
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.lookup ? { lookup: options.lookup } : {}),
    ...(options.relayHttp ? { relayHttp: options.relayHttp } : {}),
  });
  const server = await buildServer(app);
  await server.ready();

  const testApp: TestApp = {
    kind,
    app,
    server,
    config,
    env,
    inject: (opts) => server.inject(opts),
    api: (method, url, token, body) =>
      server.inject({
        method,
        url,
        headers: token ? { authorization: `Zoho-oauthtoken ${token}` } : {},
        ...(body === undefined ? {} : { payload: typeof body === 'string' ? body : JSON.stringify(body) }),
      }),
    async createOrg(opts = {}) {
      const { org, admin } = await createOrg(app, {
        name: opts.name ?? `Org ${randomBytes(3).toString('hex')}`,
        edition: opts.edition ?? 'enterprise',
        adminEmail: `admin-${randomBytes(4).toString('hex')}@example.com`,
        adminName: 'Patricia Boyle',
        ...(opts.timeZone ? { timeZone: opts.timeZone } : {}),
      });
      const tokens = await issueTokenPair(app, {
        orgId: org.id,
        userId: admin.id,
        clientId: null,
        scopes: opts.scopes ?? ALL_SCOPES,
      });
      return { orgId: org.id, adminId: admin.id, token: tokens.access_token, refreshToken: tokens.refresh_token! };
    },
    async tokenFor(org, scopes, userId) {
      const tokens = await issueTokenPair(app, { orgId: org.orgId, userId: userId ?? org.adminId, clientId: null, scopes });
      return tokens.access_token;
    },
    async close() {
      await server.close();
      await app.close();
      if (kind === 'postgres' && !TEST_RUN) {
        const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
        await client.connect();
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        await client.end();
      }
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return testApp;
}

/**
 * Declares the same suite once per database. `get()` returns the suite's app, started before the
 * first test and closed after the last.
 */
export function describeEachDatabase(name: string, body: (get: () => TestApp, kind: DatabaseKind) => void): void {
  for (const kind of DATABASE_KINDS) {
    describe(`${name} [${kind}]`, () => {
      let testApp: TestApp | undefined;
      before(async () => {
        testApp = await startTestApp(kind);
      });
      after(async () => {
        await testApp?.close();
      });
      body(() => {
        if (!testApp) throw new Error('test app not started');
        return testApp;
      }, kind);
    });
  }
}

export function json(response: LightMyRequestResponse): any {
  return JSON.parse(response.body);
}

/**
 * Reads until `done` holds or `withinMs` has passed, and returns the last read. For a change made
 * by ANOTHER process (the CLI): this process's caches see it within CACHE_TTL_SECONDS
 * (docs/operations.md, "Caches and API credits across processes").
 */
export async function eventually<T>(withinMs: number, read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + withinMs;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    value = await read();
  }
  return value;
}
