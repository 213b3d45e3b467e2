// The patient picker shown to practitioners (on the consent page of a standalone launch that asks for
// launch/patient, and on the EHR launcher): a name search that reloads the page (GET, no state changed) and the
// matches as radio buttons inside the page's main form. https://hl7.org/fhir/smart-app-launch/scopes-and-launch-context.html#launchpatient
import { Html, html } from './html';

export interface PatientSummary {
  id: string;
  name: string;
  birthDate?: string;
}

export interface PickerInput {
  /** The page's own address; the search form GETs it with `name`. */
  searchAction: string;
  name: string;
  results: PatientSummary[];
  /** Why there are no results, or what was wrong with the search. */
  message?: string;
  selected?: string;
  /** More patients match than are shown. */
  more?: boolean;
}

/** The search form; it must sit outside the main form (forms do not nest). */
export function patientSearchForm(input: PickerInput): Html {
  return html`<form method="get" action="${input.searchAction}" class="search" role="search">
<label for="patient-name">Find a patient by name</label>
<input id="patient-name" name="name" maxlength="100" value="${input.name}">
<button type="submit" class="secondary">Search</button>
</form>`;
}

/** The matches as radio buttons named `patient`, for inside the main form. */
export function patientChoices(input: PickerInput): Html {
  if (input.message) return html`<p class="note">${input.message}</p>`;
  if (input.results.length === 0) {
    return input.name ? html`<p class="note">No patient matches that name.</p>` : html`<p class="note">Search for the patient first.</p>`;
  }
  const items = input.results.map((p) => html`<li><label><input type="radio" name="patient" value="${p.id}" required${
    input.selected === p.id ? html` checked` : ''}> <strong>${p.name}</strong>${p.birthDate ? html`, born ${p.birthDate}` : ''} <span class="id">(id ${p.id})</span></label></li>`);
  return html`<fieldset><legend>Patient</legend><ul class="choices">${items}</ul>${
    input.more ? html`<p class="note">More patients match: type more of the name.</p>` : ''}</fieldset>`;
}
