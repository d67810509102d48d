import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { FakeClock } from '../../src/clock.js';
import { createWorker, type Worker } from '../../src/delivery/worker.js';
import { updateOrg } from '../../src/orgs/update-org.js';
import { createUser } from '../../src/users/create-user.js';
import { DATABASE_KINDS, json, startTestApp, type TestApp, type TestOrg } from '../helpers/test-app.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';
import { closeMailWorld, openMailWorld, type MailWorld } from '../helpers/mail-world.js';

const T0 = Date.UTC(2026, 11, 1, 4, 0, 0); // 2026-12-01T09:30:00+05:30

for (const kind of DATABASE_KINDS) {
  describe(`scheduled sends, cancel and reschedule [${kind}]`, () => {
    let sink: SmtpSink;
    let testApp: TestApp;
    let worker: Worker;
    let clock: FakeClock;
    let org: TestOrg;
    let from: string;
    let leadId: string;

    const at = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
    const schedule = (scheduled: string, extra: Record<string, unknown> = {}, id = leadId) =>
      testApp.api('POST', `/crm/v8/Leads/${id}/actions/send_mail`, org.token, {
        data: [{ from: { email: from }, to: [{ email: 'smith@example.com' }], subject: 'Later', scheduled_time: scheduled, ...extra }],
      });
    const statuses = async (messageId: string, id = leadId) =>
      json(await testApp.api('GET', `/crm/v8/Leads/${id}/Emails/${messageId}`, org.token)).Emails[0].status.map((s: { type: string }) => s.type);

    let world: MailWorld;
    before(async () => {
      world = await openMailWorld(kind, { at: T0, lead: { name: 'Smith', email: 'smith@example.com' } });
      ({ sink, clock, testApp, worker, org, from, leadId } = world);
    });
    after(() => closeMailWorld(world));

    test('a mail scheduled with a +05:30 offset waits for its instant, shows as scheduled, then goes', async () => {
      clock.set(T0 - 6000);
      const response = await schedule('2026-12-01T09:30:00+05:30');
      assert.equal(response.statusCode, 200);
      const item = json(response).data[0];
      assert.equal(item.message, 'Your mail has been scheduled successfully.');
      const id = item.details.message_id;

      const listed = json(await testApp.api('GET', `/crm/v8/Leads/${leadId}/Emails?type=scheduled_in_crm`, org.token)).Emails;
      assert.deepEqual(listed.map((e: { message_id: string }) => e.message_id), [id]);
      assert.equal(listed[0].scheduled_time, '2026-12-01T09:30:00+05:30');
      assert.deepEqual(listed[0].status.map((s: { type: string }) => s.type), ['scheduled']);

      const before = sink.messages.length;
      clock.set(T0 - 1);
      assert.equal(await worker.runOnce(), 0, 'not sent early');
      clock.set(T0);
      assert.equal(await worker.runOnce(), 1);
      await sink.waitFor(before + 1);
      assert.deepEqual(await statuses(id), ['sent']);
      assert.equal((await testApp.api('GET', `/crm/v8/Leads/${leadId}/Emails?type=scheduled_in_crm`, org.token)).statusCode, 204);
    });

    test('a past time, a time without offset, or one beyond the horizon is refused naming scheduled_time', async () => {
      clock.set(T0);
      const past = await schedule(at(T0 - 60_000));
      assert.equal(past.statusCode, 400);
      assert.deepEqual(json(past).data[0], {
        code: 'INVALID_DATA',
        details: { api_name: 'scheduled_time', json_path: '$.data[0].scheduled_time' },
        message: 'Schedule time should not be past time',
        status: 'error',
      });
      const noOffset = await schedule('2026-12-02T09:30:00');
      assert.deepEqual(json(noOffset).data[0].details, { expected_data_type: 'datetime', api_name: 'scheduled_time', json_path: '$.data[0].scheduled_time' });
      assert.equal(json(await schedule('tomorrow')).data[0].code, 'INVALID_DATA');
      const far = await schedule(at(T0 + 400 * 86_400_000));
      assert.equal(json(far).data[0].message, 'Schedule time is beyond the allowed scheduling horizon');
    });

    test('the free edition cannot schedule', async () => {
      const free = await testApp.createOrg({ edition: 'free' });
      const freeFrom = json(await testApp.api('GET', '/crm/v8/users?type=CurrentUser', free.token)).users[0].email;
      const lead = json(await testApp.api('POST', '/crm/v8/Leads', free.token, { data: [{ Last_Name: 'F', Email: 'f@example.com' }] })).data[0].details.id;
      const response = await testApp.api('POST', `/crm/v8/Leads/${lead}/actions/send_mail`, free.token, {
        data: [{ from: { email: freeFrom }, to: [{ email: 'f@example.com' }], subject: 'S', scheduled_time: at(T0 + 3600_000) }],
      });
      assert.equal(response.statusCode, 400);
      assert.deepEqual(json(response).data[0], {
        code: 'FEATURE_NOT_SUPPORTED',
        details: { api_name: 'scheduled_time', json_path: '$.data[0].scheduled_time' },
        message: 'You cannot schedule email as your license type does not support email scheduling',
        status: 'error',
      });
    });

    test('a cancelled mail never goes; a rescheduled one goes at its new time only', async () => {
      clock.set(T0);
      const cancelled = json(await schedule(at(T0 + 60_000))).data[0].details.message_id;
      const moved = json(await schedule(at(T0 + 60_000))).data[0].details.message_id;
      const cancel = await testApp.api('POST', `/crm/v8/Leads/${leadId}/Emails/${cancelled}/actions/cancel`, org.token);
      assert.equal(cancel.statusCode, 200);
      assert.deepEqual(json(cancel).data[0], {
        code: 'SUCCESS',
        details: { message_id: cancelled },
        message: 'Your mail has been cancelled successfully.',
        status: 'success',
      });
      const reschedule = await testApp.api('POST', `/crm/v8/Leads/${leadId}/Emails/${moved}/actions/reschedule`, org.token, {
        data: [{ scheduled_time: at(T0 + 120_000) }],
      });
      assert.equal(json(reschedule).data[0].message, 'Your mail has been rescheduled successfully.');

      const before = sink.messages.length;
      clock.set(T0 + 60_000);
      assert.equal(await worker.runOnce(), 0);
      clock.set(T0 + 120_000);
      assert.equal(await worker.runOnce(), 1);
      await sink.waitFor(before + 1);
      assert.equal(sink.messages.length, before + 1);
      assert.deepEqual(await statuses(cancelled), ['cancelled']);
      assert.deepEqual(await statuses(moved), ['sent']);

      const late = await testApp.api('POST', `/crm/v8/Leads/${leadId}/Emails/${moved}/actions/cancel`, org.token);
      assert.equal(late.statusCode, 400);
      assert.equal(json(late).code, 'NOT_ALLOWED');
      const unknown = await testApp.api('POST', `/crm/v8/Leads/${leadId}/Emails/${'a'.repeat(64)}/actions/cancel`, org.token);
      assert.equal(json(unknown).code, 'INVALID_DATA');
    });

    test('rescheduling to another day moves the daily-quota reservation, and is refused when that day is full', async () => {
      clock.set(T0);
      const day = 86_400_000;
      const small = await testApp.createOrg({ timeZone: 'Asia/Kolkata' });
      await updateOrg(testApp.app, { orgId: small.orgId, dailyMailLimit: 1 });
      const smallFrom = json(await testApp.api('GET', '/crm/v8/users?type=CurrentUser', small.token)).users[0].email;
      const lead = json(await testApp.api('POST', '/crm/v8/Leads', small.token, { data: [{ Last_Name: 'Q', Email: 'q@example.com' }] })).data[0].details.id;
      const sendAt = (ms: number) =>
        testApp.api('POST', `/crm/v8/Leads/${lead}/actions/send_mail`, small.token, {
          data: [{ from: { email: smallFrom }, to: [{ email: 'q@example.com' }], subject: 'Quota', scheduled_time: at(ms) }],
        });
      const a = json(await sendAt(T0 + day)).data[0].details.message_id; // day 1: 1 of 1
      assert.equal(json(await sendAt(T0 + 2 * day)).data[0].status, 'success'); // day 2: 1 of 1
      assert.equal(json(await sendAt(T0 + day)).data[0].code, 'LIMIT_EXCEEDED', 'day 1 is full');

      const refused = await testApp.api('POST', `/crm/v8/Leads/${lead}/Emails/${a}/actions/reschedule`, small.token, { data: [{ scheduled_time: at(T0 + 2 * day) }] });
      assert.equal(refused.statusCode, 400, refused.body);
      assert.deepEqual(json(refused), {
        code: 'LIMIT_EXCEEDED',
        details: { period: 'day', allowed_limit: 1 },
        message: 'You have reached the daily mail usage limit for your organization.',
        status: 'error',
      });
      const still = json(await testApp.api('GET', `/crm/v8/Leads/${lead}/Emails/${a}`, small.token)).Emails[0];
      assert.equal(Date.parse(still.scheduled_time), T0 + day, 'a refused reschedule keeps the mail’s time');

      const moved = await testApp.api('POST', `/crm/v8/Leads/${lead}/Emails/${a}/actions/reschedule`, small.token, { data: [{ scheduled_time: at(T0 + 3 * day) }] });
      assert.equal(moved.statusCode, 200, moved.body);
      assert.equal(json(await sendAt(T0 + day)).data[0].status, 'success', 'day 1 got its unit back');
      assert.equal(json(await sendAt(T0 + 3 * day)).data[0].code, 'LIMIT_EXCEEDED', 'day 3 now holds the moved mail');
    });

    test('a mail whose sender’s profile lost the Send Email permission after scheduling ends skipped, never sent', async () => {
      clock.set(T0 + 3_000_000);
      const rep = await createUser(testApp.app, { orgId: org.orgId, email: 'rep@example.com', name: 'Sales Rep' });
      const repToken = await testApp.tokenFor(org, ['ZohoCRM.send_mail.all.CREATE'], rep.id);
      const accepted = await testApp.api('POST', `/crm/v8/Leads/${leadId}/actions/send_mail`, repToken, {
        data: [{ from: { email: 'rep@example.com' }, to: [{ email: 'smith@example.com' }], subject: 'From the rep', scheduled_time: at(T0 + 3_060_000) }],
      });
      assert.equal(accepted.statusCode, 200, accepted.body);
      const id = json(accepted).data[0].details.message_id;
      const revoked = await testApp.api('PUT', '/crm/v8/settings/profile_permissions', org.token, {
        profile_permissions: [{ profile: 'standard', permission: 'send_email', enabled: false }],
      });
      assert.equal(revoked.statusCode, 200, revoked.body);
      const before = sink.messages.length;
      clock.set(T0 + 3_060_000);
      assert.equal(await worker.runOnce(), 1);
      const status = json(await testApp.api('GET', `/crm/v8/Leads/${leadId}/Emails/${id}`, org.token)).Emails[0].status[0];
      assert.equal(status.type, 'skipped');
      assert.match(status.diagnostic, /Send Email permission/);
      assert.equal(sink.messages.length, before);
      await testApp.api('PUT', '/crm/v8/settings/profile_permissions', org.token, {
        profile_permissions: [{ profile: 'standard', permission: 'send_email', enabled: true }],
      });
    });

    test('cancel racing a worker’s claim: exactly one wins', async () => {
      for (let round = 0; round < 5; round += 1) {
        clock.set(T0 + 1_000_000 + round * 10_000);
        const id = json(await schedule(at(clock.now()))).data[0].details.message_id;
        const before = sink.messages.length;
        const [cancel, claimed] = await Promise.all([
          testApp.api('POST', `/crm/v8/Leads/${leadId}/Emails/${id}/actions/cancel`, org.token),
          worker.runOnce(),
        ]);
        const cancelWon = cancel.statusCode === 200;
        assert.equal(cancelWon, claimed === 0, `round ${round}: cancel ${cancel.statusCode}, claimed ${claimed}`);
        if (cancelWon) assert.deepEqual(await statuses(id), ['cancelled']);
        else {
          await sink.waitFor(before + 1);
          assert.deepEqual(await statuses(id), ['sent']);
        }
      }
    });

    test('a record that opts out after scheduling is not mailed: the mail ends skipped with the reason', async () => {
      clock.set(T0 + 2_000_000);
      const created = await testApp.api('POST', '/crm/v8/Leads', org.token, { data: [{ Last_Name: 'Later', Email: 'later@example.com' }] });
      assert.equal(created.statusCode, 201, created.body);
      const lead = json(created).data[0].details.id;
      const accepted = await schedule(at(T0 + 2_060_000), { to: [{ email: 'later@example.com' }] }, lead);
      assert.equal(accepted.statusCode, 200, accepted.body);
      const id = json(accepted).data[0].details.message_id;
      await testApp.api('PUT', `/crm/v8/Leads/${lead}`, org.token, { data: [{ Email_Opt_Out: true }] });
      const before = sink.messages.length;
      clock.set(T0 + 2_060_000);
      assert.equal(await worker.runOnce(), 1);
      const detail = await testApp.api('GET', `/crm/v8/Leads/${lead}/Emails/${id}`, org.token);
      assert.equal(detail.statusCode, 200, detail.body);
      const status = json(detail).Emails[0].status[0];
      assert.equal(status.type, 'skipped');
      assert.match(status.diagnostic, /opted out/);
      assert.equal(sink.messages.length, before);
    });
  });
}

for (const kind of DATABASE_KINDS) {
  describe(`fair claiming: scheduled mail coming due and mail to go now share the worker [${kind}]`, () => {
    let w: MailWorld;
    const send = (subject: string, count: number, scheduled?: string) =>
      w.testApp.api('POST', `/crm/v8/Leads/${w.leadId}/actions/send_mail`, w.org.token, {
        data: Array.from({ length: count }, () => ({
          from: { email: w.from },
          to: [{ email: 'queue@example.com' }],
          subject,
          ...(scheduled ? { scheduled_time: scheduled } : {}),
        })),
      });
    /** Subjects in the order the sink received them, from message `start` on. */
    const arrivals = (start: number) => w.sink.messages.slice(start).map((m) => m.parsed.subject);

    // Two slots: each claim takes two mails, so the order of claims is the order of arrival.
    before(async () => {
      w = await openMailWorld(kind, { at: T0, lead: { name: 'Queue', email: 'queue@example.com' }, env: { WORKER_CONCURRENCY: '2' } });
    });
    after(() => closeMailWorld(w));

    test('a mail accepted to go now is claimed first, not after a burst of overdue scheduled mail', async () => {
      w.clock.set(T0);
      assert.equal((await send('Scheduled', 20, '2026-12-01T09:31:00+05:30')).statusCode, 200);
      w.clock.set(T0 + 120_000); // the burst is a minute overdue (say the worker was down)
      assert.equal((await send('Now', 1)).statusCode, 200);
      const start = w.sink.messages.length;
      assert.equal(await w.worker.runOnce(), 21);
      await w.sink.waitFor(start + 21);
      const order = arrivals(start);
      assert.ok(order.indexOf('Now') < 2, `the mail to go now arrived in position ${order.indexOf('Now') + 1} of 21`);
    });

    test('and a flood of mail to go now does not starve a scheduled mail coming due', async () => {
      w.clock.set(T0 + 200_000);
      assert.equal((await send('Due', 1, '2026-12-01T09:35:00+05:30')).statusCode, 200); // T0 + 300 s
      w.clock.set(T0 + 300_000);
      assert.equal((await send('Flood', 20)).statusCode, 200);
      const start = w.sink.messages.length;
      assert.equal(await w.worker.runOnce(), 21);
      await w.sink.waitFor(start + 21);
      const order = arrivals(start);
      assert.ok(order.indexOf('Due') < 2, `the scheduled mail arrived in position ${order.indexOf('Due') + 1} of 21`);
    });
  });
}

/** `ms` written with a +05:30 offset, as a client in India would send it. */
function inKolkata(ms: number): string {
  return new Date(Math.ceil(ms / 1000) * 1000 + 330 * 60_000).toISOString().replace('.000Z', '+05:30');
}

for (const kind of DATABASE_KINDS) {
  describe(`a running worker fires scheduled mail on time [${kind}]`, () => {
    test('a mail scheduled 6 s ahead is not sent early and arrives within 3 s of its instant', async (t) => {
      const sink = await startSmtpSink();
      t.after(() => sink.close());
      const testApp = await startTestApp(kind, { env: { SMTP_URL: sink.url } });
      t.after(() => testApp.close());
      const worker = createWorker(testApp.app);
      await worker.start();
      t.after(() => worker.stop(1000));
      const org = await testApp.createOrg();
      const from = json(await testApp.api('GET', '/crm/v8/users?type=CurrentUser', org.token)).users[0].email;
      const lead = json(await testApp.api('POST', '/crm/v8/Leads', org.token, { data: [{ Last_Name: 'Soon', Email: 'soon@example.com' }] })).data[0].details.id;
      const scheduled = inKolkata(Date.now() + 6000);
      const instant = Date.parse(scheduled);
      const response = await testApp.api('POST', `/crm/v8/Leads/${lead}/actions/send_mail`, org.token, {
        data: [{ from: { email: from }, to: [{ email: 'soon@example.com' }], subject: 'On time', scheduled_time: scheduled }],
      });
      assert.equal(json(response).data[0].message, 'Your mail has been scheduled successfully.');
      await sink.waitFor(1, 15_000);
      const arrived = Date.now();
      assert.ok(arrived >= instant, `arrived ${instant - arrived} ms early`);
      assert.ok(arrived <= instant + 3000, `arrived ${arrived - instant} ms late`);
    });
  });
}
