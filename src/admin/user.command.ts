// `user add|passwd|disable|enable|list`: the people who sign in at the authorization server (patients linked to a
// Patient, practitioners linked to a Practitioner, administrators). Plain table writes: a running server sees a
// change at once. Passwords come from a file and are stored as argon2id hashes; no output shows them.
import { DataSource } from 'typeorm';
import { AppUser, UserRole, UsersRepository } from '../smart/users.repository';
import { AdminCommand, CommandError } from './admin-command';
import { CliOptions, subcommand } from './cli-options';
import { checkFhirUser, checkRole, checkUsername, readPasswordFile, ROLES } from './user-input';

const ACTIONS = ['add', 'passwd', 'disable', 'enable', 'list'] as const;
const LIVE_RESOURCE = 'SELECT 1 FROM resource WHERE resource_type = $1 AND id = $2 AND NOT deleted';
const UNIQUE_VIOLATION = '23505';

type UserOptions =
  | { action: 'add'; username: string; password: string; role: UserRole; fhirUser?: string }
  | { action: 'passwd'; username: string; password: string }
  | { action: 'disable' | 'enable'; username: string }
  | { action: 'list' };

/** The JSON form of a user: never the password or its hash. */
export function userJson(user: AppUser): Record<string, unknown> {
  return { id: user.id, username: user.username, role: user.role, fhir_user: user.fhirUser ?? null, disabled: user.disabled, created: user.created };
}

function found(user: AppUser | undefined, username: string): AppUser {
  if (!user) throw new CommandError(`No user is named "${username}"`);
  return user;
}

export const userCommand: AdminCommand<UserOptions> = {
  name: 'user',
  usage: `user add --username NAME --password-file FILE --role ${ROLES.join('|')} [--fhir-user Patient/ID|Practitioner/ID]
       user passwd --username NAME --password-file FILE
       user disable|enable --username NAME
       user list`,
  summary: 'add, list, disable and enable users of the authorization server; set their passwords',

  parse(args) {
    const [action, rest] = subcommand(args, 'user', ACTIONS);
    const context = `user ${action}`;
    switch (action) {
      case 'add': {
        const o = CliOptions.parse(rest, { username: 'one', 'password-file': 'one', role: 'one', 'fhir-user': 'one' }, context);
        const role = checkRole(o.required('role'));
        return { action, username: checkUsername(o.required('username')), role, fhirUser: checkFhirUser(role, o.one('fhir-user')), password: readPasswordFile(o.required('password-file')) };
      }
      case 'passwd': {
        const o = CliOptions.parse(rest, { username: 'one', 'password-file': 'one' }, context);
        return { action, username: checkUsername(o.required('username')), password: readPasswordFile(o.required('password-file')) };
      }
      case 'disable':
      case 'enable':
        return { action, username: checkUsername(CliOptions.parse(rest, { username: 'one' }, context).required('username')) };
      case 'list':
        CliOptions.parse(rest, {}, context);
        return { action };
    }
  },

  async run(options, { app }) {
    const users = app.get(UsersRepository);
    switch (options.action) {
      case 'add': {
        if (options.fhirUser) {
          const [type, id] = options.fhirUser.split('/');
          const rows = (await app.get(DataSource).query(LIVE_RESOURCE, [type, id])) as unknown[];
          if (rows.length === 0) throw new CommandError(`${options.fhirUser} does not exist on this server (or was deleted): create it first`);
        }
        try {
          const user = await users.create({ username: options.username, password: options.password, role: options.role, fhirUser: options.fhirUser });
          return { output: userJson(user), exitCode: 0 };
        } catch (err) {
          if ((err as { code?: string }).code === UNIQUE_VIOLATION) throw new CommandError(`A user named "${options.username}" already exists`);
          throw err;
        }
      }
      case 'passwd':
        return { output: userJson(found(await users.setPassword(options.username, options.password), options.username)), exitCode: 0 };
      case 'disable':
      case 'enable':
        return { output: userJson(found(await users.setDisabled(options.username, options.action === 'disable'), options.username)), exitCode: 0 };
      case 'list':
        return { output: (await users.list()).map(userJson), exitCode: 0 };
    }
  },
};
