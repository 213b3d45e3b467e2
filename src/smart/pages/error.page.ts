// The page shown when an authorization request cannot go on (the app cannot be told, e.g. its redirect URI is
// wrong): the error code and description only, escaped.
import { html, page } from './html';

export function errorPage(error: string, description?: string): string {
  return page('Authorization error', html`<h1>Authorization cannot continue</h1><p class="error">${error}</p>${description ? html`<p>${description}</p>` : ''}`);
}
