/** `/queue`: the runs driven now and the runs waiting, with their places and why each waits, paged by cursor. */
import { html, queryString } from '@caravan/registry';
import type { QueueEntry } from '../service.js';
import { statusBadge } from './format.js';
import type { PageContent } from './layout.js';

/** `cursor`: the one this page was asked with; `page.next`: the next page's. */
export function queuePage(
  maxRuns: number,
  page: { runs: QueueEntry[]; next?: string },
  cursor: string | undefined,
): PageContent {
  const rows = page.runs.map(
    (e) =>
      html`<tr>
        <td><a href="/runs/${e.runId}">${e.runId}</a></td>
        <td>${e.pipelineName}</td>
        <td>${statusBadge(e.state)}</td>
        <td>${e.priority}</td>
        <td>${e.position === undefined ? '' : e.position + 1}</td>
        <td>${e.reason ?? ''}</td>
      </tr>`,
  );
  return {
    title: 'Queue',
    body: html`<h1>Queue</h1>
      <p>At most ${maxRuns} runs are driven at once; higher priority first, first come first served within one.</p>
      ${
        rows.length === 0
          ? html`<p>${cursor ? 'No run waits after the previous page.' : 'Nothing is running or waiting.'}</p>`
          : html`<div class="table-wrap">
              <table>
                <caption class="sr-only">
                  Runs driven now, then runs waiting in queue order
                </caption>
                <thead>
                  <tr>
                    <th scope="col">Run</th>
                    <th scope="col">Pipeline</th>
                    <th scope="col">State</th>
                    <th scope="col">Priority</th>
                    <th scope="col">Place</th>
                    <th scope="col">Why it waits</th>
                  </tr>
                </thead>
                <tbody>
                  ${rows}
                </tbody>
              </table>
            </div>`
      }
      <nav class="pager" aria-label="Pages">
        ${cursor ? html`<a href="/queue">Head of the queue</a>` : ''}
        ${page.next ? html`<a href="/queue${queryString({ cursor: page.next })}" rel="next">Further back</a>` : ''}
      </nav>`,
  };
}
