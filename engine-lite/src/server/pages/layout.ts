/** The run pages' shell: skip link, header with the sections and the login state, main, footer. */
import { html, type Html } from '@caravan/registry';
import type { Role } from '../server-store.js';
import { ASSETS } from './assets.js';

export interface Viewer {
  /** Unset when not logged in. */
  name?: string;
  role?: Role;
  /** A notice for the top of the page, e.g. that a stored session ended. */
  notice?: string;
}

export interface PageContent {
  title: string;
  body: Html;
}

function account(viewer: Viewer): Html {
  if (viewer.name === undefined) return html`<li><a href="/login">Log in</a></li>`;
  return html`<li><span class="muted">Signed in as</span> <strong>${viewer.name}</strong> (${viewer.role})</li>
    <li>
      <form method="post" action="/logout" class="inline"><button type="submit" class="quiet">Log out</button></form>
    </li>`;
}

export function layout(page: PageContent, viewer: Viewer): string {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light dark" />
        <title>${page.title} · Caravan server</title>
        <link rel="stylesheet" href="${ASSETS.css.path}" />
        <link rel="icon" href="${ASSETS.icon.path}" type="image/svg+xml" />
        <script src="${ASSETS.js.path}" defer></script>
      </head>
      <body>
        <a class="skip" href="#main">Skip to content</a>
        <header class="site">
          <div class="bar">
            <a class="brand" href="/runs">Caravan server</a>
            ${
              viewer.name !== undefined
                ? html`<nav class="main" aria-label="Sections">
                    <ul>
                      <li><a href="/runs">Runs</a></li>
                      <li><a href="/queue">Queue</a></li>
                    </ul>
                  </nav>`
                : ''
            }
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
          <p>Caravan engine · <a href="/v1/openapi.json">HTTP API</a></p>
        </footer>
      </body>
    </html> `.text;
}
