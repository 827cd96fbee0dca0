/**
 * Two projects. `unit`: pure logic with in-memory keys and recorded SDK calls, no network. `integration`: against a
 * cognito-local and a Redis that globalSetup starts or finds; cognito-local stores users in one JSON file, so those
 * files run one at a time. Jest's worker count is one setting for the whole run, not one per project, so `npm test`
 * runs the projects one after the other: the unit files on every core, then the integration files on one worker.
 */
const shared = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  // oauth4webapi ships ES modules only: compiled to CommonJS like the tests (Jest loads ESM natively only on Node 24.9+).
  transform: {
    '^.+\\.ts$': 'ts-jest',
    '^.+/oauth4webapi/.+\\.js$': ['ts-jest', { tsconfig: { allowJs: true, checkJs: false }, diagnostics: false }],
  },
  transformIgnorePatterns: ['/node_modules/(?!oauth4webapi/)'],
  setupFiles: ['<rootDir>/test/support/jsbn-in-jest.ts'],
};

module.exports = {
  testTimeout: 20000,
  // One worker unless told otherwise: a bare `npx jest` must not run integration files side by side. npm test
  // gives the unit run its own `--maxWorkers`.
  maxWorkers: 1,
  projects: [
    { ...shared, displayName: 'unit', roots: ['<rootDir>/test/unit'] },
    {
      ...shared,
      displayName: 'integration',
      roots: ['<rootDir>/test'],
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/unit/'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
      // Every response a TestFleet app sends is checked against openapi.yaml; a mismatch fails the test that saw it.
      setupFilesAfterEnv: ['<rootDir>/test/support/check-responses.ts'],
    },
  ],
};
