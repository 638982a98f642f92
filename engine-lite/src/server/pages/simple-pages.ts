/** The login form and error pages (what went wrong and what to do, never a stack or a token). */
import { html } from '@caravan/registry';
import type { PageContent } from './layout.js';

export function loginPage(next: string, error?: string): PageContent {
  return {
    title: 'Log in',
    body: html`<h1>Log in</h1>
      <p>
        Paste a server token (from <code>caravan server token create NAME --role viewer</code> or your administrator).
        It stays in a cookie this site's pages cannot read; log out to remove it.
      </p>
      ${error ? html`<p class="notice error" role="alert" id="login-error">${error}</p>` : ''}
      <form method="post" action="/login">
        <input type="hidden" name="next" value="${next}" />
        <label class="block" for="token">Server token</label>
        <input
          type="password"
          id="token"
          name="token"
          autocomplete="off"
          required
          maxlength="512"
          size="40"
          ${error ? html` aria-describedby="login-error" aria-invalid="true"` : ''}
        />
        <p><button type="submit">Log in</button></p>
      </form>`,
  };
}

export function errorPage(status: number, message: string, hint?: string): PageContent {
  const title = status === 404 ? 'Not found' : status >= 500 ? 'Something went wrong' : 'This request cannot be served';
  return {
    title,
    body: html`<h1>${title}</h1>
      <p class="notice error" role="alert">${message}</p>
      ${hint ? html`<p>${hint}</p>` : ''}
      <p><a href="/runs">Back to the runs</a></p>`,
  };
}
