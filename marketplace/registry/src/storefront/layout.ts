/** The page shell: skip link, header with search and login state, main landmark, footer. */
import { ASSETS } from './assets.js';
import { html, type Html } from './html.js';

export interface Viewer {
  /** Empty when not logged in. */
  user: string;
  /** The path of this page, for the login form's way back. */
  here: string;
  /** A notice for the top of the page, e.g. that a stored session ended. */
  notice?: string;
}

export interface PageContent {
  title: string;
  body: Html;
  /** The text in the header's search box. */
  query?: string;
}

function account(viewer: Viewer): Html {
  if (viewer.user === '') return html`<li><a href="/-/login?next=${encodeURIComponent(viewer.here)}">Log in</a></li>`;
  return html`<li><span class="muted">Signed in as</span> <strong>${viewer.user}</strong></li>
    <li>
      <form method="post" action="/-/logout" class="inline"><button type="submit" class="quiet">Log out</button></form>
    </li>`;
}

export function layout(page: PageContent, viewer: Viewer): string {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light dark" />
        <title>${page.title} · Caravan marketplace</title>
        <link rel="stylesheet" href="${ASSETS.css.path}" />
        <link rel="icon" href="${ASSETS.icon.path}" type="image/svg+xml" />
        <script src="${ASSETS.js.path}" defer></script>
      </head>
      <body>
        <a class="skip" href="#main">Skip to content</a>
        <header class="site">
          <div class="bar">
            <a class="brand" href="/">Caravan marketplace</a>
            <form role="search" method="get" action="/search">
              <label for="site-search" class="sr-only">Search actions</label>
              <input
                type="search"
                id="site-search"
                name="q"
                value="${page.query ?? ''}"
                placeholder="Search actions"
                maxlength="200"
              />
              <button type="submit">Search</button>
            </form>
            <nav aria-label="Account">
              <ul>
                ${account(viewer)}
              </ul>
            </nav>
          </div>
        </header>
        <main id="main" tabindex="-1">
          ${viewer.notice ? html`<p class="notice" role="status">${viewer.notice}</p>` : ''} ${page.body}
        </main>
        <footer class="site">
          <p>Caravan action registry · <a href="/v1/openapi.json">HTTP API</a></p>
        </footer>
      </body>
    </html> `.text;
}
