import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { listening, startMailroom } from '../helpers/mailroom-process.js';
import { describeRun, runCli } from '../helpers/run-cli.js';
import { TEST_DATABASE_URL, testSchemaName } from '../helpers/test-app.js';

/**
 * `mailroom backup` (docs/operations.md "Backups"): an online copy of the embedded SQLite database
 * taken while the server runs, restored by putting it back as the database file beside the same
 * secrets key — a working instance with the data as it was at the copy. PostgreSQL: refused,
 * naming pg_dump.
 */
describe('mailroom backup', () => {
  const dirs: string[] = [];
  const tmp = (prefix: string) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    dirs.push(dir);
    return dir;
  };
  after(() => {
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('[sqlite] a copy taken while the server runs restores to a working instance with the data of that moment', async () => {
    const original = tmp('mailroom-backup-a-');
    const restored = tmp('mailroom-backup-b-');
    const backups = tmp('mailroom-backups-');
    const file = path.join(backups, 'mailroom-backup.db');
    const env = { DATA_DIR: original, PORT: '0', LOG_LEVEL: 'info' };

    const api = startMailroom(['serve'], env);
    let before = '';
    let afterId = '';
    try {
      const { base, token } = await listening(api, { banner: true });
      const headers = { authorization: `Zoho-oauthtoken ${token}` };
      const create = async (name: string) => {
        const response = await fetch(`${base}/crm/v8/Leads`, { method: 'POST', headers, body: JSON.stringify({ data: [{ Last_Name: name, Email: `${name}@example.com` }] }) });
        assert.equal(response.status, 201);
        return ((await response.json()) as { data: { details: { id: string } }[] }).data[0]!.details.id;
      };
      before = await create('Before');

      const run = await runCli({ DATA_DIR: original }, ['backup', '--to', file, '--json']);
      assert.equal(run.code, 0, describeRun(['backup'], run));
      const output = JSON.parse(run.stdout) as { backup: string; bytes: number; secrets_key: string };
      assert.equal(output.backup, file);
      assert.equal(output.bytes, fs.statSync(file).size);
      assert.ok(output.bytes > 0);
      assert.match(output.secrets_key, /secrets\.key/);
      assert.deepEqual(fs.readdirSync(backups), ['mailroom-backup.db'], 'no partial file left beside it');

      // A backup never overwrites a file.
      const again = await runCli({ DATA_DIR: original }, ['backup', '--to', file]);
      assert.equal(again.code, 1, describeRun(['backup'], again));
      assert.match(again.stderr, /exists already/);
      const usage = await runCli({ DATA_DIR: original }, ['backup']);
      assert.equal(usage.code, 2);
      assert.match(usage.stderr, /--to is required/);

      afterId = await create('After');
    } finally {
      api.child.kill('SIGTERM');
      assert.equal((await api.exited).code, 0);
    }

    // Restore: the copy as the database file, beside the same secrets key.
    fs.copyFileSync(file, path.join(restored, 'mailroom.db'));
    fs.copyFileSync(path.join(original, 'secrets.key'), path.join(restored, 'secrets.key'));
    const token = /Access token:\s+(\S+)/.exec(api.output())![1]!;
    const back = startMailroom(['serve'], { ...env, DATA_DIR: restored });
    try {
      const { base } = await listening(back, { banner: false });
      assert.doesNotMatch(back.output(), /Access token:/, 'the restored database is not empty: no new demo org');
      const headers = { authorization: `Zoho-oauthtoken ${token}` };
      const read = await fetch(`${base}/crm/v8/Leads/${before}`, { headers });
      assert.equal(read.status, 200, 'the token and the record of before the copy work on the restored instance');
      assert.equal(((await read.json()) as { data: { Last_Name: string }[] }).data[0]!.Last_Name, 'Before');
      const later = await fetch(`${base}/crm/v8/Leads/${afterId}`, { headers });
      assert.notEqual(later.status, 200, 'a record made after the copy is not in it');
      const ready = await fetch(`${base}/readyz`);
      assert.equal(ready.status, 200);
    } finally {
      back.child.kill('SIGTERM');
      assert.equal((await back.exited).code, 0);
    }
  });

  test('[postgres] refused with the pg_dump command to use instead; nothing written', async () => {
    const dir = tmp('mailroom-backup-pg-');
    const file = path.join(dir, 'x.db');
    const run = await runCli({ DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: testSchemaName(), SECRETS_KEY: randomBytes(32).toString('hex') }, ['backup', '--to', file]);
    assert.equal(run.code, 1, describeRun(['backup'], run));
    assert.match(run.stderr, /on PostgreSQL use pg_dump: pg_dump --format=custom --schema='t_/);
    assert.equal(fs.existsSync(file), false);
  });
});
