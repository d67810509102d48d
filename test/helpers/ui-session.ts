import type { TestApp } from './test-app.js';

/** Signing in to the web UI over HTTP (no browser): the sign-in form, its CSRF cookie, a session. */

export const cookieOf = (setCookie: string | string[] | undefined, name: string): string | undefined => {
  const all = Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [];
  return all.find((c) => c.startsWith(`${name}=`));
};

export type LoginOptions = { remoteAddress?: string; next?: string; withCsrf?: boolean; headers?: Record<string, string> };

export async function loginForm(testApp: TestApp, remoteAddress = '127.0.0.1') {
  const page = await testApp.inject({ method: 'GET', url: '/ui/login', remoteAddress });
  const cookie = cookieOf(page.headers['set-cookie'], 'mailroom_login_csrf')!.split(';')[0]!;
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
  return { cookie, csrf, page };
}

/** Posts the sign-in form (303 to `next` with a session cookie on success). */
export async function postLogin(testApp: TestApp, email: string, password: string, options: LoginOptions = {}) {
  const { cookie, csrf } = await loginForm(testApp, options.remoteAddress);
  return testApp.inject({
    method: 'POST',
    url: '/ui/login',
    remoteAddress: options.remoteAddress ?? '127.0.0.1',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie, ...options.headers },
    payload: new URLSearchParams({ ...(options.withCsrf === false ? {} : { _csrf: csrf }), next: options.next ?? '/ui/records', email, password }).toString(),
  });
}

/** A signed-in session: its cookie and the CSRF token its forms carry. */
export async function signIn(testApp: TestApp, email: string, password: string): Promise<{ cookie: string; csrf: string }> {
  const login = await postLogin(testApp, email, password);
  if (login.statusCode !== 303) throw new Error(`sign-in failed: ${login.statusCode}`);
  const cookie = cookieOf(login.headers['set-cookie'], 'mailroom_session')!.split(';')[0]!;
  const page = await testApp.inject({ method: 'GET', url: '/ui/settings', headers: { cookie } });
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
  return { cookie, csrf };
}

/** Posts a urlencoded form of a signed-in session (its CSRF token added). */
export function postForm(testApp: TestApp, session: { cookie: string; csrf: string }, url: string, fields: Record<string, string>) {
  return testApp.inject({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: session.cookie },
    payload: new URLSearchParams({ _csrf: session.csrf, ...fields }).toString(),
  });
}
