// Reads `--name value` and `--name=value` options of an admin subcommand into lists of values: unknown options,
// missing values, repeats of single-valued options and stray words are usage errors.
import { UsageError } from './admin-command';

/** 'one': at most once; 'many': repeatable. */
export type OptionSpec = Record<string, 'one' | 'many'>;

export class CliOptions {
  private constructor(private readonly values: Map<string, string[]>, private readonly context: string) {}

  static parse(args: string[], spec: OptionSpec, context: string): CliOptions {
    const values = new Map<string, string[]>();
    for (let i = 0; i < args.length; i++) {
      const arg = args[i];
      if (!arg.startsWith('--')) throw new UsageError(`${context}: unexpected argument "${arg}"`);
      const eq = arg.indexOf('=');
      const name = arg.slice(2, eq < 0 ? undefined : eq);
      if (name === 'password') {
        throw new UsageError('Passwords are not taken on the command line (they would show in the process list and the shell history): use --password-file FILE');
      }
      if (!(name in spec)) throw new UsageError(`${context}: unknown option --${name}`);
      let value: string;
      if (eq >= 0) value = arg.slice(eq + 1);
      else {
        if (i + 1 >= args.length || args[i + 1].startsWith('--')) throw new UsageError(`${context}: --${name} needs a value`);
        value = args[++i];
      }
      const list = values.get(name) ?? [];
      if (spec[name] === 'one' && list.length > 0) throw new UsageError(`${context}: --${name} may be given once only`);
      list.push(value);
      values.set(name, list);
    }
    return new CliOptions(values, context);
  }

  one(name: string): string | undefined {
    return this.values.get(name)?.[0];
  }

  all(name: string): string[] {
    return this.values.get(name) ?? [];
  }

  required(name: string): string {
    const value = this.one(name);
    if (value === undefined || value === '') throw new UsageError(`${this.context} needs --${name}`);
    return value;
  }
}

/** The subcommand word and the arguments after it; a missing or unknown word is a usage error. */
export function subcommand<T extends string>(args: string[], command: string, known: readonly T[]): [T, string[]] {
  const [word, ...rest] = args;
  if (word === undefined) throw new UsageError(`${command} needs a subcommand: ${known.join(', ')}`);
  if (!(known as readonly string[]).includes(word)) throw new UsageError(`Unknown subcommand "${command} ${word}"; one of: ${known.join(', ')}`);
  return [word as T, rest];
}
