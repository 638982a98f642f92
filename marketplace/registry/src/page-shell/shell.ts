/**
 * The page shell both sites share (the marketplace storefront and the engine's run pages): the
 * head (assets from /-/static/ only, no inline script or style, so a strict CSP holds), the skip
 * link, a header with the site's home link, a navigation slot and the account menu, the main
 * landmark and a footer. What differs between the sites is a `ShellSite`.
 */
import { html, type Html } from './html.js';
import type { ShellAssets } from './asset.js';

export interface ShellSite {
  /** The brand in the header, and the suffix of every page title. */
  name: string;
  /** Where the brand links to. */
  home: string;
  /** The stylesheet, script and icon every page links to. */
  assets: ShellAssets;
  /** Where the log-out button posts. */
  logoutAction: string;
  footer: Html;
}

export interface PageContent {
  title: string;
  body: Html;
}

export interface ShellPage extends PageContent {
  /** The header's middle: a search form, the site's sections. */
  nav?: Html;
  /** A notice for the top of the page, e.g. that a stored session ended. */
  notice?: string;
}

export interface ShellAccount {
  /** Unset when not logged in. */
  user?: string;
  /** Said in brackets after the user, e.g. their role. */
  detail?: string;
  /** The log-in link shown when not logged in. */
  loginHref: string;
}

function accountMenu(site: ShellSite, account: ShellAccount): Html {
  if (account.user === undefined) return html`<li><a href="${account.loginHref}">Log in</a></li>`;
  const detail = account.detail === undefined ? '' : ` (${account.detail})`;
  return html`<li><span class="muted">Signed in as</span> <strong>${account.user}</strong>${detail}</li>
    <li>
      <form method="post" action="${site.logoutAction}" class="inline">
        <button type="submit" class="quiet">Log out</button>
      </form>
    </li>`;
}

export function renderPage(site: ShellSite, page: ShellPage, account: ShellAccount): string {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light dark" />
        <title>${page.title} · ${site.name}</title>
        <link rel="stylesheet" href="${site.assets.css.path}" />
        <link rel="icon" href="${site.assets.icon.path}" type="image/svg+xml" />
        <script src="${site.assets.js.path}" defer></script>
      </head>
      <body>
        <a class="skip" href="#main">Skip to content</a>
        <header class="site">
          <div class="bar">
            <a class="brand" href="${site.home}">${site.name}</a>
            ${page.nav}
            <nav aria-label="Account">
              <ul>
                ${accountMenu(site, account)}
              </ul>
            </nav>
          </div>
        </header>
        <main id="main" tabindex="-1">
          ${page.notice ? html`<p class="notice" role="status">${page.notice}</p>` : ''} ${page.body}
        </main>
        <footer class="site">${site.footer}</footer>
      </body>
    </html> `.text;
}
