// Builds the smallest instance of any R4 resource type from its StructureDefinition: every required
// element filled, codes taken from the bound value set. Lets tests cover every enabled type from data.
import { baseStructureDefinitions, ElementDefinition, readR4Definitions, StructureDefinition } from '../../src/conformance/definitions';

type Json = Record<string, unknown>;

const SAMPLES: Record<string, unknown> = {
  boolean: true,
  integer: 1,
  positiveInt: 1,
  unsignedInt: 0,
  decimal: 1.5,
  string: 'example',
  markdown: 'example',
  uri: 'http://example.org/x',
  url: 'http://example.org/x',
  canonical: 'http://example.org/fhir/Thing/x',
  oid: 'urn:oid:1.2.3',
  uuid: 'urn:uuid:c757873d-ec9a-4326-a141-556f43239520',
  id: 'example',
  code: 'example',
  date: '2024-01-01',
  dateTime: '2024-01-01T10:00:00Z',
  instant: '2024-01-01T10:00:00Z',
  time: '10:00:00',
  base64Binary: 'aGVsbG8=',
  Coding: { system: 'http://example.org/codes', code: 'x' },
  CodeableConcept: { text: 'example' },
  Reference: { display: 'example' },
  Quantity: { value: 1 },
  SimpleQuantity: { value: 1 },
  Money: { value: 1, currency: 'USD' },
  Period: { start: '2024-01-01' },
  Attachment: { contentType: 'text/plain', data: 'aGVsbG8=' },
  TriggerDefinition: { type: 'named-event', name: 'example' },
  Identifier: { value: 'example' },
};

let structures: Map<string, StructureDefinition> | undefined;
let valueSets: Map<string, Json> | undefined;

function index() {
  if (!structures) {
    structures = new Map(baseStructureDefinitions().filter((sd) => sd.fhirVersion === '4.0.1' || !sd.fhirVersion).map((sd) => [sd.type, sd]));
    valueSets = new Map();
    for (const { resource } of readR4Definitions('valuesets.json').entry) {
      if (typeof resource.url === 'string') valueSets.set(resource.url, resource);
    }
  }
  return { structures, valueSets: valueSets! };
}

/** The first code of a value set, following its first include into a whole code system when needed. */
function firstCode(valueSetUrl: string): string | undefined {
  const { valueSets: sets } = index();
  const vs = sets.get(valueSetUrl.split('|')[0]) as { compose?: { include?: { system?: string; concept?: { code: string }[] }[] } } | undefined;
  const include = vs?.compose?.include?.[0];
  if (include?.concept?.length) return include.concept[0].code;
  const cs = include?.system ? (sets.get(include.system) as { concept?: { code: string }[] } | undefined) : undefined;
  return cs?.concept?.[0]?.code;
}

function elementName(path: string, typeCode: string): string {
  const last = path.split('.').pop()!;
  return last.endsWith('[x]') ? last.slice(0, -3) + typeCode[0].toUpperCase() + typeCode.slice(1) : last;
}

function valueFor(sd: StructureDefinition, el: ElementDefinition): unknown {
  const type = el.type?.[0]?.code;
  if (type === 'code' && el.binding?.valueSet && el.binding.strength === 'required') return firstCode(el.binding.valueSet) ?? 'example';
  if (type === 'BackboneElement' || type === 'Element') return fill(sd, el.path);
  if (type && type in SAMPLES) return SAMPLES[type];
  throw new Error(`No sample value for ${el.path} of type ${type}`);
}

/** The required children of `path` inside `sd`, each with a sample value. */
function fill(sd: StructureDefinition, path: string): Json {
  const out: Json = {};
  const depth = path.split('.').length + 1;
  for (const el of sd.snapshot.element) {
    if (!el.path.startsWith(`${path}.`) || el.path.split('.').length !== depth || (el.min ?? 0) < 1) continue;
    const value = valueFor(sd, el);
    out[elementName(el.path, el.type?.[0]?.code ?? '')] = el.max === '1' ? value : [value];
  }
  if (Object.keys(out).length === 0 && depth > 2) {
    // An element with no required children still needs content (ele-1): take its first simple one.
    const first = sd.snapshot.element.find((el) => el.path.startsWith(`${path}.`) && el.path.split('.').length === depth &&
      !['id', 'extension', 'modifierExtension'].includes(el.path.split('.').pop()!) && el.type?.[0]?.code && el.type[0].code in SAMPLES);
    if (first) out[elementName(first.path, first.type![0].code)] = first.max === '1' ? valueFor(sd, first) : [valueFor(sd, first)];
  }
  return out;
}

// Where a type's invariants ask for more than its required elements.
const EXTRA: Record<string, Json> = {
  AllergyIntolerance: { clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', code: 'active' }] } },
  Appointment: { participant: [{ status: 'accepted', actor: { display: 'example' } }] },
  AppointmentResponse: { actor: { display: 'example' } },
  CapabilityStatement: { fhirVersion: '4.0.1', format: ['json'], software: { name: 'example' }, implementation: { description: 'example' }, rest: [{ mode: 'server' }] },
  Consent: { policyRule: { text: 'example' } },
  ImmunizationRecommendation: { recommendation: [{ forecastStatus: { text: 'example' }, vaccineCode: [{ text: 'example' }] }] },
  InsurancePlan: { name: 'example' },
  Linkage: { item: [{ type: 'source', resource: { display: 'a' } }, { type: 'alternate', resource: { display: 'b' } }] },
  Organization: { name: 'example' },
  Bundle: { type: 'collection' },
  StructureDefinition: { kind: 'logical', differential: { element: [{ id: 'x', path: 'x' }] }, type: 'x' },
  TerminologyCapabilities: { implementation: { description: 'example' } },
};

export function minimalResource(type: string): Json {
  const sd = index().structures.get(type);
  if (!sd) throw new Error(`Unknown type ${type}`);
  return { resourceType: type, ...fill(sd, type), ...(EXTRA[type] ?? {}) };
}
