// The table of write cases for one caller and type, each with the answer the oracle derives: SMART permission
// per interaction (create c, update and patch u, delete d, conditional forms also s), then the compartment of
// the resource before and after the write. A hidden target answers as a missing one (405 for PUT, 404 for
// PATCH, 204 for DELETE, no match for conditional criteria). https://hl7.org/fhir/smart-app-launch/scopes-and-launch-context.html
import { Expect } from './matrix-runner';
import { ID_SYSTEM } from './seed-records';
import { KINDS, KindName, PatientLabel, TokenKind } from './token-kinds';
import { WriteCase, WriteMatrix, WriteType } from './write-cases';

/** The patient a caller writes for: its launch patient, else A. */
export function home(kind: KindName): PatientLabel {
  const k: TokenKind = KINDS[kind];
  return (k.valid && k.patient) || 'A';
}

export function writeCases(m: WriteMatrix, kind: KindName, wt: WriteType): WriteCase[] {
  const o = m.w.oracle;
  const sees = (owner: PatientLabel | null, perm: 'c' | 'r' | 'u' | 'd' | 's') => o.sees(kind, m.placement(wt, owner), perm);
  const compartment = wt.type !== 'Medication';
  const owners: (PatientLabel | null)[] = compartment ? ['A', 'B'] : [null];
  const mine = compartment ? home(kind) : null;
  const type = wt.type;
  const cases: WriteCase[] = [];
  const at = (key: string) => `${type}/${m.book.get(key).id}`;
  const criteria = (key: string) => `${type}?identifier=${encodeURIComponent(`${ID_SYSTEM}|ID-${key}`)}`;

  for (const owner of [...owners, ...(compartment && wt.orphan ? [null] : [])]) {
    const key = `${kind}:create-${owner ?? 'none'}:${type}`;
    cases.push({
      probe: () => ({ label: `create ${key}`, kind, method: 'POST', path: type, body: m.body(wt, key, owner), expect: m.gate(kind, type, ['c'], () => ({ status: sees(owner, 'c') ? 201 : 403 })) }),
      verify: m.createdCount(wt, key, (s) => (s === 201 ? 1 : 0)),
    });
  }

  // update and patch in place, and (compartment types) moving the resource to the other patient
  const moves: [PatientLabel | null, PatientLabel | null][] = [...owners.map((p): [PatientLabel | null, PatientLabel | null] => [p, p]), ...(compartment ? [['A', 'B'], ['B', 'A']] as [PatientLabel, PatientLabel][] : [])];
  for (const [from, to] of moves) {
    const key = m.target(kind, `put-${from}-${to}`, wt, from);
    cases.push({
      probe: () => {
        const missingId = m.missingId();
        const body = m.body(wt, key, to, { id: true });
        const expect = m.gate(kind, type, ['u'], (): Expect => (!sees(from, 'u')
          ? { status: 405, code: 'update-create-disabled', likeMissing: { path: `${type}/${missingId}`, id: m.book.get(key).id, missingId, body: { ...body, id: missingId } } }
          : { status: sees(to, 'u') ? 200 : 403 }));
        return { label: `update ${key}`, kind, method: 'PUT', path: at(key), body, expect };
      },
      verify: m.unchangedUnless(key, [200], to),
    });
    const pkey = m.target(kind, `patch-${from}-${to}`, wt, from);
    cases.push({
      probe: () => {
        const missingId = m.missingId();
        const ops: unknown[] = [{ op: 'add', path: '/extension/-', value: { url: 'http://example.org/patched', valueString: kind } }];
        if (from !== to) ops.push({ op: 'replace', path: '/subject', value: { reference: `Patient/${m.book.get(to!).id}` } });
        // JSON Patch works on the stored content: it needs read as well as update, on the type and on the row
        const expect = m.gate(kind, type, ['u', 'r'], (): Expect => (!sees(from, 'u') || !sees(from, 'r')
          ? { status: 404, likeMissing: { path: `${type}/${missingId}`, id: m.book.get(pkey).id, missingId } }
          : { status: sees(to, 'u') ? 200 : 403 }));
        return { label: `patch ${pkey}`, kind, method: 'PATCH', path: at(pkey), body: ops, expect };
      },
      verify: m.unchangedUnless(pkey, [200], to),
    });
  }

  for (const owner of owners) {
    const key = m.target(kind, `delete-${owner}`, wt, owner);
    cases.push({
      probe: () => ({ label: `delete ${key}`, kind, method: 'DELETE', path: at(key), expect: m.gate(kind, type, ['d'], () => ({ status: 204 })) }),
      verify: m.unchangedUnless(key, sees(owner, 'd') ? [204] : []),
    });
    const cdKey = m.target(kind, `cond-delete-${owner}`, wt, owner);
    cases.push({
      probe: () => ({ label: `conditional delete ${cdKey}`, kind, method: 'DELETE', path: criteria(cdKey), expect: m.gate(kind, type, ['d', 's'], () => ({ status: 204 })) }),
      verify: m.unchangedUnless(cdKey, sees(owner, 's') && sees(owner, 'd') ? [204] : []),
    });

    // conditional create and update naming the target's identifier, with a body for the caller's own patient
    const ccKey = m.target(kind, `cond-create-${owner}`, wt, owner);
    cases.push({
      probe: () => ({
        label: `conditional create ${ccKey}`, kind, method: 'POST', path: type, body: m.body(wt, `${ccKey}#new`, mine, { identKey: ccKey }),
        headers: { 'if-none-exist': `identifier=${ID_SYSTEM}|ID-${ccKey}` },
        expect: m.gate(kind, type, ['c', 's'], () => ({ status: sees(owner, 's') ? 200 : sees(mine, 'c') ? 201 : 403 })),
      }),
      verify: async (s) => [...await m.createdCount(wt, ccKey, (st) => (st === 201 ? 2 : 1))(s), ...await m.unchangedUnless(ccKey, [])(s)],
    });
    const cuKey = m.target(kind, `cond-update-${owner}`, wt, owner);
    const matched = () => sees(owner, 's') && sees(owner, 'u');
    cases.push({
      probe: () => ({
        label: `conditional update ${cuKey}`, kind, method: 'PUT', path: criteria(cuKey), body: m.body(wt, `${cuKey}#new`, mine, { identKey: cuKey }),
        expect: m.gate(kind, type, ['u', 's'], () => ({
          status: matched() ? (sees(mine, 'u') ? 200 : 403) : o.grantsOn(kind, type, 'c') && sees(mine, 'c') ? 201 : 403,
        })),
      }),
      verify: async (s) => [...await m.createdCount(wt, cuKey, (st) => (st === 201 ? 2 : 1))(s), ...await m.unchangedUnless(cuKey, [200])(s)],
    });
  }
  return cases;
}
