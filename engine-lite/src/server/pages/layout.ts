/** The run pages in the shared shell: the server's name and footer, its sections once logged in. */
import { html, renderPage, type PageContent, type ShellSite } from '@caravan/registry';
import type { Role } from '../server-store.js';
import { ASSETS } from './assets.js';

export type { PageContent } from '@caravan/registry';

export interface Viewer {
  /** Unset when not logged in. */
  name?: string;
  role?: Role;
  /** A notice for the top of the page, e.g. that a stored session ended. */
  notice?: string;
}

const RUN_PAGES: ShellSite = {
  name: 'Caravan server',
  home: '/runs',
  assets: ASSETS,
  logoutAction: '/logout',
  footer: html`<p>Caravan engine · <a href="/v1/openapi.json">HTTP API</a></p>`,
};

const SECTIONS = html`<nav class="main" aria-label="Sections">
  <ul>
    <li><a href="/runs">Runs</a></li>
    <li><a href="/queue">Queue</a></li>
  </ul>
</nav>`;

export function layout(page: PageContent, viewer: Viewer): string {
  const loggedIn = viewer.name !== undefined;
  return renderPage(
    RUN_PAGES,
    { title: page.title, body: page.body, nav: loggedIn ? SECTIONS : undefined, notice: viewer.notice },
    { user: viewer.name, detail: loggedIn ? viewer.role : undefined, loginHref: '/login' },
  );
}
