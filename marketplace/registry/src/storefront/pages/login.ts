/** `/-/login`: log in with a registry token. */
import { loginPage as shellLoginPage, type LoginForm } from '../../page-shell/login-page.js';
import type { PageContent } from '../../page-shell/shell.js';
import { html } from '../../page-shell/html.js';

const REGISTRY_LOGIN: LoginForm = {
  action: '/-/login',
  label: 'Registry token',
  intro: html`Paste a registry token (from <code>caravan registry token create</code> or your administrator) to see the
    private scopes it can read. The token stays in a cookie this site's pages cannot read; log out to remove it.`,
};

export function loginPage(next: string, error?: string): PageContent {
  return shellLoginPage(REGISTRY_LOGIN, next, error);
}
