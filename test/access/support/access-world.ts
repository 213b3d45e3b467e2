// One application per test file with the seeded world of the matrix: a registered app and backend service,
// the users (patients, practitioners, an administrator), the data written through the server's own
// transaction path with a system/*.cruds token, and a token for every caller kind.
import { exportJWK, generateKeyPair } from 'jose';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { ClientsRepository } from '../../../src/smart/clients.repository';
import { AppUser, UsersRepository } from '../../../src/smart/users.repository';
import { startTestApp, TestApp } from '../../support/test-app';
import { AccessOracle } from './access-oracle';
import { MarkerBook, newMarker, withMarker } from './marker-book';
import { SEED_RECORDS, SeedRecord } from './seed-records';
import { TokenClaims, TokenMinter } from './token-minter';
import { KINDS, KindName, PatientLabel, TokenKind, UserLabel } from './token-kinds';

export const PASSWORD = 'a long and unguessable passphrase';
export const APP_SCOPE = 'openid fhirUser launch/patient offline_access patient/*.cruds user/*.cruds';

type PrivateKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

export interface World {
  t: TestApp;
  oracle: AccessOracle;
  book: MarkerBook;
  minter: TokenMinter;
  /** The bearer value of each kind; undefined sends no Authorization header. */
  tokens: Record<KindName, string | undefined>;
  users: Record<UserLabel, AppUser>;
  patientId: Record<PatientLabel, string>;
  appClientId: string;
  backend: { clientId: string; privateKey: PrivateKey; kid: string };
  dataSource: DataSource;
}

/** Writes records in one transaction Bundle (the server's own write path) and enters them in the book. */
export async function seed(world: Pick<World, 't' | 'book'>, token: string, records: SeedRecord[]): Promise<void> {
  const uuids = new Map(records.map((r) => [r.key, randomUUID()]));
  const ref = (key: string) => {
    if (uuids.has(key)) return { reference: `urn:uuid:${uuids.get(key)}` };
    const known = world.book.get(key); // written by an earlier seed
    return { reference: `${known.type}/${known.id}` };
  };
  const markers = records.map(() => newMarker());
  const entry = records.map((r, i) => ({
    fullUrl: `urn:uuid:${uuids.get(r.key)}`, resource: withMarker(r.build(ref), markers[i]), request: { method: 'POST', url: r.type },
  }));
  const res = await fetch(`${world.t.fhirBase}`, {
    method: 'POST', body: JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry }),
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/fhir+json', accept: 'application/fhir+json' },
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`Seeding failed: ${res.status} ${text.slice(0, 2000)}`);
  const bundle = JSON.parse(text) as { entry: { response: { status: string; location: string } }[] };
  records.forEach((r, i) => {
    const [type, id] = bundle.entry[i].response.location.split('/');
    if (type !== r.type) throw new Error(`Seed entry ${r.key} came back as ${type}`);
    world.book.add({ key: r.key, type, id, owners: r.owners, categories: r.categories, marker: markers[i] });
  });
}

/**
 * Checks the fixture, not the access layer: the compartments the server computed for each seeded resource
 * are the ones the test assumes, so a wrong assumption cannot pass for a server defect.
 */
export async function checkCompartments(world: Pick<World, 'book' | 'dataSource' | 'patientId'>, keys?: string[]): Promise<void> {
  const owned = keys ? keys.map((k) => world.book.get(k)) : world.book.all();
  const rows = (await world.dataSource.query('SELECT resource_type, id, compartments FROM resource WHERE id = ANY($1)', [owned.map((o) => o.id)])) as
    { resource_type: string; id: string; compartments: string[] }[];
  const problems: string[] = [];
  for (const o of owned) {
    const row = rows.find((r) => r.resource_type === o.type && r.id === o.id);
    const expected = o.owners.map((p) => `Patient/${world.patientId[p]}`).sort();
    if (!row || JSON.stringify([...row.compartments].sort()) !== JSON.stringify(expected)) {
      problems.push(`${o.key} ${o.type}/${o.id}: compartments ${JSON.stringify(row?.compartments)} where the test assumes ${JSON.stringify(expected)}`);
    }
  }
  if (problems.length > 0) throw new Error(`Fixture compartments differ:\n${problems.join('\n')}`);
}

export async function startWorld(options: { env?: Record<string, string>; records?: SeedRecord[] } = {}): Promise<World> {
  const t = await startTestApp(options.env ?? {}, { realAuthentication: true });
  const dataSource = t.app.get(DataSource);
  const clients = t.app.get(ClientsRepository);
  const app = await clients.create({ name: 'Matrix app', kind: 'public', redirectUris: ['https://matrix-app.example/cb'], scope: APP_SCOPE });
  const { publicKey, privateKey } = await generateKeyPair('RS384', { extractable: true });
  const kid = randomUUID();
  const backendClient = await clients.create({
    name: 'Matrix backend', kind: 'backend', redirectUris: [], scope: 'system/*.cruds system/Observation.rs',
    jwks: { keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'RS384', use: 'sig' }] },
  });
  const minter = await TokenMinter.create(t);
  const wide = await minter.mint({ sub: backendClient.clientId, client_id: backendClient.clientId, scope: KINDS.backendWide.scopes });
  const book = new MarkerBook();
  await seed({ t, book }, wide, options.records ?? SEED_RECORDS);
  const patientId = { A: book.get('A').id, B: book.get('B').id };

  const repo = t.app.get(UsersRepository);
  const user = (role: AppUser['role'], fhirUser?: string) => repo.create({ username: `${role}-${randomUUID().slice(0, 8)}`, password: PASSWORD, role, fhirUser });
  const [patientA, patientB, practOrg, practGp, practOut, admin] = await Promise.all([
    user('patient', `Patient/${patientId.A}`), user('patient', `Patient/${patientId.B}`),
    user('practitioner', `Practitioner/${book.get('p1').id}`), user('practitioner', `Practitioner/${book.get('p3').id}`),
    user('practitioner', `Practitioner/${book.get('p2').id}`), user('admin'),
  ]);
  const users = { patientA, patientB, practOrg, practGp, practOut, admin };

  const claimsOf = async (name: KindName): Promise<TokenClaims> => {
    const kind: TokenKind = KINDS[name];
    const [u, scope, patient] = !kind.valid ? [users.patientA, 'patient/*.cruds', 'A' as const] : [kind.user && users[kind.user], kind.scopes, kind.patient];
    if (u === undefined) return { sub: backendClient.clientId, client_id: backendClient.clientId, scope };
    return {
      sub: u.id, client_id: app.clientId, scope, fhirUser: u.fhirUser, patient: patient ? patientId[patient] : undefined,
      gid: await minter.grant(u.id, app.clientId, scope),
    };
  };
  const tokens = {} as Record<KindName, string | undefined>;
  for (const name of Object.keys(KINDS) as KindName[]) {
    const kind: TokenKind = KINDS[name];
    tokens[name] = kind.valid ? await minter.mint(await claimsOf(name)) : await minter.refused(kind.refusal, await claimsOf(name));
  }
  const world: World = {
    t, oracle: new AccessOracle(), book, minter, tokens, users, patientId, appClientId: app.clientId, dataSource,
    backend: { clientId: backendClient.clientId, privateKey, kid },
  };
  await checkCompartments(world);
  return world;
}
