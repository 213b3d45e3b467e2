// The EHR launcher: a signed-in practitioner picks a patient and a registered app, and the app opens with a
// launch value for that context. https://hl7.org/fhir/smart-app-launch/app-launch.html#launch-app-ehr-launch
import { CSRF_FIELD } from '../csrf';
import { html, page } from './html';
import { PickerInput, patientChoices, patientSearchForm } from './picker.page';

export interface LaunchableApp {
  clientId: string;
  name: string;
}

export interface LauncherPageInput {
  csrf: string;
  userName: string;
  picker: PickerInput;
  apps: LaunchableApp[];
  message?: string;
}

export function launcherPage(input: LauncherPageInput): string {
  const apps = input.apps.map((a, i) => html`<li><label><input type="radio" name="client_id" value="${a.clientId}" required${
    i === 0 ? html` checked` : ''}> ${a.name}</label></li>`);
  return page('Launch an app', html`<h1>Launch an app</h1>
<form method="post" action="/smart/launch/logout" class="secondary">
<p>Signed in as <strong>${input.userName}</strong>.
<input type="hidden" name="${CSRF_FIELD}" value="${input.csrf}"><button type="submit" class="link">Sign out</button></p>
</form>
${input.message ? html`<p class="error" role="alert">${input.message}</p>` : ''}
${patientSearchForm(input.picker)}
<form method="post" action="/smart/launch">
<input type="hidden" name="${CSRF_FIELD}" value="${input.csrf}">
${patientChoices(input.picker)}
<p><label>Encounter id (optional) <input type="text" name="encounter" maxlength="64" pattern="[A-Za-z0-9.\-]{1,64}"></label></p>
${apps.length
    ? html`<fieldset><legend>App</legend><ul class="choices">${apps}</ul></fieldset><button type="submit">Launch</button>`
    : html`<p class="note">No registered app has a launch URL.</p>`}
</form>`);
}
