import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FakeClock } from '../../src/clock.js';
import { createUser } from '../../src/users/create-user.js';
import type { Worker } from '../../src/delivery/worker.js';
import { DATABASE_KINDS, json, type TestApp, type TestOrg } from '../helpers/test-app.js';
import type { SmtpSink } from '../helpers/smtp-sink.js';
import { closeMailWorld, deliveredWithSubject, openMailWorld, type MailWorld } from '../helpers/mail-world.js';

const T0 = Date.UTC(2026, 10, 26, 10, 0, 0);

for (const kind of DATABASE_KINDS) {
  describe(`GDPR consent: privacy settings, consent on send, consent emails and the consent page [${kind}]`, () => {
    let sink: SmtpSink;
    let testApp: TestApp;
    let worker: Worker;
    let clock: FakeClock;
    let org: TestOrg;
    let from: string;
    let base: string;

    const createContact = async (fields: Record<string, unknown>) => {
      const response = await testApp.api('POST', '/crm/v8/Contacts', org.token, { data: [{ Last_Name: 'Smith', ...fields }] });
      assert.equal(response.statusCode, 201, response.body);
      return json(response).data[0].details.id as string;
    };
    const send = (id: string, extra: Record<string, unknown> = {}, token = org.token, module = 'Contacts') =>
      testApp.api('POST', `/crm/v8/${module}/${id}/actions/send_mail`, token, {
        data: [{ from: { email: from }, to: [{ email: 'ann@example.com' }], subject: 'Hello', content: '<p>Hi</p>', ...extra }],
      });
    const setPrivacy = async (on: boolean) => {
      const response = await testApp.api('PUT', '/crm/v8/org', org.token, { org: [{ privacy_settings: on }] });
      assert.equal(response.statusCode, 200, response.body);
    };
    const delivered = (subject: string) => deliveredWithSubject({ worker, sink }, subject);
    const consentBasis = { Data_Processing_Basis: 'Consent', Contact_Through_Email: false };
    const NOT_CONSENTED = { code: 'NOT_ALLOWED', details: {}, message: 'Have not consented to receive email from you', status: 'error' };
    const OPTED_TO_STOP = {
      code: 'NOT_ALLOWED',
      details: {},
      message: 'You cannot send an email to this customer because this person has opted to stop the email communication',
      status: 'error',
    };

    let world: MailWorld;
    before(async () => {
      // Listening for real: the consent link in the mail points back to this server.
      world = await openMailWorld(kind, { at: T0, listen: true });
      ({ sink, clock, testApp, worker, org, from, base } = world);
    });
    after(() => closeMailWorld(world));

    test('GET /org shows privacy_settings; an admin switches it through PUT /org, a standard user cannot; the change is audited', async () => {
      assert.equal(json(await testApp.api('GET', '/crm/v8/org', org.token)).org[0].privacy_settings, false);
      await setPrivacy(true);
      assert.equal(json(await testApp.api('GET', '/crm/v8/org', org.token)).org[0].privacy_settings, true);

      const user = await createUser(testApp.app, { orgId: org.orgId, email: 'standard.user@example.com', name: 'Standard User' });
      const token = await testApp.tokenFor(org, ['ZohoCRM.org.ALL', 'ZohoCRM.settings.ALL'], user.id);
      const refused = await testApp.api('PUT', '/crm/v8/org', token, { org: [{ privacy_settings: false }] });
      assert.equal(refused.statusCode, 403);
      assert.equal(json(refused).code, 'NO_PERMISSION');
      const bad = await testApp.api('PUT', '/crm/v8/org', org.token, { org: [{ privacy_settings: 'yes' }] });
      assert.equal(bad.statusCode, 400);
      assert.equal(json(bad).details.api_name, 'privacy_settings');

      const audit = json(await testApp.api('GET', '/crm/v8/settings/audit_log?action=privacy_settings.changed', org.token)).audit_log;
      assert.equal(audit.length, 1);
      assert.deepEqual(audit[0].actor, { type: 'user', id: org.adminId });
      assert.deepEqual(audit[0].details, { privacy_settings: true });
    });

    test('with privacy on, Data_Processing_Basis_Details is written, merged and checked through the Records API; hidden when off', async () => {
      await setPrivacy(true);
      const id = await createContact({ Email: 'ann@example.com', Data_Processing_Basis_Details: { Data_Processing_Basis: 'Legitimate interest', Lawful_Reason: 'customer' } });
      const updated = await testApp.api('PUT', `/crm/v8/Contacts/${id}`, org.token, { data: [{ Data_Processing_Basis_Details: { Contact_Through_Email: true } }] });
      assert.equal(updated.statusCode, 200, updated.body);
      const record = json(await testApp.api('GET', `/crm/v8/Contacts/${id}`, org.token)).data[0];
      assert.deepEqual(record.Data_Processing_Basis_Details, { Data_Processing_Basis: 'Legitimate interest', Lawful_Reason: 'customer', Contact_Through_Email: true });

      const wrong = await testApp.api('PUT', `/crm/v8/Contacts/${id}`, org.token, { data: [{ Data_Processing_Basis_Details: { Data_Processing_Basis: 'Because' } }] });
      assert.equal(wrong.statusCode, 400);
      assert.equal(json(wrong).data[0].details.api_name, 'Data_Processing_Basis');
      assert.ok(json(wrong).data[0].details.supported_values.includes('Legal obligation'));

      const audit = json(await testApp.api('GET', `/crm/v8/settings/audit_log?action=consent.changed&record_id=${id}`, org.token)).audit_log;
      assert.equal(audit.length, 2, 'creation and update are both audited');
      assert.deepEqual(audit[0].details.after, record.Data_Processing_Basis_Details);

      await setPrivacy(false);
      const hidden = json(await testApp.api('GET', `/crm/v8/Contacts/${id}`, org.token)).data[0];
      assert.equal('Data_Processing_Basis_Details' in hidden, false);
      await setPrivacy(true);
    });

    test('privacy on: a Contact on the Consent basis without consent gets NOT_ALLOWED; opt-out wins with 403; other bases and privacy off pass', async () => {
      await setPrivacy(true);
      const id = await createContact({ Email: 'ann@example.com', Data_Processing_Basis_Details: consentBasis });
      const refused = await send(id);
      assert.equal(refused.statusCode, 400);
      assert.deepEqual(json(refused).data[0], { code: 'NOT_ALLOWED', details: {}, message: 'Have not consented to receive email from you', status: 'error' });

      await testApp.api('PUT', `/crm/v8/Contacts/${id}`, org.token, { data: [{ Email_Opt_Out: true }] });
      const optedOut = await send(id);
      assert.equal(optedOut.statusCode, 403);
      assert.deepEqual(json(optedOut).data[0], { code: 'NO_PERMISSION', details: {}, message: 'You have enabled Email Opt Out for that record', status: 'error' });
      // Even a consent email does not go to someone who opted out.
      const consentToOptedOut = await send(id, { consent_email: true, content: '<a href="${ConsentForm.en_US}">form</a>' });
      assert.equal(consentToOptedOut.statusCode, 403);

      const legit = await createContact({ Email: 'ann@example.com', Data_Processing_Basis_Details: { Data_Processing_Basis: 'Contract' } });
      assert.equal(json(await send(legit)).data[0].code, 'SUCCESS');

      await setPrivacy(false);
      const consentless = await createContact({ Email: 'ann@example.com' });
      await setPrivacy(true);
      await testApp.api('PUT', `/crm/v8/Contacts/${consentless}`, org.token, { data: [{ Data_Processing_Basis_Details: consentBasis }] });
      assert.equal(json(await send(consentless)).data[0].code, 'NOT_ALLOWED');
      await setPrivacy(false);
      assert.equal(json(await send(consentless)).data[0].code, 'SUCCESS', 'without privacy settings consent is not asked for');
      await setPrivacy(true);

      const audit = json(await testApp.api('GET', `/crm/v8/settings/audit_log?action=send_mail.refused&record_id=${id}`, org.token)).audit_log;
      assert.deepEqual(
        audit.map((a: { details: { code: string } }) => a.details.code),
        ['EMAIL_OPT_OUT', 'EMAIL_OPT_OUT', 'CONSENT_NOT_GIVEN'],
      );
      assert.equal(audit[2].reason, 'Have not consented to receive email from you');
      assert.deepEqual(audit[2].actor, { type: 'user', id: org.adminId });
    });

    test('withdrawn consent (true → false) answers "opted to stop", distinct from pending ("Have not consented") and from Email_Opt_Out (403)', async () => {
      await setPrivacy(true);
      const id = await createContact({ Email: 'ann@example.com', Data_Processing_Basis_Details: consentBasis });
      const consentEmail = { consent_email: true, content: '<a href="${ConsentForm.en_US}">form</a>' };
      const put = (fields: Record<string, unknown>) => testApp.api('PUT', `/crm/v8/Contacts/${id}`, org.token, { data: [fields] });
      const sendAt = (version: string, extra: Record<string, unknown> = {}) =>
        testApp.api('POST', `/crm/${version}/Contacts/${id}/actions/send_mail`, org.token, {
          data: [{ from: { email: from }, to: [{ email: 'ann@example.com' }], subject: 'Hello', content: '<p>Hi</p>', ...extra }],
        });

      // Pending: never consented. Refused with Zoho's consent message; a consent email may go.
      for (const version of ['v2.1', 'v8']) {
        const pending = await sendAt(version);
        assert.equal(pending.statusCode, 400);
        assert.deepEqual(json(pending).data[0], NOT_CONSENTED, version);
      }
      assert.equal(json(await sendAt('v8', consentEmail)).data[0].code, 'SUCCESS');

      // Granted, then taken back through the Records API: a withdrawal.
      assert.equal((await put({ Data_Processing_Basis_Details: { Contact_Through_Email: true } })).statusCode, 200);
      assert.equal(json(await sendAt('v8')).data[0].code, 'SUCCESS');
      assert.equal((await put({ Data_Processing_Basis_Details: { Contact_Through_Email: false } })).statusCode, 200);
      for (const version of ['v2.1', 'v8']) {
        const stopped = await sendAt(version);
        assert.equal(stopped.statusCode, 400);
        assert.deepEqual(json(stopped).data[0], OPTED_TO_STOP, version);
      }
      // Nor may a consent email ask again: the person said stop.
      assert.deepEqual(json(await sendAt('v8', consentEmail)).data[0], OPTED_TO_STOP);
      // Other consent keys written later do not end the withdrawal, and the record shows no trace of the hidden mark.
      await put({ Data_Processing_Basis_Details: { Consent_Remarks: 'phoned us' } });
      assert.deepEqual(json(await sendAt('v8')).data[0], OPTED_TO_STOP);
      const record = json(await testApp.api('GET', `/crm/v8/Contacts/${id}`, org.token)).data[0];
      assert.equal(JSON.stringify(record).includes('withdrawn'), false);
      assert.deepEqual(record.Data_Processing_Basis_Details, { Data_Processing_Basis: 'Consent', Contact_Through_Email: false, Consent_Remarks: 'phoned us' });
      // An opt-out on top does not change the answer: the withdrawal is the person's own word.
      await put({ Email_Opt_Out: true });
      assert.deepEqual(json(await sendAt('v8')).data[0], OPTED_TO_STOP);
      // Consent given again ends the withdrawal; the opt-out is then what refuses (403).
      await put({ Data_Processing_Basis_Details: { Contact_Through_Email: true } });
      const optedOut = await sendAt('v8');
      assert.equal(optedOut.statusCode, 403);
      assert.deepEqual(json(optedOut).data[0], { code: 'NO_PERMISSION', details: {}, message: 'You have enabled Email Opt Out for that record', status: 'error' });
      await put({ Email_Opt_Out: false });
      assert.equal(json(await sendAt('v8')).data[0].code, 'SUCCESS');

      const audit = json(await testApp.api('GET', `/crm/v8/settings/audit_log?action=send_mail.refused&record_id=${id}`, org.token)).audit_log;
      assert.deepEqual(
        audit.map((a: { details: { code: string } }) => a.details.code).reverse(),
        ['CONSENT_NOT_GIVEN', 'CONSENT_NOT_GIVEN', 'CONSENT_WITHDRAWN', 'CONSENT_WITHDRAWN', 'CONSENT_WITHDRAWN', 'CONSENT_WITHDRAWN', 'CONSENT_WITHDRAWN', 'EMAIL_OPT_OUT'],
      );
      assert.equal(audit[1].reason, OPTED_TO_STOP.message);
    });

    test('a consent email must link ${ConsentForm.<locale>}; it goes before consent; privacy off refuses it', async () => {
      await setPrivacy(true);
      const id = await createContact({ Email: 'ann@example.com', Data_Processing_Basis_Details: consentBasis });
      const noLink = await send(id, { consent_email: true, content: '<p>Please consent</p>' });
      assert.equal(noLink.statusCode, 400);
      assert.deepEqual(json(noLink).data[0], {
        code: 'INVALID_DATA',
        details: { api_name: 'content', json_path: '$.data[0].content' },
        message: 'The content of a consent email must contain the consent form link ${ConsentForm.en_US}',
        status: 'error',
      });
      const wrongType = await send(id, { consent_email: 'yes' });
      assert.equal(json(wrongType).data[0].details.expected_data_type, 'boolean');
      await setPrivacy(false);
      const off = await send(id, { consent_email: true, content: '<a href="${ConsentForm.en_US}">form</a>' });
      assert.equal(json(off).data[0].message, 'You cannot send email to get consent from customer as Compliance settings is not enabled');
      await setPrivacy(true);
      // Accounts carry no consent details: compliance does not apply to them.
      const account = json(await testApp.api('POST', '/crm/v8/Accounts', org.token, { data: [{ Account_Name: 'Acme' }] })).data[0].details.id;
      const onAccount = await send(account, { consent_email: true, content: '${ConsentForm.en_US}' }, org.token, 'Accounts');
      assert.equal(json(onAccount).data[0].code, 'INVALID_DATA');
      // A normal mail never carries a consent link: the token is removed.
      const legit = await createContact({ Email: 'ann@example.com' });
      assert.equal(json(await send(legit, { subject: 'No consent link', content: '<p>x<a href="${ConsentForm.en_US}">y</a></p>' })).data[0].code, 'SUCCESS');
      const message = await delivered('No consent link');
      assert.equal(String(message!.parsed.html).includes('ConsentForm'), false);
      assert.match(String(message!.parsed.html), /<a href="">y<\/a>/);
    });

    test('round trip: the consent link from the delivered mail opens a form; submitting it like a browser lets the next mail go', async () => {
      await setPrivacy(true);
      const id = await createContact({ First_Name: 'Ann', Email: 'ann@example.com', Data_Processing_Basis_Details: consentBasis });
      assert.equal(json(await send(id)).data[0].code, 'NOT_ALLOWED');

      const accepted = await send(id, {
        consent_email: true,
        subject: 'May we email you?',
        content: '<p>Dear ${Contacts.First Name},</p><a href="${ConsentForm.en_US}" id="ConsentForm" class="en_US" target="_blank">Consent form link</a>',
      });
      assert.equal(accepted.statusCode, 200, accepted.body);
      const message = await delivered('May we email you?');
      const html = String(message!.parsed.html);
      assert.match(html, /Dear Ann,/);
      const link = /href="([^"]+\/consent\/[^"]+)"/.exec(html)?.[1];
      assert.ok(link, html);
      assert.ok(link.startsWith(`${base}/consent/`));
      assert.match(link.slice(`${base}/consent/`.length), /^[A-Za-z0-9_-]{43}$/, '256-bit secret');
      // Only the hash is stored, and the mail as the CRM keeps it shows the token, not the link:
      // a CRM user reading the Emails list cannot answer in the person's place.
      const stored = await testApp.app.db.selectFrom('consent_links').selectAll().execute();
      assert.ok(stored.every((row) => !link.includes(row.token_hash)));
      const messageId = json(accepted).data[0].details.message_id;
      const kept = json(await testApp.api('GET', `/crm/v8/Contacts/${id}/Emails/${messageId}`, org.token)).Emails[0];
      assert.match(kept.content, /\$\{ConsentForm\.en_US\}/);
      const secret = link.slice(`${base}/consent/`.length);
      const rows = await testApp.app.db.selectFrom('mails').select(['content', 'subject']).execute();
      assert.ok(rows.every((row) => !row.content.includes(secret) && !row.subject.includes(secret)), 'no stored mail holds the link');

      const page = await fetch(link);
      assert.equal(page.status, 200);
      const csp = page.headers.get('content-security-policy') ?? '';
      assert.match(csp, /default-src 'none'/);
      assert.match(csp, /form-action 'self'/);
      assert.equal(page.headers.get('referrer-policy'), 'no-referrer');
      assert.equal(page.headers.get('cache-control'), 'no-store');
      const form = await page.text();
      assert.equal(/<script/i.test(form), false);
      assert.match(form, /<label><input type="radio" name="choice" value="granted"/);
      assert.match(form, /Hello Ann Smith/);
      const formToken = /name="form_token" value="([^"]+)"/.exec(form)?.[1];
      assert.ok(formToken);

      const post = (fields: Record<string, string>, headers: Record<string, string> = { origin: base }) =>
        fetch(link, {
          method: 'POST',
          redirect: 'manual',
          headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
          body: new URLSearchParams(fields).toString(),
        });

      // CSRF: another origin, no origin at all, or a wrong token are refused and change nothing.
      assert.equal((await post({ form_token: formToken, choice: 'granted' }, { origin: 'https://evil.example' })).status, 403);
      assert.equal((await post({ form_token: formToken, choice: 'granted' }, {})).status, 403);
      assert.equal((await post({ form_token: 'x'.repeat(43), choice: 'granted' })).status, 403);
      assert.equal((await post({ form_token: formToken, choice: 'maybe' })).status, 400);
      assert.equal(json(await send(id)).data[0].code, 'NOT_ALLOWED');

      const saved = await post({ form_token: formToken, choice: 'granted' });
      assert.equal(saved.status, 303);
      const location = saved.headers.get('location')!;
      const result = await (await fetch(new URL(location, base))).text();
      assert.match(result, /Your choice has been saved: you agreed to receive email from us/);
      assert.match(result, /value="granted" required checked/);

      const consent = json(await testApp.api('GET', `/crm/v8/Contacts/${id}`, org.token)).data[0].Data_Processing_Basis_Details;
      assert.deepEqual(consent, {
        Data_Processing_Basis: 'Consent',
        Contact_Through_Email: true,
        Consent_Date: '2026-11-26',
        Consent_Through: 'Consent form',
      });
      const next = await send(id);
      assert.equal(next.statusCode, 200, next.body);
      assert.equal(json(next).data[0].code, 'SUCCESS');

      // Idempotent: the same answer again is saved once, audited once.
      assert.equal((await post({ form_token: formToken, choice: 'granted' })).status, 303);
      const answers = () => testApp.api('GET', `/crm/v8/settings/audit_log?action=consent.form_answered&record_id=${id}`, org.token);
      assert.equal(json(await answers()).audit_log.length, 1);
      assert.deepEqual(json(await answers()).audit_log[0].actor, { type: 'data_subject', id: 'ann@example.com' });

      // The link keeps working: the person withdraws, and every later mail is refused with the
      // GDPR answer (their own choice); the opt-out it also sets answers 403 once privacy is off.
      assert.equal((await post({ form_token: formToken, choice: 'refused' })).status, 303);
      const withdrawn = await send(id);
      assert.equal(withdrawn.statusCode, 400);
      assert.deepEqual(json(withdrawn).data[0], OPTED_TO_STOP);
      const record = json(await testApp.api('GET', `/crm/v8/Contacts/${id}`, org.token)).data[0];
      assert.equal(record.Email_Opt_Out, true);
      assert.equal(record.Unsubscribed_Mode, 'Consent form');
      assert.equal(record.Data_Processing_Basis_Details.Contact_Through_Email, false);
      assert.equal(json(await answers()).audit_log.length, 2);
      await setPrivacy(false);
      const privacyOff = await send(id);
      assert.equal(privacyOff.statusCode, 403);
      assert.equal(json(privacyOff).data[0].code, 'NO_PERMISSION');
      await setPrivacy(true);

      // And changes it back.
      assert.equal((await post({ form_token: formToken, choice: 'granted' })).status, 303);
      assert.equal(json(await send(id)).data[0].code, 'SUCCESS');

      // Unknown and expired links.
      assert.equal((await fetch(`${base}/consent/${'A'.repeat(43)}`)).status, 404);
      assert.equal((await fetch(`${base}/consent/short`)).status, 404);
      clock.advance(91 * 24 * 3600 * 1000);
      const expired = await fetch(link);
      assert.equal(expired.status, 410);
      assert.match(await expired.text(), /expired/);
      assert.equal((await post({ form_token: formToken, choice: 'refused' })).status, 410);
      clock.set(T0);
    });

    for (const [name, start, change, code, diagnostic] of [
      [
        'consent withdrawn (true → false)',
        { Data_Processing_Basis: 'Consent', Contact_Through_Email: true },
        { Contact_Through_Email: false },
        'CONSENT_WITHDRAWN',
        'the person withdrew their consent to email (GDPR): they opted to stop the email communication',
      ],
      [
        'consent now asked for and not given yet (basis changed to Consent)',
        { Data_Processing_Basis: 'Contract' },
        { Data_Processing_Basis: 'Consent' },
        'CONSENT_NOT_GIVEN',
        'the record has not consented to receive email (GDPR) any more',
      ],
    ] as const) {
      test(`fire time: ${name} after a mail was scheduled → the mail ends skipped with the reason and is audited`, async () => {
        await setPrivacy(true);
        clock.set(T0);
        const id = await createContact({ Email: 'ann@example.com', Data_Processing_Basis_Details: start });
        const due = T0 + 1800_000;
        await worker.runOnce();
        const subject = `Scheduled: ${name}`;
        const accepted = await send(id, { subject, scheduled_time: new Date(due).toISOString() });
        assert.equal(accepted.statusCode, 200, accepted.body);
        const messageId = json(accepted).data[0].details.message_id;
        await testApp.api('PUT', `/crm/v8/Contacts/${id}`, org.token, { data: [{ Data_Processing_Basis_Details: change }] });
        clock.set(due);
        assert.equal(await worker.runOnce(), 1);
        const detail = await testApp.api('GET', `/crm/v8/Contacts/${id}/Emails/${messageId}`, org.token);
        assert.equal(detail.statusCode, 200, detail.body);
        const status = json(detail).Emails[0].status[0];
        assert.equal(status.type, 'skipped');
        assert.equal(status.diagnostic, diagnostic);
        assert.equal(sink.messages.some((m) => m.parsed.subject === subject), false);
        const audit = json(await testApp.api('GET', `/crm/v8/settings/audit_log?action=send_mail.skipped&record_id=${id}`, org.token)).audit_log;
        assert.equal(audit.length, 1);
        assert.equal(audit[0].details.code, code);
        assert.equal(audit[0].reason, diagnostic);
        assert.equal(audit[0].details.message_id, messageId);
        clock.set(T0);
      });
    }
  });
}
