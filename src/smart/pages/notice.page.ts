// A page with one message and, when the app must still be told, a link that takes the browser back to it (the
// authorization server then redirects with the error). Used when a sign-in or launch cannot go on.
import { html, page } from './html';

export interface NoticeInput {
  title: string;
  message: string;
  /** Where "Return to the app" leads, when there is an app to return to. */
  continueHref?: string;
  error?: boolean;
}

export function noticePage(input: NoticeInput): string {
  return page(input.title, html`<h1>${input.title}</h1>
<p${input.error === false ? '' : html` class="error" role="alert"`}>${input.message}</p>
${input.continueHref ? html`<p><a class="button" href="${input.continueHref}">Return to the app</a></p>` : ''}`);
}
