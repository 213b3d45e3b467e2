// The audit trail's storage: gapless and hash-chained however many writers append at once, append-only for the
// application's own database role (and, through triggers, for anyone who does not disable them), written out at
// shutdown; and `audit verify`, spawned as an operator runs it, passes on the intact chain and names the record
// after an edit, a removal, a swap, a changed search key, and (with --expect-head) the newest records removed.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client as PgClient } from 'pg';
import { DataSource } from 'typeorm';
import { REST_TYPE, restSubtype } from '../../src/audit/audit-codes';
import { AuditTrail } from '../../src/audit/audit-trail.service';
import { DatabaseSession } from '../../src/storage/database-session';
import { chainHash, GENESIS_HASH, micros } from '../../src/audit/audit-chain';
import { http } from '../support/clients';
import { AUTH, startTestApp, TestApp } from '../support/test-app';

const ADMIN = path.join(__dirname, '..', '..', 'dist', 'src', 'admin', 'main.js');

interface Run {
  code: number | null;
  json: any;
  stderr: string;
}

function verify(t: TestApp, extra: string[] = []): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: t.databaseUrl, LOG_LEVEL: 'warn' };
  delete env.DATA_DIR;
  const child = spawn(process.execPath, [ADMIN, 'audit', 'verify', ...extra], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('exit', (code) => {
    let json: any;
    try {
      json = JSON.parse(stdout);
    } catch {
      json = undefined;
    }
    resolve({ code, json, stderr });
  }));
}

const event = (n: number) => ({
  type: REST_TYPE, subtype: [restSubtype('read')], action: 'R' as const, outcome: '0' as const,
  actor: { userId: `user-${n}`, clientId: 'chain-test' }, patients: [`Patient/p${n % 3}`],
});

let t: TestApp;
let owner: PgClient;
const rows = async (sql: string, params: unknown[] = []) => (await owner.query(sql, params)).rows;

/** As the owner (or a superuser) with database access would: the triggers switched off for one transaction. */
async function tamper(sql: string, params: unknown[] = []): Promise<void> {
  await owner.query('BEGIN');
  try {
    await owner.query('ALTER TABLE audit_event DISABLE TRIGGER USER');
    await owner.query(sql, params);
    await owner.query('ALTER TABLE audit_event ENABLE TRIGGER USER');
    await owner.query('COMMIT');
  } catch (err) {
    await owner.query('ROLLBACK');
    throw err;
  }
}

beforeAll(async () => {
  if (!fs.existsSync(ADMIN)) throw new Error('Build first (npm run build): dist/src/admin/main.js is missing');
  t = await startTestApp();
  owner = new PgClient({ connectionString: t.databaseUrl });
  await owner.connect();
});
afterAll(async () => {
  await owner.end();
  await t.close();
});

describe('writing', () => {
  it('chains every record, gapless, while several writers append at once', async () => {
    const first = t.app.get(AuditTrail);
    // A second writer with its own queue on the same database: as a second server instance would be.
    const second = new AuditTrail(t.app.get(DatabaseSession), t.config);
    for (let i = 0; i < 1300; i++) (i % 2 ? first : second).record(event(i));
    const requests = Array.from({ length: 20 }, () => http(t).get('/fhir/Patient?_count=1').set(AUTH));
    await Promise.all([...requests, first.flush(), second.flush()]);
    await first.flush();

    const stored = await rows('SELECT seq::int AS seq, recorded, content, prev_hash, hash FROM audit_event ORDER BY seq');
    expect(stored.length).toBeGreaterThanOrEqual(1320);
    let prev = GENESIS_HASH;
    stored.forEach((row, i) => {
      expect(row.seq).toBe(i + 1);
      expect(row.prev_hash).toEqual(prev);
      expect(row.hash).toEqual(chainHash(prev, { seq: BigInt(row.seq), recordedMicros: micros(row.recorded), content: row.content }));
      prev = row.hash;
    });
  });

  it('keeps the searchable columns equal to the content', async () => {
    const [row] = await rows("SELECT compartments, agents, content FROM audit_event WHERE content LIKE '%user-4\"%'");
    expect(row.compartments).toEqual(['Patient/p1']);
    expect(row.agents).toEqual(['urn:fhir-server:client|chain-test', 'urn:fhir-server:user|user-4']);
    expect(JSON.parse(row.content)).toMatchObject({ resourceType: 'AuditEvent', action: 'R', outcome: '0' });
  });
});

describe('append-only', () => {
  it('runs the application as its own role, which may read and append but not change or remove', async () => {
    const app = t.app.get(DataSource);
    expect(await app.query('SELECT current_user AS role')).toEqual([{ role: 'fhir_app' }]);
    for (const sql of ['UPDATE audit_event SET content = content WHERE seq = 1', 'DELETE FROM audit_event WHERE seq = 1', 'TRUNCATE audit_event']) {
      await expect(app.query(sql)).rejects.toThrow(/permission denied for table audit_event/);
    }
    await expect(app.query('ALTER TABLE audit_event DISABLE TRIGGER USER')).rejects.toThrow(/must be owner/);
    await expect(app.query('SELECT count(*) FROM audit_event')).resolves.toHaveLength(1);
    // Every other table stays writable for it.
    await expect(app.query("DELETE FROM login_throttle WHERE key = 'none'")).resolves.toBeDefined();
  });

  it('refuses UPDATE, DELETE and TRUNCATE through its triggers even to the owner', async () => {
    await expect(owner.query('UPDATE audit_event SET content = content WHERE seq = 1')).rejects.toThrow(/append-only: UPDATE refused/);
    await expect(owner.query('DELETE FROM audit_event WHERE seq = 1')).rejects.toThrow(/append-only: DELETE refused/);
    await expect(owner.query('TRUNCATE audit_event')).rejects.toThrow(/append-only: TRUNCATE refused/);
  });
});

describe('audit verify', () => {
  let intact: Run;
  beforeAll(async () => {
    await t.app.get(AuditTrail).flush();
    intact = await verify(t);
  });

  it('passes on the intact chain and prints its head', async () => {
    const [last] = await rows('SELECT seq::text AS seq FROM audit_event ORDER BY audit_event.seq DESC LIMIT 1');
    expect(intact.code).toBe(0);
    // The run itself is in the trail, after the head it printed.
    const [run] = await rows("SELECT seq::int AS seq, content FROM audit_event WHERE content LIKE '%admin-command%' ORDER BY seq");
    expect(intact.json).toMatchObject({ intact: true, records: run.seq - 1, firstSeq: '1', lastSeq: String(run.seq - 1), firstBroken: null, problems: [] });
    expect(last.seq).toBe(String(run.seq));
    expect(JSON.parse(run.content)).toMatchObject({
      subtype: [{ code: 'admin-command' }], outcome: '0', agent: [{ name: expect.stringContaining('@'), requestor: true }], entity: [{ name: 'audit verify' }],
    });
  });

  it('names a record whose content was edited', async () => {
    const [row] = await rows('SELECT content FROM audit_event WHERE seq = 5');
    await tamper("UPDATE audit_event SET content = replace(content, '\"outcome\":\"0\"', '\"outcome\":\"4\"') WHERE seq = 5");
    try {
      const run = await verify(t);
      expect(run.code).toBe(1);
      expect(run.json.intact).toBe(false);
      expect(run.json.firstBroken).toMatchObject({ seq: '5', reason: 'content-edited' });
      expect(run.json.problems).toHaveLength(1);
      expect(run.stderr).toMatch(/broken at record 5/);
      const [recorded] = await rows("SELECT content FROM audit_event WHERE content LIKE '%admin-command%' ORDER BY seq DESC LIMIT 1");
      expect(JSON.parse(recorded.content)).toMatchObject({ outcome: '4', outcomeDesc: 'exit status 1' });
    } finally {
      await tamper('UPDATE audit_event SET content = $1 WHERE seq = 5', [row.content]);
    }
  });

  it('names the place of a removed record', async () => {
    const [row] = await rows('SELECT * FROM audit_event WHERE seq = 7');
    await tamper('DELETE FROM audit_event WHERE seq = 7');
    try {
      const run = await verify(t);
      expect(run.code).toBe(1);
      expect(run.json.firstBroken).toMatchObject({ seq: '7', reason: 'record-removed' });
    } finally {
      await tamper('INSERT INTO audit_event SELECT * FROM json_populate_record(NULL::audit_event, $1)', [JSON.stringify({
        ...row, prev_hash: `\\x${row.prev_hash.toString('hex')}`, hash: `\\x${row.hash.toString('hex')}`,
      })]);
    }
  });

  it('names a removal whose gap was closed by renumbering the records after it', async () => {
    const [row] = await rows('SELECT * FROM audit_event WHERE seq = 3');
    const [{ max }] = await rows('SELECT max(seq)::int AS max FROM audit_event');
    await tamper('DELETE FROM audit_event WHERE seq = 3');
    await tamper('UPDATE audit_event SET seq = seq + 10000000 WHERE seq > 3');
    await tamper('UPDATE audit_event SET seq = seq - 10000001 WHERE seq > 10000000');
    try {
      const run = await verify(t);
      expect(run.code).toBe(1);
      expect(run.json.firstBroken).toMatchObject({ seq: '3', reason: 'record-removed' });
    } finally {
      // The verify run's own record went onto the renumbered chain: it goes too.
      await tamper('DELETE FROM audit_event WHERE seq >= $1', [max]);
      await tamper('UPDATE audit_event SET seq = seq + 10000001 WHERE seq >= 3');
      await tamper('UPDATE audit_event SET seq = seq - 10000000 WHERE seq > 10000000');
      await tamper('INSERT INTO audit_event SELECT * FROM json_populate_record(NULL::audit_event, $1)', [JSON.stringify({
        ...row, prev_hash: `\\x${row.prev_hash.toString('hex')}`, hash: `\\x${row.hash.toString('hex')}`,
      })]);
    }
  });

  it('names two records that were swapped', async () => {
    const swap = async () => {
      await tamper('UPDATE audit_event SET seq = 1000000 WHERE seq = 9');
      await tamper('UPDATE audit_event SET seq = 9 WHERE seq = 10');
      await tamper('UPDATE audit_event SET seq = 10 WHERE seq = 1000000');
    };
    await swap();
    try {
      const run = await verify(t);
      expect(run.code).toBe(1);
      expect(run.json.firstBroken).toMatchObject({ seq: '9', reason: 'records-reordered' });
    } finally {
      await swap();
    }
  });

  it('names a record whose patients were changed beside an intact chain', async () => {
    await tamper("UPDATE audit_event SET compartments = '{Patient/someone-else}' WHERE seq = 12");
    try {
      const run = await verify(t);
      expect(run.code).toBe(1);
      expect(run.json.firstBroken).toMatchObject({ seq: '12', reason: 'search-keys-edited' });
    } finally {
      const [row] = await rows('SELECT content FROM audit_event WHERE seq = 12');
      const patients = JSON.parse(row.content).entity.filter((e: any) => e.role?.code === '1').map((e: any) => e.what.reference);
      await tamper('UPDATE audit_event SET compartments = $1 WHERE seq = 12', [patients]);
    }
  });

  it('is intact again once restored, and checks the head kept from an earlier run', async () => {
    const run = await verify(t, ['--expect-head', intact.json.head]);
    expect(run.code).toBe(0);
    expect(run.json).toMatchObject({ intact: true, expectedHead: { hash: intact.json.head, foundAtSeq: intact.json.lastSeq } });
  });

  it('notices the newest records removed only against the head kept from before', async () => {
    const last = Number(intact.json.lastSeq);
    await tamper('DELETE FROM audit_event WHERE seq >= $1', [last - 1]);
    const plain = await verify(t);
    expect(plain.code).toBe(0); // the chain that is left is consistent: the limit the README states
    const checked = await verify(t, ['--expect-head', intact.json.head]);
    expect(checked.code).toBe(1);
    expect(checked.json.firstBroken).toMatchObject({ reason: 'head-missing' });
    expect(checked.json.expectedHead).toEqual({ hash: intact.json.head, foundAtSeq: null });
  });

  it('refuses a malformed head as a usage error', async () => {
    const run = await verify(t, ['--expect-head', 'abc']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/64 hex digits/);
  });
});

describe('shutdown', () => {
  it('writes what is queued before the pool closes', async () => {
    const [{ n: before }] = await rows('SELECT count(*)::int AS n FROM audit_event');
    const trail = t.app.get(AuditTrail);
    for (let i = 0; i < 25; i++) trail.record(event(i));
    await t.app.close(); // afterAll's close finds it closed
    const [{ n }] = await rows('SELECT count(*)::int AS n FROM audit_event');
    expect(n).toBe(before + 25);
  });
});
