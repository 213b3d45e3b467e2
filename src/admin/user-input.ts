// Checks what `user` commands take: the username, the password (read from a file, never from the command line)
// and the FHIR resource a user stands for, which must suit the role.
import * as fs from 'node:fs';
import type { UserRole } from '../smart/users.repository';
import { UsageError } from './admin-command';

export const ROLES: readonly UserRole[] = ['patient', 'practitioner', 'admin'];
const USERNAME = /^[A-Za-z0-9._@-]{3,64}$/;
export const PASSWORD_MIN_LENGTH = 12;
const PASSWORD_MAX_LENGTH = 1024;
/** A FHIR id (R4 `id` datatype). */
const FHIR_ID = '[A-Za-z0-9\\-.]{1,64}';
const FHIR_USER: Record<UserRole, RegExp> = {
  patient: new RegExp(`^Patient/${FHIR_ID}$`),
  practitioner: new RegExp(`^(Practitioner|PractitionerRole)/${FHIR_ID}$`),
  admin: new RegExp(`^(Practitioner|PractitionerRole)/${FHIR_ID}$`),
};

export function checkUsername(value: string): string {
  if (!USERNAME.test(value)) throw new UsageError(`Username "${value}": 3 to 64 characters of A-Z a-z 0-9 . _ @ -`);
  return value;
}

export function checkRole(value: string): UserRole {
  if (!(ROLES as string[]).includes(value)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
  return value as UserRole;
}

/** The password in the file, without one trailing newline; at least PASSWORD_MIN_LENGTH characters. */
export function readPasswordFile(file: string): string {
  let text: string;
  try {
    if (!fs.statSync(file).isFile()) throw new UsageError(`Password file ${file} is not a file`);
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`Password file ${file} cannot be read: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'it does not exist' : (err as Error).message}`);
  }
  const password = text.replace(/\r?\n$/, '');
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH) throw new UsageError(`The password in ${file} is too short: at least ${PASSWORD_MIN_LENGTH} characters`);
  if (length > PASSWORD_MAX_LENGTH) throw new UsageError(`The password in ${file} is too long: at most ${PASSWORD_MAX_LENGTH} characters`);
  return password;
}

/** `Patient/<id>` for a patient, `Practitioner/<id>` or `PractitionerRole/<id>` for a practitioner (optional for an admin). */
export function checkFhirUser(role: UserRole, value: string | undefined): string | undefined {
  if (value === undefined) {
    if (role === 'admin') return undefined;
    throw new UsageError(`A ${role} needs --fhir-user ${role === 'patient' ? 'Patient/ID' : 'Practitioner/ID'}`);
  }
  if (!FHIR_USER[role].test(value)) {
    const expected = role === 'patient' ? 'Patient/ID' : 'Practitioner/ID or PractitionerRole/ID';
    throw new UsageError(`--fhir-user "${value}" does not suit the role ${role}: expected ${expected}`);
  }
  return value;
}
