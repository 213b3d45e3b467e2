// Turns fhir-profiles/server.json and the R4 definitions into the set of served types and interactions.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { r4ResourceTypeNames } from './definitions';

/** Type-level and instance-level interaction codes. https://hl7.org/fhir/R4/http.html */
export const INTERACTIONS = [
  'read', 'vread', 'update', 'patch', 'delete', 'history-instance', 'history-type', 'create', 'search-type',
] as const;
export type Interaction = (typeof INTERACTIONS)[number];

interface ServerProfile {
  resourceTypes?: { include?: '*' | string[]; exclude?: string[] };
  defaultInteractions?: string[];
  interactions?: Record<string, string[]>;
}

/**
 * Types only the server writes, and the interactions it serves them with whatever a profile lists: AuditEvent
 * is the audit trail (src/audit), read and searched, never created, changed or deleted through the API.
 */
const SERVER_WRITTEN: Record<string, readonly Interaction[]> = { AuditEvent: ['read', 'search-type'] };

export class ConformanceRegistry {
  private readonly enabled: Map<string, ReadonlySet<Interaction>>;

  constructor(enabled: Map<string, ReadonlySet<Interaction>>) {
    this.enabled = enabled;
  }

  /** Reads `<profilesDir>/server.json`; every unknown type or interaction name is a start-up error. */
  static load(profilesDir: string): ConformanceRegistry {
    const file = path.join(profilesDir, 'server.json');
    const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as ServerProfile;
    return ConformanceRegistry.fromProfile(profile, file);
  }

  static fromProfile(profile: ServerProfile, source = 'server profile'): ConformanceRegistry {
    const known = r4ResourceTypeNames();
    const knownSet = new Set(known);
    const problems: string[] = [];
    const checkTypes = (names: string[], where: string) => {
      for (const n of names) if (!knownSet.has(n)) problems.push(`${where}: "${n}" is not an R4 resource type`);
    };
    const checkInteractions = (names: string[], where: string): Set<Interaction> => {
      for (const n of names) {
        if (!(INTERACTIONS as readonly string[]).includes(n)) problems.push(`${where}: unknown interaction "${n}"`);
      }
      return new Set(names.filter((n): n is Interaction => (INTERACTIONS as readonly string[]).includes(n)));
    };

    const include = profile.resourceTypes?.include ?? '*';
    const exclude = profile.resourceTypes?.exclude ?? [];
    if (include !== '*') checkTypes(include, 'resourceTypes.include');
    checkTypes(exclude, 'resourceTypes.exclude');
    const defaults = checkInteractions(profile.defaultInteractions ?? [...INTERACTIONS], 'defaultInteractions');
    const perType = new Map<string, Set<Interaction>>();
    for (const [type, list] of Object.entries(profile.interactions ?? {})) {
      checkTypes([type], 'interactions');
      perType.set(type, checkInteractions(list, `interactions.${type}`));
    }
    if (problems.length > 0) throw new Error(`Invalid ${source}:\n  - ${problems.join('\n  - ')}`);

    const excluded = new Set(exclude);
    const enabled = new Map<string, ReadonlySet<Interaction>>();
    for (const type of include === '*' ? known : [...include].sort()) {
      if (excluded.has(type)) continue;
      const listed = perType.get(type) ?? defaults;
      const own = SERVER_WRITTEN[type];
      enabled.set(type, own ? new Set([...listed].filter((i) => own.includes(i))) : listed);
    }
    return new ConformanceRegistry(enabled);
  }

  get resourceTypes(): string[] {
    return [...this.enabled.keys()];
  }

  isEnabled(type: string): boolean {
    return this.enabled.has(type);
  }

  supports(type: string, interaction: Interaction): boolean {
    return this.enabled.get(type)?.has(interaction) ?? false;
  }

  interactions(type: string): Interaction[] {
    return INTERACTIONS.filter((i) => this.supports(type, i));
  }
}
