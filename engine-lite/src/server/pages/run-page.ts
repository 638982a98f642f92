/**
 * `/runs/{id}`: one run. Its DAG (dag.ts), status, buttons for the runner role (cancel, rerun the
 * failed steps, approve or reject a waiting approval), and per step its log's tail with ANSI
 * colours (ansi.ts), annotations, outputs (masked when stored), summary (sanitized Markdown) and
 * files. The page's script keeps statuses and logs live while the run lives.
 */
import { html, renderReadme, trusted, type Html } from '@caravan/registry';
import type { runDetail } from '../run-views.js';
import { ansiHtml } from './ansi.js';
import { dagSvg } from './dag.js';
import { duration, statusBadge, when } from './format.js';
import type { PageContent } from './layout.js';
import type { StepLog } from './log-tail.js';

type Detail = Awaited<ReturnType<typeof runDetail>>;
type StepView = Detail['steps'][number];

const FINAL = new Set(['success', 'failed', 'cancelled', 'error']);

export interface RunPageInput {
  run: Detail;
  logs: Map<string, StepLog>;
  canAct: boolean;
  /** A message after an action, e.g. "cancel requested". */
  done?: string;
}

const anchor = (stepId: string) => `step-${stepId.replace(/[^A-Za-z0-9_-]/g, '_')}`;

function isApproval(step: StepView): boolean {
  return step.status === 'running' && /(^|\/)approval@/.test(step.action ?? '');
}

function annotationText(a: unknown): string {
  if (a && typeof a === 'object') {
    const o = a as Record<string, unknown>;
    const level = typeof o['level'] === 'string' ? `${o['level']}: ` : '';
    if (typeof o['message'] === 'string') return `${level}${o['message']}`;
  }
  return typeof a === 'string' ? a : JSON.stringify(a);
}

function approveForms(runId: string, step: StepView): Html {
  const action = `/runs/${runId}/steps/${encodeURIComponent(step.id)}/approve`;
  return html`<div class="actions">
    <form method="post" action="${action}" class="inline">
      <label for="comment-${anchor(step.id)}">Comment</label>
      <input type="text" id="comment-${anchor(step.id)}" name="comment" maxlength="2000" />
      <button type="submit" name="decision" value="approve">Approve ${step.id}</button>
      <button type="submit" name="decision" value="reject" class="danger">Reject ${step.id}</button>
    </form>
  </div>`;
}

function stepSection(runId: string, step: StepView, log: StepLog | undefined, canAct: boolean): Html {
  const id = anchor(step.id);
  const hidden = (log?.total ?? 0) - (log?.tail.length ?? 0);
  const outputs = Object.entries(step.outputs);
  return html`<section class="step" id="${id}" aria-labelledby="${id}-h">
    <h3 id="${id}-h">
      ${step.id}
      <span class="st st-${step.status}" data-step="${step.id}" data-state>${step.status}</span>
      <span class="meta"
        >${step.action ?? ''} ${step.attempt > 1 ? `attempt ${step.attempt}` : ''} ${duration(step.durationMs)}
        ${step.exitCode !== undefined ? `exit ${step.exitCode}` : ''}</span
      >
    </h3>
    ${step.needs.length ? html`<p class="muted">Needs ${step.needs.join(', ')}</p>` : ''}
    ${step.error ? html`<p class="notice error">${step.error}</p>` : ''}
    ${canAct && isApproval(step) ? approveForms(runId, step) : ''}
    ${
      step.annotations.length
        ? html`<h4>Annotations</h4>
            <ul>
              ${step.annotations.map((a) => html`<li>${annotationText(a)}</li>`)}
            </ul>`
        : ''
    }
    ${
      outputs.length
        ? html`<h4>Outputs</h4>
            <dl class="outputs">
              ${outputs.map(
                ([k, v]) =>
                  html`<dt>${k}</dt>
                    <dd><code>${v}</code></dd>`,
              )}
            </dl>`
        : ''
    }
    ${
      step.summary !== undefined
        ? html`<h4>Summary</h4>
            <div class="readme">${trusted(renderReadme(step.summary).html)}</div>`
        : ''
    }
    ${
      step.files.length
        ? html`<h4>Files</h4>
            <ul>
              ${step.files.map((f) => html`<li><code>${f.name}</code> (${f.size} bytes, sha256 ${f.sha256.slice(0, 12)})</li>`)}
            </ul>`
        : ''
    }
    <h4 id="${id}-log">Log</h4>
    ${
      hidden > 0
        ? html`<p class="muted">
            The first ${hidden} lines are not shown here:
            <a href="/runs/${runId}/steps/${encodeURIComponent(step.id)}/log.txt">the whole log as text</a>.
          </p>`
        : ''
    }
    <pre
      class="log"
      tabindex="0"
      aria-labelledby="${id}-log"
      data-log-step="${step.id}"
      data-lines="${log?.total ?? 0}"
    >
${
        log && log.tail.length
          ? log.tail.map(
              (l) =>
                html`<span class="line${l.stream === 'stderr' ? ' err' : ''}">${trusted(ansiHtml(l.text))} </span>`,
            )
          : html`<span class="muted" data-empty>No output yet.</span>`
      }</pre>
  </section>`;
}

export function runPage({ run, logs, canAct, done }: RunPageInput): PageContent {
  const live = !FINAL.has(run.status);
  const statusOf = new Map(run.steps.map((s) => [s.id, s.status]));
  const rerunnable = run.status === 'failed' || run.status === 'cancelled' || run.status === 'error';
  return {
    title: `Run ${run.id}`,
    body: html`<div ${live ? html`data-live-run="${run.id}"` : ''}>
      <h1>${run.pipeline} <span class="muted">run ${run.id}</span></h1>
      ${done ? html`<p class="notice" role="status">${done}</p>` : ''}
      <p class="meta">
        <span>Status ${statusBadge(run.status, 'run-status')}</span>
        ${run.cancelRequested && live ? html`<span>cancel requested</span>` : ''}
        <span>Created ${when(run.createdAt)}</span>
        ${run.durationMs !== undefined ? html`<span>Took ${duration(run.durationMs)}</span>` : ''}
        <span>Priority ${run.priority}</span>
        ${run.rerunOf ? html`<span>Rerun of <a href="/runs/${run.rerunOf}">${run.rerunOf}</a></span>` : ''}
        ${Object.entries(run.labels).map(([k, v]) => html`<span class="badge">${k}=${v}</span>`)}
      </p>
      ${run.error ? html`<p class="notice error">${run.error}</p>` : ''}
      <p id="live-note" class="muted" role="status">${live ? 'This page updates as the run goes.' : ''}</p>
      ${
        canAct && (live || rerunnable)
          ? html`<div class="actions">
              ${
                live
                  ? html`<form method="post" action="/runs/${run.id}/cancel" class="inline">
                      <button type="submit" class="danger">Cancel run</button>
                    </form>`
                  : ''
              }
              ${
                rerunnable
                  ? html`<form method="post" action="/runs/${run.id}/rerun" class="inline">
                      <button type="submit">Rerun failed steps</button>
                    </form>`
                  : ''
              }
            </div>`
          : ''
      }
      <h2>Steps</h2>
      <div class="dag-wrap">${dagSvg(run.id, run.steps, (id) => statusOf.get(id) ?? 'queued')}</div>
      ${run.steps.map((s) => stepSection(run.id, s, logs.get(s.id), canAct))}
    </div>`,
  };
}
