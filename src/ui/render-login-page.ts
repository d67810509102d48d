import { html } from '../html/template.js';
import { layout } from './layout.js';
import type { Session } from '../auth/web-sessions.js';

export function renderLogin(view: { csrf: string; next: string; email: string; error: string | null }): string {
  return layout(
    { title: 'Sign in', session: null },
    html`<div class="login card">
<h1>Sign in</h1>
<p>Sign in with your Mailroom email address and password (set with <code>mailroom user create … --password</code>).</p>
${view.error ? html`<p class="alert" role="alert" id="login-error">${view.error}</p>` : ''}
<form class="form" method="post" action="/ui/login">
<input type="hidden" name="_csrf" value="${view.csrf}">
<input type="hidden" name="next" value="${view.next}">
<div class="field"><label for="email">Email</label><input type="email" id="email" name="email" value="${view.email}" autocomplete="username" required></div>
<div class="field"><label for="password">Password</label><input type="password" id="password" name="password" autocomplete="current-password" required></div>
<div class="actions"><button type="submit">Sign in</button></div>
</form></div>`,
  );
}

export function renderError(session: Session | null, title: string, text: string): string {
  return layout({ title, session }, html`<h1>${title}</h1><p>${text}</p><p><a href="/ui">Back to Mailroom</a></p>`);
}
