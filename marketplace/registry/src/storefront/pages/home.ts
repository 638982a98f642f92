/** `/`: search, categories with counts, recently published and most used actions. */
import type { CatalogHome } from '../../catalog/types.js';
import { html, queryString } from '../../page-shell/html.js';
import type { PageContent } from '../layout.js';
import { hitList } from '../parts.js';

export function homePage(home: CatalogHome): PageContent {
  return {
    title: 'Find actions',
    body: html`<h1>Find actions for your pipelines</h1>
      <form role="search" method="get" action="/search" class="inline">
        <label for="home-search">Search by name, description, README or input</label>
        <input type="search" id="home-search" name="q" maxlength="200" />
        <button type="submit">Search</button>
      </form>
      <section aria-labelledby="categories-title">
        <h2 id="categories-title">Categories</h2>
        ${
          home.categories.length === 0
            ? html`<p class="muted">No categories yet.</p>`
            : html`<ul class="categories">
                ${home.categories.map(
                  (c) =>
                    html`<li>
                      <a href="/search${queryString({ category: c.category })}"
                        >${c.category} <span class="muted">(${c.count})</span></a
                      >
                    </li>`,
                )}
              </ul>`
        }
      </section>
      <div class="grid">
        <section aria-labelledby="recent-title">
          <h2 id="recent-title">Recently published</h2>
          ${hitList(home.recent, 'Nothing published yet.')}
        </section>
        <section aria-labelledby="popular-title">
          <h2 id="popular-title">Most used (30 days)</h2>
          ${hitList(home.popular, 'No action was resolved in the last 30 days.')}
        </section>
      </div>`,
  };
}
