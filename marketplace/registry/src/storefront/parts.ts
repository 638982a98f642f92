/** Pieces several pages share: a list of actions, badges, dates. */
import type { CatalogHit, ScopeKind } from '../catalog/types.js';
import { html, pathOf, queryString, type Html } from '../page-shell/html.js';

const KIND_LABEL: Record<ScopeKind, string> = { enterprise: 'enterprise', project: 'project', personal: 'personal' };

/** Text an author wrote, cut so one long field cannot make a page large. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

export function day(iso: string): string {
  return iso.slice(0, 10);
}

export function dateTag(iso: string): Html {
  return html`<time datetime="${iso}">${day(iso)}</time>`;
}

export function actionHref(name: string, version?: string): string {
  return `/actions/${pathOf(name)}${version ? `/v/${encodeURIComponent(version)}` : ''}`;
}

export function scopeHref(scope: string): string {
  return `/scopes/${pathOf(scope)}`;
}

export function kindBadge(kind: ScopeKind): Html {
  return html`<span class="badge">${KIND_LABEL[kind]}</span>`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export function hitList(hits: CatalogHit[], empty: string): Html {
  if (hits.length === 0) return html`<p class="muted">${empty}</p>`;
  return html`<ul class="hits">
    ${hits.map(
      (h) =>
        html`<li>
          <a class="name" href="${actionHref(h.name)}">${h.name}</a> <span class="muted">${h.version}</span>
          ${h.deprecated !== undefined ? html` <span class="badge deprecated">deprecated</span>` : ''}
          <p>${clip(h.description, 300)}</p>
          <p class="meta">
            ${kindBadge(h.scopeKind)}
            <a href="${scopeHref(h.scope)}">${h.scope}</a>
            ${h.category ? html`<a href="/search${queryString({ category: h.category })}">${h.category}</a>` : ''}
            <span>published ${dateTag(h.publishedAt)}</span>
            <span>${plural(h.resolutions30d, 'use')} in 30 days</span>
          </p>
        </li>`,
    )}
  </ul>`;
}
