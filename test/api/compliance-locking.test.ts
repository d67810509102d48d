import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FakeClock } from '../../src/clock.js';
import type { Worker } from '../../src/delivery/worker.js';
import { createUser } from '../../src/users/create-user.js';
import { DATABASE_KINDS, json, type TestApp, type TestOrg } from '../helpers/test-app.js';
import type { SmtpSink } from '../helpers/smtp-sink.js';
import { closeMailWorld, openMailWorld, type MailWorld } from '../helpers/mail-world.js';

const T0 = Date.UTC(2026, 10, 26, 10, 0, 0);

for (const kind of DATABASE_KINDS) {
  describe(`record locking and send_mail [${kind}]`, () => {
    let sink: SmtpSink;
    let testApp: TestApp;
    let worker: Worker;
    let clock: FakeClock;
    let org: TestOrg;
    let from: string;

    const createLead = async () => {
      const response = await testApp.api('POST', '/crm/v8/Leads', org.token, { data: [{ Last_Name: 'Locked', Email: 'locked@example.com' }] });
      return json(response).data[0].details.id as string;
    };
    const send = (id: string, extra: Record<string, unknown> = {}, token = org.token, sender = from) =>
      testApp.api('POST', `/crm/v8/Leads/${id}/actions/send_mail`, token, {
        data: [{ from: { email: sender }, to: [{ email: 'locked@example.com' }], subject: 'Hello', content: 'Hi', ...extra }],
      });
    const lock = (id: string, reason = 'deal in progress', token = org.token) =>
      testApp.api('POST', `/crm/v8/Leads/${id}/Locking_Information__s`, token, { data: [{ Locked_Reason__s: reason }] });
    const configure = (body: unknown, module = 'Leads', token = org.token) =>
      testApp.api('PUT', `/crm/v8/settings/record_locking_configurations?module=${module}`, token, { record_locking_configurations: [body] });

    let world: MailWorld;
    before(async () => {
      world = await openMailWorld(kind, { at: T0 });
      ({ sink, clock, testApp, worker, org, from } = world);
    });
    after(() => closeMailWorld(world));

    test('lock, read, lock again (403 NOT_ALLOWED), unlock; Locked__s follows; all of it audited', async () => {
      const id = await createLead();
      const locked = await lock(id);
      assert.equal(locked.statusCode, 201, locked.body);
      const item = json(locked).data[0];
      assert.equal(item.code, 'SUCCESS');
      assert.equal(item.message, 'record added');
      const lockId = item.details.id;
      assert.match(lockId, /^\d{19}$/);
      assert.equal(json(await testApp.api('GET', `/crm/v8/Leads/${id}`, org.token)).data[0].Locked__s, true);

      const info = json(await testApp.api('GET', `/crm/v8/Leads/${id}/Locking_Information__s`, org.token)).data[0];
      assert.equal(info.id, lockId);
      assert.equal(info.Locked_Reason__s, 'deal in progress');
      assert.equal(info.Lock_Source__s, 'manual');
      assert.equal(info.Locked_By__s.id, org.adminId);
      assert.deepEqual(info.Parent_Id.id, id);

      const again = await lock(id);
      assert.equal(again.statusCode, 403);
      assert.deepEqual(json(again).data[0], { code: 'NOT_ALLOWED', details: { id }, message: 'Record is already locked', status: 'error' });

      const wrongUnlock = await testApp.api('DELETE', `/crm/v8/Leads/${id}/Locking_Information__s/1234567890123456789`, org.token);
      assert.equal(wrongUnlock.statusCode, 400);
      assert.equal(json(wrongUnlock).data[0].code, 'INVALID_DATA');
      const unlocked = await testApp.api('DELETE', `/crm/v8/Leads/${id}/Locking_Information__s/${lockId}`, org.token);
      assert.equal(unlocked.statusCode, 200, unlocked.body);
      assert.deepEqual(json(unlocked).data[0], { code: 'SUCCESS', details: { id: lockId }, message: 'record deleted', status: 'success' });
      assert.equal(json(await testApp.api('GET', `/crm/v8/Leads/${id}`, org.token)).data[0].Locked__s, false);
      assert.equal((await testApp.api('GET', `/crm/v8/Leads/${id}/Locking_Information__s`, org.token)).statusCode, 204);

      const audit = json(await testApp.api('GET', `/crm/v8/settings/audit_log?record_id=${id}`, org.token)).audit_log;
      assert.deepEqual(audit.map((a: { action: string }) => a.action), ['record.unlocked', 'record.locked']);
      assert.equal(audit[1].reason, 'deal in progress');
    });

    test("another org's record answers exactly like a missing one; Products cannot be locked", async () => {
      const other = await testApp.createOrg();
      const id = await createLead();
      const foreign = await lock(id, 'x', other.token);
      const missing = await testApp.api('POST', '/crm/v8/Leads/1234567890123456789/Locking_Information__s', other.token, { data: [{}] });
      assert.equal(foreign.statusCode, missing.statusCode);
      assert.deepEqual(json(foreign), json(missing));
      assert.equal(json(missing).details.resource_path_index, 1);
      const product = json(await testApp.api('POST', '/crm/v8/Products', org.token, { data: [{ Product_Name: 'Box' }] })).data[0].details.id;
      const p = await testApp.api('POST', `/crm/v8/Products/${product}/Locking_Information__s`, org.token, { data: [{}] });
      assert.equal(json(p).code, 'INVALID_MODULE');
    });

    test('a locked Lead → RECORD_LOCKED with {action, id}; the configuration decides (default send_mail, excluded profiles, none)', async () => {
      const config = json(await testApp.api('GET', '/crm/v8/settings/record_locking_configurations?module=Leads', org.token)).record_locking_configurations[0];
      assert.deepEqual(config.restricted_communications, ['send_mail']);
      assert.equal(config.locked_for, 'all_profiles');
      assert.equal(config.lock_type, 'manual');

      const id = await createLead();
      assert.equal(json(await lock(id)).data[0].code, 'SUCCESS');
      const refused = await send(id);
      assert.equal(refused.statusCode, 400);
      assert.deepEqual(json(refused).data[0], {
        code: 'RECORD_LOCKED',
        details: { action: 'record_locking', id },
        message: 'You cannot perform this operation as the record is locked.',
        status: 'error',
      });

      // A standard user is refused too, until the Standard profile is excluded from locking.
      const user = await createUser(testApp.app, { orgId: org.orgId, email: 'rep@example.com', name: 'Sales Rep' });
      const repToken = await testApp.tokenFor(org, ['ZohoCRM.send_mail.all.CREATE', 'ZohoCRM.settings.ALL'], user.id);
      assert.equal(json(await send(id, {}, repToken, 'rep@example.com')).data[0].code, 'RECORD_LOCKED');
      const notAdmin = await configure({ restricted_communications: [] }, 'Leads', repToken);
      assert.equal(notAdmin.statusCode, 403);
      const excluded = await configure({ locked_for: 'all_profiles_except_excluded_profiles', lock_excluded_profiles: [{ name: 'Standard' }] });
      assert.equal(excluded.statusCode, 200, excluded.body);
      assert.equal(json(await send(id, {}, repToken, 'rep@example.com')).data[0].code, 'SUCCESS');
      assert.equal(json(await send(id)).data[0].code, 'RECORD_LOCKED', 'the Administrator profile is still restricted');

      assert.equal((await configure({ restricted_communications: ['send_mail', 'fax'] })).statusCode, 400);
      assert.equal((await configure({ restricted_communications: [] })).statusCode, 200);
      assert.equal(json(await send(id)).data[0].code, 'SUCCESS');
      // Contacts keep their own (default) configuration.
      const contacts = json(await testApp.api('GET', '/crm/v8/settings/record_locking_configurations?module=Contacts', org.token)).record_locking_configurations[0];
      assert.deepEqual(contacts.restricted_communications, ['send_mail']);
      await configure({ restricted_communications: ['send_mail'], locked_for: 'all_profiles' });

      const refusals = json(await testApp.api('GET', `/crm/v8/settings/audit_log?action=send_mail.refused&record_id=${id}`, org.token)).audit_log;
      assert.ok(refusals.length >= 3);
      assert.equal(refusals[0].details.code, 'RECORD_LOCKED');
    });

    test('restricted_actions update and delete: a locked record refuses them through the Records API (RECORD_LOCKED, nothing changed) until unlocked or excluded', async () => {
      const id = await createLead();
      const lockId = json(await lock(id)).data[0].details.id as string;
      // Default configuration: no restricted actions, so a locked record can still be edited.
      assert.equal(json(await testApp.api('PUT', `/crm/v8/Leads/${id}`, org.token, { data: [{ Company: 'Still editable' }] })).data[0].code, 'SUCCESS');

      assert.equal((await configure({ restricted_actions: ['update', 'delete'] })).statusCode, 200);
      const locked = { code: 'RECORD_LOCKED', details: { action: 'record_locking', id }, message: 'You cannot perform this operation as the record is locked.', status: 'error' };
      const update = await testApp.api('PUT', `/crm/v8/Leads/${id}`, org.token, { data: [{ Company: 'Changed while locked' }] });
      assert.equal(update.statusCode, 400, update.body);
      assert.deepEqual(json(update).data[0], locked);
      const bulk = await testApp.api('PUT', '/crm/v8/Leads', org.token, { data: [{ id, Company: 'Changed while locked' }] });
      assert.deepEqual(json(bulk).data[0], locked);
      const remove = await testApp.api('DELETE', `/crm/v8/Leads?ids=${id}`, org.token);
      assert.equal(remove.statusCode, 400, remove.body);
      assert.deepEqual(json(remove).data[0], locked);
      const record = json(await testApp.api('GET', `/crm/v8/Leads/${id}`, org.token)).data[0];
      assert.equal(record.Company, 'Still editable', 'nothing changed');

      // An excluded profile may edit; after unlocking everyone may.
      const user = await createUser(testApp.app, { orgId: org.orgId, email: 'editor@example.com', name: 'Lead Editor' });
      const editorToken = await testApp.tokenFor(org, ['ZohoCRM.modules.ALL'], user.id);
      assert.equal(json(await testApp.api('PUT', `/crm/v8/Leads/${id}`, editorToken, { data: [{ Company: 'By the editor' }] })).data[0].code, 'RECORD_LOCKED');
      await configure({ locked_for: 'all_profiles_except_excluded_profiles', lock_excluded_profiles: [{ name: 'Standard' }] });
      assert.equal(json(await testApp.api('PUT', `/crm/v8/Leads/${id}`, editorToken, { data: [{ Company: 'By the editor' }] })).data[0].code, 'SUCCESS');
      assert.equal((await testApp.api('DELETE', `/crm/v8/Leads/${id}/Locking_Information__s/${lockId}`, org.token)).statusCode, 200);
      assert.equal(json(await testApp.api('DELETE', `/crm/v8/Leads?ids=${id}`, org.token)).data[0].code, 'SUCCESS');
      await configure({ restricted_actions: [], locked_for: 'all_profiles', lock_excluded_profiles: [] });
    });

    test('fire time: a record locked after its mail was scheduled → the mail ends skipped with the reason', async () => {
      clock.set(T0);
      const id = await createLead();
      const due = T0 + 1800_000;
      await worker.runOnce();
      const accepted = await send(id, { subject: 'Scheduled then locked', scheduled_time: new Date(due).toISOString() });
      assert.equal(accepted.statusCode, 200, accepted.body);
      const messageId = json(accepted).data[0].details.message_id;
      assert.equal(json(await lock(id)).data[0].code, 'SUCCESS');
      clock.set(due);
      assert.equal(await worker.runOnce(), 1);
      const detail = await testApp.api('GET', `/crm/v8/Leads/${id}/Emails/${messageId}`, org.token);
      assert.equal(detail.statusCode, 200, detail.body);
      const status = json(detail).Emails[0].status[0];
      assert.equal(status.type, 'skipped');
      assert.match(status.diagnostic, /locked/);
      assert.equal(sink.messages.some((m) => m.parsed.subject === 'Scheduled then locked'), false);
      clock.set(T0);
    });
  });
}
