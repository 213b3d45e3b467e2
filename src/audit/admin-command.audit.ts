// The AuditEvent of one admin CLI command (users, clients, import, reindex, audit verify): who ran it (the
// operating-system account and host), the command and subcommand, and whether it succeeded. Never its other
// arguments or its output, which may hold a client secret. https://hl7.org/fhir/R4/auditevent.html
import * as os from 'node:os';
import { AuditTrail } from './audit-trail.service';
import { AuditInput } from './audit-event.builder';
import { AUDIT_SUBTYPE_SYSTEM, Coding, SYSTEM_OBJECT } from './audit-codes';

const APPLICATION_ACTIVITY: Coding = { system: 'http://dicom.nema.org/resources/ontology/DCM', code: '110100', display: 'Application Activity' };
const ADMIN_COMMAND: Coding = { system: AUDIT_SUBTYPE_SYSTEM, code: 'admin-command', display: 'Admin CLI command' };
const WORD = /^[a-z][a-z-]{0,31}$/;

/** `exitCode` undefined: the command failed with an error. */
export function adminCommandAudit(command: string, args: string[], exitCode: number | undefined): AuditInput {
  const action = args[0] !== undefined && WORD.test(args[0]) ? ` ${args[0]}` : '';
  let account = 'unknown';
  try {
    account = `${os.userInfo().username}@${os.hostname()}`;
  } catch {
    // no account name on this platform: recorded as unknown
  }
  return {
    type: APPLICATION_ACTIVITY, subtype: [ADMIN_COMMAND], action: 'E', outcome: exitCode === 0 ? '0' : '4',
    outcomeDesc: exitCode === 0 ? undefined : `exit status ${exitCode ?? 1}`,
    actor: { userName: account.slice(0, 200) },
    entities: [{ type: SYSTEM_OBJECT, name: `${command}${action}`.slice(0, 64) }],
  };
}

export function recordAdminCommand(trail: AuditTrail, command: string, args: string[], exitCode: number | undefined): void {
  trail.record(adminCommandAudit(command, args, exitCode));
}
