/** `/scopes/<scope>`: the actions of one organisation, project or `~user`. */
import type { CatalogHit } from '../../catalog/types.js';
import { parseScope } from '../../names.js';
import { html } from '../../page-shell/html.js';
import type { PageContent } from '../layout.js';
import { hitList } from '../parts.js';

function kindOf(scope: string): string {
  const s = parseScope(scope);
  if (s.personal) return `personal scope of ${s.org}`;
  return s.project ? `project ${s.project} of ${s.org}` : 'organisation';
}

export function scopePage(scope: string, hits: CatalogHit[]): PageContent {
  return {
    title: scope,
    body: html`<h1>${scope}</h1>
      <p class="muted">${kindOf(scope)} · ${hits.length} action${hits.length === 1 ? '' : 's'}</p>
      ${hitList(hits, 'No actions.')}`,
  };
}
