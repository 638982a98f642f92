/** Errors as pages, with any registry token in the message or hint hidden. */
import { errorPage as shellErrorPage, type PageProblem } from '../../page-shell/error-page.js';
import type { PageContent } from '../../page-shell/shell.js';
import { redactTokens } from '../../server/error-handler.js';
import { html } from '../../page-shell/html.js';

export function errorPage(problem: PageProblem): PageContent {
  const { status, message, hint } = problem;
  return shellErrorPage(
    { status, message: redactTokens(message), ...(hint ? { hint: redactTokens(hint) } : {}) },
    html`<a href="/">Back to the marketplace</a> or search above.`,
  );
}
