process.env.JSII_DEPRECATED = 'quiet'; // aws-cdk-lib's own TableV2 deprecation notices (see pipeline/app.ts)
/** Unit and snapshot tests (Q2). Transpile-only: `npm run lint` does the type-checking once. */
module.exports = {
  testEnvironment: 'node',
  // Jest's default is one worker fewer than the cores: one on a 2-core machine. Most of the
  // slowest suites (replication, lambda-runtime) wait on timers and child processes, so a worker
  // per core measured 84.7 s → 60.2–67.8 s (three runs) for the 1022 tests on this 2-core machine.
  maxWorkers: '100%',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] },
  reporters: ['default', ['jest-junit', { outputDirectory: 'reports', outputName: 'unit-tests.xml' }]],
};
