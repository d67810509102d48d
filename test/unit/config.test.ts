import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { ConfigError, ENVIRONMENT, loadConfig } from '../../src/config.js';

test('defaults: port 8080, SQLite in ./data, UTC, no relay', () => {
  const config = loadConfig({});
  assert.equal(config.port, 8080);
  assert.equal(config.database.kind, 'sqlite');
  assert.match(config.database.kind === 'sqlite' ? config.database.file : '', /data[/\\]mailroom\.db$/);
  assert.equal(config.defaultTimeZone, 'UTC');
  assert.equal(config.smtpUrl, null);
  assert.equal(config.publicUrl, 'http://localhost:8080');
  assert.equal(config.messageIdDomain, 'localhost');
});

test('every bad variable is named with its fix, all at once', () => {
  assert.throws(
    () => loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', LOG_LEVEL: 'loud', DEFAULT_TIME_ZONE: 'Mars/Olympus', SMTP_URL: 'http://relay' }),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.problems.length, 5);
      assert.match(error.message, /PORT=eighty/);
      assert.match(error.message, /DATABASE_URL must start with postgres/);
      assert.match(error.message, /LOG_LEVEL=loud/);
      assert.match(error.message, /DEFAULT_TIME_ZONE=Mars\/Olympus/);
      assert.match(error.message, /SMTP_URL must look like/);
      return true;
    },
  );
});

test('PostgreSQL needs SECRETS_KEY so every process can read stored SMTP passwords', () => {
  assert.throws(() => loadConfig({ DATABASE_URL: 'postgres://u@h/db' }), /SECRETS_KEY is required with DATABASE_URL/);
  assert.throws(() => loadConfig({ DATABASE_URL: 'postgres://u@h/db', SECRETS_KEY: 'short' }), /SECRETS_KEY must be 32 bytes/);
  const config = loadConfig({ DATABASE_URL: 'postgres://u@h/db', SECRETS_KEY: 'ab'.repeat(32), DATABASE_SCHEMA: 'mailroom' });
  assert.deepEqual(config.database, { kind: 'postgres', url: 'postgres://u@h/db', schema: 'mailroom', poolSize: 10 });
});

test('FILE_STORAGE: disk on SQLite and database on PostgreSQL by default, either when set, anything else named', () => {
  const pg = { DATABASE_URL: 'postgres://u@h/db', SECRETS_KEY: 'ab'.repeat(32) };
  assert.equal(loadConfig({}).fileStorage, 'disk');
  assert.equal(loadConfig(pg).fileStorage, 'database');
  assert.equal(loadConfig({ FILE_STORAGE: 'database' }).fileStorage, 'database');
  assert.equal(loadConfig({ ...pg, FILE_STORAGE: 'disk' }).fileStorage, 'disk');
  assert.equal(loadConfig({ FILE_STORAGE: 'Database' }).fileStorage, 'database');
  assert.throws(() => loadConfig({ FILE_STORAGE: 's3' }), /FILE_STORAGE=s3 must be disk or database/);
});

test('API_RATE_LIMITS: on by default, true/false/1/0, anything else named', () => {
  assert.equal(loadConfig({}).apiRateLimits, true);
  assert.equal(loadConfig({ API_RATE_LIMITS: 'false' }).apiRateLimits, false);
  assert.equal(loadConfig({ API_RATE_LIMITS: '0' }).apiRateLimits, false);
  assert.equal(loadConfig({ API_RATE_LIMITS: 'true' }).apiRateLimits, true);
  assert.throws(() => loadConfig({ API_RATE_LIMITS: 'off' }), /API_RATE_LIMITS=off must be true or false/);
});

test('TRUST_PROXY: off by default; true, a hop count, or a list of addresses / CIDRs / range names; anything else named', () => {
  assert.equal(loadConfig({}).trustProxy, false);
  assert.equal(loadConfig({ TRUST_PROXY: 'false' }).trustProxy, false);
  assert.equal(loadConfig({ TRUST_PROXY: 'true' }).trustProxy, true);
  assert.equal(loadConfig({ TRUST_PROXY: '2' }).trustProxy, 2);
  assert.deepEqual(loadConfig({ TRUST_PROXY: '10.0.0.5, 172.16.0.0/12,::1,fd00::/8,loopback' }).trustProxy, ['10.0.0.5', '172.16.0.0/12', '::1', 'fd00::/8', 'loopback']);
  for (const bad of ['yes', '10.0.0.0/33', '10.0.0.1/8/2', 'proxy.example', '::1/129', '21', ',']) {
    assert.throws(() => loadConfig({ TRUST_PROXY: bad }), new RegExp(`TRUST_PROXY=${bad.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} must be true, false, a number of proxy hops`), bad);
  }
});

test('loadConfig reads exactly the variables of ENVIRONMENT (except the test facilities read where they act)', () => {
  const read = new Set<string>();
  const values: Record<string, string> = { DATABASE_URL: 'postgres://u@h/db', SECRETS_KEY: 'ab'.repeat(32) };
  const env = new Proxy(values, {
    get(target, name) {
      if (typeof name === 'string') read.add(name);
      return target[name as string];
    },
  });
  loadConfig(env);
  const documented = Object.entries(ENVIRONMENT)
    .filter(([, spec]) => !('readBy' in spec))
    .map(([name]) => name)
    .sort();
  // Each documented variable, and its `<NAME>_FILE` form.
  assert.deepEqual([...read].sort(), documented.flatMap((name) => [name, `${name}_FILE`]).sort());
});

test('every environment variable src/ reads is in ENVIRONMENT, and read where the table says', () => {
  const root = path.resolve(import.meta.dirname, '..', '..', '..');
  const files = (dir: string): string[] =>
    fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
      const full = path.join(dir, entry.name);
      return entry.isDirectory() ? files(full) : entry.name.endsWith('.ts') ? [full] : [];
    });
  const found: string[] = [];
  for (const file of files(path.join(root, 'src'))) {
    const relative = path.relative(root, file).split(path.sep).join('/');
    for (const match of fs.readFileSync(file, 'utf8').matchAll(/process\.env(?:\.([A-Z0-9_]+)|\[['"]([A-Z0-9_]+)['"]\])/g)) {
      const name = match[1] ?? match[2]!;
      found.push(name);
      assert.ok(name in ENVIRONMENT, `${relative} reads ${name}, which src/config.ts ENVIRONMENT does not document`);
      const spec = ENVIRONMENT[name as keyof typeof ENVIRONMENT];
      assert.equal('readBy' in spec ? spec.readBy : 'src/config.ts', relative, name);
    }
  }
  assert.ok(found.includes('MAILROOM_FAULT_AT'), 'the scan sees process.env reads');
});

test('REPLY_ADDRESS: lower-cased, checked like BOUNCE_ADDRESS, not the bounce address; the listener port needs one of the two', () => {
  assert.equal(loadConfig({ REPLY_ADDRESS: 'Replies@In.Example.com' }).replyAddress, 'replies@in.example.com');
  assert.equal(loadConfig({}).replyAddress, null);
  assert.throws(() => loadConfig({ REPLY_ADDRESS: 'replies+x@in.example.com' }), /REPLY_ADDRESS=replies\+x@in\.example\.com its local part must/);
  assert.throws(() => loadConfig({ REPLY_ADDRESS: 'same@x.example', BOUNCE_ADDRESS: 'same@x.example' }), /REPLY_ADDRESS must differ from BOUNCE_ADDRESS/);
  assert.throws(() => loadConfig({ INBOUND_SMTP_PORT: '2525' }), /INBOUND_SMTP_PORT needs BOUNCE_ADDRESS or REPLY_ADDRESS/);
  assert.equal(loadConfig({ INBOUND_SMTP_PORT: '2525', REPLY_ADDRESS: 'replies@in.example.com' }).inbound.port, 2525);
});

test('any variable may come from a file (<NAME>_FILE), as container platforms give secrets; both forms at once, or an unreadable file, is refused', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-config-'));
  try {
    const key = path.join(dir, 'key');
    const url = path.join(dir, 'url');
    fs.writeFileSync(key, `${'ab'.repeat(32)}\n`);
    fs.writeFileSync(url, 'postgres://mailroom:s3cret@db.internal:5432/mailroom\n');
    const config = loadConfig({ SECRETS_KEY_FILE: key, DATABASE_URL_FILE: url });
    assert.equal(config.database.kind, 'postgres');
    assert.equal(config.database.kind === 'postgres' ? config.database.url : '', 'postgres://mailroom:s3cret@db.internal:5432/mailroom');
    assert.equal(config.secretsKey, 'ab'.repeat(32));
    assert.throws(
      () => loadConfig({ SECRETS_KEY: 'ab'.repeat(32), SECRETS_KEY_FILE: key, PORT_FILE: path.join(dir, 'missing') }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.deepEqual(error.problems.length, 2);
        assert.match(error.message, /SECRETS_KEY and SECRETS_KEY_FILE are both set/);
        assert.match(error.message, /PORT_FILE=.*missing cannot be read \(ENOENT\)/);
        return true;
      },
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
