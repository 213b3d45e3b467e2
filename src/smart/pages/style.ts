// The pages' one stylesheet (served at /smart/style.css) and the SMART styling document apps may follow
// (served at /smart/smart-style.json, named in token responses as smart_style_url); both from the same palette.
// https://hl7.org/fhir/smart-app-launch/scopes-and-launch-context.html#styling
const PALETTE = {
  background: '#f7f8fa',
  text: '#1d2330',
  highlight: '#1f5fbf',
  error: '#b3261e',
  success: '#2e7d32',
  modalBackdrop: 'rgba(29, 35, 48, 0.5)',
  border: '#c9ced8',
  fontBody: "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif",
  fontHeading: "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif",
  radius: '6px',
  fontSize: '16px',
  spacing: '16px',
};

export const SMART_STYLE = {
  color_background: PALETTE.background,
  color_error: PALETTE.error,
  color_highlight: PALETTE.highlight,
  color_modal_backdrop: PALETTE.modalBackdrop,
  color_success: PALETTE.success,
  color_text: PALETTE.text,
  dim_border_radius: PALETTE.radius,
  dim_font_size: PALETTE.fontSize,
  dim_spacing_size: PALETTE.spacing,
  font_family_body: PALETTE.fontBody,
  font_family_heading: PALETTE.fontHeading,
};

export const STYLESHEET = `:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; background: ${PALETTE.background}; color: ${PALETTE.text}; font: ${PALETTE.fontSize}/1.5 ${PALETTE.fontBody}; }
main { max-width: 36rem; margin: 2rem auto; padding: ${PALETTE.spacing} calc(${PALETTE.spacing} * 1.5); background: #fff;
  border: 1px solid ${PALETTE.border}; border-radius: ${PALETTE.radius}; }
h1 { font: 600 1.4rem/1.3 ${PALETTE.fontHeading}; margin: 0 0 ${PALETTE.spacing}; }
h2 { font: 600 1.05rem/1.3 ${PALETTE.fontHeading}; margin: ${PALETTE.spacing} 0 0.5rem; }
label { display: block; margin: 0.75rem 0 0.25rem; }
ul.choices label, fieldset label { display: inline; margin: 0; }
input:not([type]), input[type=password], input[type=text] { width: 100%; padding: 0.5rem; font: inherit;
  border: 1px solid ${PALETTE.border}; border-radius: ${PALETTE.radius}; }
button, a.button { display: inline-block; margin-top: ${PALETTE.spacing}; padding: 0.5rem 1.25rem; font: inherit; color: #fff;
  background: ${PALETTE.highlight}; border: 1px solid ${PALETTE.highlight}; border-radius: ${PALETTE.radius}; cursor: pointer; text-decoration: none; }
button.secondary { color: ${PALETTE.highlight}; background: #fff; }
button.link { margin: 0; padding: 0; color: ${PALETTE.highlight}; background: none; border: 0; text-decoration: underline; }
button:focus-visible, a:focus-visible, input:focus-visible { outline: 3px solid ${PALETTE.highlight}; outline-offset: 2px; }
form.secondary, form.search { margin-top: 0.5rem; }
form.search { display: flex; flex-wrap: wrap; gap: 0.5rem; align-items: end; }
form.search label { width: 100%; margin-bottom: 0; }
form.search input { flex: 1; }
form.search button { margin-top: 0; }
fieldset { margin: ${PALETTE.spacing} 0 0; padding: 0.5rem 1rem; border: 1px solid ${PALETTE.border}; border-radius: ${PALETTE.radius}; }
ul { padding-left: 1.25rem; }
ul.choices { list-style: none; padding: 0; margin: 0; }
ul.choices li { padding: 0.3rem 0; }
ul.refused { color: #5b6270; }
code { font-size: 0.8em; color: #5b6270; }
.error { color: ${PALETTE.error}; font-weight: 600; }
.note, .id { color: #5b6270; }
.context { padding: 0.5rem 0.75rem; background: ${PALETTE.background}; border-left: 4px solid ${PALETTE.highlight}; }
`;
