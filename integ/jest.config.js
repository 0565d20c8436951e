/**
 * The end-to-end suite (E1): runs against a deployed region (the pipeline's post-deploy step) or a
 * local one. Targets come from the environment: API_URL and EXPECTED_REGION.
 */
module.exports = {
  rootDir: __dirname,
  testEnvironment: 'node',
  testMatch: ['**/*.e2e.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] },
  testTimeout: 30000,
  // One file at a time: the throttle test drains /login's token bucket, which a parallel sign-in would feel.
  maxWorkers: 1,
  reporters: ['default', ['jest-junit', { outputDirectory: 'reports', outputName: 'e2e.xml' }]],
};
