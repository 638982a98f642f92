/** `/search?q=&category=&scope=&page=`: ranked results, paged (bounded like the catalog). */
import type { CatalogPage, CatalogQuery } from '../../catalog/types.js';
import { RegistryError } from '../../errors.js';
import { parseScope } from '../../names.js';
import { html, queryString } from '../../page-shell/html.js';
import type { PageContent } from '../layout.js';
import { hitList } from '../parts.js';

export const PAGE_SIZE = 20;
/** The catalog serves offsets up to 10,000. */
export const MAX_PAGE = 10_000 / PAGE_SIZE;
const MAX_TEXT = 200;
const MAX_CATEGORY = 100;

export interface SearchParams {
  text: string;
  category: string;
  scope: string;
  page: number;
}

/** Reads the page's query: a value given twice counts once; each is bounded; a bad scope or page is a 400. */
export function searchParams(query: Record<string, unknown>): SearchParams {
  const one = (key: string): string => {
    const v = query[key];
    const first = Array.isArray(v) ? (v[0] as unknown) : v;
    return typeof first === 'string' ? first.trim() : '';
  };
  const scope = one('scope').slice(0, 200);
  if (scope !== '') parseScope(scope);
  const rawPage = one('page');
  const page = rawPage === '' ? 1 : /^[0-9]{1,6}$/.test(rawPage) ? Number(rawPage) : NaN;
  if (!(page >= 1 && page <= MAX_PAGE))
    throw new RegistryError(
      400,
      'invalid-page',
      `page "${rawPage.slice(0, 40)}" is not a page number from 1 to ${MAX_PAGE}`,
      'follow the Next and Previous links, or narrow the search with more words',
    );
  return { text: one('q').slice(0, MAX_TEXT), category: one('category').slice(0, MAX_CATEGORY), scope, page };
}

export function catalogQuery(s: SearchParams): CatalogQuery {
  const q: CatalogQuery = { limit: PAGE_SIZE, offset: (s.page - 1) * PAGE_SIZE };
  if (s.text) q.text = s.text;
  if (s.category) q.category = s.category;
  if (s.scope) q.scope = s.scope;
  return q;
}

function describe(s: SearchParams): string {
  const parts = [s.text ? `“${s.text}”` : 'all actions'];
  if (s.category) parts.push(`in category ${s.category}`);
  if (s.scope) parts.push(`in scope ${s.scope}`);
  return parts.join(' ');
}

export function searchPage(s: SearchParams, result: CatalogPage): PageContent {
  const pages = Math.max(1, Math.min(MAX_PAGE, Math.ceil(result.total / PAGE_SIZE)));
  const link = (page: number) =>
    `/search${queryString({ q: s.text, category: s.category, scope: s.scope, page: page === 1 ? undefined : page })}`;
  const first = (s.page - 1) * PAGE_SIZE + 1;
  const summary =
    result.total === 0
      ? 'No action matches.'
      : result.hits.length === 0
        ? `No results on page ${s.page}; there are ${result.total} in all.`
        : `${first}–${first + result.hits.length - 1} of ${result.total}`;
  return {
    title: `Search: ${describe(s)}`,
    query: s.text,
    body: html`<h1>Search: ${describe(s)}</h1>
      <form method="get" action="/search" class="inline" aria-label="Refine the search">
        <label for="refine-q">Words</label
        ><input type="search" id="refine-q" name="q" value="${s.text}" maxlength="200" />
        <label for="refine-category">Category</label
        ><input type="text" id="refine-category" name="category" value="${s.category}" maxlength="100" />
        <label for="refine-scope">Scope</label
        ><input
          type="text"
          id="refine-scope"
          name="scope"
          value="${s.scope}"
          maxlength="200"
          placeholder="acme, acme/app or ~user"
        />
        <button type="submit">Search</button>
      </form>
      <p role="status">${summary}</p>
      ${hitList(result.hits, result.total === 0 ? 'Try fewer or other words, or another category.' : '')}
      <nav class="pager" aria-label="Pages">
        ${s.page > 1 ? html`<a href="${link(s.page - 1)}" rel="prev">Previous</a>` : ''}
        <span>Page ${s.page} of ${pages}</span>
        ${s.page < pages ? html`<a href="${link(s.page + 1)}" rel="next">Next</a>` : ''}
      </nav>`,
  };
}
