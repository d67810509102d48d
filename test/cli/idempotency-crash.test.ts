import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { listening, startMailroom, type MailroomProcess } from '../helpers/mailroom-process.js';
import { DATABASE_KINDS, TEST_DATABASE_URL, testSchemaName } from '../helpers/test-app.js';

/**
 * Issue 12 item 2 (docs/reliability.md b.1 #1, #2; b.3 #36): an API process SIGKILLed by a fault point
 * (src/faults.ts) while it handles a send_mail with an Idempotency-Key, then a retry of the same
 * request on a new API process.
 * - killed after the commit: the retry gets the stored answer at once;
 * - killed inside the transaction: nothing was stored; the retry gets 409 with Retry-After until
 *   the dead process's heartbeat is stale (3 × HEARTBEAT_SECONDS), then runs anew. One mail each.
 */
const HEARTBEAT_SECONDS = 3;

for (const kind of DATABASE_KINDS) {
  test(`[${kind}] after an API SIGKILL, a retry with the same Idempotency-Key gets its answer, or 409 with Retry-After until the dead process's key is released (≤ 3 heartbeats)`, async (t) => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-idem-'));
    t.after(() => fs.rmSync(dataDir, { recursive: true, force: true }));
    const env: Record<string, string> = {
      DATA_DIR: dataDir,
      PORT: '0',
      LOG_LEVEL: 'info',
      HEARTBEAT_SECONDS: String(HEARTBEAT_SECONDS),
      ...(kind === 'postgres' ? { DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: testSchemaName(), SECRETS_KEY: randomBytes(32).toString('hex') } : {}),
    };
    const processes: MailroomProcess[] = [];
    const start = (faultAt?: string) => {
      const proc = startMailroom(['serve', '--no-worker'], faultAt ? { ...env, MAILROOM_FAULT_AT: faultAt } : env);
      processes.push(proc);
      return proc;
    };
    t.after(() => processes.forEach((p) => p.child.kill('SIGKILL')));

    const api1 = start('api.after_commit_before_response');
    const { base: base1, token } = await listening(api1, { banner: true });
    const headers = { authorization: `Zoho-oauthtoken ${token}` };
    const lead = await fetch(`${base1}/crm/v8/Leads`, { method: 'POST', headers, body: JSON.stringify({ data: [{ Last_Name: 'Crash', Email: 'crash@example.com' }] }) });
    const leadId = ((await lead.json()) as { data: { details: { id: string } }[] }).data[0]!.details.id;
    const body = (subject: string) => JSON.stringify({ data: [{ from: { email: 'admin@example.com' }, to: [{ email: 'crash@example.com' }], subject }] });
    const send = (base: string, key: string, subject: string) =>
      fetch(`${base}/crm/v8/Leads/${leadId}/actions/send_mail`, { method: 'POST', headers: { ...headers, 'idempotency-key': key }, body: body(subject) });
    const killedBy = async (proc: MailroomProcess, request: Promise<Response>, point: string) => {
      await assert.rejects(request, 'the client sees the connection drop');
      assert.deepEqual(await proc.exited, { code: null, signal: 'SIGKILL' });
      assert.match(proc.output(), new RegExp(`mailroom fault point ${point.replace(/\./g, '\\.')}: SIGKILL`));
    };

    // 1. Killed after the commit: the answer was stored with the mail.
    await killedBy(api1, send(base1, 'after-commit', 'Committed'), 'api.after_commit_before_response');
    const api2 = start('api.in_tx');
    const { base: base2 } = await listening(api2, { banner: false });
    const replay = await send(base2, 'after-commit', 'Committed');
    assert.equal(replay.status, 200);
    assert.equal(replay.headers.get('idempotent-replayed'), 'true');
    assert.equal(((await replay.json()) as { data: { code: string }[] }).data[0]!.code, 'SUCCESS');

    // 2. Killed inside the transaction: nothing committed, the key is left `running`.
    await killedBy(api2, send(base2, 'in-tx', 'Rolled back'), 'api.in_tx');
    const killedAt = Date.now();
    const api3 = start();
    const { base: base3 } = await listening(api3, { banner: false });
    const conflicts: { at: number; retryAfter: number }[] = [];
    let answered: Response | null = null;
    while (!answered) {
      const response = await send(base3, 'in-tx', 'Rolled back');
      if (response.status !== 409) {
        answered = response;
        break;
      }
      assert.equal(((await response.json()) as { code: string }).code, 'IDEMPOTENCY_IN_PROGRESS');
      const retryAfter = Number(response.headers.get('retry-after'));
      assert.ok(retryAfter >= 1 && retryAfter <= 3 * HEARTBEAT_SECONDS, `Retry-After ${retryAfter}`);
      conflicts.push({ at: Date.now(), retryAfter });
      assert.ok(Date.now() - killedAt < 3 * HEARTBEAT_SECONDS * 1000 + 5000, 'the key is released within 3 heartbeats of the crash');
      await sleep(250);
    }
    const answeredAt = Date.now();
    const releasedAfter = answeredAt - killedAt;
    assert.equal(answered.status, 200);
    assert.equal(answered.headers.get('idempotent-replayed'), null, 'it ran anew');
    assert.equal(((await answered.json()) as { data: { code: string }[] }).data[0]!.code, 'SUCCESS');
    t.diagnostic(`key released ${releasedAfter} ms after the SIGKILL; ${conflicts.length} answers 409 before, the first with Retry-After ${conflicts[0]?.retryAfter}`);
    // Retry-After is honest: a client that waits what the first 409 said is answered then.
    const first = conflicts[0];
    if (first) assert.ok(answeredAt <= first.at + first.retryAfter * 1000 + 1000, `answered ${answeredAt - first.at} ms after a 409 saying ${first.retryAfter} s`);

    // One mail per key: the committed one, and the one run anew after the rollback.
    const emails = await fetch(`${base3}/crm/v8/Leads/${leadId}/Emails`, { headers });
    const subjects = ((await emails.json()) as { Emails: { subject: string }[] }).Emails.map((e) => e.subject).sort();
    assert.deepEqual(subjects, ['Committed', 'Rolled back']);

    api3.child.kill('SIGTERM');
    assert.deepEqual(await api3.exited, { code: 0, signal: null });
  });
}
