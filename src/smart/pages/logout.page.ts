// The authorization server's sign-out pages (oidc-provider's rpInitiatedLogout logoutSource and
// postLogoutSuccessSource): the provider's own form (its action and xsrf token) is placed in our page unchanged,
// and our buttons submit it through their form attribute, so no script is needed.
// https://openid.net/specs/openid-connect-rpinitiated-1_0.html
import { Html, html, page } from './html';

/** `providerForm` is oidc-provider's `<form id="op.logoutForm">` with its xsrf input; it holds nothing reflected. */
export function logoutPage(providerForm: string): string {
  return page('Sign out', html`<h1>Sign out?</h1>
<p>You will be signed out of the authorization server.</p>
${new Html(providerForm)}
<button type="submit" form="op.logoutForm" name="logout" value="yes">Sign out</button>
<button type="submit" form="op.logoutForm" class="secondary">Stay signed in</button>`);
}

export function signedOutPage(): string {
  return page('Signed out', html`<h1>Signed out</h1><p>You are signed out. You can close this window.</p>`);
}
