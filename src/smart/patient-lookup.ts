// Patients as the picker shows them: a name search through the FHIR search engine (the same matching as
// GET /fhir/Patient?name=), and one patient by id, each as name, birth date and id.
// https://hl7.org/fhir/R4/patient.html#search
import { Inject, Injectable } from '@nestjs/common';
import { AppConfig, APP_CONFIG } from '../config/app.config';
import { FhirError } from '../outcome/operation-outcome';
import { SearchEngine } from '../search/search.engine';
import { ResourceRepository } from '../storage/resource.repository';
import { SearchRepository } from '../storage/search.repository';
import { StoredVersion } from '../storage/stored-resource';
import { PatientSummary } from './pages/picker.page';
import { AccessContext } from '../access/access-context';
import { AccessPolicy } from '../access/access-policy';
import { AccessScope } from '../access/access-scope';
import { AppUser } from './users.repository';

export const PICKER_PAGE_SIZE = 20;
const MAX_NAME_LENGTH = 100;

interface HumanName {
  use?: string;
  text?: string;
  family?: string;
  given?: string[];
}

/** The name a person would recognise: the official (or usual, or first) name, as text or given + family. */
export function displayName(names: unknown): string {
  if (!Array.isArray(names) || names.length === 0) return '(no name)';
  const list = names as HumanName[];
  const name = list.find((n) => n.use === 'official') ?? list.find((n) => n.use === 'usual') ?? list[0];
  if (typeof name.text === 'string' && name.text.trim()) return name.text.trim();
  const parts = [...(Array.isArray(name.given) ? name.given : []), name.family].filter((p) => typeof p === 'string' && p.trim());
  return parts.length ? parts.join(' ') : '(no name)';
}

function summary(stored: StoredVersion): PatientSummary | undefined {
  if (stored.deleted || !stored.content) return undefined;
  const patient = JSON.parse(stored.content) as { name?: unknown; birthDate?: unknown };
  const out: PatientSummary = { id: stored.id, name: displayName(patient.name) };
  if (typeof patient.birthDate === 'string') out.birthDate = patient.birthDate;
  return out;
}

export type PatientSearch = { results: PatientSummary[]; message?: string; more?: boolean };

@Injectable()
export class PatientLookup {
  constructor(
    private readonly engine: SearchEngine,
    private readonly search: SearchRepository,
    private readonly resources: ResourceRepository,
    private readonly policy: AccessPolicy,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * What the signed-in user may look up: a patient user their own record, a practitioner the patients the
   * practitioner rule gives (so no launch can name a patient the practitioner may not see), an admin all.
   */
  private contextOf(user: AppUser): AccessContext {
    const own = user.role === 'patient' ? /^Patient\/([A-Za-z0-9\-.]{1,64})$/.exec(user.fhirUser ?? '')?.[1] : undefined;
    return this.policy.contextFor({
      subject: user.id, role: user.role, fhirUser: user.fhirUser, patient: own,
      scopes: user.role === 'patient' ? ['patient/Patient.rs', 'patient/Encounter.rs'] : ['user/Patient.rs', 'user/Encounter.rs'],
    });
  }

  /** Patients whose name starts with (any part of) `name`, sorted by family then given name; empty for no name. */
  async byName(user: AppUser, name: string): Promise<PatientSearch> {
    const text = name.trim();
    if (!text) return { results: [] };
    if (text.length > MAX_NAME_LENGTH) return { results: [], message: `Use at most ${MAX_NAME_LENGTH} characters.` };
    try {
      const request = this.engine.parse('Patient', { name: text, _sort: 'family,given' });
      const page = await AccessScope.run(this.contextOf(user), () => this.search.page({ request: { ...request, include: [] }, count: PICKER_PAGE_SIZE, fhirBaseUrl: this.config.fhirBaseUrl }));
      const results = page.matches.map(summary).filter((p): p is PatientSummary => p !== undefined);
      return { results, more: page.hasMore };
    } catch (err) {
      if (err instanceof FhirError) return { results: [], message: 'That name cannot be searched for.' };
      throw err;
    }
  }

  /** The current patient with this id, or undefined (unknown or deleted). */
  async byId(user: AppUser, id: string): Promise<PatientSummary | undefined> {
    if (!/^[A-Za-z0-9\-.]{1,64}$/.test(id)) return undefined;
    const stored = await AccessScope.run(this.contextOf(user), () => this.resources.readCurrent('Patient', id));
    return stored ? summary(stored) : undefined;
  }

  /** The id of an Encounter that exists and belongs to this patient, or undefined. */
  async encounterOf(user: AppUser, patientId: string, encounterId: string): Promise<string | undefined> {
    if (!/^[A-Za-z0-9\-.]{1,64}$/.test(encounterId)) return undefined;
    const stored = await AccessScope.run(this.contextOf(user), () => this.resources.readCurrent('Encounter', encounterId));
    if (!stored || stored.deleted || !stored.content) return undefined;
    const subject = (JSON.parse(stored.content) as { subject?: { reference?: unknown } }).subject?.reference;
    return subject === `Patient/${patientId}` || subject === `${this.config.fhirBaseUrl}/Patient/${patientId}` ? encounterId : undefined;
  }
}
