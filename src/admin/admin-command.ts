// The shape of an admin CLI command: parse its arguments (before anything starts), then run on an application
// context and return the JSON document printed on stdout.
import { AdminContext } from './admin-context';

export interface AdminCommand<Options = unknown> {
  name: string;
  usage: string;
  summary: string;
  /** Throws (or rejects with) UsageError for arguments it cannot take; runs before the database is touched. */
  parse(args: string[]): Options | Promise<Options>;
  run(options: Options, context: AdminContext): Promise<AdminResult>;
}

export interface AdminResult {
  /** The JSON document for stdout. */
  output: unknown;
  /** 0 when everything succeeded, 1 when some items failed. */
  exitCode: 0 | 1;
}

/** Wrong arguments: the CLI prints the message and the usage, and exits 2. */
export class UsageError extends Error {}

/** A command that cannot be carried out (an unknown name, a duplicate): the CLI prints the message and exits 1. */
export class CommandError extends Error {}
