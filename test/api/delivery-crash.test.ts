import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'node:test';
import { REPO_ROOT } from '../helpers/run-cli.js';
import type { Script } from '../helpers/scripted-smtp.js';
import { DATABASE_KINDS, type TestApp } from '../helpers/test-app.js';
import { at, find, setup, summary } from '../helpers/delivery-fault-fixture.js';

/**
 * Delivery when the worker process itself is killed (kill -9) or stopped (SIGTERM) mid-send
 * (docs/reliability.md b.1): a real `mailroom worker` (test/fixtures/worker-child.mjs) against a
 * scripted SMTP peer. Split from delivery-faults.test.ts so each file stays well within the
 * per-file time bound.
 */

for (const kind of DATABASE_KINDS) {
  describe(`delivery faults: a worker process killed or stopped mid-send [${kind}]`, () => {
    /** Starts test/fixtures/worker-child.mjs (the real `mailroom worker`) on the test app's database. */
    function startWorkerChild(testApp: TestApp, extraEnv: Record<string, string> = {}) {
      const env: NodeJS.ProcessEnv = { ...process.env };
      for (const name of ['DATABASE_URL', 'DATABASE_SCHEMA', 'DATA_DIR', 'NODE_TEST_CONTEXT', 'MAILROOM_FAULT_AT']) delete env[name];
      const child = spawn(process.execPath, ['test/fixtures/worker-child.mjs'], {
        cwd: REPO_ROOT,
        env: { ...env, ...testApp.env, LOG_LEVEL: 'info', ...extraEnv },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
        child.on('exit', (code, signal) => resolve({ code, signal })),
      );
      const waitExit = async (timeoutMs: number) => {
        const result = await Promise.race([exited, sleep(timeoutMs).then(() => null)]);
        if (result === null) {
          child.kill('SIGKILL');
          assert.fail(`worker child did not exit within ${timeoutMs} ms; output:\n${output}`);
        }
        return result;
      };
      return { child, waitExit, output: () => output };
    }

    const childEnv = { WORKER_LEASE_SECONDS: '5', SMTP_TIMEOUT_SECONDS: '10', SHUTDOWN_GRACE_SECONDS: '10' };

    test('#5 kill -9 after the final dot, before the reply: the lease expires, the retry is flagged possible_duplicate', async (t) => {
      const f = await setup(t, kind, { realClock: true, env: childEnv, script: { DATA_END: false } });
      const id = await f.accept();
      const worker = startWorkerChild(f.testApp);
      t.after(() => void worker.child.kill('SIGKILL'));
      await f.peer.waitFor(() => f.peer.transactions.some((tx) => tx.complete), 15_000, 'the message body');
      worker.child.kill('SIGKILL');
      assert.deepEqual(await worker.waitExit(5000), { code: null, signal: 'SIGKILL' });

      const [leased] = await f.mails();
      assert.equal(leased!.state, 'sending', 'the dead worker still holds the lease');
      assert.equal(await f.worker.runOnce(), 0, 'the mail is not taken while its lease lasts');
      f.peer.script = {};
      await sleep(Math.max(0, leased!.lease_until! - Date.now() + 50));
      assert.equal(await f.worker.runOnce(), 1, 'claimed again once the lease expired');

      const status = find(await f.statuses(id), 'ann@example.com');
      assert.equal(status.type, 'sent');
      assert.equal(status.possible_duplicate, true);
      assert.equal(f.peer.transactions.filter((tx) => tx.complete).length, 2, 'the server saw the body twice');
      assert.equal(f.peer.delivered.length, 1);
      assert.deepEqual(await f.mails(), [{ message_id: id, state: 'done', lease_until: null }], 'one mail row, done: not lost');
    });

    // Crash points (MAILROOM_FAULT_AT, src/faults.ts): the worker SIGKILLs itself at an exact line.
    // Only a worker that died after the recipients' "handed over" mark (committed right before the
    // final dot) leaves them flagged; one that died earlier never let the end of the message go.
    const crashPoints = [
      { at: 'worker.after_claim', when: 'after the claim, before connecting (#3)', complete: 0, flagged: false },
      { at: 'smtp.before_handover', when: 'mid-DATA, before the handed-over mark (#4)', complete: 0, flagged: false },
      // The peer answers a little later here, so the reply cannot be read before the crash point's turn.
      { at: 'smtp.after_dot', when: 'after the final dot, before the reply (#5)', complete: 1, flagged: true, script: { DATA_END: () => sleep(500).then(() => '250 2.0.0 Ok: queued after a pause') } },
      { at: 'delivery.after_reply', when: 'after the 250, before the outcome is recorded (#6)', complete: 1, flagged: true },
    ] as { at: string; when: string; complete: number; flagged: boolean; script?: Script }[];
    for (const point of crashPoints) {
      test(`kill -9 ${point.when}: the retry ${point.flagged ? 'is flagged possible_duplicate (a second copy)' : 'is clean (exactly one copy)'}`, async (t) => {
        const f = await setup(t, kind, { realClock: true, env: childEnv, ...(point.script ? { script: point.script } : {}) });
        const id = await f.accept({ to: [{ email: 'ann@example.com' }], cc: [{ email: 'bob@example.com' }] });
        const worker = startWorkerChild(f.testApp, { MAILROOM_FAULT_AT: point.at });
        t.after(() => void worker.child.kill('SIGKILL'));
        assert.deepEqual(await worker.waitExit(15_000), { code: null, signal: 'SIGKILL' }, worker.output());
        assert.equal(f.peer.transactions.filter((tx) => tx.complete).length, point.complete, 'complete messages at the server before the retry');
        await f.peer.waitFor(() => f.peer.delivered.length === point.complete, 5000, 'the 250 to each complete message');

        const [leased] = await f.mails();
        assert.equal(leased!.state, 'sending', 'the dead worker still holds the lease');
        f.peer.script = {};
        await sleep(Math.max(0, leased!.lease_until! - Date.now() + 50));
        assert.equal(await f.worker.runOnce(), 1, 'claimed again once the lease expired');

        const statuses = await f.statuses(id);
        assert.deepEqual(summary(statuses), [
          ['ann@example.com', 'sent', '2.0.0'],
          ['bob@example.com', 'sent', '2.0.0'],
        ]);
        for (const s of statuses) assert.equal(s.possible_duplicate, point.flagged, `${s.email} possible_duplicate`);
        assert.equal(f.peer.delivered.length, point.complete + 1, 'copies received in all');
        assert.deepEqual(await f.mails(), [{ message_id: id, state: 'done', lease_until: null }]);
      });
    }

    test('#7 SIGTERM mid-send: the worker finishes the in-flight send, exits 0, the recipient is sent', async (t) => {
      const f = await setup(t, kind, {
        realClock: true,
        env: childEnv,
        script: { DATA_END: () => sleep(1000).then(() => '250 2.0.0 Ok: queued after a pause') },
      });
      const id = await f.accept();
      const worker = startWorkerChild(f.testApp);
      t.after(() => void worker.child.kill('SIGKILL'));
      await f.peer.waitFor(() => f.peer.transactions.some((tx) => tx.complete), 15_000, 'the message body');
      worker.child.kill('SIGTERM');
      const exit = await worker.waitExit(15_000);
      assert.deepEqual(exit, { code: 0, signal: null }, worker.output());

      const status = find(await f.statuses(id), 'ann@example.com');
      assert.equal(status.type, 'sent', worker.output());
      assert.equal(status.possible_duplicate, false);
      assert.equal(f.peer.delivered.length, 1);
      assert.deepEqual(await f.mails(), [{ message_id: id, state: 'done', lease_until: null }], 'not left in sending');
    });

    // b.1 #7: a send that outlasts SHUTDOWN_GRACE_SECONDS is aborted (the pool is closed by force),
    // its outcome recorded, the mail returned to the queue, and the process exits on time.
    test('#7 SIGTERM while a send outlasts the grace period: the process exits on time, the lease is released', async (t) => {
      const f = await setup(t, kind, {
        realClock: true,
        env: { WORKER_LEASE_SECONDS: '5', SMTP_TIMEOUT_SECONDS: '5', SHUTDOWN_GRACE_SECONDS: '1' },
        script: { DATA_END: false },
      });
      const id = await f.accept();
      const worker = startWorkerChild(f.testApp);
      t.after(() => void worker.child.kill('SIGKILL'));
      await f.peer.waitFor(() => f.peer.transactions.some((tx) => tx.complete), 15_000, 'the message body');
      const stopping = Date.now();
      worker.child.kill('SIGTERM');
      await worker.waitExit(15_000);
      const took = Date.now() - stopping;
      assert.ok(took < 1000 + 2500, `exited ${took} ms after SIGTERM with SHUTDOWN_GRACE_SECONDS=1\n${worker.output()}`);
      const [mail] = await f.mails();
      assert.notEqual(mail!.state, 'sending', 'no mail is left in sending');

      f.peer.script = {};
      if (mail!.lease_until !== null) await sleep(Math.max(0, mail!.lease_until - Date.now() + 50));
      assert.equal(await f.worker.runOnce(), 1);
      const status = find(await f.statuses(id), 'ann@example.com');
      assert.deepEqual([status.type, status.possible_duplicate], ['sent', true]);
    });
  });
}
