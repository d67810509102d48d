import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'node:test';
import { sql } from 'kysely';
import { simpleParser } from 'mailparser';
import type { Script } from '../helpers/scripted-smtp.js';
import { createWorker } from '../../src/delivery/worker.js';
import { DATABASE_KINDS, json } from '../helpers/test-app.js';
import { at, find, FIRST_RETRY_MS, setup, summary, T0 } from '../helpers/delivery-fault-fixture.js';

/**
 * Delivery under faults (docs/reliability.md b.1, b.2, b.4 #38/#49): a scripted SMTP peer answers each
 * phase as a test says, the fake clock stands in for the retry delays, and the outcome is read
 * the way a client reads it: `GET /crm/v8/Leads/{id}/Emails/{message_id}` → `Emails[0].status[]`.
 * A worker process killed or stopped mid-send: test/api/delivery-crash.test.ts.
 */

for (const kind of DATABASE_KINDS) {
  describe(`delivery faults against a scripted SMTP peer [${kind}]`, () => {
    test('#16 421 at the greeting defers every recipient (none bounced); the retry delivers exactly once', async (t) => {
      const f = await setup(t, kind, { script: { greeting: '421 4.3.2 Service not available, closing transmission channel' } });
      const id = await f.accept({ to: [{ email: 'ann@example.com' }, { email: 'bob@example.com' }], cc: [{ email: 'carl@example.com' }] });
      assert.equal(await f.worker.runOnce(), 1);

      const deferred = await f.statuses(id);
      assert.deepEqual(summary(deferred), [
        ['ann@example.com', 'deferred', '4.3.2'],
        ['bob@example.com', 'deferred', '4.3.2'],
        ['carl@example.com', 'deferred', '4.3.2'],
      ]);
      for (const s of deferred) {
        assert.match(s.diagnostic ?? '', /421 4\.3\.2 Service not available/);
        assert.equal(s.next_attempt_time, at(T0 + FIRST_RETRY_MS));
        assert.equal(s.possible_duplicate, false);
      }
      assert.equal(f.peer.transactions.length, 0);

      f.clock!.advance(FIRST_RETRY_MS / 2);
      assert.equal(await f.worker.runOnce(), 0, 'nothing is due before the retry delay');
      f.peer.script = {};
      f.clock!.advance(FIRST_RETRY_MS / 2 + 1000);
      assert.equal(await f.worker.runOnce(), 1);

      const sent = await f.statuses(id);
      assert.deepEqual(summary(sent), [
        ['ann@example.com', 'sent', '2.0.0'],
        ['bob@example.com', 'sent', '2.0.0'],
        ['carl@example.com', 'sent', '2.0.0'],
      ]);
      assert.ok(sent.every((s) => s.next_attempt_time === null && s.possible_duplicate === false));
      assert.equal(f.peer.delivered.length, 1, 'exactly one message received');
      assert.deepEqual(f.peer.delivered[0]!.accepted, ['ann@example.com', 'bob@example.com', 'carl@example.com']);
      assert.deepEqual(await f.mails(), [{ message_id: id, state: 'done', lease_until: null }]);
    });

    test('#17 451 to one RCPT, 250 to another: the accepted one is sent once, only the deferred one is retried', async (t) => {
      const f = await setup(t, kind, {
        script: { RCPT: (address) => (address === 'busy@example.com' ? '451 4.2.1 Mailbox busy, try again later' : '250 2.1.5 OK') },
      });
      const id = await f.accept({ to: [{ email: 'ann@example.com' }, { email: 'busy@example.com' }] });
      assert.equal(await f.worker.runOnce(), 1);

      const first = await f.statuses(id);
      assert.deepEqual(summary(first), [
        ['ann@example.com', 'sent', '2.0.0'],
        ['busy@example.com', 'deferred', '4.2.1'],
      ]);
      assert.match(find(first, 'busy@example.com').diagnostic ?? '', /Mailbox busy/);
      assert.equal(find(first, 'busy@example.com').next_attempt_time, at(T0 + FIRST_RETRY_MS));
      assert.equal(f.peer.delivered.length, 1);
      assert.deepEqual(f.peer.delivered[0]!.accepted, ['ann@example.com']);

      f.peer.script = {};
      f.clock!.advance(FIRST_RETRY_MS + 1000);
      assert.equal(await f.worker.runOnce(), 1);
      assert.deepEqual(summary(await f.statuses(id)), [
        ['ann@example.com', 'sent', '2.0.0'],
        ['busy@example.com', 'sent', '2.0.0'],
      ]);
      assert.equal(f.peer.delivered.length, 2);
      assert.deepEqual(f.peer.delivered[1]!.rcptTo, ['busy@example.com'], 'the retry names only the deferred recipient');
      const deliveriesTo = (email: string) => f.peer.delivered.filter((m) => m.accepted.includes(email)).length;
      assert.equal(deliveriesTo('ann@example.com'), 1);
      assert.equal(deliveriesTo('busy@example.com'), 1);
    });

    test('#18 550 5.1.1 to RCPT bounces that recipient with the reply as diagnostic, blocks it, and is not retried', async (t) => {
      const reply = '550 5.1.1 <nobody@example.com>: Recipient address rejected: User unknown in virtual mailbox table';
      const f = await setup(t, kind, { script: { RCPT: (address) => (address === 'nobody@example.com' ? reply : '250 2.1.5 OK') } });
      const id = await f.accept({ to: [{ email: 'nobody@example.com' }, { email: 'ann@example.com' }] });
      assert.equal(await f.worker.runOnce(), 1);

      const statuses = await f.statuses(id);
      assert.deepEqual(summary(statuses), [
        ['nobody@example.com', 'bounced', '5.1.1'],
        ['ann@example.com', 'sent', '2.0.0'],
      ]);
      const nobody = find(statuses, 'nobody@example.com');
      assert.equal(nobody.diagnostic, reply);
      assert.equal(nobody.next_attempt_time, null);
      f.clock!.advance(2 * 3600 * 1000);
      assert.equal(await f.worker.runOnce(), 0, 'a bounce is not retried');
      assert.equal(f.peer.transactions.length, 1);

      const refused = await f.send({ to: [{ email: 'nobody@example.com' }] }, 'v5');
      assert.equal(refused.statusCode, 400);
      assert.equal(refused.body.data[0].code, 'NOT_ALLOWED');
      assert.equal(refused.body.data[0].message, "Email cannot be sent as recipient email's contain one or more blocked email");
      assert.equal((await f.mails()).length, 1, 'the refused mail was not queued');
    });

    test('#20 451 after the final dot defers every recipient (and the retry delivers); 554 after the dot fails all, blocking nobody', async (t) => {
      const f = await setup(t, kind, { script: { DATA_END: '451 4.3.0 Temporary queue failure' } });
      const id = await f.accept({ to: [{ email: 'ann@example.com' }], cc: [{ email: 'bob@example.com' }] });
      assert.equal(await f.worker.runOnce(), 1);
      const deferred = await f.statuses(id);
      assert.deepEqual(summary(deferred), [
        ['ann@example.com', 'deferred', '4.3.0'],
        ['bob@example.com', 'deferred', '4.3.0'],
      ]);
      assert.ok(deferred.every((s) => /Temporary queue failure/.test(s.diagnostic ?? '') && s.next_attempt_time === at(T0 + FIRST_RETRY_MS)));
      // The refused data is asked again one recipient at a time, so each outcome is unambiguous.
      assert.equal(f.peer.transactions.length, 3);
      assert.ok(f.peer.transactions.every((tx) => tx.complete));
      assert.equal(f.peer.delivered.length, 0);

      f.peer.script = {};
      f.clock!.advance(FIRST_RETRY_MS + 1000);
      assert.equal(await f.worker.runOnce(), 1);
      assert.deepEqual(summary(await f.statuses(id)), [
        ['ann@example.com', 'sent', '2.0.0'],
        ['bob@example.com', 'sent', '2.0.0'],
      ]);
      assert.equal(f.peer.delivered.length, 1);

      f.peer.script = { DATA_END: '554 5.6.0 Message content rejected' };
      const rejected = await f.accept({ to: [{ email: 'dora@example.com' }], bcc: [{ email: 'eve@example.com' }] });
      assert.equal(await f.worker.runOnce(), 1);
      const failed = await f.statuses(rejected);
      // A refused message is not a refused address: nobody is blocked.
      assert.deepEqual(summary(failed), [
        ['dora@example.com', 'failed', '5.6.0'],
        ['eve@example.com', 'failed', '5.6.0'],
      ]);
      assert.ok(failed.every((s) => /554 5\.6\.0 Message content rejected/.test(s.diagnostic ?? '') && s.next_attempt_time === null));
      f.clock!.advance(2 * 3600 * 1000);
      assert.equal(await f.worker.runOnce(), 0);
      assert.equal(f.peer.delivered.length, 1);
      f.peer.script = {};
      const later = await f.send({ to: [{ email: 'dora@example.com' }] }, 'v5');
      assert.equal(later.statusCode, 200, 'dora is not blocked');
    });

    test('#18/#25 a 5xx to the greeting, EHLO or MAIL FROM refuses the session or sender: failed, nobody blocked', async (t) => {
      const f = await setup(t, kind);
      const cases: [Script, string, string, RegExp][] = [
        [{ greeting: '554 5.7.1 No SMTP service here' }, 'greet@example.com', '5.7.1', /No SMTP service here/],
        [{ EHLO: '550 5.7.0 Not welcome' }, 'ehlo@example.com', '5.7.0', /Not welcome/],
        [{ MAIL: '553 5.7.1 Sender address rejected: not owned by user' }, 'sender@example.com', '5.7.1', /not owned by user/],
      ];
      for (const [script, email, code, diagnostic] of cases) {
        f.peer.script = script;
        const id = await f.accept({ to: [{ email }] });
        assert.equal(await f.worker.runOnce(), 1);
        const status = find(await f.statuses(id), email);
        assert.deepEqual([status.type, status.status_code, status.next_attempt_time], ['failed', code, null], JSON.stringify(script));
        assert.match(status.diagnostic ?? '', diagnostic);
      }
      f.peer.script = {};
      const again = await f.send({ to: cases.map(([, email]) => ({ email })) }, 'v5');
      assert.equal(again.statusCode, 200, `the recipients were not at fault and must not be blocked: ${JSON.stringify(again.body)}`);
      assert.equal(await f.worker.runOnce(), 1);
      assert.deepEqual(f.peer.delivered.map((m) => m.accepted), [cases.map(([, email]) => email)]);
    });

    // SMTP answers the data once for the transaction and nodemailer does not report the RCPT
    // refusals on that path: after a refused data phase the transport asks again one recipient at a
    // time, so each recipient gets the outcome that is really its own.
    test('#17+#20 a reply after the dot applies only to the recipients accepted at RCPT', async (t) => {
      const f = await setup(t, kind, {
        script: { RCPT: (address) => (address === 'busy@example.com' ? '451 4.2.1 Mailbox busy' : '250 2.1.5 OK'), DATA_END: '554 5.6.0 Message content rejected' },
      });
      const first = await f.accept({ to: [{ email: 'ann@example.com' }, { email: 'busy@example.com' }] });
      assert.equal(await f.worker.runOnce(), 1);
      assert.deepEqual(summary(await f.statuses(first)), [
        ['ann@example.com', 'failed', '5.6.0'],
        ['busy@example.com', 'deferred', '4.2.1'],
      ]);

      f.peer.script = { RCPT: (address) => (address === 'gone@example.com' ? '550 5.1.1 User unknown' : '250 2.1.5 OK'), DATA_END: '451 4.3.0 Try later' };
      const second = await f.accept({ to: [{ email: 'bob@example.com' }, { email: 'gone@example.com' }] });
      assert.equal(await f.worker.runOnce(), 1);
      assert.deepEqual(summary(await f.statuses(second)), [
        ['bob@example.com', 'deferred', '4.3.0'],
        ['gone@example.com', 'bounced', '5.1.1'],
      ]);
    });

    // When the whole message was handed over and no reply came back, the server may have it: the
    // recipient is deferred and flagged possible_duplicate, since the retry may deliver a second copy.
    test('#5/#22 no reply after the final dot: deferred, and the retry is flagged possible_duplicate', async (t) => {
      const f = await setup(t, kind, { script: { DATA_END: false } });
      const id = await f.accept();
      assert.equal(await f.worker.runOnce(), 1);
      const first = find(await f.statuses(id), 'ann@example.com');
      assert.deepEqual([first.type, first.status_code], ['deferred', '4.4.7']);
      assert.equal(f.peer.transactions.filter((tx) => tx.complete).length, 1, 'the server has the whole message');

      f.peer.script = {};
      f.clock!.advance(FIRST_RETRY_MS + 1000);
      assert.equal(await f.worker.runOnce(), 1);
      assert.equal(f.peer.transactions.filter((tx) => tx.complete).length, 2);
      const retried = find(await f.statuses(id), 'ann@example.com');
      assert.equal(retried.type, 'sent');
      assert.equal(retried.possible_duplicate, true, 'the server got the complete message twice');
    });

    test('#21 socket destroyed mid-DATA: deferred, not flagged, retried, then delivered exactly once', async (t) => {
      const f = await setup(t, kind, { script: { disconnectAfterBodyBytes: 120 } });
      const id = await f.accept({ content: 'A body long enough to be cut off in the middle. '.repeat(20) });
      assert.equal(await f.worker.runOnce(), 1);
      const first = find(await f.statuses(id), 'ann@example.com');
      assert.equal(first.type, 'deferred');
      assert.match(first.status_code ?? '', /^4\.\d+\.\d+$/);
      assert.equal(first.next_attempt_time, at(T0 + FIRST_RETRY_MS));
      // The drop was noticed before the end of the message was let go: the server cannot have it.
      assert.equal(first.possible_duplicate, false, 'a connection lost before the final dot is a clean retry');
      assert.equal(f.peer.transactions.length, 1);
      assert.equal(f.peer.transactions[0]!.complete, false, 'the first copy was cut off');

      f.peer.script = {};
      f.clock!.advance(FIRST_RETRY_MS + 1000);
      assert.equal(await f.worker.runOnce(), 1);
      const sent = find(await f.statuses(id), 'ann@example.com');
      assert.equal(sent.type, 'sent');
      assert.equal(sent.possible_duplicate, false);
      assert.equal(f.peer.delivered.length, 1);
      assert.equal(f.peer.transactions.filter((tx) => tx.complete).length, 1, 'one complete copy in all');
      const parsed = await simpleParser(f.peer.delivered[0]!.body);
      assert.equal(parsed.text?.trim(), 'A body long enough to be cut off in the middle. '.repeat(20).trim());
    });

    // The final dot goes only after the recipients' "handed over" mark is committed. A database
    // that refuses that commit (here a trigger; in life an outage) stops the transaction before
    // its end: the server discards the incomplete message, and the retry is not a duplicate.
    test('#8/#21 the handed-over mark cannot be committed: the transaction ends before the dot, deferred, not flagged', async (t) => {
      const f = await setup(t, kind);
      const refuse = 'handover refused by a test trigger';
      const db = f.testApp.app.db;
      if (kind === 'sqlite') {
        await sql.raw(`create trigger refuse_handover before update of in_flight on mail_recipients when new.in_flight = 2
                         begin select raise(abort, '${refuse}'); end`).execute(db);
      } else {
        await sql.raw(`create function refuse_handover() returns trigger language plpgsql as $$ begin raise exception '${refuse}'; end $$`).execute(db);
        await sql.raw(`create trigger refuse_handover before update of in_flight on mail_recipients for each row
                         when (new.in_flight = 2) execute function refuse_handover()`).execute(db);
      }
      const id = await f.accept({ to: [{ email: 'ann@example.com' }], cc: [{ email: 'bob@example.com' }] });
      assert.equal(await f.worker.runOnce(), 1);
      const first = await f.statuses(id);
      assert.deepEqual(summary(first), [
        ['ann@example.com', 'deferred', '4.3.0'],
        ['bob@example.com', 'deferred', '4.3.0'],
      ]);
      for (const s of first) {
        assert.match(s.diagnostic ?? '', /end of the message was held back/);
        assert.match(s.diagnostic ?? '', new RegExp(refuse));
        assert.equal(s.possible_duplicate, false);
      }
      assert.equal(f.peer.transactions.length, 1, 'the data phase had begun');
      assert.equal(f.peer.transactions[0]!.complete, false, 'no final dot was sent');
      assert.equal(f.peer.delivered.length, 0);

      await sql.raw('drop trigger refuse_handover' + (kind === 'postgres' ? ' on mail_recipients' : '')).execute(db);
      f.clock!.advance(FIRST_RETRY_MS + 1000);
      assert.equal(await f.worker.runOnce(), 1);
      const sent = await f.statuses(id);
      assert.deepEqual(summary(sent), [
        ['ann@example.com', 'sent', '2.0.0'],
        ['bob@example.com', 'sent', '2.0.0'],
      ]);
      assert.ok(sent.every((s) => s.possible_duplicate === false));
      assert.equal(f.peer.delivered.length, 1, 'exactly one copy');
    });

    // An attempt whose lease ran out while its send was still going (a slow server) may find the
    // mail claimed again, by another worker or by its own: the handed-over mark is fenced by the
    // claim, so the stale attempt cannot end its message, and its outcome does not overwrite the
    // new attempt's.
    for (const who of ['another worker', 'the same worker'] as const) {
      test(`#14 an attempt whose lease ran out mid-send cannot let the dot go: ${who} claims the mail again and delivers it once, not flagged`, async (t) => {
        const f = await setup(t, kind, { env: { SMTP_TIMEOUT_SECONDS: '20' } });
        // Each DATA command waits until the test lets it go: the stale attempt's, then the new one's.
        const held: (() => void)[] = [];
        f.peer.script = { DATA: () => new Promise((resolve) => held.push(() => resolve('354 End data with <CR><LF>.<CR><LF>'))) };
        const dataCommands = async (n: number) => {
          for (const deadline = Date.now() + 10_000; held.length < n; await sleep(10)) assert.ok(Date.now() < deadline, `DATA #${n}`);
        };
        const id = await f.accept();
        const stale = f.worker.runOnce();
        await dataCommands(1);

        f.clock!.advance(f.testApp.config.delivery.leaseMs + 1000);
        const other = who === 'the same worker' ? f.worker : createWorker(f.testApp.app);
        if (other !== f.worker) t.after(() => other.stop(1000));
        const fresh = other.runOnce();
        await dataCommands(2);

        // The stale attempt reaches its end while the new claim holds the mail: it must not send it.
        held[0]!();
        assert.equal(await stale, 1);
        assert.equal(f.peer.transactions.filter((tx) => tx.complete).length, 0, 'the stale attempt did not send the final dot');
        held[1]!();
        assert.equal(await fresh, 1, 'the expired lease let the mail be claimed again');
        const status = find(await f.statuses(id), 'ann@example.com');
        assert.deepEqual([status.type, status.status_code, status.possible_duplicate], ['sent', '2.0.0', false]);
        assert.equal(f.peer.transactions.length, 2, 'both workers reached the data phase');
        assert.equal(f.peer.transactions.filter((tx) => tx.complete).length, 1, 'only the lease holder sent the final dot');
        assert.equal(f.peer.delivered.length, 1, 'one copy');
        assert.deepEqual(await f.mails(), [{ message_id: id, state: 'done', lease_until: null }]);
      });
    }

    test('#22 a server that never greets: deferred within the SMTP timeout, not hanging', async (t) => {
      const f = await setup(t, kind, { script: { greeting: false } });
      const id = await f.accept();
      const started = Date.now();
      assert.equal(await f.worker.runOnce(), 1);
      const elapsed = Date.now() - started;
      assert.ok(elapsed < 4000, `the attempt took ${elapsed} ms with SMTP_TIMEOUT_SECONDS=1`);
      const status = find(await f.statuses(id), 'ann@example.com');
      assert.equal(status.type, 'deferred');
      assert.equal(status.status_code, '4.4.7');
      // nodemailer's greeting timer and socket-idle timer both run SMTP_TIMEOUT; either may fire first.
      assert.match(status.diagnostic ?? '', /Greeting never received|Timeout/);
      assert.equal(status.next_attempt_time, at(T0 + FIRST_RETRY_MS));
      assert.deepEqual(f.peer.commands, [], 'nothing was sent to a server that never greeted');
    });

    test('#28 give-up: still deferred after RETRY_MAX_AGE_HOURS → failed, 4.x.x rewritten to 5.x.x, no block', async (t) => {
      const f = await setup(t, kind, { script: { RCPT: '451 4.4.3 Try again later' } });
      const id = await f.accept();
      assert.equal(await f.worker.runOnce(), 1);
      let status = find(await f.statuses(id), 'ann@example.com');
      assert.deepEqual([status.type, status.status_code, status.next_attempt_time], ['deferred', '4.4.3', at(T0 + FIRST_RETRY_MS)]);

      f.clock!.advance(FIRST_RETRY_MS);
      assert.equal(await f.worker.runOnce(), 1);
      status = find(await f.statuses(id), 'ann@example.com');
      assert.deepEqual(
        [status.type, status.status_code, status.next_attempt_time],
        ['deferred', '4.4.3', at(T0 + FIRST_RETRY_MS + 2 * FIRST_RETRY_MS)],
        'the second retry waits twice as long',
      );

      f.clock!.set(T0 + 3600 * 1000 + 1000);
      assert.equal(await f.worker.runOnce(), 1);
      status = find(await f.statuses(id), 'ann@example.com');
      assert.equal(status.type, 'failed');
      assert.equal(status.status_code, '5.4.3');
      assert.match(status.diagnostic ?? '', /451 4\.4\.3 Try again later/);
      assert.equal(status.next_attempt_time, null);
      assert.equal(f.peer.transactions.length, 0, 'never got past RCPT');
      assert.equal(f.peer.commands.filter((c) => c.startsWith('RCPT')).length, 3);

      f.clock!.advance(6 * 3600 * 1000);
      assert.equal(await f.worker.runOnce(), 0, 'a failed recipient is not retried');
      assert.equal((await f.mails())[0]!.state, 'done');
      const again = await f.send({}, 'v5');
      assert.equal(again.statusCode, 200, 'giving up blocks nothing: the address can be mailed again');
    });

    test('#38 header injection in subject or display name: 400 INVALID_DATA for that item, nothing queued or sent', async (t) => {
      const f = await setup(t, kind);
      const badSubjects = ['Hi\r\nBcc: evil@example.com', 'Hi\nBcc: evil@example.com', 'Hi\rBcc: evil@example.com', 'Hi\u2028Bcc: evil@example.com', 'Hi\u2029x', 'Hi\u0085x', 'Hi\0x'];
      for (const subject of badSubjects) {
        const { statusCode, body } = await f.send({ subject });
        assert.equal(statusCode, 400, JSON.stringify(subject));
        assert.equal(body.data[0].code, 'INVALID_DATA', JSON.stringify(subject));
        assert.equal(body.data[0].details.api_name, 'subject');
      }
      const badNames: Record<string, unknown>[] = [
        { to: [{ user_name: 'Ann\nBcc: evil@example.com', email: 'ann@example.com' }] },
        { cc: [{ user_name: 'Bob\r\nBcc: evil@example.com', email: 'bob@example.com' }] },
        { from: { user_name: 'Pat\u2028Bcc: evil@example.com', email: f.adminEmail } },
        { reply_to: { user_name: 'Desk\rBcc: evil@example.com', email: 'desk@example.com' } },
      ];
      for (const item of badNames) {
        const { statusCode, body } = await f.send(item);
        assert.equal(statusCode, 400, JSON.stringify(item));
        assert.equal(body.data[0].code, 'INVALID_DATA', JSON.stringify(item));
        assert.equal(body.data[0].details.api_name, 'user_name');
      }
      assert.deepEqual(await f.mails(), []);
      assert.equal(await f.worker.runOnce(), 0);
      assert.equal(f.peer.connections, 0, 'no message ever reached the server');

      // In a request of two items only the bad one is refused; the good one goes out clean.
      const mixed = await f.testApp.api('POST', `/crm/v8/Leads/${f.leadId}/actions/send_mail`, f.org.token, {
        data: [
          { from: { email: f.adminEmail }, to: [{ email: 'ann@example.com' }], subject: 'Clean', content: 'ok', mail_format: 'text' },
          { from: { email: f.adminEmail }, to: [{ email: 'ann@example.com' }], subject: 'Dirty\r\nBcc: evil@example.com', content: 'x' },
        ],
      });
      assert.equal(mixed.statusCode, 202);
      assert.deepEqual(json(mixed).data.map((d: { code: string }) => d.code), ['SUCCESS', 'INVALID_DATA']);
      assert.equal(await f.worker.runOnce(), 1);
      assert.equal(f.peer.delivered.length, 1);
      assert.deepEqual(f.peer.delivered[0]!.rcptTo, ['ann@example.com']);
      assert.doesNotMatch(f.peer.delivered[0]!.body, /evil@example\.com|^Bcc:/im);
    });

    test('#49 body smuggling: end-of-data look-alikes and bare CR/LF give ONE message, CRLF-only on the wire, body intact', async (t) => {
      const f = await setup(t, kind);
      const content =
        'First line\r\n.\r\nMAIL FROM:<evil@example.com>\r\nRCPT TO:<victim@example.com>\r\nDATA\r\nSmuggled: yes\r\n\r\nsmuggled body\r\n.\r\n' +
        'after CRLF.CRLF\n.\nafter LF.LF\n.\r\nafter LF.CRLF\r.\rafter CR.CR\rlone CR\n.leading dot\n..two dots\nlast line';
      const id = await f.accept({ subject: 'Smuggling', content });
      assert.equal(await f.worker.runOnce(), 1);

      assert.equal(f.peer.transactions.length, 1, 'exactly one transaction');
      assert.equal(f.peer.delivered.length, 1, 'exactly one message');
      assert.deepEqual(
        f.peer.commands.map((c) => c.split(/[ :]/)[0]),
        ['EHLO', 'MAIL', 'RCPT', 'DATA'],
        `no command was smuggled: ${JSON.stringify(f.peer.commands)}`,
      );
      assert.deepEqual(f.peer.delivered[0]!.rcptTo, ['ann@example.com']);

      const raw = f.peer.delivered[0]!.raw.toString('latin1');
      assert.ok(raw.endsWith('\r\n'));
      assert.doesNotMatch(raw, /(^|[^\r])\n/, 'no bare LF on the wire');
      assert.doesNotMatch(raw, /\r(?!\n)/, 'no bare CR on the wire');
      for (const line of raw.split('\r\n')) {
        if (line.startsWith('.')) assert.ok(line.startsWith('..'), `line not dot-stuffed: ${JSON.stringify(line)}`);
      }

      const parsed = await simpleParser(f.peer.delivered[0]!.body);
      assert.equal(parsed.subject, 'Smuggling');
      assert.equal(parsed.text?.replace(/\n$/, ''), content.replace(/\r\n?/g, '\n'), 'body intact (line ends normalised)');
      assert.equal(find(await f.statuses(id), 'ann@example.com').type, 'sent');
    });
  });

}
