/** Jest runs the TypeScript tests against a cognito-local and a Redis that globalSetup starts or finds. */
module.exports = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  // One cognito-local serves every file; it stores users in one JSON file, so files run one at a time.
  maxWorkers: 1,
  testTimeout: 20000,
};
