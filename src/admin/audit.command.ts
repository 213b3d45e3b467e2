// `audit verify [--expect-head HASH]`: recomputes the audit trail's hash chain from the first record to the last
// and prints what it found; exit status 1 when the chain is broken or the expected head is not in it.
// https://hl7.org/fhir/R4/auditevent.html
import { verifyAuditChain } from '../audit/audit-chain.verifier';
import { DatabaseSession } from '../storage/database-session';
import { AdminCommand, UsageError } from './admin-command';
import { CliOptions, subcommand } from './cli-options';

const ACTIONS = ['verify'] as const;

interface AuditOptions {
  action: 'verify';
  expectHead?: Buffer;
}

export const auditCommand: AdminCommand<AuditOptions> = {
  name: 'audit',
  usage: 'audit verify [--expect-head HASH]',
  summary: 'check the hash chain of the audit trail (HASH: a head printed by an earlier run, kept elsewhere)',

  parse(args) {
    const [action, rest] = subcommand(args, 'audit', ACTIONS);
    const o = CliOptions.parse(rest, { 'expect-head': 'one' }, `audit ${action}`);
    const head = o.one('expect-head');
    if (head !== undefined && !/^[0-9a-f]{64}$/i.test(head)) throw new UsageError('--expect-head takes the 64 hex digits of a head hash');
    return { action, expectHead: head === undefined ? undefined : Buffer.from(head, 'hex') };
  },

  async run({ expectHead }, { app, logger }) {
    const report = await verifyAuditChain(app.get(DatabaseSession), { expectHead });
    if (report.intact) logger.log(`The audit trail is intact: ${report.records} records; keep the head ${report.head ?? '(none)'} to check against later`);
    else logger.error(`The audit trail is broken at record ${report.firstBroken?.seq}: ${report.firstBroken?.detail}`);
    return { output: report, exitCode: report.intact ? 0 : 1 };
  },
};
