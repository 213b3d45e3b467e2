// Reads and validates the environment once at boot; every bad value is reported with its own message.
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface AppConfig {
  port: number;
  host: string;
  databaseUrl?: string;
  dataDir: string;
  publicUrl: string;
  /** FHIR base URL, derived from PUBLIC_URL: never from request headers. */
  fhirBaseUrl: string;
  bodyLimitBytes: number;
  jsonMaxDepth: number;
  updateCreate: boolean;
  defaultPageSize: number;
  maxPageSize: number;
  /** Whether a conditional delete may remove several matches (otherwise more than one is a 412). */
  conditionalDeleteMultiple: boolean;
  /** Most entries a batch or transaction Bundle may hold. */
  bundleMaxEntries: number;
  profilesDir: string;
  /** A JWKS file of private signing keys for the authorization server; unset: keys generated once and stored. */
  smartJwksFile?: string;
  /** Lifetime of access tokens issued to apps, in seconds (at most one hour). */
  smartAccessTokenTtl: number;
  logLevel: 'error' | 'warn' | 'log' | 'debug';
  /** Which patients a practitioner's user/ scopes reach: organization, assigned, or all. */
  practitionerAccess: ('organization' | 'assigned' | 'all')[];
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

type Env = Record<string, string | undefined>;

function integer(env: Env, name: string, fallback: number, min: number, max: number, problems: string[]): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw.trim()) || Number(raw) < min || Number(raw) > max) {
    problems.push(`${name} must be a whole number from ${min} to ${max} (got "${raw}")`);
    return fallback;
  }
  return Number(raw);
}

function bool(env: Env, name: string, fallback: boolean, problems: string[]): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (/^(true|1|yes)$/i.test(raw)) return true;
  if (/^(false|0|no)$/i.test(raw)) return false;
  problems.push(`${name} must be true or false (got "${raw}")`);
  return fallback;
}

function databaseUrl(env: Env, problems: string[]): string | undefined {
  const raw = env.DATABASE_URL;
  if (raw === undefined || raw === '') return undefined;
  try {
    const url = new URL(raw);
    if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') throw new Error('scheme');
    if (!url.hostname) throw new Error('host');
  } catch {
    problems.push('DATABASE_URL must be a postgres:// or postgresql:// URL with a host (value not shown)');
  }
  return raw;
}

function publicUrl(env: Env, port: number, problems: string[]): string {
  const raw = env.PUBLIC_URL;
  if (raw === undefined || raw === '') return `http://localhost:${port}`;
  try {
    const url = new URL(raw);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('scheme');
    if (url.search || url.hash || url.username || url.password) throw new Error('query or credentials');
    return url.toString().replace(/\/+$/, '');
  } catch {
    problems.push(`PUBLIC_URL must be an absolute http(s) URL without credentials, query or fragment (got "${raw.replace(/\/\/[^/@]*@/, '//…@')}")`);
    return `http://localhost:${port}`;
  }
}

function profilesDir(env: Env, cwd: string, problems: string[]): string {
  const dir = env.FHIR_PROFILES_DIR ? path.resolve(cwd, env.FHIR_PROFILES_DIR) : path.join(packageRoot(), 'fhir-profiles');
  if (!fs.existsSync(path.join(dir, 'server.json'))) problems.push(`FHIR_PROFILES_DIR must be a folder holding server.json (${dir} does not)`);
  return dir;
}

/** The folder holding package.json, found from this file whether it runs from src/ or dist/. */
export function packageRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
  return dir;
}

export const LOG_LEVELS = ['error', 'warn', 'log', 'debug'] as const;

export function loadConfig(env: Env = process.env, cwd: string = process.cwd()): AppConfig {
  const problems: string[] = [];
  const port = integer(env, 'PORT', 8080, 1, 65535, problems);
  const base = publicUrl(env, port, problems);
  const defaultPageSize = integer(env, 'FHIR_DEFAULT_PAGE_SIZE', 20, 1, 1000, problems);
  const maxPageSize = integer(env, 'FHIR_MAX_PAGE_SIZE', 1000, 1, 10000, problems);
  if (defaultPageSize > maxPageSize) problems.push('FHIR_DEFAULT_PAGE_SIZE must not exceed FHIR_MAX_PAGE_SIZE');
  const logLevel = (env.LOG_LEVEL || 'log') as AppConfig['logLevel'];
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got "${env.LOG_LEVEL}")`);
  const config: AppConfig = {
    port,
    host: env.HOST || '0.0.0.0',
    databaseUrl: databaseUrl(env, problems),
    dataDir: path.resolve(cwd, env.DATA_DIR || '.data'),
    publicUrl: base,
    fhirBaseUrl: `${base}/fhir`,
    // Bodies are read into one string; V8 strings stop near 512 MiB, so the limit stays well below.
    bodyLimitBytes: integer(env, 'FHIR_BODY_LIMIT_BYTES', 16 * 1024 * 1024, 1024, 256 * 1024 * 1024, problems),
    jsonMaxDepth: integer(env, 'FHIR_JSON_MAX_DEPTH', 64, 8, 1000, problems),
    updateCreate: bool(env, 'FHIR_UPDATE_CREATE', false, problems),
    defaultPageSize,
    maxPageSize,
    conditionalDeleteMultiple: bool(env, 'FHIR_CONDITIONAL_DELETE_MULTIPLE', false, problems),
    bundleMaxEntries: integer(env, 'FHIR_BUNDLE_MAX_ENTRIES', 10000, 1, 1000000, problems),
    profilesDir: profilesDir(env, cwd, problems),
    smartJwksFile: jwksFile(env, cwd, problems),
    smartAccessTokenTtl: integer(env, 'SMART_ACCESS_TOKEN_TTL', 3600, 60, 3600, problems),
    logLevel,
    practitionerAccess: practitionerAccess(env, problems),
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

const PRACTITIONER_ACCESS = ['organization', 'assigned', 'all'] as const;

function practitionerAccess(env: Env, problems: string[]): AppConfig['practitionerAccess'] {
  const raw = env.FHIR_PRACTITIONER_ACCESS;
  if (raw === undefined || raw.trim() === '') return ['organization', 'assigned'];
  const values = raw.split(',').map((v) => v.trim());
  const bad = values.filter((v) => !(PRACTITIONER_ACCESS as readonly string[]).includes(v));
  if (bad.length > 0 || values.length === 0) {
    problems.push(`FHIR_PRACTITIONER_ACCESS must be a comma-separated list of ${PRACTITIONER_ACCESS.join(', ')} (got "${raw}")`);
    return ['organization', 'assigned'];
  }
  return [...new Set(values)] as AppConfig['practitionerAccess'];
}

function jwksFile(env: Env, cwd: string, problems: string[]): string | undefined {
  if (!env.SMART_JWKS_FILE) return undefined;
  const file = path.resolve(cwd, env.SMART_JWKS_FILE);
  if (!fs.existsSync(file)) problems.push(`SMART_JWKS_FILE ${file} does not exist`);
  return file;
}

export const APP_CONFIG = Symbol('APP_CONFIG');
