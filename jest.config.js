process.env.JSII_DEPRECATED = 'quiet'; // aws-cdk-lib's own TableV2 deprecation notices (see pipeline/app.ts)
/** Unit and snapshot tests (Q2). Transpile-only: `npm run lint` does the type-checking once. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] },
  reporters: ['default', ['jest-junit', { outputDirectory: 'reports', outputName: 'unit-tests.xml' }]],
};
