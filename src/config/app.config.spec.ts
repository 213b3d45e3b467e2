import * as path from 'node:path';
import { ConfigError, loadConfig } from './app.config';

describe('loadConfig', () => {
  it('has working defaults', () => {
    const c = loadConfig({}, '/srv/app');
    expect(c).toMatchObject({
      port: 8080,
      databaseUrl: undefined,
      dataDir: path.resolve('/srv/app/.data'),
      publicUrl: 'http://localhost:8080',
      fhirBaseUrl: 'http://localhost:8080/fhir',
      bodyLimitBytes: 16 * 1024 * 1024,
      updateCreate: false,
      defaultPageSize: 20,
      maxPageSize: 1000,
      conditionalDeleteMultiple: false,
      bundleMaxEntries: 10000,
    });
  });

  it('reads the conditional-delete and Bundle settings, and refuses bad ones', () => {
    const c = loadConfig({ FHIR_CONDITIONAL_DELETE_MULTIPLE: 'true', FHIR_BUNDLE_MAX_ENTRIES: '500' });
    expect(c.conditionalDeleteMultiple).toBe(true);
    expect(c.bundleMaxEntries).toBe(500);
    expect(() => loadConfig({ FHIR_CONDITIONAL_DELETE_MULTIPLE: 'often' })).toThrow(/FHIR_CONDITIONAL_DELETE_MULTIPLE must be true or false/);
    expect(() => loadConfig({ FHIR_BUNDLE_MAX_ENTRIES: '0' })).toThrow(/FHIR_BUNDLE_MAX_ENTRIES must be a whole number from 1/);
  });

  it('derives the FHIR base from PUBLIC_URL and the default public URL from PORT', () => {
    expect(loadConfig({ PORT: '9000' }).publicUrl).toBe('http://localhost:9000');
    expect(loadConfig({ PUBLIC_URL: 'https://fhir.example.org/r4/' }).fhirBaseUrl).toBe('https://fhir.example.org/r4/fhir');
  });

  it('reports every bad value at once', () => {
    let error: ConfigError | undefined;
    try {
      loadConfig({ PORT: '70000', FHIR_UPDATE_CREATE: 'maybe', PUBLIC_URL: 'http://x/?q=1', FHIR_DEFAULT_PAGE_SIZE: '0', LOG_LEVEL: 'loud' });
    } catch (e) {
      error = e as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error!.problems).toEqual([
      'PORT must be a whole number from 1 to 65535 (got "70000")',
      'PUBLIC_URL must be an absolute http(s) URL without credentials, query or fragment (got "http://x/?q=1")',
      'FHIR_DEFAULT_PAGE_SIZE must be a whole number from 1 to 1000 (got "0")',
      'LOG_LEVEL must be one of error, warn, log, debug (got "loud")',
      'FHIR_UPDATE_CREATE must be true or false (got "maybe")',
    ]);
  });

  it('refuses port 0, credentials in PUBLIC_URL and a profiles folder without server.json', () => {
    expect(() => loadConfig({ PORT: '0' })).toThrow(/PORT must be a whole number from 1 to 65535/);
    expect(() => loadConfig({ PUBLIC_URL: 'https://admin:secret@fhir.example.org' })).toThrow(/without credentials/);
    expect(() => loadConfig({ PUBLIC_URL: 'https://admin:secret@fhir.example.org' })).not.toThrow(/secret/);
    expect(() => loadConfig({ FHIR_PROFILES_DIR: '/nonexistent' })).toThrow(/FHIR_PROFILES_DIR must be a folder holding server.json/);
    expect(loadConfig({ LOG_LEVEL: '' }).logLevel).toBe('log');
  });

  it('never repeats a DATABASE_URL in its message, since it may hold a password', () => {
    expect(() => loadConfig({ DATABASE_URL: 'mysql://user:hunter2@db/x' })).toThrow(/DATABASE_URL must be a postgres/);
    expect(() => loadConfig({ DATABASE_URL: 'mysql://user:hunter2@db/x' })).not.toThrow(/hunter2/);
  });
});
