/** The log-in page: a token field posted to the site (the token is never written back into a page). */
import { html, type Html } from './html.js';
import type { PageContent } from './shell.js';

export interface LoginForm {
  /** Where the form posts. */
  action: string;
  /** The token field's label, e.g. "Registry token". */
  label: string;
  /** What token to paste, where to get one, and where it is kept. */
  intro: Html;
}

export function loginPage(form: LoginForm, next: string, error?: string): PageContent {
  return {
    title: 'Log in',
    body: html`<h1>Log in</h1>
      <p>${form.intro}</p>
      ${error ? html`<p class="notice error" role="alert" id="login-error">${error}</p>` : ''}
      <form method="post" action="${form.action}">
        <input type="hidden" name="next" value="${next}" />
        <label class="block" for="token">${form.label}</label>
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
