import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createUser } from '../../src/users/create-user.js';
import { UI_CSP } from '../../src/ui/layout.js';
import { describeEachDatabase, json, type TestApp } from '../helpers/test-app.js';
import { postForm, signIn } from '../helpers/ui-session.js';
import { insertDelivery } from '../helpers/webhook-rows.js';

const PASSWORD = 'correct horse battery staple';
const SECRET = /<pre id="webhook-secret">(whsec_[A-Za-z0-9+/]{32})<\/pre>/;

/** A form with a repeated field (the event checkboxes), as a browser posts it. */
function postFields(app: TestApp, session: { cookie: string; csrf: string }, url: string, fields: [string, string][]) {
  return app.inject({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: session.cookie },
    payload: new URLSearchParams([['_csrf', session.csrf], ...fields]).toString(),
  });
}

/**
 * Settings › Webhooks over HTTP as a browser without JavaScript uses it: plain forms with the
 * session's CSRF token; every effect is checked through the API.
 */
describeEachDatabase('Web UI: webhooks', (get) => {
  test('an administrator adds an endpoint (secret shown once), disables and enables it, sends a delivery again, rotates the secret and deletes it', async () => {
    const app = get();
    const org = await app.createOrg();
    const email = `admin-ui-${Date.now()}@example.com`;
    await createUser(app.app, { orgId: org.orgId, email, name: 'Ada Admin', profile: 'admin', password: PASSWORD });
    const session = await signIn(app, email, PASSWORD);

    const settings = await app.inject({ method: 'GET', url: '/ui/settings', headers: { cookie: session.cookie } });
    assert.match(settings.body, /href="\/ui\/settings\/webhooks"/);
    const empty = await app.inject({ method: 'GET', url: '/ui/settings/webhooks', headers: { cookie: session.cookie } });
    assert.equal(empty.statusCode, 200);
    assert.equal(empty.headers['content-security-policy'], UI_CSP);
    assert.match(empty.body, /No endpoints yet\./);
    assert.match(empty.body, /<input type="checkbox" name="events" value="recipient\.bounced">/);
    assert.doesNotMatch(empty.body, /<script/);

    // A refused form keeps what was typed and says why, on the field; nothing is stored.
    const refused = await postFields(app, session, '/ui/settings/webhooks', [
      ['url', 'https://127.0.0.1/hook'],
      ['description', 'Local'],
      ['events', 'recipient.sent'],
    ]);
    assert.equal(refused.statusCode, 400);
    assert.match(refused.body, /id="url-error">The webhook URL is not allowed: its host must be a public internet address</);
    assert.match(refused.body, /value="https:\/\/127\.0\.0\.1\/hook"/);
    assert.match(refused.body, /value="recipient\.sent" checked/);
    const noEvents = await postFields(app, session, '/ui/settings/webhooks', [['url', 'https://hooks.example.com/ui']]);
    assert.equal(noEvents.statusCode, 400);
    assert.match(noEvents.body, /id="events-error">required field not found</);
    assert.deepEqual(json(await app.api('GET', '/crm/v8/settings/webhooks', org.token)).webhooks, []);

    const created = await postFields(app, session, '/ui/settings/webhooks', [
      ['url', 'https://hooks.example.com/ui'],
      ['description', 'From the UI'],
      ['events', 'recipient.sent'],
      ['events', 'recipient.opened'],
    ]);
    assert.equal(created.statusCode, 201, created.body);
    assert.equal(created.headers['cache-control'], 'private, no-store');
    const secret = SECRET.exec(created.body)?.[1];
    assert.ok(secret, 'the secret is shown on the answer');
    const [endpoint] = json(await app.api('GET', '/crm/v8/settings/webhooks', org.token)).webhooks;
    assert.deepEqual([endpoint.url, endpoint.description, endpoint.events], ['https://hooks.example.com/ui', 'From the UI', ['recipient.sent', 'recipient.opened']]);
    const row = await app.app.db.selectFrom('webhook_endpoints').select('secret').where('id', '=', endpoint.id).executeTakeFirstOrThrow();
    assert.equal(app.app.secrets.open(row.secret), secret);
    const again = await app.inject({ method: 'GET', url: '/ui/settings/webhooks', headers: { cookie: session.cookie } });
    assert.ok(!again.body.includes(secret), 'never shown again');
    assert.match(again.body, /https:\/\/hooks\.example\.com\/ui/);

    const base = `/ui/settings/webhooks/${endpoint.id}`;
    const event = await insertDelivery(app, org, endpoint.id, { state: 'failed' });
    const disabled = await postForm(app, session, `${base}/enabled`, { enabled: 'false' });
    assert.equal(disabled.statusCode, 303);
    const list = await app.inject({ method: 'GET', url: disabled.headers.location as string, headers: { cookie: session.cookie } });
    assert.match(list.body, /<strong>Disabled<\/strong>: Disabled by an administrator/);
    const log = await app.inject({ method: 'GET', url: base, headers: { cookie: session.cookie } });
    assert.equal(log.statusCode, 200);
    assert.match(log.body, new RegExp(`id="delivery-${event}"`));
    assert.match(log.body, /Enable the endpoint to send deliveries again\./);
    const notYet = await postForm(app, session, `${base}/deliveries/${event}/send-again`, {});
    assert.equal(notYet.statusCode, 400);
    assert.match(notYet.body, /role="alert">The webhook is disabled\. Enable it before sending again</);

    assert.equal((await postForm(app, session, `${base}/enabled`, { enabled: 'true' })).statusCode, 303);
    assert.equal(json(await app.api('GET', `/crm/v8/settings/webhooks/${endpoint.id}`, org.token)).webhooks[0].enabled, true);
    const sent = await postForm(app, session, `${base}/deliveries/${event}/send-again`, {});
    assert.equal(sent.statusCode, 303);
    assert.equal(sent.headers.location, `${base}?notice=sent_again`);
    assert.equal(json(await app.api('GET', `/crm/v8/settings/webhooks/${endpoint.id}/deliveries/${event}`, org.token)).deliveries[0].state, 'pending');
    const pendingOnly = await app.inject({ method: 'GET', url: `${base}?state=pending`, headers: { cookie: session.cookie } });
    assert.match(pendingOnly.body, new RegExp(`id="delivery-${event}"><td><code>${event}</code></td><td>recipient\\.sent</td><td>pending`));
    assert.doesNotMatch((await app.inject({ method: 'GET', url: `${base}?state=delivered`, headers: { cookie: session.cookie } })).body, new RegExp(event));

    const rotated = await postForm(app, session, `${base}/rotate-secret`, {});
    assert.equal(rotated.statusCode, 200);
    const newSecret = SECRET.exec(rotated.body)?.[1];
    assert.ok(newSecret && newSecret !== secret);

    // Without the CSRF token nothing happens.
    const forged = await app.inject({
      method: 'POST',
      url: `${base}/delete`,
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: session.cookie },
      payload: '',
    });
    assert.equal(forged.statusCode, 403);
    assert.equal(json(await app.api('GET', '/crm/v8/settings/webhooks', org.token)).webhooks.length, 1);

    const deleted = await postForm(app, session, `${base}/delete`, {});
    assert.equal(deleted.statusCode, 303);
    assert.deepEqual(json(await app.api('GET', '/crm/v8/settings/webhooks', org.token)).webhooks, []);
    assert.equal((await app.inject({ method: 'GET', url: base, headers: { cookie: session.cookie } })).statusCode, 404);
  });

  test('a user who is not an administrator is refused the pages and the forms', async () => {
    const app = get();
    const org = await app.createOrg();
    const created = await app.api('POST', '/crm/v8/settings/webhooks', org.token, { webhooks: [{ url: 'https://hooks.example.com/x', events: ['*'] }] });
    const id = json(created).webhooks[0].details.id as string;
    const email = `rep-ui-${Date.now()}@example.com`;
    await createUser(app.app, { orgId: org.orgId, email, name: 'Rex Rep', password: PASSWORD });
    const session = await signIn(app, email, PASSWORD);
    const settings = await app.inject({ method: 'GET', url: '/ui/settings', headers: { cookie: session.cookie } });
    assert.match(settings.body, /Only administrators manage webhooks\./);
    assert.equal((await app.inject({ method: 'GET', url: '/ui/settings/webhooks', headers: { cookie: session.cookie } })).statusCode, 403);
    assert.equal((await app.inject({ method: 'GET', url: `/ui/settings/webhooks/${id}`, headers: { cookie: session.cookie } })).statusCode, 403);
    const add = await postFields(app, session, '/ui/settings/webhooks', [
      ['url', 'https://hooks.example.com/rep'],
      ['events', '*'],
    ]);
    assert.equal(add.statusCode, 403);
    assert.equal((await postForm(app, session, `/ui/settings/webhooks/${id}/delete`, {})).statusCode, 403);
    assert.equal((await postForm(app, session, `/ui/settings/webhooks/${id}/enabled`, { enabled: 'false' })).statusCode, 403);
    const endpoints = json(await app.api('GET', '/crm/v8/settings/webhooks', org.token)).webhooks;
    assert.deepEqual(
      endpoints.map((e: { id: string; enabled: boolean }) => [e.id, e.enabled]),
      [[id, true]],
    );
  });
});
