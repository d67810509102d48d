import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { createUser } from '../../src/users/create-user.js';
import { describeEachDatabase, json, startTestApp } from '../helpers/test-app.js';
import { cookieOf, loginForm, postLogin } from '../helpers/ui-session.js';

/** Sign-in, sessions and CSRF of the web UI over HTTP (no browser): headers, limits, redirects. */
const PASSWORD = 'correct horse battery staple';
const UI_CSP =
  "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; connect-src 'self'; frame-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

describeEachDatabase('web UI sign-in and sessions', (get) => {
  let email: string;
  let orgId: string;

  test('setup: a user with a password', async () => {
    const org = await get().createOrg();
    orgId = org.orgId;
    email = `ui-${randomBytes(4).toString('hex')}@example.com`;
    await createUser(get().app, { orgId, email, name: 'Una Ui', password: PASSWORD });
  });

  test('the sign-in page has a strict CSP and a SameSite=Strict double-submit token', async () => {
    const { page } = await loginForm(get());
    assert.equal(page.statusCode, 200);
    assert.equal(page.headers['content-security-policy'], UI_CSP);
    assert.equal(page.headers['x-frame-options'], 'DENY');
    const cookie = cookieOf(page.headers['set-cookie'], 'mailroom_login_csrf')!;
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Strict/);
    assert.doesNotMatch(cookie, /Secure/, 'PUBLIC_URL is http here');
  });

  test('a right password opens a session (HttpOnly, SameSite=Lax) and redirects to next; //other hosts are not followed', async () => {
    const response = await postLogin(get(), email, PASSWORD, { next: '/ui/records/Leads?q=a' });
    assert.equal(response.statusCode, 303);
    assert.equal(response.headers.location, '/ui/records/Leads?q=a');
    const session = cookieOf(response.headers['set-cookie'], 'mailroom_session')!;
    assert.match(session, /^mailroom_session=[A-Za-z0-9_-]{43};/);
    assert.deepEqual(attributesOf(session), ['HttpOnly', 'Max-Age=43200', 'Path=/', 'SameSite=Lax']);
    assert.match(cookieOf(response.headers['set-cookie'], 'mailroom_login_csrf')!, /Max-Age=0/, 'the sign-in form cookie is dropped');
    for (const next of ['//evil.example/', 'https://evil.example/', '/\\evil.example', 'javascript:alert(1)']) {
      const other = await postLogin(get(), email, PASSWORD, { next });
      assert.equal(other.headers.location, '/ui/records', next);
    }
    // Only a digest of the token is stored.
    const token = session.split(';')[0]!.split('=')[1]!;
    const rows = await get().app.db.selectFrom('ui_sessions').select('id').execute();
    assert.ok(rows.length > 0);
    assert.ok(rows.every((r) => r.id !== token && /^[0-9a-f]{64}$/.test(r.id)));
  });

  test('without the sign-in CSRF token the form is refused and no session is made', async () => {
    const response = await postLogin(get(), email, PASSWORD, { withCsrf: false });
    assert.equal(response.statusCode, 403);
    assert.equal(cookieOf(response.headers['set-cookie'], 'mailroom_session'), undefined);
  });

  test('a sign-in form token must belong to its cookie: a planted cookie with a matching form value is refused', async () => {
    // Cookie tossing: a sibling subdomain can set a cookie for this host, but cannot make the
    // token that belongs to it. Before, the form only had to repeat the cookie's value.
    const planted = 'A'.repeat(43);
    const tossed = await get().inject({
      method: 'POST',
      url: '/ui/login',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `mailroom_login_csrf=${planted}` },
      payload: new URLSearchParams({ _csrf: planted, next: '/ui/records', email, password: PASSWORD }).toString(),
    });
    assert.equal(tossed.statusCode, 403);
    assert.equal(cookieOf(tossed.headers['set-cookie'], 'mailroom_session'), undefined);
    // The real pair: the form's token is not the cookie's value, yet they belong together.
    const { cookie, csrf } = await loginForm(get());
    assert.notEqual(cookie.split('=')[1], csrf);
    assert.equal((await postLogin(get(), email, PASSWORD)).statusCode, 303);
  });

  test('after 10 wrong passwords for one account from one address, the form and mailbox Basic answer 429 for it even with the right password', async () => {
    const address = '10.9.8.7';
    for (let i = 0; i < 10; i += 1) assert.equal((await postLogin(get(), email, `wrong ${i}`, { remoteAddress: address })).statusCode, 401);
    const blocked = await postLogin(get(), email, PASSWORD, { remoteAddress: address });
    assert.equal(blocked.statusCode, 429);
    assert.match(blocked.body, /Too many failed sign-ins/);
    const basic = `Basic ${Buffer.from(`${email}:${PASSWORD}`).toString('base64')}`;
    const mailbox = await get().inject({ method: 'GET', url: '/mailbox/api/messages', remoteAddress: address, headers: { authorization: basic } });
    assert.equal(mailbox.statusCode, 429);
    assert.equal((await postLogin(get(), email, PASSWORD, { remoteAddress: '10.9.8.8' })).statusCode, 303, 'other addresses are not affected');
  });

  test('pages need a session; a post without one, or without its CSRF token, is refused; sign-out and deactivation end it', async () => {
    const noSession = await get().inject({ method: 'GET', url: '/ui/records/Leads' });
    assert.equal(noSession.statusCode, 303);
    assert.equal(noSession.headers.location, '/ui/login?next=%2Fui%2Frecords%2FLeads');
    assert.equal((await get().inject({ method: 'POST', url: '/ui/logout', payload: {} })).statusCode, 401);

    const login = await postLogin(get(), email, PASSWORD, { remoteAddress: '10.1.2.3' });
    const cookie = cookieOf(login.headers['set-cookie'], 'mailroom_session')!.split(';')[0]!;
    const page = await get().inject({ method: 'GET', url: '/ui/records', headers: { cookie } });
    assert.equal(page.statusCode, 200);
    assert.equal(page.headers['content-security-policy'], UI_CSP);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
    // Search matches field values (any case), never field names, on both databases.
    const token = await get().tokenFor({ orgId, adminId: '', token: '', refreshToken: '' } as never, ['ZohoCRM.modules.ALL'], (await get().app.db.selectFrom('users').select('id').where('org_id', '=', orgId).where('email', '=', email).executeTakeFirstOrThrow()).id);
    for (const [last, company] of [['Searchable', 'Zeta Widgets 50%'], ['Other', 'Acme']]) {
      assert.equal((await get().api('POST', '/crm/v8/Leads', token, { data: [{ Last_Name: last, Company: company }] })).statusCode, 201);
    }
    const search = async (q: string) => (await get().inject({ method: 'GET', url: `/ui/records/Leads?q=${encodeURIComponent(q)}`, headers: { cookie } })).body;
    assert.match(await search('zeta widgets'), />Searchable</);
    assert.doesNotMatch(await search('zeta widgets'), />Other</);
    assert.match(await search('50%'), />Searchable</);
    assert.doesNotMatch(await search('0%'.replace('0', '_')), />Other</, 'LIKE wildcards in the term are literal');
    assert.doesNotMatch(await search('Company'), />Searchable</, 'field names do not match');
    const form = (fields: Record<string, string>) => ({ 'content-type': 'application/x-www-form-urlencoded', cookie, body: new URLSearchParams(fields).toString() });
    const refused = await get().inject({ method: 'POST', url: '/ui/logout', headers: form({}), payload: form({}).body });
    assert.equal(refused.statusCode, 403);
    // A multipart post cannot carry a form past the check either (only the compose form is multipart).
    const boundary = 'x-boundary';
    const multipart = await get().inject({
      method: 'POST',
      url: '/ui/logout',
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, cookie },
      payload: `--${boundary}\r\nContent-Disposition: form-data; name="a"\r\n\r\nb\r\n--${boundary}--\r\n`,
    });
    assert.equal(multipart.statusCode, 403);
    assert.equal((await get().inject({ method: 'GET', url: '/ui/records', headers: { cookie } })).statusCode, 200, 'still signed in');
    const unknown = await get().inject({ method: 'GET', url: '/ui/no/such/page', headers: { cookie } });
    assert.equal(unknown.statusCode, 404);
    assert.match(String(unknown.headers['content-type']), /^text\/html/);
    const out = await get().inject({ method: 'POST', url: '/ui/logout', headers: form({ _csrf: csrf }), payload: form({ _csrf: csrf }).body });
    assert.equal(out.statusCode, 303);
    assert.match(cookieOf(out.headers['set-cookie'], 'mailroom_session')!, /Max-Age=0/);
    assert.equal((await get().inject({ method: 'GET', url: '/ui/records', headers: { cookie } })).statusCode, 303, 'the old cookie no longer works');

    const again = await postLogin(get(), email, PASSWORD, { remoteAddress: '10.1.2.4' });
    const second = cookieOf(again.headers['set-cookie'], 'mailroom_session')!.split(';')[0]!;
    assert.equal((await get().inject({ method: 'GET', url: '/mailbox', headers: { cookie: second } })).statusCode, 200, 'the same session opens the mailbox');
    await get().app.db.updateTable('users').set({ status: 'inactive' }).where('org_id', '=', orgId).where('email', '=', email).execute();
    assert.equal((await get().inject({ method: 'GET', url: '/ui/records', headers: { cookie: second } })).statusCode, 303);
    assert.equal(json(await get().inject({ method: 'GET', url: '/mailbox/api/messages', headers: { cookie: second } })).code, 'AUTHENTICATION_FAILURE');
  });
});

test('every cookie is Secure when PUBLIC_URL is https', async () => {
  const testApp = await startTestApp('sqlite', { env: { PUBLIC_URL: 'https://crm.example.com' } });
  try {
    const org = await testApp.createOrg();
    const email = `https-${randomBytes(4).toString('hex')}@example.com`;
    await createUser(testApp.app, { orgId: org.orgId, email, name: 'Tls User', password: PASSWORD });
    const { page } = await loginForm(testApp);
    assert.deepEqual(attributesOf(cookieOf(page.headers['set-cookie'], 'mailroom_login_csrf')!), ['HttpOnly', 'Max-Age=3600', 'Path=/ui/login', 'SameSite=Strict', 'Secure']);
    const login = await postLogin(testApp, email, PASSWORD);
    assert.equal(login.statusCode, 303);
    const session = cookieOf(login.headers['set-cookie'], 'mailroom_session')!;
    assert.deepEqual(attributesOf(session), ['HttpOnly', 'Max-Age=43200', 'Path=/', 'SameSite=Lax', 'Secure']);
    const cookie = session.split(';')[0]!;
    const page2 = await testApp.inject({ method: 'GET', url: '/ui/records', headers: { cookie } });
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page2.body)![1]!;
    const out = await testApp.inject({
      method: 'POST',
      url: '/ui/logout',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
      payload: new URLSearchParams({ _csrf: csrf }).toString(),
    });
    assert.equal(out.statusCode, 303);
    const cleared = attributesOf(cookieOf(out.headers['set-cookie'], 'mailroom_session')!);
    assert.ok(cleared.includes('Max-Age=0') && cleared.includes('Secure'), cleared.join('; '));
  } finally {
    await testApp.close();
  }
});

/** A Set-Cookie line's attributes, sorted, without Expires (its date varies). */
function attributesOf(setCookie: string): string[] {
  return setCookie
    .split(';')
    .slice(1)
    .map((part) => part.trim())
    .filter((part) => !part.startsWith('Expires='))
    .sort();
}
