/** `/runs`: the runs, newest first, filtered by status, pipeline and label, paged by cursor. */
import { html, queryString } from '@caravan/registry';
import type { listRuns } from '../run-views.js';
import { duration, statusBadge, when } from './format.js';
import type { PageContent } from './layout.js';

export interface RunsQuery {
  status?: string;
  pipeline?: string;
  label?: string;
  cursor?: string;
}

const STATUSES = ['queued', 'running', 'success', 'failed', 'cancelled', 'error'];

export function runsQuery(q: Record<string, unknown>): RunsQuery {
  const pick = (k: string) => (typeof q[k] === 'string' && q[k] !== '' ? (q[k] as string).slice(0, 200) : undefined);
  return { status: pick('status'), pipeline: pick('pipeline'), label: pick('label'), cursor: pick('cursor') };
}

export function runsPage(q: RunsQuery, page: Awaited<ReturnType<typeof listRuns>>): PageContent {
  const rows = page.runs.map(
    (r) =>
      html`<tr>
        <td><a href="/runs/${r.id}">${r.id}</a></td>
        <td>${r.pipeline}</td>
        <td>${statusBadge(r.status)}${r.cancelRequested && r.status === 'running' ? ' (cancelling)' : ''}</td>
        <td>${Object.entries(r.labels).map(([k, v]) => html`<span class="badge">${k}=${v}</span> `)}</td>
        <td>${when(r.createdAt)}</td>
        <td>${duration(r.durationMs)}</td>
      </tr>`,
  );
  const older = page.next ? `/runs${queryString({ ...q, cursor: page.next })}` : undefined;
  return {
    title: 'Runs',
    body: html`<h1>Runs</h1>
      <form class="filters" method="get" action="/runs">
        <label
          >Status
          <select name="status">
            <option value="">any</option>
            ${STATUSES.map((s) => html`<option value="${s}" ${q.status === s ? html`selected` : ''}>${s}</option>`)}
          </select>
        </label>
        <label>Pipeline <input type="text" name="pipeline" value="${q.pipeline ?? ''}" maxlength="200" /></label>
        <label
          >Label <input type="text" name="label" value="${q.label ?? ''}" placeholder="key=value" maxlength="200"
        /></label>
        <button type="submit">Filter</button>
        ${q.status || q.pipeline || q.label ? html`<a href="/runs">Clear filters</a>` : ''}
      </form>
      ${
        rows.length === 0
          ? html`<p>No run matches${q.cursor ? ' on this page' : ''}.</p>`
          : html`<div class="table-wrap">
              <table>
                <caption class="sr-only">
                  Runs, newest first
                </caption>
                <thead>
                  <tr>
                    <th scope="col">Run</th>
                    <th scope="col">Pipeline</th>
                    <th scope="col">Status</th>
                    <th scope="col">Labels</th>
                    <th scope="col">Created</th>
                    <th scope="col">Duration</th>
                  </tr>
                </thead>
                <tbody>
                  ${rows}
                </tbody>
              </table>
            </div>`
      }
      <nav class="pager" aria-label="Pages">
        ${q.cursor ? html`<a href="/runs${queryString({ ...q, cursor: undefined })}">Newest runs</a>` : ''}
        ${older ? html`<a href="${older}" rel="next">Older runs</a>` : ''}
      </nav>`,
  };
}
