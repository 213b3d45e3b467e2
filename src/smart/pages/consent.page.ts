// The consent page: which app asks, what it asks for in plain words, and the patient it will see. Each resource
// scope is a ticked checkbox the user can untick; identity and launch scopes are listed without one (they only
// go to the app if it asked and may have them); requests that cannot be granted are named. A practitioner
// picks the patient of a standalone launch here. https://hl7.org/fhir/smart-app-launch/app-launch.html#obtain-authorization-code
import { CSRF_FIELD } from '../csrf';
import { html, page } from './html';
import { PatientSummary, PickerInput, patientChoices, patientSearchForm } from './picker.page';

export interface ScopeLine {
  scope: string;
  description: string;
  checked?: boolean;
}

export interface ConsentPageInput {
  action: string;
  abortAction: string;
  csrf: string;
  appName: string;
  userName: string;
  resourceScopes: ScopeLine[];
  fixedScopes: ScopeLine[];
  refusedScopes: ScopeLine[];
  /** The patient already decided (an EHR launch, or a patient's own record). */
  patient?: PatientSummary;
  /** Shown when the practitioner must pick the patient. */
  picker?: PickerInput;
  message?: string;
}

export function consentPage(input: ConsentPageInput): string {
  const resource = input.resourceScopes.map((s) => html`<li><label><input type="checkbox" name="scope" value="${s.scope}"${
    s.checked === false ? '' : html` checked`}> ${s.description} <code>${s.scope}</code></label></li>`);
  const fixed = input.fixedScopes.map((s) => html`<li>${s.description} <code>${s.scope}</code></li>`);
  const refused = input.refusedScopes.map((s) => html`<li>${s.description} <code>${s.scope}</code></li>`);
  return page('Allow access', html`<h1>Allow <strong>${input.appName}</strong> to access your data?</h1>
<p>Signed in as <strong>${input.userName}</strong>.</p>
${input.message ? html`<p class="error" role="alert">${input.message}</p>` : ''}
${input.patient ? html`<p class="context">Patient: <strong>${input.patient.name}</strong>${
    input.patient.birthDate ? html`, born ${input.patient.birthDate}` : ''} <span class="id">(id ${input.patient.id})</span></p>` : ''}
${input.picker ? patientSearchForm(input.picker) : ''}
<form method="post" action="${input.action}">
<input type="hidden" name="${CSRF_FIELD}" value="${input.csrf}">
${input.picker ? patientChoices(input.picker) : ''}
${resource.length ? html`<fieldset><legend>Health data</legend><ul class="choices">${resource}</ul></fieldset>` : ''}
${fixed.length ? html`<h2>The app will also</h2><ul>${fixed}</ul>` : ''}
${refused.length ? html`<h2>Asked for but not available to this app</h2><ul class="refused">${refused}</ul>` : ''}
<button type="submit">Allow</button>
</form>
<form method="post" action="${input.abortAction}" class="secondary">
<input type="hidden" name="${CSRF_FIELD}" value="${input.csrf}"><button type="submit" class="secondary">Deny</button>
</form>`);
}
