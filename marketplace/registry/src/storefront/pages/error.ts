/** Errors as pages: what went wrong and what to do, never a stack or a token. */
import { redactTokens } from '../../server/error-handler.js';
import { html } from '../html.js';
import type { PageContent } from '../layout.js';

export function errorPage(status: number, message: string, hint?: string): PageContent {
  const title = status === 404 ? 'Not found' : status >= 500 ? 'Something went wrong' : 'This request cannot be served';
  return {
    title,
    body: html`<h1>${title}</h1>
      <p class="notice error" role="alert">${redactTokens(message)}</p>
      ${hint ? html`<p>${redactTokens(hint)}</p>` : ''}
      <p><a href="/">Back to the marketplace</a> or search above.</p>`,
  };
}
