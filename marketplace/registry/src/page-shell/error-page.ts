/** Errors as pages: what went wrong and what to do, never a stack. */
import { html, type Html } from './html.js';
import type { PageContent } from './shell.js';

/** A refusal or failure as a page shows it. */
export interface PageProblem {
  status: number;
  message: string;
  hint?: string;
}

/** `back` is the way on, e.g. a link to the site's home. */
export function errorPage(problem: PageProblem, back: Html): PageContent {
  const { status, message, hint } = problem;
  const title = status === 404 ? 'Not found' : status >= 500 ? 'Something went wrong' : 'This request cannot be served';
  return {
    title,
    body: html`<h1>${title}</h1>
      <p class="notice error" role="alert">${message}</p>
      ${hint ? html`<p>${hint}</p>` : ''}
      <p>${back}</p>`,
  };
}
