import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { freePort } from '../helpers/free-port.js';
import { describeRun, runCli } from '../helpers/run-cli.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';
import { DATABASE_KINDS, startTestApp, type TestApp, type TestOrg } from '../helpers/test-app.js';

type Report = { ok: boolean; checks: { name: string; status: 'ok' | 'warn' | 'fail'; message: string; fix?: string }[] };

for (const kind of DATABASE_KINDS) {
  describe(`mailroom doctor: what to fix, with --json [${kind}]`, () => {
    let testApp: TestApp;
    let org: TestOrg;
    let sink: SmtpSink;
    before(async () => {
      sink = await startSmtpSink();
      testApp = await startTestApp(kind);
      org = await testApp.createOrg();
    });
    after(async () => {
      await testApp.close();
      await sink.close();
    });

    const doctor = async (env: Record<string, string>) => {
      const run = await runCli({ ...testApp.env, ...env }, ['doctor', '--json']);
      const report = JSON.parse(run.stdout) as Report;
      return { code: run.code, report, run, check: (name: string) => report.checks.filter((c) => c.name === name) };
    };

    test('a missing relay and a From domain without a DKIM key are reported with their fix; warnings alone exit 0', async () => {
      const { code, report, check, run } = await doctor({});
      assert.equal(code, 0, describeRun(['doctor'], run));
      assert.equal(report.ok, true);
      assert.deepEqual(check('database').map((c) => c.status), ['ok']);
      assert.deepEqual(check('migrations').map((c) => c.status), ['ok']);
      const [relay] = check('relay');
      assert.equal(relay!.status, 'warn');
      assert.match(relay!.message, /no relay/);
      assert.match(relay!.fix!, /SMTP_URL=/);
      const dkim = check('dkim');
      assert.equal(dkim.length, 1);
      assert.equal(dkim[0]!.status, 'warn');
      assert.match(dkim[0]!.message, /^no DKIM key for example\.com \(org /);
      assert.equal(dkim[0]!.fix, `mailroom dkim create --org ${org.orgId} --domain example.com, then publish the record it prints`);

      const made = await runCli(testApp.env, ['dkim', 'create', '--org', org.orgId, '--domain', 'example.com']);
      assert.equal(made.code, 0, made.stderr);
      assert.deepEqual((await doctor({})).check('dkim').map((c) => c.status), ['ok']);
    });

    test('a relay that answers is ok; one that does not fails the run (exit 1)', async () => {
      const good = await doctor({ SMTP_URL: sink.url });
      assert.deepEqual(good.check('relay').map((c) => c.status), ['ok'], JSON.stringify(good.report));
      const closed = await freePort();
      const bad = await doctor({ SMTP_URL: `smtp://127.0.0.1:${closed}` });
      assert.equal(bad.code, 1);
      assert.equal(bad.report.ok, false);
      const [relay] = bad.check('relay');
      assert.equal(relay!.status, 'fail');
      assert.match(relay!.message, new RegExp(`127\\.0\\.0\\.1:${closed}: .*ECONNREFUSED`));
    });

    test('the public URL is checked from the process', async () => {
      const port = await freePort();
      const unreachable = await doctor({ PUBLIC_URL: `http://127.0.0.1:${port}` });
      assert.equal(unreachable.check('public_url')[0]!.status, 'warn');
      await testApp.server.listen({ port, host: '127.0.0.1' });
      try {
        const reachable = await doctor({ PUBLIC_URL: `http://127.0.0.1:${port}` });
        assert.deepEqual(reachable.check('public_url').map((c) => c.status), ['ok'], JSON.stringify(reachable.report));
      } finally {
        await testApp.server.close();
      }
    });
  });
}

test('mailroom doctor: a database it cannot reach fails with its fix (exit 1), nothing crashes', async () => {
  const port = await freePort();
  const run = await runCli({ DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/none`, SECRETS_KEY: randomBytes(32).toString('hex') }, ['doctor', '--json'], { timeoutMs: 60_000 });
  assert.equal(run.code, 1, describeRun(['doctor'], run));
  const report = JSON.parse(run.stdout) as Report;
  const [database] = report.checks.filter((c) => c.name === 'database');
  assert.equal(database!.status, 'fail');
  assert.match(database!.fix!, /DATABASE_URL/);
});
