import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createClient } from '../../src/auth/clients.js';
import { createWorker } from '../../src/delivery/worker.js';
import { addOrgFromAddress } from '../../src/mail/add-org-from-address.js';
import { createUser } from '../../src/users/create-user.js';
import { describeEachDatabase, json, type TestApp, type TestOrg } from '../helpers/test-app.js';

type Fixture = { org: TestOrg; email: string; leadId: string };

async function fixture(app: TestApp, lead: Record<string, unknown> = { Last_Name: 'Smith', Email: 'smith@example.com' }): Promise<Fixture> {
  const org = await app.createOrg();
  const email = json(await app.api('GET', '/crm/v8/users?type=CurrentUser', org.token)).users[0].email;
  const leadId = json(await app.api('POST', '/crm/v8/Leads', org.token, { data: [lead] })).data[0].details.id;
  return { org, email, leadId };
}

const mail = (from: string, extra: Record<string, unknown> = {}) => ({
  from: { email: from },
  to: [{ email: 'smith@example.com' }],
  subject: 'Hello',
  content: '<p>Hi</p>',
  ...extra,
});

describeEachDatabase('send_mail validation and errors', (get) => {
  test('success answers 200 with Zoho’s message and a 64-hex message_id, on every version segment', async () => {
    const { org, email, leadId } = await fixture(get());
    for (const version of ['v2', 'v2.1', 'v3', 'v5', 'v6', 'v8']) {
      const response = await get().api('POST', `/crm/${version}/Leads/${leadId}/actions/send_mail`, org.token, { data: [mail(email)] });
      assert.equal(response.statusCode, 200, version);
      const item = json(response).data[0];
      assert.deepEqual(Object.keys(item).sort(), ['code', 'details', 'message', 'status']);
      assert.equal(item.code, 'SUCCESS');
      assert.equal(item.status, 'success');
      assert.equal(item.message, 'Your mail has been sent successfully.');
      assert.match(item.details.message_id, /^[0-9a-f]{64}$/);
    }
  });

  test('each data item is processed on its own, results in order', async () => {
    const { org, email, leadId } = await fixture(get());
    const response = await get().api('POST', `/crm/v8/Leads/${leadId}/actions/send_mail`, org.token, {
      data: [mail(email), mail(email, { to: [{ email: 'broken' }] }), mail(email, { from: undefined })],
    });
    assert.equal(response.statusCode, 202);
    const [ok, badTo, noFrom] = json(response).data;
    assert.equal(ok.code, 'SUCCESS');
    assert.deepEqual(badTo, {
      code: 'INVALID_DATA',
      details: { api_name: 'email', json_path: '$.data[1].to[0].email' },
      message: 'invalid data',
      status: 'error',
    });
    assert.deepEqual(noFrom, {
      code: 'MANDATORY_NOT_FOUND',
      details: { api_name: 'from', parent_api_name: 'data', json_path: '$.data[2].from' },
      message: 'required field not found',
      status: 'error',
    });
  });

  test('a missing from, to or email is MANDATORY_NOT_FOUND naming parent_api_name on every version (json_path too from v3)', async () => {
    const { org, email, leadId } = await fixture(get());
    const cases: [Record<string, unknown>, string, string, string][] = [
      [{ from: undefined }, 'from', 'data', 'from'],
      [{ from: { user_name: 'Me' } }, 'email', 'from', 'from.email'],
      [{ to: undefined }, 'to', 'data', 'to'],
      [{ to: [] }, 'to', 'data', 'to'],
      [{ to: [{ email: 'smith@example.com' }, { user_name: 'Ann' }] }, 'email', 'to', 'to[1].email'],
      [{ cc: [{ email: '' }] }, 'email', 'cc', 'cc[0].email'],
      [{ bcc: [{ email: null }] }, 'email', 'bcc', 'bcc[0].email'],
      [{ reply_to: { user_name: 'Desk' } }, 'email', 'reply_to', 'reply_to.email'],
    ];
    for (const [extra, apiName, parent, path] of cases) {
      for (const version of ['v2.1', 'v3', 'v8']) {
        const response = await get().api('POST', `/crm/${version}/Leads/${leadId}/actions/send_mail`, org.token, { data: [mail(email), mail(email, extra)] });
        assert.equal(response.statusCode, 202, `${version} ${path}`);
        const details = version === 'v2.1'
          ? { api_name: apiName, parent_api_name: parent, index: 1 }
          : { api_name: apiName, parent_api_name: parent, json_path: `$.data[1].${path}` };
        assert.deepEqual(json(response).data[1], { code: 'MANDATORY_NOT_FOUND', details, message: 'required field not found', status: 'error' }, `${version} ${path}`);
      }
    }
    // Other errors keep the version's style: no parent for a key of the item itself on v3+.
    const badTo = await get().api('POST', `/crm/v8/Leads/${leadId}/actions/send_mail`, org.token, { data: [mail(email, { to: {} })] });
    assert.deepEqual(json(badTo).data[0].details, { expected_data_type: 'jsonarray', api_name: 'to', json_path: '$.data[0].to' });
  });

  test('v2.1 names the key with index and parent_api_name instead of json_path', async () => {
    const { org, email, leadId } = await fixture(get());
    const response = await get().api('POST', `/crm/v2.1/Leads/${leadId}/actions/send_mail`, org.token, {
      data: [mail(email, { to: [{ user_name: 'No address' }] })],
    });
    assert.equal(response.statusCode, 400);
    assert.deepEqual(json(response).data[0].details, { api_name: 'email', parent_api_name: 'to', index: 0 });
  });

  test('a from address outside the allowed list is refused with Zoho’s exact message', async () => {
    const { org, leadId } = await fixture(get());
    const response = await get().api('POST', `/crm/v8/Leads/${leadId}/actions/send_mail`, org.token, { data: [mail('someone@else.example')] });
    assert.equal(response.statusCode, 400);
    assert.deepEqual(json(response).data[0], {
      code: 'INVALID_DATA',
      details: { api_name: 'from', json_path: '$.data[0].from' },
      message: "Email can't be sent using this from address.Kindly check the allowed from address list",
      status: 'error',
    });
  });

  test('an org address needs org_email: true, and from_addresses lists it', async () => {
    const { org, email, leadId } = await fixture(get());
    const added = await addOrgFromAddress(get().app, { orgId: org.orgId, email: 'support@acme.example', name: 'Support' });
    const list = json(await get().api('GET', '/crm/v8/settings/emails/actions/from_addresses', org.token)).from_addresses;
    assert.deepEqual(list, [
      { email, user_name: 'Patricia Boyle', type: 'primary', id: null, default: true },
      { email: 'support@acme.example', user_name: 'Support', type: 'org_email', id: added.id, default: false },
    ]);
    const without = await get().api('POST', `/crm/v8/Leads/${leadId}/actions/send_mail`, org.token, { data: [mail('support@acme.example')] });
    assert.equal(json(without).data[0].message, "Email can't be sent using this from address.Kindly check the allowed from address list");
    const withFlag = await get().api('POST', `/crm/v8/Leads/${leadId}/actions/send_mail`, org.token, {
      data: [mail('support@acme.example', { org_email: true })],
    });
    assert.equal(json(withFlag).data[0].code, 'SUCCESS');
    const primaryWithFlag = await get().api('POST', `/crm/v8/Leads/${leadId}/actions/send_mail`, org.token, {
      data: [mail(email, { org_email: true })],
    });
    assert.equal(json(primaryWithFlag).data[0].code, 'INVALID_DATA');
  });

  test('request-level errors are top-level: unknown module, Products, unknown record, another org’s record', async () => {
    const a = await fixture(get());
    const b = await fixture(get());
    const unknownModule = await get().api('POST', `/crm/v8/Leadz/${a.leadId}/actions/send_mail`, a.org.token, { data: [mail(a.email)] });
    assert.deepEqual(json(unknownModule), {
      code: 'INVALID_MODULE',
      details: { resource_path_index: 0 },
      message: 'The module name given seems to be invalid',
      status: 'error',
    });
    const products = await get().api('POST', `/crm/v8/Products/${a.leadId}/actions/send_mail`, a.org.token, { data: [mail(a.email)] });
    assert.equal(json(products).code, 'INVALID_MODULE');
    const missing = await get().api('POST', '/crm/v8/Leads/1234567890123456789/actions/send_mail', a.org.token, { data: [mail(a.email)] });
    const foreign = await get().api('POST', `/crm/v8/Leads/${b.leadId}/actions/send_mail`, a.org.token, { data: [mail(a.email)] });
    assert.equal(missing.statusCode, 400);
    assert.deepEqual(json(missing), {
      code: 'INVALID_DATA',
      details: { resource_path_index: 1 },
      message: 'the related id given seems to be invalid',
      status: 'error',
    });
    assert.equal(foreign.statusCode, missing.statusCode);
    assert.deepEqual(json(foreign), json(missing));
  });

  test('the send_mail scope is required: a module scope is not enough', async () => {
    const { org, email, leadId } = await fixture(get());
    const token = await get().tokenFor(org, ['ZohoCRM.modules.ALL']);
    const denied = await get().api('POST', `/crm/v8/Leads/${leadId}/actions/send_mail`, token, { data: [mail(email)] });
    assert.equal(denied.statusCode, 401);
    assert.equal(json(denied).code, 'OAUTH_SCOPE_MISMATCH');
    const leadsOnly = await get().tokenFor(org, ['ZohoCRM.send_mail.leads.CREATE']);
    assert.equal((await get().api('POST', `/crm/v8/Leads/${leadId}/actions/send_mail`, leadsOnly, { data: [mail(email)] })).statusCode, 200);
  });

  test('record rules: opt-out answers 403, a lead without an address and a deal without a contact address answer NOT_ALLOWED', async () => {
    const optedOut = await fixture(get(), { Last_Name: 'Out', Email: 'out@example.com', Email_Opt_Out: true });
    const response = await get().api('POST', `/crm/v8/Leads/${optedOut.leadId}/actions/send_mail`, optedOut.org.token, { data: [mail(optedOut.email)] });
    assert.equal(response.statusCode, 403);
    assert.equal(json(response).data[0].code, 'NO_PERMISSION');

    const noEmail = await fixture(get(), { Last_Name: 'Nobody' });
    const refused = await get().api('POST', `/crm/v8/Leads/${noEmail.leadId}/actions/send_mail`, noEmail.org.token, { data: [mail(noEmail.email)] });
    assert.deepEqual(json(refused).data[0], {
      code: 'NOT_ALLOWED',
      details: {},
      message: "You cannot send email to this record as it doesn't have either primary or secondary email address",
      status: 'error',
    });

    const contactId = json(await get().api('POST', '/crm/v8/Contacts', noEmail.org.token, { data: [{ Last_Name: 'NoMail' }] })).data[0].details.id;
    const dealId = json(
      await get().api('POST', '/crm/v8/Deals', noEmail.org.token, { data: [{ Deal_Name: 'D', Stage: 'New', Contact_Name: contactId }] }),
    ).data[0].details.id;
    const deal = await get().api('POST', `/crm/v8/Deals/${dealId}/actions/send_mail`, noEmail.org.token, { data: [mail(noEmail.email)] });
    assert.equal(
      json(deal).data[0].message,
      "You cannot send email to this record as associated contact doesn't have either primary or secondary email address",
    );
    const accountId = json(await get().api('POST', '/crm/v8/Accounts', noEmail.org.token, { data: [{ Account_Name: 'Acme' }] })).data[0].details.id;
    const account = await get().api('POST', `/crm/v8/Accounts/${accountId}/actions/send_mail`, noEmail.org.token, { data: [mail(noEmail.email)] });
    assert.equal(json(account).data[0].code, 'SUCCESS');
  });

  test('an unconfirmed account is refused with 403 NO_PERMISSION', async () => {
    const { org, leadId } = await fixture(get());
    const user = await createUser(get().app, { orgId: org.orgId, email: 'new.user@example.com', name: 'New User', confirmed: false });
    const token = await get().tokenFor(org, ['ZohoCRM.send_mail.all.CREATE'], user.id);
    const response = await get().api('POST', `/crm/v8/Leads/${leadId}/actions/send_mail`, token, { data: [mail('new.user@example.com')] });
    assert.equal(response.statusCode, 403);
    assert.deepEqual(json(response), {
      code: 'NO_PERMISSION',
      details: {},
      message: 'Account confirmation required.Please confirm your account registration so that you can send emails',
      status: 'error',
    });
  });

  test('consent_email without privacy settings and an unknown data_subject_request are refused naming the key', async () => {
    const { org, email, leadId } = await fixture(get());
    const consent = await get().api('POST', `/crm/v8/Leads/${leadId}/actions/send_mail`, org.token, {
      data: [mail(email, { consent_email: true, content: '<a href="${ConsentForm.en_US}">form</a>' })],
    });
    assert.equal(consent.statusCode, 400);
    assert.deepEqual(json(consent).data[0], {
      code: 'INVALID_DATA',
      details: { api_name: 'consent_email', json_path: '$.data[0].consent_email' },
      message: 'You cannot send email to get consent from customer as Compliance settings is not enabled',
      status: 'error',
    });
    const dsr = await get().api('POST', `/crm/v8/Leads/${leadId}/actions/send_mail`, org.token, {
      data: [mail(email, { data_subject_request: { id: '1', type: 'access' } })],
    });
    assert.equal(dsr.statusCode, 400);
    assert.deepEqual(json(dsr).data[0].details, { api_name: 'id', json_path: '$.data[0].data_subject_request.id' });
    assert.equal(json(dsr).data[0].code, 'INVALID_DATA');
    const ok = await get().api('POST', `/crm/v8/Leads/${leadId}/actions/send_mail`, org.token, {
      data: [mail(email, { consent_email: false, mime_type: 'text/html' })],
    });
    assert.equal(json(ok).data[0].code, 'SUCCESS');
  });

  test('header injection through subject, names or addresses is refused and nothing is queued', async () => {
    const { org, email, leadId } = await fixture(get());
    for (const bad of [
      mail(email, { subject: 'Hi\r\nBcc: evil@example.com' }),
      mail(email, { subject: 'Hi\u2028there' }),
      mail(email, { to: [{ user_name: 'Ann\nBcc: evil@example.com', email: 'smith@example.com' }] }),
      mail(email, { to: [{ email: 'smith@example.com\r\nBcc: evil@example.com' }] }),
      mail(email, { in_reply_to: 'abc\r\nBcc: x' }),
    ]) {
      const response = await get().api('POST', `/crm/v8/Leads/${leadId}/actions/send_mail`, org.token, { data: [bad] });
      assert.equal(response.statusCode, 400, JSON.stringify(bad));
      assert.equal(json(response).data[0].code, 'INVALID_DATA');
    }
    assert.equal((await get().api('GET', `/crm/v8/Leads/${leadId}/Emails`, org.token)).statusCode, 204);
  });

  test('subject is optional: without it (and without a template) the mail goes with an empty subject; mail_format must be html or text', async () => {
    const { org, email, leadId } = await fixture(get());
    for (const [version, extra] of [['v2.1', { subject: undefined }], ['v8', { subject: '' }], ['v8', { subject: null }], ['v8', { subject: '  ' }]] as const) {
      const response = await get().api('POST', `/crm/${version}/Leads/${leadId}/actions/send_mail`, org.token, { data: [mail(email, extra)] });
      assert.equal(response.statusCode, 200, `${version} ${JSON.stringify(extra)}: ${response.body}`);
      const item = json(response).data[0];
      assert.equal(item.message, 'Your mail has been sent successfully.');
      const shown = json(await get().api('GET', `/crm/v8/Leads/${leadId}/Emails/${item.details.message_id}`, org.token)).Emails[0];
      assert.equal(shown.subject, '');
    }
    const listed = json(await get().api('GET', `/crm/v8/Leads/${leadId}/Emails`, org.token)).Emails;
    assert.deepEqual(listed.map((e: { subject: string }) => e.subject), ['', '', '', '']);
    const rtf = await get().api('POST', `/crm/v8/Leads/${leadId}/actions/send_mail`, org.token, { data: [mail(email, { mail_format: 'rtf' })] });
    assert.deepEqual(json(rtf).data[0].details, { supported_values: ['html', 'text'], api_name: 'mail_format', json_path: '$.data[0].mail_format' });
  });
});

describeEachDatabase('threading, the Emails related list and idempotency', (get) => {
  test('a reply with in_reply_to (string or object) carries In-Reply-To and the References chain', async () => {
    const { org, email, leadId } = await fixture(get());
    const send = async (extra: Record<string, unknown>) =>
      json(await get().api('POST', `/crm/v8/Leads/${leadId}/actions/send_mail`, org.token, { data: [mail(email, extra)] })).data[0].details.message_id as string;
    const first = await send({});
    const second = await send({ in_reply_to: { message_id: first, owner: { id: org.adminId } } });
    const third = await send({ in_reply_to: second });
    const rows = await get().app.db.selectFrom('mails').select(['message_id', 'in_reply_to', 'references_header', 'thread_id']).where('org_id', '=', org.orgId).execute();
    const byId = new Map(rows.map((r) => [r.message_id, r]));
    const header = (id: string) => `<${id}@127.0.0.1>`;
    assert.equal(byId.get(second)!.in_reply_to, header(first));
    assert.equal(byId.get(third)!.in_reply_to, header(second));
    assert.equal(byId.get(third)!.references_header, `${header(first)} ${header(second)}`);
    assert.equal(byId.get(third)!.thread_id, first);
    const unknown = await get().api('POST', `/crm/v8/Leads/${leadId}/actions/send_mail`, org.token, { data: [mail(email, { in_reply_to: 'f'.repeat(64) })] });
    assert.deepEqual(json(unknown).data[0].details, { api_name: 'in_reply_to', json_path: '$.data[0].in_reply_to' });
  });

  test('reply_to in the Emails list: Zoho\u2019s {"user_name":null,"email":""} for a mail without one, the address otherwise', async () => {
    const { org, email, leadId } = await fixture(get());
    const send = async (extra: Record<string, unknown>) =>
      json(await get().api('POST', `/crm/v8/Leads/${leadId}/actions/send_mail`, org.token, { data: [mail(email, extra)] })).data[0].details.message_id as string;
    const without = await send({ subject: 'No reply-to' });
    const withOne = await send({ subject: 'Reply-to', reply_to: { user_name: 'Desk', email: 'desk@example.com' } });
    const unnamed = await send({ subject: 'Unnamed reply-to', reply_to: { email: 'desk@example.com' } });
    for (const version of ['v2.1', 'v8']) {
      const list = json(await get().api('GET', `/crm/${version}/Leads/${leadId}/Emails`, org.token)).Emails;
      const replyTo = (id: string) => list.find((e: { message_id: string }) => e.message_id === id).reply_to;
      assert.equal(JSON.stringify(replyTo(without)), '{"user_name":null,"email":""}', version);
      assert.deepEqual(replyTo(withOne), { user_name: 'Desk', email: 'desk@example.com' });
      assert.deepEqual(replyTo(unnamed), { user_name: null, email: 'desk@example.com' });
      const one = json(await get().api('GET', `/crm/${version}/Leads/${leadId}/Emails/${without}`, org.token)).Emails[0];
      assert.equal(JSON.stringify(one.reply_to), '{"user_name":null,"email":""}', version);
    }
  });

  test('the related list pages ten at a time with next_index, and one mail shows its content', async () => {
    const { org, email, leadId } = await fixture(get());
    const ids: string[] = [];
    for (let i = 0; i < 12; i += 1) {
      const r = await get().api('POST', `/crm/v8/Leads/${leadId}/actions/send_mail`, org.token, { data: [mail(email, { subject: `S${i}` })] });
      ids.push(json(r).data[0].details.message_id);
    }
    await createWorker(get().app).runOnce();
    const first = json(await get().api('GET', `/crm/v8/Leads/${leadId}/Emails`, org.token));
    assert.equal(first.Emails.length, 10);
    assert.equal(first.info.more_records, true);
    const second = json(await get().api('GET', `/crm/v8/Leads/${leadId}/Emails?index=${first.info.next_index}`, org.token));
    assert.equal(second.Emails.length, 2);
    const all = [...first.Emails, ...second.Emails].map((e: { message_id: string }) => e.message_id);
    assert.deepEqual(new Set(all), new Set(ids));
    const sent = json(await get().api('GET', `/crm/v8/Leads/${leadId}/Emails?type=sent_from_crm`, org.token));
    assert.equal(sent.Emails[0].sent, true);
    assert.equal((await get().api('GET', `/crm/v8/Leads/${leadId}/Emails?type=bogus`, org.token)).statusCode, 400);

    const one = json(await get().api('GET', `/crm/v8/Leads/${leadId}/Emails/${ids[0]}`, org.token)).Emails[0];
    assert.equal(one.content, '<p>Hi</p>');
    assert.equal(one.mail_format, 'html');
    assert.equal(one.subject, 'S0');
    assert.deepEqual(one.owner, { name: 'Patricia Boyle', id: org.adminId });
    const emailsScopeMissing = await get().tokenFor(org, ['ZohoCRM.modules.leads.READ']);
    assert.equal(json(await get().api('GET', `/crm/v8/Leads/${leadId}/Emails`, emailsScopeMissing)).code, 'OAUTH_SCOPE_MISMATCH');
  });

  test('Idempotency-Key: same body replays, another body gets 422, another org is independent, a bad key gets 400', async () => {
    const { org, email, leadId } = await fixture(get());
    const post = (key: string, body: unknown, token = org.token, id = leadId) =>
      get().inject({
        method: 'POST',
        url: `/crm/v8/Leads/${id}/actions/send_mail`,
        headers: { authorization: `Zoho-oauthtoken ${token}`, 'idempotency-key': key },
        payload: JSON.stringify(body),
      });
    const body = { data: [mail(email)] };
    const first = await post('order-42', body);
    const replay = await post('order-42', body);
    assert.equal(replay.statusCode, first.statusCode);
    assert.equal(replay.body, first.body);
    assert.equal(replay.headers['idempotent-replayed'], 'true');
    const count = async (orgId: string) =>
      Number((await get().app.db.selectFrom('mails').select((eb) => eb.fn.countAll().as('n')).where('org_id', '=', orgId).executeTakeFirstOrThrow()).n);
    assert.equal(await count(org.orgId), 1);

    const reused = await post('order-42', { data: [mail(email, { subject: 'Other' })] });
    assert.equal(reused.statusCode, 422);
    assert.equal(json(reused).code, 'IDEMPOTENCY_KEY_REUSED');
    assert.equal(await count(org.orgId), 1);

    const other = await fixture(get());
    const elsewhere = await post('order-42', { data: [mail(other.email)] }, other.org.token, other.leadId);
    assert.equal(json(elsewhere).data[0].code, 'SUCCESS');

    assert.equal(json(await post('x'.repeat(256), body)).code, 'IDEMPOTENCY_KEY_INVALID');

    // A request that accepted nothing releases its key: the corrected retry runs.
    const failed = await post('fix-me', { data: [mail('nobody@else.example')] });
    assert.equal(failed.statusCode, 400);
    const fixed = await post('fix-me', body);
    assert.equal(json(fixed).data[0].code, 'SUCCESS');
  });

  test('Idempotency-Key: an answer stored as the wire body (as every version stores it) replays byte for byte', async () => {
    const { org, email, leadId } = await fixture(get());
    const { requestFingerprint } = await import('../../src/http/idempotency-key.js');
    const { IDEMPOTENCY_TTL_MS } = await import('../../src/mail/idempotency.js');
    const body = { data: [mail(email), mail(email, { to: [] })] };
    const url = `/crm/v8/Leads/${leadId}/actions/send_mail`;
    // A row as the version before the typed core wrote it: the rendered status and body.
    const stored = { data: [{ code: 'SUCCESS', details: { message_id: 'a'.repeat(64) }, message: 'Your mail has been sent successfully.', status: 'success' }] };
    const now = Date.now();
    await get()
      .app.db.insertInto('idempotency_keys')
      .values({
        org_id: org.orgId,
        key: 'from-before-the-upgrade',
        fingerprint: requestFingerprint('POST', url, body),
        state: 'done',
        response_status: 202,
        response_body: JSON.stringify(stored),
        created_at: now,
        expires_at: now + IDEMPOTENCY_TTL_MS,
        owner_process: null,
        claim_token: null,
      })
      .execute();
    const replay = await get().inject({
      method: 'POST',
      url,
      headers: { authorization: `Zoho-oauthtoken ${org.token}`, 'idempotency-key': 'from-before-the-upgrade' },
      payload: JSON.stringify(body),
    });
    assert.equal(replay.statusCode, 202);
    assert.equal(replay.body, JSON.stringify(stored));
    assert.equal(replay.headers['idempotent-replayed'], 'true');
    const mails = await get().app.db.selectFrom('mails').select('message_id').where('org_id', '=', org.orgId).execute();
    assert.deepEqual(mails, [], 'nothing runs again');
  });

  test('Idempotency-Key: while the first request runs, a second one with the key gets 409', async () => {
    const { org, email, leadId } = await fixture(get());
    const { claimIdempotencyKey } = await import('../../src/mail/idempotency.js');
    await claimIdempotencyKey(get().app, org.orgId, 'running-key', 'fingerprint-of-another-request-in-flight');
    const body = { data: [mail(email)] };
    const response = await get().inject({
      method: 'POST',
      url: `/crm/v8/Leads/${leadId}/actions/send_mail`,
      headers: { authorization: `Zoho-oauthtoken ${org.token}`, 'idempotency-key': 'running-key' },
      payload: JSON.stringify(body),
    });
    assert.equal(response.statusCode, 422);
    const { requestFingerprint } = await import('../../src/http/idempotency-key.js');
    await claimIdempotencyKey(get().app, org.orgId, 'same-request', requestFingerprint('POST', `/crm/v8/Leads/${leadId}/actions/send_mail`, body));
    const inProgress = await get().inject({
      method: 'POST',
      url: `/crm/v8/Leads/${leadId}/actions/send_mail`,
      headers: { authorization: `Zoho-oauthtoken ${org.token}`, 'idempotency-key': 'same-request' },
      payload: JSON.stringify(body),
    });
    assert.equal(inProgress.statusCode, 409);
    assert.equal(json(inProgress).code, 'IDEMPOTENCY_IN_PROGRESS');
    // When to come back: at the latest when the holder's process would be known dead (3 heartbeats, 15 s).
    const retryAfter = Number(inProgress.headers['retry-after']);
    assert.ok(retryAfter >= 1 && retryAfter <= 15, `Retry-After ${inProgress.headers['retry-after']}`);
  });

  test('Idempotency-Key: a key held by a process that stopped beating, or running past the limit, is taken over; the late holder cannot commit', async () => {
    const { org, email, leadId } = await fixture(get());
    const { claimIdempotencyKey, completeIdempotencyKey, RUNNING_LIMIT_MS } = await import('../../src/mail/idempotency.js');
    const { requestFingerprint } = await import('../../src/http/idempotency-key.js');
    const body = { data: [mail(email)] };
    const fingerprint = requestFingerprint('POST', `/crm/v8/Leads/${leadId}/actions/send_mail`, body);
    const post = (key: string) =>
      get().inject({
        method: 'POST',
        url: `/crm/v8/Leads/${leadId}/actions/send_mail`,
        headers: { authorization: `Zoho-oauthtoken ${org.token}`, 'idempotency-key': key },
        payload: JSON.stringify(body),
      });
    const keys = get().app.db.updateTable('idempotency_keys').where('org_id', '=', org.orgId);

    // Held by a process with no heartbeat (it stopped): the retry runs at once.
    const dead = await claimIdempotencyKey(get().app, org.orgId, 'dead-holder', fingerprint);
    assert.equal(dead.kind, 'new');
    await keys.set({ owner_process: 'gone:1:deadbeef' }).where('key', '=', 'dead-holder').execute();
    const retried = await post('dead-holder');
    assert.equal(retried.statusCode, 200, retried.body);
    assert.equal(retried.headers['idempotent-replayed'], undefined);
    // The request that died cannot commit over the answer now kept.
    if (dead.kind === 'new') await assert.rejects(completeIdempotencyKey(get().app.db, org.orgId, dead, { status: 200, body: {} }), { code: 'IDEMPOTENCY_IN_PROGRESS' });
    assert.equal((await post('dead-holder')).headers['idempotent-replayed'], 'true');

    // Held by this live process, but running longer than any request may: taken over too.
    await claimIdempotencyKey(get().app, org.orgId, 'hung-holder', fingerprint);
    assert.equal((await post('hung-holder')).statusCode, 409);
    await keys.set({ created_at: Date.now() - RUNNING_LIMIT_MS - 1000 }).where('key', '=', 'hung-holder').execute();
    assert.equal((await post('hung-holder')).statusCode, 200);
  });

  test('a client-bound token can send too (client_credentials)', async () => {
    const { org, email, leadId } = await fixture(get());
    const client = await createClient(get().app, { orgId: org.orgId, userId: org.adminId });
    const token = json(
      await get().inject({
        method: 'POST',
        url: '/oauth/v2/token',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: `grant_type=client_credentials&client_id=${client.client_id}&client_secret=${client.client_secret}&scope=ZohoCRM.send_mail.all.CREATE`,
      }),
    ).access_token;
    const response = await get().api('POST', `/crm/v8/Leads/${leadId}/actions/send_mail`, token, { data: [mail(email)] });
    assert.equal(json(response).data[0].code, 'SUCCESS');
  });
});
