import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { listening, startMailroom, type MailroomProcess } from '../helpers/mailroom-process.js';
import { DATABASE_KINDS, TEST_DATABASE_URL, testSchemaName } from '../helpers/test-app.js';

/**
 * Group commit keeps P1 (docs/reliability.md): an API process SIGKILLed after a batch of
 * concurrent acceptances ran and before its COMMIT (fault point `api.batch_before_commit`)
 * answered none of them, and none of them was written.
 */
for (const kind of DATABASE_KINDS) {
  test(`[${kind}] a crash between batching and commit answers nothing as accepted and writes nothing`, async (t) => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-gc-'));
    t.after(() => fs.rmSync(dataDir, { recursive: true, force: true }));
    const env: Record<string, string> = {
      DATA_DIR: dataDir,
      PORT: '0',
      LOG_LEVEL: 'info',
      ...(kind === 'postgres' ? { DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: testSchemaName(), SECRETS_KEY: randomBytes(32).toString('hex') } : {}),
    };
    const processes: MailroomProcess[] = [];
    t.after(() => processes.forEach((p) => p.child.kill('SIGKILL')));
    const start = (extra: Record<string, string> = {}) => {
      const proc = startMailroom(['serve', '--no-worker'], { ...env, ...extra });
      processes.push(proc);
      return proc;
    };

    // A first process makes the Lead (its own commit), then stops.
    const setup = start();
    const { base: base0, token } = await listening(setup, { banner: true });
    const headers = { authorization: `Zoho-oauthtoken ${token}` };
    const lead = await fetch(`${base0}/crm/v8/Leads`, { method: 'POST', headers, body: JSON.stringify({ data: [{ Last_Name: 'Batch', Email: 'batch@example.com' }] }) });
    const leadId = ((await lead.json()) as { data: { details: { id: string } }[] }).data[0]!.details.id;
    setup.child.kill('SIGTERM');
    assert.equal((await setup.exited).code, 0);

    const doomed = start({ MAILROOM_FAULT_AT: 'api.batch_before_commit' });
    const { base } = await listening(doomed, { banner: false });
    const send = (n: number) =>
      fetch(`${base}/crm/v8/Leads/${leadId}/actions/send_mail`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ data: [{ from: { email: 'admin@example.com' }, to: [{ email: 'batch@example.com' }], subject: `Batched ${n}` }] }),
      });
    const answers = await Promise.allSettled(Array.from({ length: 12 }, (_, n) => send(n)));
    assert.deepEqual(await doomed.exited, { code: null, signal: 'SIGKILL' });
    assert.match(doomed.output(), /mailroom fault point api\.batch_before_commit: SIGKILL/);
    const accepted = answers.filter((a) => a.status === 'fulfilled' && a.value.status === 200);
    assert.deepEqual(accepted, [], 'no request was answered as accepted');

    const after = start();
    const { base: base2 } = await listening(after, { banner: false });
    const emails = await fetch(`${base2}/crm/v8/Leads/${leadId}/Emails`, { headers });
    assert.equal(emails.status, 204, 'no mail of the batch was written');
    after.child.kill('SIGTERM');
    assert.equal((await after.exited).code, 0);
  });
}
