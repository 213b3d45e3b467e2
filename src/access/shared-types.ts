// The types outside every patient compartment that patient and practitioner apps may read: directories of
// people, places and organizations, medication and substance definitions, terminology and other definitional
// resources. Apps must resolve them (US Core references Medication, Practitioner, Organization, Location), and
// they describe no patient. Every other type outside the compartment (Binary, Bundle, Contract, Device,
// GuidanceResponse, Linkage, MessageHeader, Subscription, …) may hold a patient's data without naming the
// patient in a compartment parameter, so only system/ scopes and administrators reach it.
// https://hl7.org/fhir/R4/compartmentdefinition-patient.html
export const SHARED_TYPES: ReadonlySet<string> = new Set([
  'Practitioner', 'PractitionerRole', 'Organization', 'OrganizationAffiliation', 'Location', 'HealthcareService', 'Endpoint',
  'Medication', 'MedicationKnowledge', 'Substance',
  'ValueSet', 'CodeSystem', 'ConceptMap', 'NamingSystem', 'TerminologyCapabilities',
  'StructureDefinition', 'StructureMap', 'SearchParameter', 'OperationDefinition', 'CapabilityStatement', 'CompartmentDefinition',
  'ImplementationGuide', 'GraphDefinition', 'MessageDefinition', 'EventDefinition',
  'Questionnaire', 'PlanDefinition', 'ActivityDefinition', 'Library', 'Measure', 'ObservationDefinition', 'SpecimenDefinition',
  'DeviceDefinition',
]);
