import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createWorker } from '../../src/delivery/worker.js';
import { setUserSmtp } from '../../src/mail/set-user-smtp.js';
import { DATABASE_KINDS, json, startTestApp, type TestApp, type TestOrg } from '../helpers/test-app.js';
import { startSmtpSink } from '../helpers/smtp-sink.js';

async function leadOf(testApp: TestApp, org: TestOrg): Promise<string> {
  return json(await testApp.api('POST', '/crm/v8/Leads', org.token, { data: [{ Last_Name: 'Pool', Email: 'pool@example.com' }] })).data[0].details.id;
}

for (const kind of DATABASE_KINDS) {
  describe(`per-destination connection limit [${kind}]`, () => {
    test('the relay and a user’s own server on the same host share SMTP_MAX_CONNECTIONS transactions at a time', async (t) => {
      const sink = await startSmtpSink();
      t.after(() => sink.close());
      const testApp = await startTestApp(kind, {
        env: { SMTP_URL: sink.url, SMTP_ALLOW_PRIVATE_HOSTS: 'true', SMTP_MAX_CONNECTIONS: '2', WORKER_CONCURRENCY: '8' },
      });
      t.after(() => testApp.close());
      // Org A's admin sends through their own server, org B's through the relay: the same host:port.
      const orgA = await testApp.createOrg();
      const orgB = await testApp.createOrg();
      await setUserSmtp(testApp.app, {
        orgId: orgA.orgId,
        userId: orgA.adminId,
        host: '127.0.0.1',
        port: sink.port,
        secure: false,
        username: null,
        password: null,
        fromEmail: 'pat@own-domain.example',
        fromName: 'Pat Own',
      });
      const fromB = json(await testApp.api('GET', '/crm/v8/users?type=CurrentUser', orgB.token)).users[0].email;
      const items = (from: string) => Array.from({ length: 12 }, (_, i) => ({ from: { email: from }, to: [{ email: 'pool@example.com' }], subject: `Pooled ${i}` }));
      const a = await testApp.api('POST', `/crm/v8/Leads/${await leadOf(testApp, orgA)}/actions/send_mail`, orgA.token, { data: items('pat@own-domain.example') });
      const b = await testApp.api('POST', `/crm/v8/Leads/${await leadOf(testApp, orgB)}/actions/send_mail`, orgB.token, { data: items(fromB) });
      assert.equal(a.statusCode, 200, a.body);
      assert.equal(b.statusCode, 200, b.body);

      const worker = createWorker(testApp.app);
      t.after(() => worker.stop(1000));
      assert.equal(await worker.runOnce(), 24);
      await sink.waitFor(24);
      assert.equal(sink.messages.length, 24);
      assert.ok(sink.load.maxTransactions >= 1 && sink.load.maxTransactions <= 2, `${sink.load.maxTransactions} transactions at once (limit 2)`);
      assert.ok(sink.load.maxConnections <= 4, `${sink.load.maxConnections} connections (2 per transport at most)`);
    });
  });
}
