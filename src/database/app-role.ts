// The database role the application's statements run as: NOLOGIN, made by the connecting (owner) role after the
// migrations, with SELECT/INSERT/UPDATE/DELETE on every table but audit_event, where it may only SELECT and INSERT.
// The runtime pool takes it on for each connection (startup option `-c role=fhir_app`).
// https://www.postgresql.org/docs/current/sql-set-role.html https://www.postgresql.org/docs/current/ddl-priv.html
import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';

export const APP_ROLE = 'fhir_app';

/** Tables the application reads but never writes. */
const READ_ONLY = ['schema_migrations'];
/** Tables the application may only read and append to. */
const APPEND_ONLY = ['audit_event'];

const ROLE_EXISTS = 'SELECT 1 FROM pg_roles WHERE rolname = $1';
/**
 * Role names cannot be bound parameters, so only names of one fixed shape are accepted: `fhir_app`, or (for tests
 * on a shared cluster) `fhir_app_` followed by lower-case letters, digits and underscores. Nothing else reaches SQL.
 */
const ROLE_NAME = /^fhir_app(_[a-z0-9]{1,40}){0,3}$/;
/** PostgreSQL 16 separated taking a role on (SET) from membership. */
const IS_MEMBER = "SELECT pg_has_role(current_user, $1, CASE WHEN current_setting('server_version_num')::int >= 160000 THEN 'SET' ELSE 'MEMBER' END) AS ok";
/** Two different server processes may make the role at the same moment: one of them sees one of these. */
const ALREADY_MADE = new Set(['42710', '23505']);
/** GRANTs by concurrent starts on the same tables: "tuple concurrently updated". */
const CONCURRENT_UPDATE = 'XX000';

function checkedRole(role: string): string {
  if (!ROLE_NAME.test(role)) throw new Error('The application role name must be fhir_app or fhir_app_<lower-case letters and digits>');
  return role;
}

/**
 * The schema is named by PostgreSQL itself (current_schema(), quoted by format's %I) inside the statement:
 * its name never passes through this process.
 */
function inCurrentSchema(template: string): string {
  return `DO $$ BEGIN EXECUTE format('${template}', current_schema()); END $$`;
}

async function makeRole(dataSource: DataSource, role: string): Promise<void> {
  if ((await dataSource.query(ROLE_EXISTS, [role])).length > 0) return;
  try {
    await dataSource.query(`CREATE ROLE ${checkedRole(role)} NOLOGIN NOINHERIT`);
  } catch (err) {
    if (!ALREADY_MADE.has((err as { code?: string }).code ?? '')) throw err;
  }
}

/** Grants, each statement alone: a failed one says which. Every table present now, so re-run at every start. */
async function grant(dataSource: DataSource, role: string): Promise<void> {
  const to = checkedRole(role);
  const statements = [
    inCurrentSchema(`GRANT USAGE ON SCHEMA %I TO ${to}`),
    inCurrentSchema(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA %I TO ${to}`),
    inCurrentSchema(`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA %I TO ${to}`),
    // table names from the fixed lists above, found on the search path (the current schema)
    ...READ_ONLY.map((t) => `REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON ${t} FROM ${to}`),
    ...APPEND_ONLY.map((t) => `REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON ${t} FROM ${to}`),
  ];
  // One transaction under a lock, so that concurrent starts on one database do not trip over each other's GRANTs.
  await dataSource.transaction(async (em) => {
    await em.query("SELECT pg_advisory_xact_lock(hashtext('fhir_app role grants'))");
    for (const sql of statements) await em.query(sql);
  });
}

/**
 * Makes (if missing) and grants the application role, and makes sure the connecting role may take it on.
 * Returns the role's name, or undefined (with one warning) when the connecting role cannot do this: the
 * application then runs as the connecting role, and only audit_event's triggers keep it append-only.
 */
export async function prepareAppRole(dataSource: DataSource, logger = new Logger('Database'), role = APP_ROLE): Promise<string | undefined> {
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        await makeRole(dataSource, role);
        const [{ ok }] = (await dataSource.query(IS_MEMBER, [role])) as { ok: boolean }[];
        // A role made by a CREATEROLE (not superuser) role is administered by it but not yet SET-able by it.
        if (!ok) await dataSource.query(`GRANT ${checkedRole(role)} TO CURRENT_USER`);
        await grant(dataSource, role);
        return role;
      } catch (err) {
        if ((err as { code?: string }).code !== CONCURRENT_UPDATE || attempt >= 5) throw err;
      }
    }
  } catch (err) {
    logger.warn(`The application runs as the connecting database role: the role ${role} could not be set up ` +
      `(${(err as Error).message}). audit_event stays append-only through its triggers only. A superuser can make it ` +
      `work: GRANT ${role} TO <the role of DATABASE_URL>, or give that role CREATEROLE before the role exists.`);
    return undefined;
  }
}
