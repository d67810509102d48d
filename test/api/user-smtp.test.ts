import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createWorker, type Worker } from '../../src/delivery/worker.js';
import { setUserSmtp } from '../../src/mail/set-user-smtp.js';
import { AppError } from '../../src/errors.js';
import { DATABASE_KINDS, json, startTestApp, type TestApp, type TestOrg } from '../helpers/test-app.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';

for (const kind of DATABASE_KINDS) {
  describe(`users' own SMTP servers [${kind}]`, () => {
    let relay: SmtpSink;
    let own: SmtpSink;
    let testApp: TestApp;
    let worker: Worker;
    let org: TestOrg;
    let leadId: string;

    before(async () => {
      relay = await startSmtpSink();
      own = await startSmtpSink({ auth: { username: 'pat', password: 's3cret-pass' } });
      testApp = await startTestApp(kind, { env: { SMTP_URL: relay.url, SMTP_ALLOW_PRIVATE_HOSTS: 'true' } });
      worker = createWorker(testApp.app);
      org = await testApp.createOrg();
      leadId = json(await testApp.api('POST', '/crm/v8/Leads', org.token, { data: [{ Last_Name: 'L', Email: 'lead@example.com' }] })).data[0].details.id;
    });
    after(async () => {
      await worker.stop(1000);
      await testApp.close();
      await relay.close();
      await own.close();
    });

    test('settings are checked before saving: wrong credentials are refused with CUSTOM_ERROR', async () => {
      await assert.rejects(
        setUserSmtp(testApp.app, { orgId: org.orgId, userId: org.adminId, host: '127.0.0.1', port: own.port, secure: false, username: 'pat', password: 'wrong' }),
        (error: unknown) => error instanceof AppError && error.code === 'SMTP_CONNECTIVITY' && error.details.reason === 'auth_failed',
      );
    });

    test('a user with their own server sends through it; the password is stored encrypted; org_email mail takes the relay', async () => {
      const saved = await setUserSmtp(testApp.app, {
        orgId: org.orgId,
        userId: org.adminId,
        host: '127.0.0.1',
        port: own.port,
        secure: false,
        username: 'pat',
        password: 's3cret-pass',
        fromEmail: 'pat@own-domain.example',
        fromName: 'Pat Own',
      });
      assert.equal(saved.from_email, 'pat@own-domain.example');
      const row = await testApp.app.db.selectFrom('user_smtp_settings').selectAll().where('user_id', '=', org.adminId).executeTakeFirstOrThrow();
      assert.ok(row.password_encrypted);
      assert.doesNotMatch(row.password_encrypted!, /s3cret-pass/);
      assert.equal(testApp.app.secrets.open(row.password_encrypted!), 's3cret-pass');

      const list = json(await testApp.api('GET', '/crm/v8/settings/emails/actions/from_addresses', org.token)).from_addresses;
      assert.deepEqual(list.map((a: { email: string; type: string }) => [a.email, a.type]).slice(1), [['pat@own-domain.example', 'smtp']]);

      const send = await testApp.api('POST', `/crm/v8/Leads/${leadId}/actions/send_mail`, org.token, {
        data: [{ from: { email: 'pat@own-domain.example' }, to: [{ email: 'lead@example.com' }], subject: 'Via own server' }],
      });
      assert.equal(json(send).data[0].code, 'SUCCESS');
      await worker.runOnce();
      const [message] = await own.waitFor(1);
      assert.equal(message!.parsed.subject, 'Via own server');
      assert.equal(relay.messages.length, 0);
    });

    test('a refused login at send time fails the mail and later sends answer CUSTOM_ERROR until the settings are fixed', async () => {
      // The server's password changed after the settings were saved.
      await testApp.app.db
        .updateTable('user_smtp_settings')
        .set({ password_encrypted: testApp.app.secrets.seal('stale'), updated_at: Date.now() })
        .where('user_id', '=', org.adminId)
        .execute();
      const mail = { from: { email: 'pat@own-domain.example' }, to: [{ email: 'lead@example.com' }], subject: 'Will fail' };
      const first = json(await testApp.api('POST', `/crm/v8/Leads/${leadId}/actions/send_mail`, org.token, { data: [mail] }));
      await worker.runOnce();
      const detail = json(await testApp.api('GET', `/crm/v8/Leads/${leadId}/Emails/${first.data[0].details.message_id}`, org.token)).Emails[0];
      assert.equal(detail.status[0].type, 'failed');
      assert.equal(detail.status[0].status_code, '5.7.8');

      const refused = await testApp.api('POST', `/crm/v8/Leads/${leadId}/actions/send_mail`, org.token, { data: [mail] });
      assert.equal(refused.statusCode, 400);
      assert.deepEqual(json(refused).data[0], {
        code: 'CUSTOM_ERROR',
        details: {},
        message: 'Connectivity issue occured when sending mail via your SMTP server',
        status: 'error',
      });
      const blocked = await testApp.app.db.selectFrom('blocked_addresses').selectAll().execute();
      assert.equal(blocked.length, 0, 'a credentials failure blocks no recipient');
    });

    test('a loopback SMTP host is refused when private hosts are not allowed', async () => {
      const strict = await startTestApp(kind);
      try {
        const strictOrg = await strict.createOrg();
        await assert.rejects(
          setUserSmtp(strict.app, { orgId: strictOrg.orgId, userId: strictOrg.adminId, host: '127.0.0.1', port: own.port, secure: false, username: null, password: null }),
          (error: unknown) => error instanceof AppError && error.code === 'SMTP_HOST_NOT_ALLOWED' && error.details.api_name === 'host',
        );
      } finally {
        await strict.close();
      }
    });
  });
}
