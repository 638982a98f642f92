/** The login form and error pages of the run pages. */
import { errorPage as shellErrorPage, html, loginPage as shellLoginPage, type LoginForm } from '@caravan/registry';
import type { PageContent, PageProblem } from '@caravan/registry';

const SERVER_LOGIN: LoginForm = {
  action: '/login',
  label: 'Server token',
  intro: html`Paste a server token (from <code>caravan server token create NAME --role viewer</code> or your
    administrator). It stays in a cookie this site's pages cannot read; log out to remove it.`,
};

export function loginPage(next: string, error?: string): PageContent {
  return shellLoginPage(SERVER_LOGIN, next, error);
}

export function errorPage(problem: PageProblem): PageContent {
  return shellErrorPage(problem, html`<a href="/runs">Back to the runs</a>`);
}
