/**
 * Two projects. `unit`: pure logic with in-memory keys and recorded SDK calls, no network, run in parallel
 * (`npx jest --selectProjects unit`, seconds). `integration`: against a cognito-local and a Redis that globalSetup
 * starts or finds; cognito-local stores users in one JSON file, so those files run one at a time.
 */
const shared = { preset: 'ts-jest', testEnvironment: 'node' };

module.exports = {
  testTimeout: 20000,
  // One worker: the integration files share one cognito-local (the unit files take seconds either way).
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
    },
  ],
};
