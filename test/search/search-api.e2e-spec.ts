// Search as a client sees it on small hand-made data: each parameter type and modifier, result parameters,
// paging links that stay correct while data changes, signed cursors bound to the caller, and how unknown or
// malformed parameters are answered.
import { http } from '../support/clients';
import { AUTH, OTHER_AUTH, startTestApp, TestApp } from '../support/test-app';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ FHIR_UPDATE_CREATE: 'true' });
  for (const r of fixtures()) {
    const res = await http(t).put(`/fhir/${r.resourceType}/${r.id}`).set(AUTH).set('content-type', 'application/fhir+json').send(JSON.stringify(r));
    if (res.status >= 300) throw new Error(`${r.resourceType}/${r.id}: ${res.status} ${JSON.stringify(res.body)}`);
  }
});
afterAll(() => t.close());

function fixtures(): any[] {
  const loinc = 'http://loinc.org';
  const obs = (id: string, patient: string, code: string, when: string, value?: number, extra: object = {}) => ({
    resourceType: 'Observation', id, status: 'final', category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
    code: { coding: [{ system: loinc, code, display: code === '8480-6' ? 'Systolic blood pressure' : 'Body weight' }] },
    subject: { reference: `Patient/${patient}` }, effectiveDateTime: when,
    ...(value === undefined ? {} : { valueQuantity: { value, unit: code === '8480-6' ? 'mmHg' : 'kg', system: 'http://unitsofmeasure.org', code: code === '8480-6' ? 'mm[Hg]' : 'kg' } }),
    ...extra,
  });
  return [
    { resourceType: 'Organization', id: 'org1', name: 'North Clinic' },
    { resourceType: 'Practitioner', id: 'dr1', name: [{ family: 'House' }] },
    {
      resourceType: 'Patient', id: 'anna', gender: 'female', birthDate: '1980-05-01', managingOrganization: { reference: 'Organization/org1' },
      name: [{ family: 'Müller', given: ['Anna'] }], generalPractitioner: [{ reference: 'Practitioner/dr1' }],
      identifier: [{ system: 'urn:mrn', value: 'MRN-1', type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR' }] } }],
      telecom: [{ system: 'email', value: 'anna@example.org' }],
    },
    { resourceType: 'Patient', id: 'bob', gender: 'male', birthDate: '1990', name: [{ family: 'Smith', given: ['Bob'] }], identifier: [{ system: 'urn:ssn', value: 'MRN-1' }] },
    { resourceType: 'Patient', id: 'cleo', name: [{ family: 'Smithers' }] },
    obs('o1', 'anna', '8480-6', '2020-01-10T10:00:00Z', 120),
    obs('o2', 'anna', '8480-6', '2020-06-10T10:00:00Z', 135.5),
    obs('o3', 'anna', '29463-7', '2021-02-01', 70),
    obs('o4', 'bob', '8480-6', '2021-03-01T08:30:00+02:00', 150),
    obs('o5', 'bob', '29463-7', '2019-12', 82),
    obs('o6', 'bob', '29463-7', '2022-01-01T00:00:00Z', undefined, { effectiveDateTime: undefined, effectivePeriod: { start: '2022-01-01T00:00:00Z' } }),
    {
      resourceType: 'Observation', id: 'bp', status: 'final', code: { coding: [{ system: 'http://loinc.org', code: '85354-9' }] }, subject: { reference: 'Patient/anna' },
      component: [
        { code: { coding: [{ system: 'http://loinc.org', code: '8480-6' }] }, valueQuantity: { value: 140, system: 'http://unitsofmeasure.org', code: 'mm[Hg]' } },
        { code: { coding: [{ system: 'http://loinc.org', code: '8462-4' }] }, valueQuantity: { value: 90, system: 'http://unitsofmeasure.org', code: 'mm[Hg]' } },
      ],
    },
    { resourceType: 'DiagnosticReport', id: 'dr', status: 'final', code: { text: 'Panel' }, subject: { reference: 'Patient/anna' }, result: [{ reference: 'Observation/o1' }] },
    { resourceType: 'RiskAssessment', id: 'ra', status: 'final', subject: { reference: 'Patient/bob' }, prediction: [{ probabilityDecimal: 0.25 }] },
    { resourceType: 'ValueSet', id: 'vs', status: 'active', url: 'http://example.org/fhir/ValueSet/colours' },
    { resourceType: 'Encounter', id: 'enc', status: 'finished', class: { code: 'AMB' }, subject: { reference: 'Patient/anna' }, participant: [{ individual: { reference: 'Practitioner/dr1', identifier: { system: 'urn:npi', value: '999' } } }] },
  ];
}

async function search(path: string, auth = AUTH) {
  const res = await http(t).get(`/fhir/${path}`).set(auth);
  return res;
}

async function ids(path: string): Promise<string[]> {
  const res = await search(path);
  expect(res.status).toBe(200);
  return res.body.entry.filter((e: any) => e.search.mode === 'match').map((e: any) => e.resource.id).sort();
}

describe('parameter types', () => {
  it.each([
    ['Patient?family=muller', ['anna']],
    ['Patient?family=MÜL', ['anna']],
    ['Patient?name=smith', ['bob', 'cleo']],
    ['Patient?name:exact=Smith', ['bob']],
    ['Patient?name:contains=ITHER', ['cleo']],
    ['Patient?gender=female', ['anna']],
    ['Patient?gender:not=female', ['bob', 'cleo']],
    ['Patient?identifier=urn:mrn|MRN-1', ['anna']],
    ['Patient?identifier=MRN-1', ['anna', 'bob']],
    ['Patient?identifier:of-type=http://terminology.hl7.org/CodeSystem/v2-0203|MR|MRN-1', ['anna']],
    ['Patient?email=anna@example.org', ['anna']],
    ['Observation?code=http://loinc.org|8480-6', ['o1', 'o2', 'o4']],
    ['Observation?code=|8480-6', []],
    ['Observation?code=http://loinc.org|', ['bp', 'o1', 'o2', 'o3', 'o4', 'o5', 'o6']],
    ['Observation?code:text=systolic', ['o1', 'o2', 'o4']],
    ['Observation?code=8480-6,29463-7&patient=bob', ['o4', 'o5', 'o6']],
    ['Observation?date=2020', ['o1', 'o2']],
    ['Observation?date=2020-06-10', ['o2']],
    ['Observation?date=lt2020-01-10T10:00:00Z', ['o5']],
    ['Observation?date=le2020-01-10T10:00:00Z', ['o1', 'o5']],
    ['Observation?date=gt2021-02-01', ['o4', 'o6']],
    ['Observation?date=ge2021-02-01', ['o3', 'o4', 'o6']],
    ['Observation?date=sa2021', ['o6']],
    ['Observation?date=eb2020', ['o5']],
    ['Observation?date=ne2020', ['o3', 'o4', 'o5', 'o6']],
    ['Observation?date=ge2020-01-01&date=lt2021-01-01', ['o1', 'o2']],
    ['Observation?date=2021-03-01T06:30:00Z', ['o4']],
    ['Observation?date=2030', []],
    ['Observation?date=gt2030', ['o6']],
    ['Patient?birthdate=1990-06-01', []],
    ['Patient?birthdate=ge1990-06-01', ['bob']],
    ['Observation?value-quantity=120', ['o1']],
    ['Observation?value-quantity=135', []],
    ['Observation?value-quantity=136', ['o2']],
    ['Observation?value-quantity=135.5|http://unitsofmeasure.org|mm[Hg]', ['o2']],
    ['Observation?value-quantity=gt100||mmHg', ['o1', 'o2', 'o4']],
    ['Observation?value-quantity=lt100|http://unitsofmeasure.org|kg', ['o3', 'o5']],
    ['Observation?value-quantity=ap80', ['o5']],
    ['RiskAssessment?probability=gt0.2', ['ra']],
    ['RiskAssessment?probability=0.3', ['ra']], // 0.3 stands for [0.25, 0.35)
    ['RiskAssessment?probability=0.4', []],
    ['Observation?subject=Patient/anna&code=8480-6', ['o1', 'o2']],
    ['Observation?subject:Patient=bob', ['o4', 'o5', 'o6']],
    ['Observation?patient=anna&category=vital-signs', ['o1', 'o2', 'o3']],
    ['Encounter?practitioner:identifier=urn:npi|999', ['enc']],
    ['ValueSet?url=http://example.org/fhir/ValueSet/colours', ['vs']],
    ['ValueSet?url:below=http://example.org/fhir', ['vs']],
    ['ValueSet?url:above=http://example.org/fhir/ValueSet/colours/extra', ['vs']],
    ['ValueSet?url=http://example.org/fhir', []],
    ['Observation?component-code-value-quantity=http://loinc.org|8480-6$gt130', ['bp']],
    ['Observation?component-code-value-quantity=http://loinc.org|8462-4$gt130', []],
    ['Observation?code-value-quantity=http://loinc.org|8480-6$lt130', ['o1']],
    ['Observation?_id=o1,o3,nothing', ['o1', 'o3']],
    ['Observation?value-quantity:missing=true', ['bp', 'o6']],
    ['Patient?birthdate:missing=true', ['cleo']],
    ['Observation?subject:Patient.name=smith', ['o4', 'o5', 'o6']],
    ['Observation?patient.organization.name=north', ['bp', 'o1', 'o2', 'o3']],
    ['Patient?_has:Observation:patient:code=29463-7', ['anna', 'bob']],
    ['Patient?_has:Observation:patient:_has:DiagnosticReport:result:status=final', ['anna']],
    ['Patient?general-practitioner.name=house', ['anna']],
  ])('%s', async (path, expected) => {
    expect(await ids(path)).toEqual(expected);
  });

  it('matches references written as absolute URLs of this server', async () => {
    expect(await ids(`Observation?subject=${encodeURIComponent(`${t.fhirBase}/Patient/bob`)}&code=8480-6`)).toEqual(['o4']);
  });

  it('answers the same to POST _search with form parameters', async () => {
    const res = await http(t).post('/fhir/Observation/_search').set(AUTH).type('form').send('patient=anna&code=8480-6');
    expect(res.status).toBe(200);
    expect(res.body.entry.map((e: any) => e.resource.id).sort()).toEqual(await ids('Observation?patient=anna&code=8480-6'));
  });
});

describe('result parameters', () => {
  it('_sort orders by several keys, descending with -, resources without a value last', async () => {
    const res = await search('Observation?_sort=-date,_id');
    const order = res.body.entry.map((e: any) => e.resource.id);
    expect(order).toEqual(['o6', 'o4', 'o3', 'o2', 'o1', 'o5', 'bp']);
    const byCode = (await search('Observation?_sort=code,-date')).body.entry.map((e: any) => e.resource.id);
    expect(byCode).toEqual(['o6', 'o3', 'o5', 'o4', 'o2', 'o1', 'bp']);
  });

  it('_include, _revinclude, :iterate and * add entries with search.mode include', async () => {
    const res = await search('Observation?code=8480-6&patient=anna&_include=Observation:patient');
    expect(res.body.entry.map((e: any) => [e.search.mode, e.resource.id])).toEqual(
      expect.arrayContaining([['match', 'o1'], ['match', 'o2'], ['include', 'anna']]));
    expect(res.body.entry).toHaveLength(3);
    expect(res.body.total).toBe(2);

    const rev = await search('Patient?_id=bob&_revinclude=Observation:subject');
    expect(rev.body.entry.filter((e: any) => e.search.mode === 'include').map((e: any) => e.resource.id).sort()).toEqual(['o4', 'o5', 'o6']);

    const iterate = await search('DiagnosticReport?_id=dr&_include=DiagnosticReport:result&_include:iterate=Observation:patient&_include:iterate=Patient:organization');
    expect(iterate.body.entry.map((e: any) => `${e.search.mode}:${e.resource.resourceType}/${e.resource.id}`).sort()).toEqual(
      ['include:Observation/o1', 'include:Organization/org1', 'include:Patient/anna', 'match:DiagnosticReport/dr']);

    const star = await search('Patient?_id=anna&_include=*');
    expect(star.body.entry.map((e: any) => e.resource.id).sort()).toEqual(['anna', 'dr1', 'org1']);
  });

  it('_total none, estimate and accurate; _summary=count carries only the total', async () => {
    expect((await search('Observation?_total=none')).body.total).toBeUndefined();
    expect((await search('Observation?_total=accurate&_count=1')).body.total).toBe(7);
    expect(typeof (await search('Observation?_total=estimate&_count=1')).body.total).toBe('number');
    const count = await search('Observation?patient=anna&_summary=count');
    expect(count.body.total).toBe(4);
    expect(count.body.entry ?? []).toHaveLength(0);
  });

  it('_elements and _summary return subsets marked SUBSETTED', async () => {
    const el = (await search('Observation?_id=o1&_elements=status,subject')).body.entry[0].resource;
    expect(Object.keys(el).sort()).toEqual(['code', 'id', 'meta', 'resourceType', 'status', 'subject']); // code is mandatory
    expect(el.meta.tag).toEqual(expect.arrayContaining([expect.objectContaining({ code: 'SUBSETTED' })]));
    const summary = (await search('Patient?_id=anna&_summary=true')).body.entry[0].resource;
    expect(summary.name).toBeDefined();
    expect(summary.text).toBeUndefined();
    const data = (await search('Patient?_id=anna&_summary=data')).body.entry[0].resource;
    expect(data.identifier).toBeDefined();
  });
});

describe('paging', () => {
  async function follow(path: string, auth = AUTH): Promise<{ ids: string[]; pages: any[] }> {
    const pages: any[] = [];
    let res = await search(path, auth);
    for (;;) {
      expect(res.status).toBe(200);
      pages.push(res.body);
      const next = res.body.link.find((l: any) => l.relation === 'next');
      if (!next) break;
      res = await http(t).get(new URL(next.url).pathname + new URL(next.url).search).set(auth);
    }
    return { ids: pages.flatMap((p) => (p.entry ?? []).map((e: any) => e.resource.id)), pages };
  }

  it('next links visit every match once, in order, and previous goes back', async () => {
    const { ids: all, pages } = await follow('Observation?_sort=date&_count=3');
    expect(all).toEqual(['o5', 'o1', 'o2', 'o3', 'o4', 'o6', 'bp']);
    expect(pages).toHaveLength(3);
    expect(pages[0].link.map((l: any) => l.relation)).toEqual(['self', 'first', 'next']);
    const prev = pages[2].link.find((l: any) => l.relation === 'previous');
    const back = await http(t).get(new URL(prev.url).pathname + new URL(prev.url).search).set(AUTH);
    expect(back.body.entry.map((e: any) => e.resource.id)).toEqual(['o3', 'o4', 'o6']);
  });

  it('stays correct while data changes between pages', async () => {
    const first = await search('Patient?_count=2&_sort=family');
    const seen = first.body.entry.map((e: any) => e.resource.id);
    // A new resource that sorts before the current position must not shift the next page.
    await http(t).put('/fhir/Patient/aaron').set(AUTH).set('content-type', 'application/fhir+json')
      .send(JSON.stringify({ resourceType: 'Patient', id: 'aaron', name: [{ family: 'Abbott' }] }));
    const next = first.body.link.find((l: any) => l.relation === 'next').url;
    const second = await http(t).get(new URL(next).pathname + new URL(next).search).set(AUTH);
    const rest = second.body.entry.map((e: any) => e.resource.id);
    expect(seen).toEqual(['anna', 'bob']);
    expect(rest).toEqual(['cleo']);
    await http(t).delete('/fhir/Patient/aaron').set(AUTH);
  });

  it('refuses a cursor that was edited, used by another caller, or moved to another search', async () => {
    const first = await search('Observation?_count=2');
    const next = new URL(first.body.link.find((l: any) => l.relation === 'next').url);
    const cursor = next.searchParams.get('_cursor')!;
    const tampered = `${cursor.slice(0, -2)}${cursor.endsWith('A') ? 'BB' : 'AA'}`;
    for (const [path, auth] of [
      [`Observation?_count=2&_cursor=${tampered}`, AUTH],
      [`Observation?_count=2&_cursor=${cursor}`, OTHER_AUTH],
      [`Observation?_count=2&code=8480-6&_cursor=${cursor}`, AUTH],
      [`Patient?_count=2&_cursor=${cursor}`, AUTH],
    ] as const) {
      const res = await search(path, auth);
      expect(res.status).toBe(400);
      expect(res.body.issue[0].expression).toEqual(['_cursor']);
    }
    expect((await search(`Observation?_count=2&_cursor=${cursor}`)).status).toBe(200);
  });
});

describe('unknown and malformed parameters', () => {
  it('ignores an unknown parameter and reports it in an outcome entry', async () => {
    const res = await search('Observation?patient=bob&colour=blue');
    expect(res.status).toBe(200);
    const outcomeEntry = res.body.entry.find((e: any) => e.search.mode === 'outcome');
    expect(outcomeEntry.resource.issue[0].expression).toEqual(['colour']);
    expect(res.body.entry.filter((e: any) => e.search.mode === 'match')).toHaveLength(3);
    expect(res.body.link[0].url).not.toContain('colour');
  });

  it('refuses it with Prefer: handling=strict', async () => {
    const res = await http(t).get('/fhir/Observation?colour=blue').set(AUTH).set('prefer', 'handling=strict');
    expect(res.status).toBe(400);
    expect(res.body.issue[0].expression).toEqual(['colour']);
  });

  it.each([
    ['Observation?date=2020-13-01', 'date'],
    ['Observation?date=xx2020', 'date'],
    ['Observation?value-quantity=ten', 'value-quantity'],
    ['Observation?value-quantity=10|kg', 'value-quantity'],
    ['Patient?identifier=a|b|c', 'identifier'],
    ['Observation?subject=not a reference', 'subject'],
    ['Patient?gender:sounds-like=f', 'gender:sounds-like'],
    ['Observation?code-value-quantity=http://loinc.org|8480-6', 'code-value-quantity'],
    ['Patient?birthdate:missing=maybe', 'birthdate:missing'],
    ['Observation?_sort=colour', '_sort'],
    ['Observation?_include=Observation:colour', '_include'],
    ['Observation?_total=some', '_total'],
    ['Observation?_summary=short', '_summary'],
    ['Observation?_elements=a.b', '_elements'],
    ['Observation?subject:Patient.colour=x', 'subject:Patient.colour'],
    ['Patient?_has:Observation:colour:code=x', '_has:Observation:colour:code'],
    ['Observation?_count=lots', undefined],
  ])('%s is a 400 naming the parameter', async (path, name) => {
    const res = await search(path);
    expect(res.status).toBe(400);
    expect(res.body.resourceType).toBe('OperationOutcome');
    if (name) expect(res.body.issue[0].expression).toEqual([name]);
  });
});
