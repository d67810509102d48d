import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createUser } from '../../src/users/create-user.js';
import { describeEachDatabase, eventually, json, type TestApp } from '../helpers/test-app.js';
import { runCli } from '../helpers/run-cli.js';

describeEachDatabase('account and permission checks, record email rules and the audit trail', (get: () => TestApp) => {
  const setup = async () => {
    const app = get();
    const org = await app.createOrg();
    const from = json(await app.api('GET', '/crm/v8/users?type=CurrentUser', org.token)).users[0].email as string;
    const lead = json(await app.api('POST', '/crm/v8/Leads', org.token, { data: [{ Last_Name: 'Smith', Email: 'smith@example.com' }] })).data[0].details.id as string;
    const send = (id: string, token = org.token, sender = from, module = 'Leads') =>
      app.api('POST', `/crm/v8/${module}/${id}/actions/send_mail`, token, {
        data: [{ from: { email: sender }, to: [{ email: 'smith@example.com' }], subject: 'Hello', content: 'Hi' }],
      });
    return { app, org, from, lead, send };
  };

  test('an unconfirmed email address → 403 NO_PERMISSION with Zoho\'s message (top level); audited', async () => {
    const { app, org, lead, send } = await setup();
    const user = await createUser(app.app, { orgId: org.orgId, email: 'unconfirmed@example.com', name: 'Un Confirmed' });
    await app.app.db.updateTable('users').set({ is_email_confirmed: 0 }).where('id', '=', user.id).execute();
    const token = await app.tokenFor(org, ['ZohoCRM.send_mail.all.CREATE'], user.id);
    const response = await send(lead, token, 'unconfirmed@example.com');
    assert.equal(response.statusCode, 403);
    assert.deepEqual(json(response), {
      code: 'NO_PERMISSION',
      details: {},
      message: 'Email Confirmation Required.Please confirm your email associated to your account so that you can send emails',
      status: 'error',
    });
    const audit = json(await app.api('GET', '/crm/v8/settings/audit_log?action=send_mail.refused', org.token)).audit_log;
    assert.equal(audit[0].details.code, 'EMAIL_NOT_CONFIRMED');
    assert.deepEqual(audit[0].actor, { type: 'user', id: user.id });
  });

  test('a profile without Send Email → 403 NO_PERMISSION with details.permissions; the admin API grants it back', async () => {
    const { app, org, lead, send } = await setup();
    const user = await createUser(app.app, { orgId: org.orgId, email: 'rep@example.com', name: 'Sales Rep' });
    const repToken = await app.tokenFor(org, ['ZohoCRM.send_mail.all.CREATE', 'ZohoCRM.settings.ALL'], user.id);
    assert.equal(json(await send(lead, repToken, 'rep@example.com')).data[0].code, 'SUCCESS');

    const listed = json(await app.api('GET', '/crm/v8/settings/profile_permissions', org.token)).profile_permissions;
    assert.deepEqual(listed, [
      { profile: 'admin', permissions: { send_email: true } },
      { profile: 'standard', permissions: { send_email: true } },
    ]);
    const byRep = await app.api('PUT', '/crm/v8/settings/profile_permissions', repToken, { profile_permissions: [{ profile: 'standard', permission: 'send_email', enabled: true }] });
    assert.equal(byRep.statusCode, 403, 'only Administrators change permissions');
    const taken = await app.api('PUT', '/crm/v8/settings/profile_permissions', org.token, {
      profile_permissions: [{ profile: 'standard', permission: 'send_email', enabled: false }],
    });
    assert.equal(taken.statusCode, 200, taken.body);
    const refused = await send(lead, repToken, 'rep@example.com');
    assert.equal(refused.statusCode, 403);
    assert.deepEqual(json(refused), {
      code: 'NO_PERMISSION',
      details: { permissions: ['Crm_Implied_Send_Email'] },
      message: 'permission denied',
      status: 'error',
    });
    assert.equal(json(await send(lead)).data[0].code, 'SUCCESS', 'the Administrator profile keeps it');
    const bad = await app.api('PUT', '/crm/v8/settings/profile_permissions', org.token, { profile_permissions: [{ profile: 'guest', permission: 'send_email', enabled: false }] });
    assert.equal(bad.statusCode, 400);
    // A good change before a bad one in the same request: refused as a whole, nothing applied.
    const mixed = await app.api('PUT', '/crm/v8/settings/profile_permissions', org.token, {
      profile_permissions: [
        { profile: 'standard', permission: 'send_email', enabled: true },
        { profile: 'standard', permission: 'no_such_permission', enabled: true },
      ],
    });
    assert.equal(mixed.statusCode, 400);
    assert.equal(json(mixed).details.api_name, 'permission');
    assert.equal(json(await send(lead, repToken, 'rep@example.com')).code, 'NO_PERMISSION', 'the first change was not applied');
    await app.api('PUT', '/crm/v8/settings/profile_permissions', org.token, { profile_permissions: [{ profile: 'standard', permission: 'send_email', enabled: true }] });
    assert.equal(json(await send(lead, repToken, 'rep@example.com')).data[0].code, 'SUCCESS');

    const changes = json(await app.api('GET', '/crm/v8/settings/audit_log?action=permission.changed', org.token)).audit_log;
    assert.deepEqual(changes.map((c: { details: { enabled: boolean } }) => c.details.enabled), [true, false]);
  });

  test('Email_Opt_Out → 403; a Lead without email and a Deal whose contact has none → NOT_ALLOWED with Zoho\'s messages', async () => {
    const { app, org, send } = await setup();
    const optedOut = json(await app.api('POST', '/crm/v8/Leads', org.token, { data: [{ Last_Name: 'Out', Email: 'out@example.com', Email_Opt_Out: true }] })).data[0].details.id;
    const out = await send(optedOut);
    assert.equal(out.statusCode, 403);
    assert.deepEqual(json(out).data[0], { code: 'NO_PERMISSION', details: {}, message: 'You have enabled Email Opt Out for that record', status: 'error' });
    const noEmail = json(await app.api('POST', '/crm/v8/Leads', org.token, { data: [{ Last_Name: 'Nomail' }] })).data[0].details.id;
    assert.deepEqual(json(await send(noEmail)).data[0], {
      code: 'NOT_ALLOWED',
      details: {},
      message: "You cannot send email to this record as it doesn't have either primary or secondary email address",
      status: 'error',
    });
    const contact = json(await app.api('POST', '/crm/v8/Contacts', org.token, { data: [{ Last_Name: 'Nomail' }] })).data[0].details.id;
    const deal = json(await app.api('POST', '/crm/v8/Deals', org.token, { data: [{ Deal_Name: 'Big', Stage: 'Qualification', Contact_Name: contact }] })).data[0].details.id;
    const dealResponse = await send(deal, org.token, undefined, 'Deals');
    assert.deepEqual(json(dealResponse).data[0], {
      code: 'NOT_ALLOWED',
      details: {},
      message: "You cannot send email to this record as associated contact doesn't have either primary or secondary email address",
      status: 'error',
    });
    await app.api('PUT', `/crm/v8/Contacts/${contact}`, org.token, { data: [{ Email: 'buyer@example.com' }] });
    assert.equal(json(await send(deal, org.token, undefined, 'Deals')).data[0].code, 'SUCCESS');
  });

  test('the audit trail: admins only, paged, newest first; the CLI lists it and changes permissions', async () => {
    const { app, org, lead, send } = await setup();
    await app.api('PUT', `/crm/v8/Leads/${lead}`, org.token, { data: [{ Email_Opt_Out: true }] });
    await send(lead);
    await send(lead);
    const page1 = json(await app.api('GET', '/crm/v8/settings/audit_log?per_page=2', org.token));
    assert.equal(page1.audit_log.length, 2);
    assert.equal(page1.info.more_records, true);
    assert.equal(page1.audit_log[0].action, 'send_mail.refused');
    assert.equal(page1.audit_log[0].reason, 'You have enabled Email Opt Out for that record');
    assert.match(page1.audit_log[0].time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/);
    const page2 = json(await app.api('GET', '/crm/v8/settings/audit_log?per_page=2&page=2', org.token));
    assert.equal(page2.audit_log[0].action, 'opt_out.changed');
    assert.deepEqual(page2.audit_log[0].details, { field: 'Email_Opt_Out', before: null, after: true });
    assert.equal((await app.api('GET', '/crm/v8/settings/audit_log?page=99', org.token)).statusCode, 204);

    const user = await createUser(app.app, { orgId: org.orgId, email: 'viewer@example.com', name: 'Viewer' });
    const viewer = await app.tokenFor(org, ['ZohoCRM.settings.ALL'], user.id);
    assert.equal((await app.api('GET', '/crm/v8/settings/audit_log', viewer)).statusCode, 403);
    const other = await app.createOrg();
    assert.equal((await app.api('GET', '/crm/v8/settings/audit_log', other.token)).statusCode, 204, "another org sees none of this org's trail");

    const cliList = await runCli(app.env, ['audit', 'list', '--org', org.orgId, '--action', 'send_mail.refused', '--json']);
    assert.equal(cliList.code, 0, cliList.stderr);
    const listed = JSON.parse(cliList.stdout);
    assert.equal(listed.count, 2);
    assert.equal(listed.audit_log[0].details.code, 'EMAIL_OPT_OUT');

    const cliSet = await runCli(app.env, ['profile', 'permission', '--org', org.orgId, '--profile', 'admin', '--permission', 'send_email', '--enabled', 'false', '--json']);
    assert.equal(cliSet.code, 0, cliSet.stderr);
    assert.deepEqual(JSON.parse(cliSet.stdout).profile_permissions[0], { profile: 'admin', permissions: { send_email: false } });
    const other2 = json(await app.api('POST', '/crm/v8/Leads', org.token, { data: [{ Last_Name: 'New', Email: 'smith@example.com' }] })).data[0].details.id;
    // The CLI is another process: seen here within CACHE_TTL_SECONDS.
    const refusedAfterCli = await eventually(app.config.cacheTtlMs + 1_000, () => send(other2), (r) => r.statusCode !== 200);
    assert.deepEqual(json(refusedAfterCli).details, { permissions: ['Crm_Implied_Send_Email'] });
    const audit = json(await app.api('GET', '/crm/v8/settings/audit_log?action=permission.changed', org.token)).audit_log;
    assert.deepEqual(audit[0].actor, { type: 'cli', id: null });

    const cliPrivacy = await runCli(app.env, ['org', 'update', '--id', org.orgId, '--privacy-settings', 'true', '--json']);
    assert.equal(cliPrivacy.code, 0, cliPrivacy.stderr);
    assert.equal(json(await app.api('GET', '/crm/v8/org', org.token)).org[0].privacy_settings, true);
  });
});
