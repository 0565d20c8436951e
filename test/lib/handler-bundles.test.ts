import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { bundleHandlers, HANDLERS } from '../../lib/handler-bundles';

/** bundleHandlers() as a new process would run it (the module remembers that it has bundled). */
function bundleInFreshModule(): void {
  jest.isolateModules(() => jest.requireActual<{ bundleHandlers: () => string }>('../../lib/handler-bundles').bundleHandlers());
}

describe('handler bundles (A18)', () => {
  const dir = bundleHandlers();

  test('there is one handler source per function and one bundle per handler', () => {
    const sources = readdirSync(path.resolve(__dirname, '../../lambda')).filter((file) => file.endsWith('.ts')).map((file) => file.slice(0, -3));
    expect([...HANDLERS].sort()).toEqual(sources.sort());
    for (const name of HANDLERS) expect(existsSync(path.join(dir, name, 'index.mjs'))).toBe(true);
  });

  test('bundles are ES modules that export a handler', () => {
    for (const name of HANDLERS) {
      const code = readFileSync(path.join(dir, name, 'index.mjs'), 'utf8');
      expect(/export\s*\{[^}]*as handler/.test(code)).toBe(true);
    }
  });

  test('handlers that use the SDK take credentials from the environment only (no SSO/ini/IMDS chain)', () => {
    const code = readFileSync(path.join(dir, 'counter', 'index.mjs'), 'utf8');
    expect(code).toContain('AWS_ACCESS_KEY_ID');
    expect(code).not.toContain('invalid SSO credentials');
  });

  test('a rebuild happens when an input changed since the last build, and only then', () => {
    const manifestPath = path.join(dir, 'inputs.json');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    expect(Object.keys(manifest.inputs)).toEqual(expect.arrayContaining(['lambda/health.ts', 'lambda/shared/counter.ts']));
    const bundleBefore = statSync(path.join(dir, 'health', 'index.mjs')).mtimeMs;

    bundleInFreshModule();
    expect(statSync(path.join(dir, 'health', 'index.mjs')).mtimeMs).toBe(bundleBefore);

    writeFileSync(manifestPath, JSON.stringify({ ...manifest, inputs: { ...manifest.inputs, 'lambda/health.ts': 'stale' } }));
    bundleInFreshModule();
    expect(JSON.parse(readFileSync(manifestPath, 'utf8')).inputs['lambda/health.ts']).not.toBe('stale');
    expect(statSync(path.join(dir, 'health', 'index.mjs')).mtimeMs).toBeGreaterThan(bundleBefore);
  });

  test('a bundle loads and answers in a fresh Node process with nothing but itself', () => {
    const output = execFileSync(process.execPath, ['--input-type=module', '-e',
      `const { handler } = await import(${JSON.stringify(path.join(dir, 'health', 'index.mjs'))});
       console.log(JSON.stringify(await handler({}, { functionName: "health", awsRequestId: "smoke" })));`,
    ], {
      // No credentials: the forced-failure flag cannot be read, which must not fail /health (it reads as not failing).
      env: { PATH: process.env.PATH, AWS_REGION: 'eu-central-1', POWERTOOLS_LOG_LEVEL: 'SILENT', FORCED_FAILURE_PARAMETER: '/regionalapp/test/health/forced-failure' },
      encoding: 'utf8',
    });
    const response = JSON.parse(output.trim().split('\n').pop()!);
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toEqual({ status: 'ok', region: 'eu-central-1' });
  });
});
