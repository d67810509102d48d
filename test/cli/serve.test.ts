import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import pg from 'pg';
import { REPO_ROOT } from '../helpers/run-cli.js';
import { DATABASE_KINDS, TEST_DATABASE_URL, testSchemaName } from '../helpers/test-app.js';

/**
 * `npm start` as a user runs it: a fresh data folder (or a fresh PostgreSQL schema), a real
 * process, the banner's token, and an orderly exit on SIGTERM.
 */
type Started = { child: ChildProcess; output: () => string; port: number };

function startServe(env: Record<string, string>): Promise<Started> {
  const base: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ['DATABASE_URL', 'DATABASE_SCHEMA', 'DATA_DIR', 'PUBLIC_URL', 'PORT', 'SMTP_URL', 'NODE_TEST_CONTEXT']) delete base[name];
  const child = spawn(process.execPath, ['bin/mailroom.js', 'serve'], { cwd: REPO_ROOT, env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start within 30 s:\n${output}`)), 30_000);
    const check = setInterval(() => {
      const match = /"event":"server\.listening","port":(\d+)/.exec(output);
      if (match && output.includes('Refresh token:')) {
        clearInterval(check);
        clearTimeout(timer);
        resolve({ child, output: () => output, port: Number(match[1]) });
      }
    }, 50);
    child.on('exit', (code) => {
      clearInterval(check);
      clearTimeout(timer);
      reject(new Error(`serve exited early with ${code}:\n${output}`));
    });
  });
}

for (const kind of DATABASE_KINDS) {
  describe(`mailroom serve (npm start) [${kind}]`, () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-serve-'));
    const schema = testSchemaName();
    after(async () => {
      fs.rmSync(dataDir, { recursive: true, force: true });
      if (kind === 'postgres' && !process.env.MAILROOM_TEST_RUN) {
        const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
        await client.connect();
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        await client.end();
      }
    });

    test('on an empty database it prints a token that works, delivers to the local mailbox, and exits 0 on SIGTERM', async () => {
      const env: Record<string, string> = {
        DATA_DIR: dataDir,
        PORT: '0',
        LOG_LEVEL: 'info',
        ...(kind === 'postgres' ? { DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: schema, SECRETS_KEY: randomBytes(32).toString('hex') } : {}),
      };
      const server = await startServe(env);
      const base = `http://127.0.0.1:${server.port}`;
      try {
        const token = /Access token:\s+(1000\.[0-9a-f]{32}\.[0-9a-f]{32})/.exec(server.output())?.[1];
        assert.ok(token, 'the banner shows an access token');
        assert.match(server.output(), /Admin sign-in:\s+admin@example\.com \/ \S{12,}/);
        assert.doesNotMatch(server.output().split('Mailroom is ready')[0]!, new RegExp(token!), 'the token is not in the logs');

        assert.equal((await fetch(`${base}/health`)).status, 200);
        const headers = { authorization: `Zoho-oauthtoken ${token}` };
        const created = await fetch(`${base}/crm/v8/Leads`, { method: 'POST', headers, body: JSON.stringify({ data: [{ Last_Name: 'Smith', Email: 'smith@example.com' }] }) });
        assert.equal(created.status, 201);
        const id = ((await created.json()) as { data: { details: { id: string } }[] }).data[0]!.details.id;
        const read = await fetch(`${base}/crm/v2.1/Leads/${id}`, { headers });
        assert.equal(((await read.json()) as { data: { Last_Name: string }[] }).data[0]!.Last_Name, 'Smith');
        assert.equal((await fetch(`${base}/crm/v8/Leads/${id}`)).status, 401);

        const sent = await fetch(`${base}/crm/v8/Leads/${id}/actions/send_mail`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ data: [{ from: { email: 'admin@example.com' }, to: [{ email: 'smith@example.com' }], subject: 'From npm start' }] }),
        });
        assert.equal(sent.status, 200);
        // The in-process worker delivers to the local mailbox without being asked.
        let status = '';
        for (let i = 0; i < 100 && status !== 'sent'; i += 1) {
          await new Promise((r) => setTimeout(r, 50));
          const list = (await (await fetch(`${base}/crm/v8/Leads/${id}/Emails`, { headers })).json()) as { Emails: { status: { type: string }[] }[] };
          status = list.Emails[0]!.status[0]!.type;
        }
        assert.equal(status, 'sent');

        // The printed admin password signs in to the web UI.
        const password = /Admin sign-in:\s+admin@example\.com \/ (\S+)/.exec(server.output())![1]!;
        const login = await fetch(`${base}/ui/login`);
        const csrfCookie = /mailroom_login_csrf=([^;]+)/.exec(login.headers.get('set-cookie') ?? '')![1]!;
        const csrf = /name="_csrf" value="([^"]+)"/.exec(await login.text())![1]!;
        const signedIn = await fetch(`${base}/ui/login`, {
          method: 'POST',
          redirect: 'manual',
          headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `mailroom_login_csrf=${csrfCookie}` },
          body: new URLSearchParams({ _csrf: csrf, next: '/ui/records', email: 'admin@example.com', password }).toString(),
        });
        assert.equal(signedIn.status, 303);
        const session = /mailroom_session=([^;]+)/.exec(signedIn.headers.get('set-cookie') ?? '')![1]!;
        const records = await fetch(`${base}/ui/records/Leads`, { headers: { cookie: `mailroom_session=${session}` } });
        assert.equal(records.status, 200);
        assert.match(await records.text(), /Smith/);
      } finally {
        const exited = new Promise<number | null>((resolve) => server.child.on('exit', (code) => resolve(code)));
        server.child.kill('SIGTERM');
        assert.equal(await exited, 0);
      }
      assert.match(server.output(), /"event":"worker\.stopped"/);
    });

    test('a second start on the same database creates no second demo org and prints no token; /livez and /readyz, which fails from SIGTERM on for the drain period', async () => {
      const env: Record<string, string> = {
        DATA_DIR: dataDir,
        PORT: '0',
        LOG_LEVEL: 'info',
        SHUTDOWN_DRAIN_SECONDS: '2',
        ...(kind === 'postgres' ? { DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: schema, SECRETS_KEY: randomBytes(32).toString('hex') } : {}),
      };
      const child = spawn(process.execPath, ['bin/mailroom.js', 'serve'], { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.setEncoding('utf8').on('data', (c: string) => (output += c));
      for (let i = 0; i < 600 && !output.includes('server.listening'); i += 1) await new Promise((r) => setTimeout(r, 50));
      const base = `http://127.0.0.1:${/"event":"server\.listening","port":(\d+)/.exec(output)![1]}`;
      const probe = async (url: string) => {
        const response = await fetch(`${base}${url}`);
        return { status: response.status, body: (await response.json()) as { status: string; checks?: Record<string, string> } };
      };
      assert.deepEqual(await probe('/livez'), { status: 200, body: { status: 'ok' } });
      const ready = await probe('/readyz');
      assert.equal(ready.status, 200);
      assert.deepEqual(ready.body.checks, { database: 'ok', migrations: 'ok', shutdown: 'ok', worker: 'ok', webhooks: 'ok' });
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      // SHUTDOWN_DRAIN_SECONDS=2: readiness fails at once while requests are still served, so a
      // load balancer drains the process before it closes; liveness holds.
      let draining = await probe('/readyz');
      for (let i = 0; i < 40 && draining.status !== 503; i += 1) draining = await probe('/readyz');
      assert.equal(draining.status, 503);
      assert.equal(draining.body.status, 'unavailable');
      assert.equal(draining.body.checks!.shutdown, 'stopping');
      assert.equal((await probe('/livez')).status, 200);
      assert.equal(await exited, 0);
      assert.match(output, /server\.listening/);
      assert.match(output, /"drain_ms":2000/);
      assert.doesNotMatch(output, /Access token:/);
    });
  });
}
