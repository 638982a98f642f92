/** `/-/login`: log in with a registry token (the form posts it; it is never written back into a page). */
import { html } from '../html.js';
import type { PageContent } from '../layout.js';

export function loginPage(next: string, error?: string): PageContent {
  return {
    title: 'Log in',
    body: html`<h1>Log in</h1>
      <p>
        Paste a registry token (from <code>caravan registry token create</code> or your administrator) to see the
        private scopes it can read. The token stays in a cookie this site's pages cannot read; log out to remove it.
      </p>
      ${error ? html`<p class="notice error" role="alert" id="login-error">${error}</p>` : ''}
      <form method="post" action="/-/login">
        <input type="hidden" name="next" value="${next}" />
        <label class="block" for="token">Registry token</label>
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
