// Users who sign in at the authorization server: patients (linked to a Patient), practitioners (linked to a
// Practitioner) and administrators. Passwords are kept as argon2id hashes only.
import { Injectable } from '@nestjs/common';
import * as argon2 from 'argon2';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';

export type UserRole = 'patient' | 'practitioner' | 'admin';

export interface AppUser {
  id: string;
  username: string;
  role: UserRole;
  /** "Patient/123" or "Practitioner/456"; absent for an administrator without one. */
  fhirUser?: string;
  disabled: boolean;
  created: string;
}

interface UserRow {
  id: string;
  username: string;
  password_hash: string;
  role: UserRole;
  fhir_user: string | null;
  disabled: boolean;
  created: Date;
}

// Every statement is fixed text; values are bound.
const COLUMNS = 'id, username, password_hash, role, fhir_user, disabled, created';
const INSERT = 'INSERT INTO app_user (id, username, password_hash, role, fhir_user) VALUES ($1, $2, $3, $4, $5) RETURNING ' + COLUMNS;
const BY_ID = 'SELECT ' + COLUMNS + ' FROM app_user WHERE id = $1';
const BY_USERNAME = 'SELECT ' + COLUMNS + ' FROM app_user WHERE username = $1';
const ALL = 'SELECT ' + COLUMNS + ' FROM app_user ORDER BY username';
const SET_PASSWORD = 'UPDATE app_user SET password_hash = $2, updated = now() WHERE username = $1 RETURNING ' + COLUMNS;
const SET_DISABLED = 'UPDATE app_user SET disabled = $2, updated = now() WHERE username = $1 RETURNING ' + COLUMNS;
/** argon2id with the library's defaults (64 MiB, 3 passes) */
const HASH_OPTIONS = { type: argon2.argon2id } as const;

function toUser(row: UserRow): AppUser {
  const user: AppUser = { id: row.id, username: row.username, role: row.role, disabled: row.disabled, created: row.created.toISOString() };
  if (row.fhir_user) user.fhirUser = row.fhir_user;
  return user;
}

@Injectable()
export class UsersRepository {
  /** A hash of a random password, verified when the user is unknown so that both answers take the same time. */
  private readonly decoy = argon2.hash(randomUUID(), HASH_OPTIONS);

  constructor(private readonly dataSource: DataSource) {}

  async create(input: { username: string; password: string; role: UserRole; fhirUser?: string }): Promise<AppUser> {
    const hash = await argon2.hash(input.password, HASH_OPTIONS);
    const rows = (await this.dataSource.query(
      INSERT,
      [randomUUID(), input.username, hash, input.role, input.fhirUser ?? null],
    )) as UserRow[];
    return toUser(rows[0]);
  }

  async byId(id: string): Promise<AppUser | undefined> {
    const rows = (await this.dataSource.query(BY_ID, [id])) as UserRow[];
    return rows[0] ? toUser(rows[0]) : undefined;
  }

  async byUsername(username: string): Promise<AppUser | undefined> {
    const rows = (await this.dataSource.query(BY_USERNAME, [username])) as UserRow[];
    return rows[0] ? toUser(rows[0]) : undefined;
  }

  async list(): Promise<AppUser[]> {
    return ((await this.dataSource.query(ALL)) as UserRow[]).map(toUser);
  }

  /**
   * The enabled user whose password this is, or undefined. An unknown user costs one hash verification too,
   * so the answer time does not tell whether the name exists.
   */
  async verify(username: string, password: string): Promise<AppUser | undefined> {
    const rows = (await this.dataSource.query(BY_USERNAME, [username])) as UserRow[];
    const row = rows[0];
    const ok = await argon2.verify(row?.password_hash ?? (await this.decoy), password).catch(() => false);
    return row && ok && !row.disabled ? toUser(row) : undefined;
  }

  async setPassword(username: string, password: string): Promise<AppUser | undefined> {
    const hash = await argon2.hash(password, HASH_OPTIONS);
    const rows = (await this.dataSource.query(
      SET_PASSWORD, [username, hash])) as [UserRow[], number];
    return rows[0][0] ? toUser(rows[0][0]) : undefined;
  }

  async setDisabled(username: string, disabled: boolean): Promise<AppUser | undefined> {
    const rows = (await this.dataSource.query(
      SET_DISABLED, [username, disabled])) as [UserRow[], number];
    return rows[0][0] ? toUser(rows[0][0]) : undefined;
  }
}
