/** The storefront's pages in the shared shell: the marketplace's name and footer, a search box in the header. */
import { renderPage, type PageContent as ShellContent, type ShellSite } from '../page-shell/shell.js';
import { ASSETS } from './assets.js';
import { html, type Html } from '../page-shell/html.js';

export interface Viewer {
  /** Empty when not logged in. */
  user: string;
  /** The path of this page, for the login form's way back. */
  here: string;
  /** A notice for the top of the page, e.g. that a stored session ended. */
  notice?: string;
}

export interface PageContent extends ShellContent {
  /** The text in the header's search box. */
  query?: string;
}

const MARKETPLACE: ShellSite = {
  name: 'Caravan marketplace',
  home: '/',
  assets: ASSETS,
  logoutAction: '/-/logout',
  footer: html`<p>Caravan action registry · <a href="/v1/openapi.json">HTTP API</a></p>`,
};

function searchForm(query: string): Html {
  return html`<form role="search" method="get" action="/search">
    <label for="site-search" class="sr-only">Search actions</label>
    <input type="search" id="site-search" name="q" value="${query}" placeholder="Search actions" maxlength="200" />
    <button type="submit">Search</button>
  </form>`;
}

export function layout(page: PageContent, viewer: Viewer): string {
  return renderPage(
    MARKETPLACE,
    { title: page.title, body: page.body, nav: searchForm(page.query ?? ''), notice: viewer.notice },
    {
      user: viewer.user === '' ? undefined : viewer.user,
      loginHref: `/-/login?next=${encodeURIComponent(viewer.here)}`,
    },
  );
}
