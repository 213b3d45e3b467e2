// The sign-in page of the authorization server: username and password, the app that asked, and a way to cancel
// (which tells the app access_denied). Every value is escaped; the form carries its CSRF token.
// https://hl7.org/fhir/smart-app-launch/app-launch.html#obtain-authorization-code
import { CSRF_FIELD } from '../csrf';
import { html, page } from './html';

export interface LoginPageInput {
  action: string;
  abortAction?: string;
  csrf: string;
  /** The app that asked (its registered client_name), when there is one. */
  appName?: string;
  /** What the user typed before, shown again after a failed attempt. */
  username?: string;
  /** The one message a failed or refused attempt shows. */
  message?: string;
  heading?: string;
}

export function loginPage(input: LoginPageInput): string {
  const cancel = input.abortAction
    ? html`<form method="post" action="${input.abortAction}" class="secondary">
<input type="hidden" name="${CSRF_FIELD}" value="${input.csrf}"><button type="submit" class="link">Cancel and return to the app</button></form>`
    : '';
  return page('Sign in', html`<h1>${input.heading ?? 'Sign in'}</h1>
${input.appName ? html`<p>to continue to <strong>${input.appName}</strong></p>` : ''}
${input.message ? html`<p class="error" role="alert">${input.message}</p>` : ''}
<form method="post" action="${input.action}">
<input type="hidden" name="${CSRF_FIELD}" value="${input.csrf}">
<label for="username">Username</label>
<input id="username" name="username" autocomplete="username" required maxlength="256" value="${input.username ?? ''}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required maxlength="1024">
<button type="submit">Sign in</button>
</form>
${cancel}`);
}
