import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test, type TestContext } from 'node:test';
import SQLite from 'better-sqlite3';
import { pino } from 'pino';
import { createWorker } from '../../src/delivery/worker.js';
import { until } from '../helpers/mailroom-process.js';
import { startScriptedSmtp, type Script, type ScriptedSmtpServer } from '../helpers/scripted-smtp.js';
import { hostOf, startTcpProxy } from '../helpers/tcp-proxy.js';
import { DATABASE_KINDS, json, startTestApp, TEST_DATABASE_URL, type DatabaseKind, type TestApp, type TestOrg } from '../helpers/test-app.js';

/**
 * The database going away under one process (issue 12; docs/reliability.md b.1 #8, #10, #12): on
 * PostgreSQL through a TCP proxy that resets every connection and refuses new ones (a restart, as
 * a client sees it) without touching the shared server; on SQLite through a second connection
 * holding the write lock past busy_timeout (5 s). Requests answer 503 with Retry-After and change
 * nothing, the worker pauses and resumes, an outcome read from the SMTP server is not lost.
 */
type Outage = { begin(): void; end(): void };

type World = {
  testApp: TestApp;
  peer: ScriptedSmtpServer;
  org: TestOrg;
  leadId: string;
  from: string;
  outage: Outage;
  send(subject: string): Promise<{ statusCode: number; headers: Record<string, unknown>; body: any }>;
  mailCount(): Promise<number>;
};

async function openWorld(t: TestContext, kind: DatabaseKind, script: Script = {}): Promise<World> {
  const cleanups: (() => Promise<unknown> | unknown)[] = [];
  t.after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });
  const peer = await startScriptedSmtp(script);
  cleanups.push(() => peer.close());
  const proxy = kind === 'postgres' ? await startTcpProxy(hostOf(TEST_DATABASE_URL)) : null;
  if (proxy) cleanups.push(() => proxy.close());
  const testApp = await startTestApp(kind, {
    env: { SMTP_URL: peer.url, SMTP_TIMEOUT_SECONDS: '5', ...(proxy ? { DATABASE_URL: proxy.via(TEST_DATABASE_URL) } : {}) },
  });
  cleanups.push(() => testApp.close());
  const org = await testApp.createOrg({ timeZone: 'UTC' });
  const from = json(await testApp.api('GET', '/crm/v8/users?type=CurrentUser', org.token)).users[0].email as string;
  const leadId = json(await testApp.api('POST', '/crm/v8/Leads', org.token, { data: [{ Last_Name: 'Outage', Email: 'lead@example.com' }] })).data[0].details
    .id as string;

  let holder: SQLite.Database | null = null;
  const outage: Outage =
    kind === 'postgres'
      ? { begin: () => proxy!.cut(), end: () => proxy!.restore() }
      : {
          begin() {
            const file = testApp.config.database.kind === 'sqlite' ? testApp.config.database.file : '';
            holder = new SQLite(file);
            holder.pragma('busy_timeout = 0');
            holder.exec('BEGIN IMMEDIATE');
          },
          end() {
            holder?.exec('ROLLBACK');
            holder?.close();
            holder = null;
          },
        };
  cleanups.push(() => outage.end());
  return {
    testApp,
    peer,
    org,
    leadId,
    from,
    outage,
    async send(subject) {
      const response = await testApp.api('POST', `/crm/v8/Leads/${leadId}/actions/send_mail`, org.token, {
        data: [{ from: { email: from }, to: [{ email: 'ann@example.com' }], subject, content: 'Hello', mail_format: 'text' }],
      });
      return { statusCode: response.statusCode, headers: response.headers, body: json(response) };
    },
    async mailCount() {
      const row = await testApp.app.db.selectFrom('mails').select((eb) => eb.fn.countAll<number>().as('n')).where('org_id', '=', org.orgId).executeTakeFirstOrThrow();
      return Number(row.n);
    },
  };
}

/** A logger whose lines a test can read (the worker's events). */
function capturedLog() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { log: pino({ level: 'info' }, stream), events: () => lines.map((l) => String(l.event)), lines };
}

const assertUnavailable = (response: { statusCode: number; headers: Record<string, unknown>; body: any }) => {
  assert.equal(response.statusCode, 503, JSON.stringify(response.body));
  assert.deepEqual(response.body, {
    code: 'SERVICE_UNAVAILABLE',
    details: {},
    message: 'The service is temporarily unavailable. Please try again later.',
    status: 'error',
  });
  assert.equal(response.headers['retry-after'], '2');
};

for (const kind of DATABASE_KINDS) {
  describe(`the database going away under one process [${kind}]`, () => {
    test('a request meanwhile answers 503 SERVICE_UNAVAILABLE with Retry-After (Zoho envelope) and changes nothing; once the database is back the API answers again', async (t) => {
      const w = await openWorld(t, kind);
      w.outage.begin();
      assertUnavailable(await w.send('during the outage'));
      if (kind === 'postgres') {
        // Every entry point maps it the same way: the health probe, and the HTML pages.
        const health = await w.testApp.inject({ method: 'GET', url: '/health' });
        assert.equal(health.statusCode, 503);
        assert.equal(health.headers['retry-after'], '2');
        assert.equal(json(health).checks.database, 'failed');
        const ready = await w.testApp.inject({ method: 'GET', url: '/readyz' });
        assert.equal(ready.statusCode, 503, '/readyz answers 503 while the database is unreachable');
        assert.deepEqual(json(ready).checks, { database: 'failed', migrations: 'failed', shutdown: 'ok' });
        // Liveness does not depend on the database: a supervisor must not restart a process that recovers by itself.
        assert.equal((await w.testApp.inject({ method: 'GET', url: '/livez' })).statusCode, 200);
        const page = await w.testApp.inject({ method: 'GET', url: '/ui/records', headers: { cookie: `mailroom_session=${'a'.repeat(43)}` } });
        assert.equal(page.statusCode, 503);
        assert.equal(page.headers['retry-after'], '2');
        assert.match(page.body, /temporarily unavailable/);
        // A request that reads the database (the token and the API credit come from this process's memory).
        const records = await w.testApp.api('GET', '/crm/v8/Leads?fields=Last_Name', w.org.token);
        assert.equal(records.statusCode, 503);
        assert.equal(json(records).code, 'SERVICE_UNAVAILABLE');
      }
      w.outage.end();

      const back = Date.now();
      await until(async () => (await w.testApp.inject({ method: 'GET', url: '/health' })).statusCode === 200, 10_000, 'the health probe');
      const accepted = await w.send('after the outage');
      assert.equal(accepted.statusCode, 200, JSON.stringify(accepted.body));
      assert.ok(Date.now() - back < 10_000);
      assert.equal(await w.mailCount(), 1, 'the request during the outage left nothing behind');
    });

    test('the worker pauses while the database is away and resumes by itself (worker.paused, worker.resumed); the mail goes out once', async (t) => {
      const w = await openWorld(t, kind);
      const captured = capturedLog();
      const worker = createWorker({ ...w.testApp.app, log: captured.log });
      t.after(() => worker.stop(1000));
      assert.equal((await w.send('queued before the outage')).statusCode, 200);

      w.outage.begin();
      const started = Date.now();
      await worker.start();
      await until(() => captured.events().includes('worker.paused'), 15_000, 'worker.paused');
      assert.equal(w.peer.delivered.length, 0);
      const paused = captured.lines.find((l) => l.event === 'worker.paused')!;
      assert.equal(paused.database_unavailable, true);
      // Let it retry a few times against the missing database before giving it back.
      await sleep(Math.max(0, 1500 - (Date.now() - started)));
      w.outage.end();

      await w.peer.waitFor(() => w.peer.delivered.length === 1, 15_000, 'the mail at the SMTP server');
      await until(() => captured.events().includes('worker.resumed'), 5000, 'worker.resumed');
      const events = captured.events().filter((e) => e.startsWith('worker.'));
      assert.deepEqual(events.slice(0, 3), ['worker.started', 'worker.paused', 'worker.resumed']);
      assert.ok(!captured.events().includes('worker.claim_failed'), 'an outage is not reported as a fault');
      await sleep(500);
      assert.equal(w.peer.delivered.length, 1);
    });

    test('#10 the database goes away between the SMTP server\'s 250 and the status write: the outcome is kept, written once it is back, and the mail is not sent again', async (t) => {
      let restored: Promise<void> | null = null;
      const w = await openWorld(t, kind);
      const captured = capturedLog();
      const worker = createWorker({ ...w.testApp.app, log: captured.log });
      t.after(() => worker.stop(1000));
      const id = (await w.send('recorded after the outage')).body.data[0].details.message_id as string;
      w.peer.script = {
        DATA_END: () => {
          // The message is handed over; the database goes before the worker can record that.
          w.outage.begin();
          restored = sleep(1500).then(() => w.outage.end());
          return '250 2.0.0 Ok: queued as OUTAGE';
        },
      };
      assert.equal(await worker.runOnce(), 1);
      await restored;
      assert.equal(w.peer.delivered.length, 1);
      assert.ok(captured.events().includes('delivery.record_failed'), captured.events().join(','));
      assert.ok(captured.events().includes('delivery.record_recovered'));

      const status = json(await w.testApp.api('GET', `/crm/v8/Leads/${w.leadId}/Emails/${id}`, w.org.token)).Emails[0].status;
      assert.deepEqual(
        status.map((s: any) => [s.email, s.type, s.possible_duplicate]),
        [['ann@example.com', 'sent', false]],
      );
      assert.equal(await worker.runOnce(), 0, 'nothing is left to send');
      assert.equal(w.peer.delivered.length, 1, 'sent exactly once');
    });
  });
}
