// Two tiers: unit (no network) and integration (real Redis, PostgreSQL, Kafka and the devstack stand-ins).
const transform = {
  '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'es6' } }],
};
const common = {
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform,
  testEnvironment: 'node',
  // Jest's transform cache in this checkout, not the machine-wide /tmp/jest_*: another checkout's run beside
  // this one keeps to its own.
  cacheDirectory: '<rootDir>/.cache/jest',
  // The build (npm run build), which bin/carbon.js runs: never a test nor a module of the tests.
  modulePathIgnorePatterns: ['<rootDir>/dist/'],
};

export default {
  // dist/ rebuilt first if src/ changed since: the tests that spawn `carbon` run the sources under test.
  globalSetup: '<rootDir>/test/build-dist.ts',
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      globalSetup: '<rootDir>/test/integration/global-setup.ts',
    },
  ],
  // Only ends a test that hangs: each wait inside a test is bounded by EVENT_WAIT_MS (test/support/until.ts),
  // and a test on a loaded machine may make many such waits. Never a budget for how fast a test should be.
  testTimeout: 300_000,
};
