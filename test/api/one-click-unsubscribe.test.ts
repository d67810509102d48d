import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createUser } from '../../src/users/create-user.js';
import { DATABASE_KINDS, json, type TestApp, type TestOrg } from '../helpers/test-app.js';
import { closeMailWorld, deliveredWithSubject, openMailWorld, type MailWorld } from '../helpers/mail-world.js';
import { postForm, signIn } from '../helpers/ui-session.js';

const T0 = Date.UTC(2026, 11, 1, 9, 0, 0);

/** A header of a raw message, unfolded (undefined when absent). */
function headerOf(raw: Buffer, name: string): string | undefined {
  const head = raw.toString('utf8').split(/\r?\n\r?\n/)[0]!.replace(/\r?\n[ \t]+/g, ' ');
  const line = head.split(/\r?\n/).find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  return line?.slice(name.length + 1).trim();
}

for (const kind of DATABASE_KINDS) {
  describe(`one-click unsubscribe (RFC 8058): the org setting, List-Unsubscribe headers, the page and the one-click POST [${kind}]`, () => {
    let world: MailWorld;
    let testApp: TestApp;
    let org: TestOrg;
    let from: string;
    let base: string;
    let subjects = 0;

    before(async () => {
      // Listening for real: the link in the message points back to this server.
      world = await openMailWorld(kind, { at: T0, listen: true });
      ({ testApp, org, from, base } = world);
    });
    after(() => closeMailWorld(world));

    const setOrg = async (settings: Record<string, unknown>, token = org.token) => testApp.api('PUT', '/crm/v8/org', token, { org: [settings] });
    const create = async (module: string, fields: Record<string, unknown>, owner = org) => {
      const response = await testApp.api('POST', `/crm/v8/${module}`, owner.token, { data: [{ Last_Name: 'Smith', ...fields }] });
      assert.equal(response.statusCode, 201, response.body);
      return json(response).data[0].details.id as string;
    };
    const record = async (module: string, id: string, owner = org) => json(await testApp.api('GET', `/crm/v8/${module}/${id}`, owner.token)).data[0];
    const optOutAudit = async (owner = org) => {
      const response = await testApp.api('GET', '/crm/v8/settings/audit_log?action=opt_out.changed', owner.token);
      return response.statusCode === 204 ? [] : json(response).audit_log;
    };
    /** Sends a mail from the Contact and returns the message the SMTP sink received. */
    const sendAndReceive = async (contactId: string, to: { email: string }[], extra: Record<string, unknown> = {}) => {
      subjects += 1;
      const subject = `Newsletter ${subjects}`;
      const sent = await testApp.api('POST', `/crm/v8/Contacts/${contactId}/actions/send_mail`, org.token, {
        data: [{ from: { email: from }, to, subject, content: '<p>News</p>', ...extra }],
      });
      assert.equal(sent.statusCode, 200, sent.body);
      return deliveredWithSubject(world, subject);
    };
    const post = (url: string, body: string, contentType = 'application/x-www-form-urlencoded') =>
      fetch(url, { method: 'POST', headers: { 'content-type': contentType }, body, redirect: 'manual' });

    test('the setting: off by default, shown by GET /org, switched by an admin through PUT /org (alone or with privacy_settings), audited; bad type and non-admin refused', async () => {
      assert.equal(json(await testApp.api('GET', '/crm/v8/org', org.token)).org[0].one_click_unsubscribe, false);

      const bad = await setOrg({ one_click_unsubscribe: 'yes' });
      assert.equal(bad.statusCode, 400);
      assert.deepEqual(json(bad), {
        code: 'INVALID_DATA',
        details: { api_name: 'one_click_unsubscribe', json_path: '$.org[0].one_click_unsubscribe', expected_data_type: 'boolean' },
        message: 'invalid data',
        status: 'error',
      });
      const badWithGood = await setOrg({ privacy_settings: true, one_click_unsubscribe: 1 });
      assert.equal(json(badWithGood).details.api_name, 'one_click_unsubscribe');
      const neither = await setOrg({});
      assert.equal(json(neither).details.api_name, 'privacy_settings', 'the answer of a body without either key is unchanged');

      const user = await createUser(testApp.app, { orgId: org.orgId, email: 'std.unsub@example.com', name: 'Standard User' });
      const standard = await testApp.tokenFor(org, ['ZohoCRM.org.ALL'], user.id);
      const refused = await setOrg({ one_click_unsubscribe: true }, standard);
      assert.equal(refused.statusCode, 403);
      assert.equal(json(refused).code, 'NO_PERMISSION');
      assert.equal(json(await testApp.api('GET', '/crm/v8/org', org.token)).org[0].one_click_unsubscribe, false, 'refusals changed nothing');

      const both = await setOrg({ privacy_settings: false, one_click_unsubscribe: true });
      assert.equal(both.statusCode, 200, both.body);
      assert.deepEqual(json(both).org[0], {
        code: 'SUCCESS',
        details: { id: org.orgId, privacy_settings: false, one_click_unsubscribe: true, email_tracking: true },
        message: 'org updated successfully',
        status: 'success',
      });
      const alone = await setOrg({ one_click_unsubscribe: false });
      assert.equal(json(alone).org[0].details.one_click_unsubscribe, false);
      assert.equal(json(await testApp.api('GET', '/crm/v8/org', org.token)).org[0].one_click_unsubscribe, false);

      const audit = json(await testApp.api('GET', '/crm/v8/settings/audit_log?action=one_click_unsubscribe.changed', org.token)).audit_log;
      assert.deepEqual(audit.map((a: { details: unknown }) => a.details), [{ one_click_unsubscribe: false }, { one_click_unsubscribe: true }]);
      assert.deepEqual(audit[0].actor, { type: 'user', id: org.adminId });
    });

    test('off: a message carries no List-Unsubscribe header', async () => {
      await setOrg({ one_click_unsubscribe: false });
      const contact = await create('Contacts', { Email: 'off@example.com' });
      const message = await sendAndReceive(contact, [{ email: 'off@example.com' }]);
      assert.equal(headerOf(message.raw, 'List-Unsubscribe'), undefined);
      assert.equal(headerOf(message.raw, 'List-Unsubscribe-Post'), undefined);
    });

    test('on: both headers; GET shows the page and changes nothing; a forged token is 404; the one-click POST opts the address out once, audited; other org untouched', async () => {
      assert.equal((await setOrg({ one_click_unsubscribe: true })).statusCode, 200);
      const ann = await create('Contacts', { Email: 'ann@example.com' });
      const annLead = await create('Leads', { Email: 'someone@example.com', Secondary_Email: 'ANN@Example.com' });
      const bob = await create('Contacts', { Email: 'bob@example.com' });
      const other = await testApp.createOrg();
      const otherAnn = await create('Contacts', { Email: 'ann@example.com' }, other);

      // Several recipients: the link names the first To recipient (docs/compliance.md).
      const message = await sendAndReceive(ann, [{ email: 'ann@example.com' }], { cc: [{ email: 'bob@example.com' }] });
      const header = headerOf(message.raw, 'List-Unsubscribe');
      assert.ok(header, 'List-Unsubscribe is there');
      const match = new RegExp(`^<(${base.replace(/[.]/g, '\\.')}/unsubscribe/([a-z0-9]+))>$`).exec(header);
      assert.ok(match, header);
      const [, url, token] = match as unknown as [string, string, string];
      assert.equal(headerOf(message.raw, 'List-Unsubscribe-Post'), 'List-Unsubscribe=One-Click');
      assert.deepEqual(message.envelopeTo.sort(), ['ann@example.com', 'bob@example.com']);

      const untouched = async () => {
        assert.notEqual((await record('Contacts', ann)).Email_Opt_Out, true);
        assert.notEqual((await record('Leads', annLead)).Email_Opt_Out, true);
        assert.equal((await optOutAudit()).length, 0);
      };

      // GET: the page, with the address masked and a button; nothing changes (link scanners follow GETs).
      for (let i = 0; i < 2; i += 1) {
        const page = await fetch(url);
        assert.equal(page.status, 200);
        assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
        assert.match(page.headers.get('content-security-policy') ?? '', /form-action 'self'/);
        assert.equal(page.headers.get('referrer-policy'), 'no-referrer');
        const body = await page.text();
        assert.match(body, /a•••@example\.com/);
        assert.doesNotMatch(body, /ann@example\.com/);
        assert.match(body, /<form method="post">/);
        assert.match(body, /name="List-Unsubscribe" value="One-Click"/);
      }
      await untouched();

      // Forged, altered or foreign tokens: 404, nothing changes.
      const flipped = token.slice(0, -1) + (token.endsWith('0') ? '1' : '0');
      const recipientId = token.split('z')[0]!;
      const otherId = String(BigInt(recipientId) + 1n);
      for (const bad of [flipped, `${otherId}z${token.split('z')[1]}`, 'abc', `${recipientId}z`]) {
        assert.equal((await fetch(`${base}/unsubscribe/${bad}`)).status, 404, bad);
        const response = await post(`${base}/unsubscribe/${bad}`, 'List-Unsubscribe=One-Click');
        assert.equal(response.status, 404, bad);
        assert.match(await response.text(), /not valid/);
      }
      // A good token without the one-click field (or as another type) is refused and changes nothing.
      assert.equal((await post(url, 'List-Unsubscribe=Other')).status, 400);
      assert.equal((await post(url, '{"List-Unsubscribe":"One-Click"}', 'application/json')).status, 400);
      // A body beyond the bound is refused before it is read.
      assert.equal((await post(url, `List-Unsubscribe=One-Click&pad=${'x'.repeat(8000)}`)).status, 413);
      await untouched();

      // The provider's one-click POST: no cookie, no CSRF token — the token is the authority.
      const done = await post(url, 'List-Unsubscribe=One-Click');
      assert.equal(done.status, 200);
      assert.match(await done.text(), /a•••@example\.com will receive no more email/);
      const annNow = await record('Contacts', ann);
      assert.equal(annNow.Email_Opt_Out, true);
      assert.equal(annNow.Unsubscribed_Mode, 'Unsubscribe link');
      assert.equal((await record('Leads', annLead)).Email_Opt_Out, true, 'a record holding the address in another email field, any case');
      assert.notEqual((await record('Contacts', bob)).Email_Opt_Out, true, 'the Cc recipient is not named by the link');
      assert.notEqual((await record('Contacts', otherAnn, other)).Email_Opt_Out, true, "another org's record with the address is untouched");
      assert.equal((await optOutAudit(other)).length, 0);

      const audit = await optOutAudit();
      assert.equal(audit.length, 2);
      assert.deepEqual(audit.map((a: { record_id: string }) => a.record_id).sort(), [ann, annLead].sort());
      for (const entry of audit) {
        assert.equal(entry.reason, 'one_click_unsubscribe');
        assert.deepEqual(entry.actor, { type: 'data_subject', id: 'ann@example.com' });
        assert.equal(entry.details.field, 'Email_Opt_Out');
        assert.equal(entry.details.after, true);
        assert.equal(entry.details.recipient_id, recipientId);
      }

      // Replays (as multipart/form-data, and the page's button) change nothing more and audit nothing more.
      const boundary = 'mailroomTestBoundary';
      const multipart = `--${boundary}\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--${boundary}--\r\n`;
      const replay = await post(url, multipart, `multipart/form-data; boundary=${boundary}`);
      assert.equal(replay.status, 200);
      assert.equal((await post(url, 'List-Unsubscribe=One-Click')).status, 200);
      assert.equal((await optOutAudit()).length, 2);
      assert.equal((await record('Contacts', ann)).Unsubscribed_Time, annNow.Unsubscribed_Time);

      // The opt-out is what send_mail checks: the next mail to the record is refused.
      const next = await testApp.api('POST', `/crm/v8/Contacts/${ann}/actions/send_mail`, org.token, {
        data: [{ from: { email: from }, to: [{ email: 'ann@example.com' }], subject: 'Again', content: '<p>Hi</p>' }],
      });
      assert.equal(next.statusCode, 403);
      assert.equal(json(next).data[0].code, 'NO_PERMISSION');

      // The link keeps working after the org turns the setting off (a link that went out is honoured).
      await setOrg({ one_click_unsubscribe: false });
      assert.equal((await fetch(url)).status, 200);
      await setOrg({ one_click_unsubscribe: true });
    });

    test('the multipart one-click POST works on its own', async () => {
      const carol = await create('Contacts', { Email: 'carol@example.com' });
      const message = await sendAndReceive(carol, [{ email: 'carol@example.com' }]);
      const url = /^<(.+)>$/.exec(headerOf(message.raw, 'List-Unsubscribe') ?? '')![1]!;
      const boundary = '----x1';
      const body = `--${boundary}\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--${boundary}--\r\n`;
      assert.equal((await post(url, body, `multipart/form-data; boundary=${boundary}`)).status, 200);
      assert.equal((await record('Contacts', carol)).Email_Opt_Out, true);

      // Each link is bounded: 20 requests a minute, then 429 with Retry-After (and nothing read).
      let last: Response | undefined;
      for (let i = 0; i < 19; i += 1) last = await fetch(url); // after the POST above: 20 in this minute
      assert.equal(last?.status, 200, 'the 20th request of the minute still goes');
      const limited = await post(url, 'List-Unsubscribe=One-Click');
      assert.equal(limited.status, 429);
      assert.ok(Number(limited.headers.get('retry-after')) >= 1);
      world.clock.advance(60_000);
      assert.equal((await fetch(url)).status, 200, 'a new window');
    });

    test('the web UI settings page switches it (administrators only), through its CSRF-protected form', async () => {
      await setOrg({ one_click_unsubscribe: false });
      await createUser(testApp.app, { orgId: org.orgId, email: 'ui.admin@example.com', name: 'Ui Admin', profile: 'admin', password: 'a long passphrase' });
      await createUser(testApp.app, { orgId: org.orgId, email: 'ui.std@example.com', name: 'Ui Std', password: 'a long passphrase' });
      const admin = await signIn(testApp, 'ui.admin@example.com', 'a long passphrase');
      const page = await testApp.inject({ method: 'GET', url: '/ui/settings', headers: { cookie: admin.cookie } });
      assert.match(page.body, /id="unsub-state">Off/);
      assert.match(page.body, /Turn one-click unsubscribe on/);

      const noCsrf = await testApp.inject({
        method: 'POST',
        url: '/ui/settings/one-click-unsubscribe',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: admin.cookie },
        payload: 'one_click_unsubscribe=true',
      });
      assert.equal(noCsrf.statusCode, 403);
      assert.equal(json(await testApp.api('GET', '/crm/v8/org', org.token)).org[0].one_click_unsubscribe, false);

      const on = await postForm(testApp, admin, '/ui/settings/one-click-unsubscribe', { one_click_unsubscribe: 'true' });
      assert.equal(on.statusCode, 303);
      assert.equal(on.headers.location, '/ui/settings?notice=unsubscribe_on');
      assert.equal(json(await testApp.api('GET', '/crm/v8/org', org.token)).org[0].one_click_unsubscribe, true);
      const shown = await testApp.inject({ method: 'GET', url: '/ui/settings?notice=unsubscribe_on', headers: { cookie: admin.cookie } });
      assert.match(shown.body, /id="unsub-state">On/);
      assert.match(shown.body, /One-click unsubscribe is on/);

      const std = await signIn(testApp, 'ui.std@example.com', 'a long passphrase');
      const refused = await postForm(testApp, std, '/ui/settings/one-click-unsubscribe', { one_click_unsubscribe: 'false' });
      assert.equal(refused.statusCode, 403);
      assert.match(refused.body, /Only administrators change one-click unsubscribe/);
      assert.equal(json(await testApp.api('GET', '/crm/v8/org', org.token)).org[0].one_click_unsubscribe, true);

      const off = await postForm(testApp, admin, '/ui/settings/one-click-unsubscribe', { one_click_unsubscribe: 'false' });
      assert.equal(off.statusCode, 303);
      assert.equal(json(await testApp.api('GET', '/crm/v8/org', org.token)).org[0].one_click_unsubscribe, false);
      const audit = json(await testApp.api('GET', '/crm/v8/settings/audit_log?action=one_click_unsubscribe.changed', org.token)).audit_log;
      assert.equal(audit[0].actor.type, 'user');
    });
  });
}
