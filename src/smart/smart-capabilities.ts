// The SMART capabilities this server advertises, in the SMART configuration and the CapabilityStatement.
// https://hl7.org/fhir/smart-app-launch/conformance.html#capabilities
export const SMART_CAPABILITIES = [
  'launch-ehr', 'launch-standalone', 'authorize-post', 'client-public', 'client-confidential-symmetric',
  'client-confidential-asymmetric', 'sso-openid-connect', 'context-passthrough-banner', 'context-passthrough-style',
  'context-ehr-patient', 'context-ehr-encounter', 'context-standalone-patient', 'permission-offline', 'permission-online',
  'permission-patient', 'permission-user', 'permission-v1', 'permission-v2',
];
