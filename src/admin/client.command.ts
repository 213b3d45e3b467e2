// `client add|list|disable|enable|rotate-secret`: the apps registered with the authorization server, each with the
// scopes it may ask for. Kinds: public (PKCE, no secret), confidential (a secret, shown only on add and
// rotate-secret), asymmetric (a key pair) and backend (client_credentials, system/ scopes). Plain table writes:
// a running server sees a change at once. https://hl7.org/fhir/smart-app-launch/client-authentication.html
import { ClientKind, ClientsRepository, NewClient, RegisteredClient } from '../smart/clients.repository';
import { AdminCommand, CommandError, UsageError } from './admin-command';
import { readPublicJwks } from './client-jwks';
import { checkScopes } from './client-scopes';
import { appUrl, httpsUrl } from './client-urls';
import { CliOptions, subcommand } from './cli-options';

const ACTIONS = ['add', 'list', 'disable', 'enable', 'rotate-secret'] as const;
const KINDS: readonly ClientKind[] = ['public', 'confidential', 'asymmetric', 'backend'];
const NAME_MAX_LENGTH = 200;

type ClientOptions =
  | { action: 'add'; client: NewClient }
  | { action: 'disable' | 'enable' | 'rotate-secret'; clientId: string }
  | { action: 'list' };

/** The JSON form of a client, in OAuth dynamic-registration names; a secret only when one was just made. */
export function clientJson(client: RegisteredClient & { clientSecret?: string }): Record<string, unknown> {
  const json: Record<string, unknown> = { client_id: client.clientId };
  if (client.clientSecret) json.client_secret = client.clientSecret;
  Object.assign(json, { client_name: client.name, kind: client.kind, redirect_uris: client.redirectUris });
  if (client.launchUri) json.launch_uri = client.launchUri;
  if (client.jwksUri) json.jwks_uri = client.jwksUri;
  if (client.jwks) json.jwks = client.jwks;
  return Object.assign(json, { scope: client.scope, disabled: client.disabled, created: client.created });
}

function checkName(value: string): string {
  const name = value.trim();
  if (name === '' || name.length > NAME_MAX_LENGTH || /\p{Cc}/u.test(name)) throw new UsageError(`--name: 1 to ${NAME_MAX_LENGTH} printable characters`);
  return name;
}

async function parseAdd(args: string[]): Promise<NewClient> {
  const o = CliOptions.parse(args, { name: 'one', kind: 'one', 'redirect-uri': 'many', 'launch-uri': 'one', jwks: 'one', 'jwks-uri': 'one', scope: 'many' }, 'client add');
  const name = checkName(o.required('name'));
  const kind = o.required('kind') as ClientKind;
  if (!KINDS.includes(kind)) throw new UsageError(`--kind must be one of ${KINDS.join(', ')}`);
  if (o.all('scope').length === 0) throw new UsageError('client add needs --scope "SCOPES"');
  const scope = checkScopes(o.all('scope'), kind);
  const redirectUris = [...new Set(o.all('redirect-uri').map((u) => appUrl(u, '--redirect-uri')))];
  const launch = o.one('launch-uri');
  if (kind === 'backend') {
    if (redirectUris.length > 0 || launch !== undefined) throw new UsageError('A backend service takes no --redirect-uri or --launch-uri');
  } else if (redirectUris.length === 0) throw new UsageError(`A ${kind} app needs at least one --redirect-uri`);
  const jwksFile = o.one('jwks');
  const jwksUri = o.one('jwks-uri');
  if (kind === 'asymmetric' || kind === 'backend') {
    if ((jwksFile === undefined) === (jwksUri === undefined)) throw new UsageError(`A ${kind} client needs exactly one of --jwks FILE and --jwks-uri URL`);
  } else if (jwksFile !== undefined || jwksUri !== undefined) throw new UsageError(`A ${kind} app has no keys: --jwks and --jwks-uri are for asymmetric and backend clients`);
  return {
    name, kind, redirectUris, scope,
    launchUri: launch === undefined ? undefined : appUrl(launch, '--launch-uri'),
    jwks: jwksFile === undefined ? undefined : await readPublicJwks(jwksFile),
    jwksUri: jwksUri === undefined ? undefined : httpsUrl(jwksUri, '--jwks-uri'),
  };
}

function found<T>(client: T | undefined, clientId: string): T {
  if (!client) throw new CommandError(`No client has the id "${clientId}"`);
  return client;
}

export const clientCommand: AdminCommand<ClientOptions> = {
  name: 'client',
  usage: `client add --name NAME --kind ${KINDS.join('|')} --scope "SCOPES" [--redirect-uri URI]... [--launch-uri URI] [--jwks FILE | --jwks-uri URL]
       client list
       client disable|enable|rotate-secret --client-id ID`,
  summary: 'register apps and backend services with the scopes they may ask for; list, disable, enable, rotate secrets',

  async parse(args) {
    const [action, rest] = subcommand(args, 'client', ACTIONS);
    switch (action) {
      case 'add':
        return { action, client: await parseAdd(rest) };
      case 'list':
        CliOptions.parse(rest, {}, 'client list');
        return { action };
      default:
        return { action, clientId: CliOptions.parse(rest, { 'client-id': 'one' }, `client ${action}`).required('client-id') };
    }
  },

  async run(options, { app }) {
    const clients = app.get(ClientsRepository);
    switch (options.action) {
      case 'add':
        return { output: clientJson(await clients.create(options.client)), exitCode: 0 };
      case 'list':
        return { output: (await clients.list()).map(clientJson), exitCode: 0 };
      case 'disable':
      case 'enable':
        return { output: clientJson(found(await clients.setDisabled(options.clientId, options.action === 'disable'), options.clientId)), exitCode: 0 };
      case 'rotate-secret': {
        const existing = found(await clients.byId(options.clientId), options.clientId);
        if (existing.kind !== 'confidential') throw new CommandError(`Client "${options.clientId}" is ${existing.kind}: only confidential clients have a secret`);
        return { output: clientJson(found(await clients.rotateSecret(options.clientId), options.clientId)), exitCode: 0 };
      }
    }
  },
};
