#!/usr/bin/env node
// Runs every compiled test file (dist/test/**/*.test.js) with node's test runner.
// `npm test` compiles first; pass file filters as arguments: `node scripts/run-tests.mjs records`.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname ?? path.dirname(new URL(import.meta.url).pathname), '..');
const testDir = path.join(root, 'dist', 'test');
const filters = process.argv.slice(2);

function collect(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return collect(full);
    return entry.name.endsWith('.test.js') ? [full] : [];
  });
}

const files = collect(testDir)
  .filter((file) => fs.existsSync(path.join(root, path.relative(path.join(root, 'dist'), file)).replace(/\.js$/, '.ts'))) // skip stale builds of deleted tests
  .filter((file) => filters.length === 0 || filters.some((f) => file.includes(f)))
  .sort();
if (files.length === 0) {
  console.error(`No test files found under ${testDir}${filters.length ? ` matching ${filters.join(', ')}` : ''}.`);
  process.exit(1);
}
// Every PostgreSQL schema of this run is named t_<run>_…; they are dropped together at the end,
// not one by one while other test processes still migrate theirs (Kysely's migrator reads every
// schema's tables, and a schema dropped under it fails the migration).
const run = randomBytes(3).toString('hex');
// Three files at a time on two cores: most suites spend much of their time waiting (real
// processes starting and stopping, leases and schedules coming due, SMTP peers), and with two the
// cores were idle half of the run. TEST_CONCURRENCY overrides it.
const concurrency = /^\d+$/.test(process.env.TEST_CONCURRENCY ?? '') ? Number(process.env.TEST_CONCURRENCY) : 3;
const result = spawnSync(process.execPath, ['--enable-source-maps', '--test', `--test-concurrency=${concurrency}`, '--test-timeout=180000', ...files], {
  stdio: 'inherit',
  cwd: root,
  env: { ...process.env, MAILROOM_TEST_RUN: run },
});
await dropRunSchemas(run);
process.exit(result.status ?? 1);

async function dropRunSchemas(runId) {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test' });
  try {
    await client.connect();
    const { rows } = await client.query(`select nspname from pg_namespace where nspname like 't\\_' || $1 || '\\_%'`, [runId]);
    for (const { nspname } of rows) await client.query(`DROP SCHEMA IF EXISTS "${nspname}" CASCADE`);
  } catch (error) {
    console.error(`could not drop the test schemas of run ${runId}: ${error.message}`);
  } finally {
    await client.end().catch(() => undefined);
  }
}
