/** `/actions/<name>` and `/actions/<name>/v/<version>`: everything needed to judge and adopt one action. */
import type { ActionName } from '../../names.js';
import type { VersionDetail, VersionSummary } from '../../operations/version-reads.js';
import { html, type Html, trusted } from '../../page-shell/html.js';
import type { PageContent } from '../layout.js';
import { actionHref, clip, dateTag, scopeHref } from '../parts.js';
import type { RenderedReadme } from '../readme.js';
import { inputsTable, manifestOf, outputsTable, runtimeOf, usesSnippet } from './action-manifest.js';

/** The newest versions in the table and in the switcher (the API lists them all): pages stay under ~50 KB. */
export const VERSIONS_LISTED = 30;
export const VERSIONS_SWITCHABLE = 100;

export interface ActionView {
  name: ActionName;
  distTags: Record<string, string>;
  versions: VersionSummary[];
  detail: VersionDetail;
  /** The page of one version (`/v/<version>`), not the latest. */
  exact: boolean;
  resolutions30d: number;
  readme?: RenderedReadme;
}

const KIND: Record<ActionName['kind'], string> = {
  enterprise: 'enterprise',
  project: 'project',
  personal: 'personal',
  builtin: 'built-in',
};

function marks(v: { deprecated?: string; yanked: boolean }): Html {
  return html`${v.deprecated !== undefined ? html` <span class="badge deprecated">deprecated</span>` : ''}${
    v.yanked ? html` <span class="badge yanked">yanked</span>` : ''
  }`;
}

function versionSwitcher(view: ActionView, newest: VersionSummary[]): Html {
  return html`<form method="get" action="${actionHref(view.name.full)}" class="inline">
    <label for="version-select">Version</label>
    <select id="version-select" name="version">
      ${newest.map(
        (v) =>
          html`<option value="${v.version}" ${v.version === view.detail.version ? html` selected` : ''}>
            ${v.version}${v.yanked ? ' (yanked)' : v.deprecated !== undefined ? ' (deprecated)' : ''}
          </option>`,
      )}
    </select>
    <button type="submit">Show</button>
  </form>`;
}

function versionsTable(view: ActionView, newest: VersionSummary[]): Html {
  const tagsOf = (version: string) =>
    Object.entries(view.distTags)
      .filter(([, v]) => v === version)
      .map(([t]) => t);
  const more = view.versions.length - newest.length;
  return html`<div class="table-wrap">
      <table>
        <caption class="sr-only">
          Versions, newest first
        </caption>
        <thead>
          <tr>
            <th scope="col">Version</th>
            <th scope="col">Published</th>
            <th scope="col">Tags and marks</th>
          </tr>
        </thead>
        <tbody>
          ${newest.map(
            (v) =>
              html`<tr>
                <th scope="row">
                  ${
                    v.version === view.detail.version
                      ? html`<span aria-current="page">${v.version}</span>`
                      : html`<a href="${actionHref(view.name.full, v.version)}">${v.version}</a>`
                  }
                </th>
                <td>${dateTag(v.publishedAt)}</td>
                <td>
                  ${tagsOf(v.version).map((t) => html`<span class="badge">${t}</span> `)}${marks(v)}${
                    v.deprecated ? html` ${clip(v.deprecated, 160)}` : ''
                  }
                </td>
              </tr>`,
          )}
        </tbody>
      </table>
    </div>
    ${more > 0 ? html`<p class="muted">${more} older versions are not listed here; the HTTP API lists them all.</p>` : ''}`;
}

function notices(view: ActionView): Html {
  const d = view.detail;
  const latest = view.distTags['latest'];
  return html`${d.yanked ? html`<p class="notice" role="note">Version ${d.version} is yanked: ranges never resolve to it.</p>` : ''}
  ${d.deprecated !== undefined ? html`<p class="notice" role="note">Version ${d.version} is deprecated: ${d.deprecated}</p>` : ''}
  ${
    view.exact && latest !== undefined && latest !== d.version
      ? html`<p class="notice" role="note">
          This is not the latest version. <a href="${actionHref(view.name.full)}">See the latest (${latest})</a>.
        </p>`
      : ''
  }`;
}

export function actionPage(view: ActionView): PageContent {
  const d = view.detail;
  const spec = manifestOf(d.spec);
  const newestFirst = [...view.versions].reverse();
  const switchable = newestFirst.slice(0, VERSIONS_SWITCHABLE);
  const current = newestFirst.find((v) => v.version === d.version);
  if (current && !switchable.includes(current)) switchable.push(current);
  const snippet = usesSnippet(view.name.full, d.version, view.exact, spec);
  const tags = Object.entries(view.distTags);
  return {
    title: `${view.name.full}${view.exact ? ` ${d.version}` : ''}`,
    body: html`<h1>${view.name.full} <span class="muted">${d.version}</span></h1>
      <p class="meta">
        <span class="badge">${KIND[view.name.kind]}</span
        ><a href="${scopeHref(view.name.scope)}">${view.name.scope}</a>${
          typeof spec.category === 'string' ? html`<span>${spec.category}</span>` : ''
        }${marks(d)}
      </p>
      <p>${typeof spec.description === 'string' ? clip(spec.description, 1000) : ''}</p>
      ${notices(view)}
      <div class="layout-action">
        <div>
          <section aria-labelledby="use-title">
            <h2 id="use-title">Use it</h2>
            <pre class="snippet"><code id="uses-snippet">${snippet}</code></pre>
            <button type="button" data-copy="uses-snippet" aria-controls="copy-status">Copy the snippet</button>
            <span id="copy-status" class="status" role="status"></span>
          </section>
          <section aria-labelledby="inputs-title">
            <h2 id="inputs-title">Inputs</h2>
            ${inputsTable(spec)}
          </section>
          <section aria-labelledby="outputs-title">
            <h2 id="outputs-title">Outputs</h2>
            ${outputsTable(spec)}
          </section>
          <section aria-labelledby="readme-title">
            <h2 id="readme-title">README</h2>
            ${
              view.readme
                ? html`<div class="readme">${trusted(view.readme.html)}</div>
                    ${
                      view.readme.truncated
                        ? html`<p class="notice" role="note">
                            The README is longer than this page shows; the full text is in the package.
                          </p>`
                        : ''
                    }`
                : html`<p class="muted">This version has no README.</p>`
            }
          </section>
        </div>
        <aside aria-labelledby="about-title">
          <h2 id="about-title">About this version</h2>
          ${versionSwitcher(view, switchable)}
          <dl>
            <dt>Published</dt>
            <dd>${dateTag(d.publishedAt)} by ${d.publisher}</dd>
            <dt>Dist-tags</dt>
            <dd>
              ${tags.length ? tags.slice(0, 20).map(([t, v]) => html`<span class="badge">${t}</span> ${v} `) : 'none'}
            </dd>
            <dt>Runtime</dt>
            <dd>${runtimeOf(spec)}</dd>
            <dt>Integrity</dt>
            <dd><code>${d.integrity}</code></dd>
            <dt>Resolved in the last 30 days</dt>
            <dd>${view.resolutions30d}</dd>
          </dl>
        </aside>
      </div>
      <section aria-labelledby="versions-title">
        <h2 id="versions-title">Versions</h2>
        ${versionsTable(view, newestFirst.slice(0, VERSIONS_LISTED))}
      </section>`,
  };
}
