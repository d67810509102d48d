import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { formatZohoDateTime } from '../../src/time.js';
import { createUser } from '../../src/users/create-user.js';
import { eventsOfRecipient } from '../../src/tracking/recipient-event-repository.js';
import { DATABASE_KINDS, json, type TestApp, type TestOrg } from '../helpers/test-app.js';
import { postForm, signIn } from '../helpers/ui-session.js';
import { closeMailWorld, deliveredWithSubject, openMailWorld, type MailWorld } from '../helpers/mail-world.js';

const T0 = Date.UTC(2026, 11, 1, 9, 0, 0);
const BASE = 'https://mailroom.test';
const BROWSER = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15';
const GOOGLE_PROXY = 'Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)';
const GIF = 'R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7';
const MINUTE = 60_000;

/** The hrefs and img srcs of an html message, read with the sink's parsed html. */
const hrefs = (htmlText: string) => [...htmlText.matchAll(/<a\b[^>]*\shref="([^"]*)"/g)].map((m) => m[1]!.replace(/&amp;/g, '&'));
const pixelOf = (htmlText: string) => /<img src="([^"]*\/t\/o\/[^"]*)" width="1" height="1" alt="" style="display:none">/.exec(htmlText)?.[1];
const pathOf = (url: string) => url.slice(BASE.length);

for (const kind of DATABASE_KINDS) {
  describe(`open and click tracking: the org setting, the pixel, tracked links, prefetch flags, the Emails list [${kind}]`, () => {
    let world: MailWorld;
    let testApp: TestApp;
    let org: TestOrg;
    let from: string;
    let subjects = 0;

    before(async () => {
      world = await openMailWorld(kind, { at: T0, env: { PUBLIC_URL: BASE } });
      ({ testApp, org, from } = world);
    });
    after(() => closeMailWorld(world));

    const setOrg = async (settings: Record<string, unknown>, owner = org) => testApp.api('PUT', '/crm/v8/org', owner.token, { org: [settings] });
    const create = async (module: string, fields: Record<string, unknown>, owner = org) => {
      const response = await testApp.api('POST', `/crm/v8/${module}`, owner.token, { data: [{ Last_Name: 'Smith', ...fields }] });
      assert.equal(response.statusCode, 201, response.body);
      return json(response).data[0].details.id as string;
    };
    /** Sends an html mail from the Contact; returns the received message's html and the message id. */
    const send = async (contactId: string, content: string, extra: Record<string, unknown> = {}, module = 'Contacts') => {
      subjects += 1;
      const subject = `Tracked ${subjects}`;
      const sent = await testApp.api('POST', `/crm/v8/${module}/${contactId}/actions/send_mail`, org.token, {
        data: [{ from: { email: from }, to: [{ email: 'ann@example.com' }], subject, content, mail_format: 'html', ...extra }],
      });
      assert.equal(sent.statusCode, 200, sent.body);
      const message = await deliveredWithSubject(world, subject);
      return { html: typeof message.parsed.html === 'string' ? message.parsed.html : '', messageId: json(sent).data[0].details.message_id as string };
    };
    const fetchAs = (url: string, userAgent: string, remoteAddress = '198.51.100.7') =>
      testApp.inject({ method: 'GET', url: pathOf(url), headers: { 'user-agent': userAgent }, remoteAddress });
    const statusOf = async (contactId: string, messageId: string, module = 'Contacts') => {
      const response = await testApp.api('GET', `/crm/v8/${module}/${contactId}/Emails/${messageId}`, org.token);
      assert.equal(response.statusCode, 200, response.body);
      return json(response).Emails[0].status[0] as Record<string, unknown>;
    };
    const recipientIdOf = (pixel: string) => /\/t\/o\/(\d+)z/.exec(pixel)![1]!;

    test('the setting: on by default for a paid edition, off for the free edition; admins switch it through PUT /org, audited; bad type refused', async () => {
      assert.equal(json(await testApp.api('GET', '/crm/v8/org', org.token)).org[0].email_tracking, true, 'enterprise: on');
      const free = await testApp.createOrg({ edition: 'free' });
      assert.equal(json(await testApp.api('GET', '/crm/v8/org', free.token)).org[0].email_tracking, false, 'free: off');

      const bad = await setOrg({ email_tracking: 'yes' });
      assert.equal(bad.statusCode, 400);
      assert.deepEqual(json(bad).details, { api_name: 'email_tracking', json_path: '$.org[0].email_tracking', expected_data_type: 'boolean' });

      const on = await setOrg({ email_tracking: true }, free);
      assert.equal(on.statusCode, 200, on.body);
      assert.deepEqual(json(on).org[0].details, { id: free.orgId, privacy_settings: false, one_click_unsubscribe: false, email_tracking: true });
      assert.equal(json(await testApp.api('GET', '/crm/v8/org', free.token)).org[0].email_tracking, true);
      const audit = json(await testApp.api('GET', '/crm/v8/settings/audit_log?action=email_tracking.changed', free.token)).audit_log;
      assert.deepEqual(audit.map((a: { details: unknown }) => a.details), [{ email_tracking: true }]);
    });

    test('a pixel fetch makes the recipient opened with first/last/count; a second fetch counts 2; links are tracked and redirect to exactly their target', async () => {
      const contact = await create('Contacts', { Email: 'ann@example.com' });
      const target = 'https://shop.example.com/offer?id=7&utm_source=mail#top';
      const content =
        `<html><body><p>Hello <a href="${target.replace(/&/g, '&amp;')}" class="cta">the offer</a>, ` +
        '<a href="mailto:sales@example.com">mail us</a>, <a href="tel:+15550100">call</a>, <a href="#part2">below</a>, ' +
        `<a href="${BASE}/unsubscribe/123z00">own link</a>, <a href="ftp://files.example.com/x">ftp</a></p></body></html>`;
      const { html, messageId } = await send(contact, content);
      const pixel = pixelOf(html);
      assert.ok(pixel?.startsWith(`${BASE}/t/o/`), html);
      assert.ok(html.indexOf('style="display:none">') < html.indexOf('</body>'), 'the pixel is inside the body');
      const links = hrefs(html);
      assert.equal(links.length, 6);
      assert.ok(links[0]!.startsWith(`${BASE}/t/c/`), links[0]);
      assert.deepEqual(links.slice(1), ['mailto:sales@example.com', 'tel:+15550100', '#part2', `${BASE}/unsubscribe/123z00`, 'ftp://files.example.com/x'], 'left alone');
      assert.match(html, /<a href="[^"]+" class="cta">the offer<\/a>/, 'other attributes kept');

      assert.equal((await statusOf(contact, messageId)).type, 'sent', 'no open yet');
      world.clock.advance(10 * MINUTE);
      const first = await fetchAs(pixel!, BROWSER);
      assert.equal(first.statusCode, 200);
      assert.equal(first.headers['content-type'], 'image/gif');
      assert.match(String(first.headers['cache-control']), /no-store/);
      assert.equal(first.rawPayload.toString('base64'), GIF);
      const firstAt = world.clock.now();
      let status = await statusOf(contact, messageId);
      assert.equal(status.type, 'opened');
      assert.equal(status.email, 'ann@example.com', 'the DSN keys stay');
      assert.equal(status.action, 'delivered');
      const timeZone = json(await testApp.api('GET', '/crm/v8/org', org.token)).org[0].time_zone as string;
      assert.equal(status.first_open, formatZohoDateTime(firstAt, timeZone));
      assert.equal(status.last_open, formatZohoDateTime(firstAt, timeZone));
      assert.equal(status.count, '1');

      world.clock.advance(5 * MINUTE);
      await fetchAs(pixel!, BROWSER);
      status = await statusOf(contact, messageId);
      assert.equal(status.count, '2');
      assert.equal(status.first_open !== status.last_open, true, 'last_open moved');

      world.clock.advance(MINUTE);
      const click = await fetchAs(links[0]!, BROWSER);
      assert.equal(click.statusCode, 302);
      assert.equal(click.headers.location, target, 'exactly the signed target');
      status = await statusOf(contact, messageId);
      assert.equal(status.type, 'clicked', 'clicked > opened');
      assert.equal(status.click_count, '1');
      assert.equal(status.count, '2', 'the open trio stays');
      assert.equal(typeof status.first_click, 'string');

      // An altered link: another target, a changed MAC, a cut token — 404 and nothing recorded.
      const recipientId = recipientIdOf(pixel!);
      const before = (await eventsOfRecipient(testApp.app.db, recipientId)).length;
      const url = new URL(links[0]!);
      const evil = `${BASE}${url.pathname}?u=${Buffer.from('https://evil.example/').toString('base64url')}`;
      const flipped = `${BASE}${url.pathname.replace(/.$/, (c) => (c === '0' ? '1' : '0'))}${url.search}`;
      for (const altered of [evil, flipped, `${BASE}${url.pathname.slice(0, -3)}${url.search}`, `${BASE}${url.pathname}`]) {
        const response = await fetchAs(altered, BROWSER);
        assert.equal(response.statusCode, 404, altered);
        assert.equal(response.headers.location, undefined);
      }
      // A forged pixel answers the same GIF and records nothing.
      const forged = await fetchAs(pixel!.replace(/z[0-9a-f]{4}/, 'z0000'), BROWSER);
      assert.equal(forged.statusCode, 200);
      assert.equal(forged.rawPayload.toString('base64'), GIF);
      assert.equal((await eventsOfRecipient(testApp.app.db, recipientId)).length, before, 'nothing recorded');
    });

    test('prefetches: a GoogleImageProxy or Apple fetch is recorded but flagged and not counted; a curl fetch right after delivery is a scanner', async () => {
      const contact = await create('Contacts', { Email: 'ann@example.com' });
      const { html, messageId } = await send(contact, '<p>Hi <a href="https://example.com/a">a</a></p>');
      const pixel = pixelOf(html)!;
      const link = hrefs(html)[0]!;
      const recipientId = recipientIdOf(pixel);

      assert.equal((await fetchAs(link, 'curl/8.5.0')).statusCode, 302, 'a scanner still gets the redirect');
      world.clock.advance(MINUTE);
      await fetchAs(pixel, GOOGLE_PROXY, '66.249.84.1');
      await fetchAs(pixel, 'Mozilla/5.0', '17.58.1.2');
      const events = await eventsOfRecipient(testApp.app.db, recipientId);
      assert.deepEqual(
        events.map((e) => [e.kind, e.flagged, e.flag_reason]),
        [['clicked', 1, 'scanner'], ['opened', 1, 'prefetch'], ['opened', 1, 'prefetch']],
      );
      assert.equal(events[1]!.user_agent, GOOGLE_PROXY);
      assert.equal(events[0]!.url, 'https://example.com/a');
      const status = await statusOf(contact, messageId);
      assert.equal(status.type, 'sent', 'only flagged events: still sent');
      assert.equal('count' in status, false);

      world.clock.advance(10 * MINUTE);
      await fetchAs(pixel, BROWSER);
      assert.equal((await statusOf(contact, messageId)).count, '1', 'the person\'s open counts alone');
    });

    test('tracking off: no pixel, links as written; the free edition is off by default', async () => {
      assert.equal((await setOrg({ email_tracking: false })).statusCode, 200);
      const contact = await create('Contacts', { Email: 'ann@example.com' });
      const { html } = await send(contact, '<p><a href="https://example.com/b">b</a></p>');
      assert.equal(pixelOf(html), undefined);
      assert.deepEqual(hrefs(html), ['https://example.com/b']);
      assert.equal((await setOrg({ email_tracking: true })).statusCode, 200);

      const free = await testApp.createOrg({ edition: 'free' });
      const freeFrom = json(await testApp.api('GET', '/crm/v8/users?type=CurrentUser', free.token)).users[0].email as string;
      const freeContact = await create('Contacts', { Email: 'ann@example.com' }, free);
      const sent = await testApp.api('POST', `/crm/v8/Contacts/${freeContact}/actions/send_mail`, free.token, {
        data: [{ from: { email: freeFrom }, to: [{ email: 'ann@example.com' }], subject: 'Free edition', content: '<p><a href="https://example.com/c">c</a></p>', mail_format: 'html' }],
      });
      assert.equal(sent.statusCode, 200, sent.body);
      const message = await deliveredWithSubject(world, 'Free edition');
      const freeHtml = String(message.parsed.html);
      assert.equal(pixelOf(freeHtml), undefined);
      assert.deepEqual(hrefs(freeHtml), ['https://example.com/c']);
    });

    test('the web UI: the settings card switches tracking (administrators only); the record page shows opened and clicked with counts', async () => {
      await createUser(testApp.app, { orgId: org.orgId, email: 'ui.track@example.com', name: 'Ui Admin', profile: 'admin', password: 'a long passphrase' });
      await createUser(testApp.app, { orgId: org.orgId, email: 'ui.trackstd@example.com', name: 'Ui Std', password: 'a long passphrase' });
      const admin = await signIn(testApp, 'ui.track@example.com', 'a long passphrase');
      const page = await testApp.inject({ method: 'GET', url: '/ui/settings', headers: { cookie: admin.cookie } });
      assert.match(page.body, /id="tracking-state">On/);
      const off = await postForm(testApp, admin, '/ui/settings/email-tracking', { email_tracking: 'false' });
      assert.equal(off.statusCode, 303);
      assert.equal(off.headers.location, '/ui/settings?notice=tracking_off');
      assert.equal(json(await testApp.api('GET', '/crm/v8/org', org.token)).org[0].email_tracking, false);
      const std = await signIn(testApp, 'ui.trackstd@example.com', 'a long passphrase');
      const refused = await postForm(testApp, std, '/ui/settings/email-tracking', { email_tracking: 'true' });
      assert.equal(refused.statusCode, 403);
      assert.equal(json(await testApp.api('GET', '/crm/v8/org', org.token)).org[0].email_tracking, false);
      assert.equal((await postForm(testApp, admin, '/ui/settings/email-tracking', { email_tracking: 'true' })).statusCode, 303);
      assert.equal(json(await testApp.api('GET', '/crm/v8/org', org.token)).org[0].email_tracking, true);

      const contact = await create('Contacts', { Email: 'ann@example.com' });
      const { html } = await send(contact, '<p><a href="https://example.com/ui">ui</a></p>');
      world.clock.advance(10 * MINUTE);
      await fetchAs(pixelOf(html)!, BROWSER);
      await fetchAs(pixelOf(html)!, BROWSER);
      const opened = await testApp.inject({ method: 'GET', url: `/ui/records/Contacts/${contact}`, headers: { cookie: admin.cookie } });
      assert.equal(opened.statusCode, 200);
      assert.match(opened.body, /<span class="status s-opened">opened<\/span> — <span class="engagement">2 opens<\/span>/);
      await fetchAs(hrefs(html)[0]!, BROWSER);
      const clicked = await testApp.inject({ method: 'GET', url: `/ui/records/Contacts/${contact}`, headers: { cookie: admin.cookie } });
      assert.match(clicked.body, /<span class="status s-clicked">clicked<\/span> — <span class="engagement">2 opens, 1 click<\/span>/);
    });

    test('privacy: with privacy settings on, a record on the Consent basis without email consent is not tracked; one on another basis is', async () => {
      assert.equal((await setOrg({ privacy_settings: true })).statusCode, 200);
      try {
        const pending = await create('Contacts', { Email: 'ann@example.com', Data_Processing_Basis_Details: { Data_Processing_Basis: 'Consent', Contact_Through_Email: false } });
        const { html } = await send(pending, '<p><a href="${ConsentForm.en_US}">consent</a> <a href="https://example.com/d">d</a></p>', { consent_email: true });
        assert.equal(pixelOf(html), undefined, 'no pixel without consent');
        assert.ok(hrefs(html).includes('https://example.com/d'), 'links as written');

        const contract = await create('Contacts', { Email: 'ann@example.com', Data_Processing_Basis_Details: { Data_Processing_Basis: 'Contract' } });
        const tracked = await send(contract, '<p><a href="https://example.com/e">e</a></p>');
        assert.ok(pixelOf(tracked.html), 'another basis is tracked');
      } finally {
        await setOrg({ privacy_settings: false });
      }
    });
  });
}
