import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { bundleHandlers } from '../../lib/handler-bundles';
import { ROUTES } from '../../lib/names';

const ROOT = path.resolve(__dirname, '../..');

/** Starts the bundled handlers behind a local HTTP server in "region" eu-west-3. */
async function serveBundles(): Promise<{ url: string; server: ChildProcess }> {
  const routes = { [`GET ${ROUTES.health}`]: 'health' };
  const server = spawn(process.execPath, [path.join(__dirname, '../support/serve-handlers.mjs'), bundleHandlers(), JSON.stringify(routes)], {
    env: { PATH: process.env.PATH, AWS_REGION: 'eu-west-3', POWERTOOLS_LOG_LEVEL: 'SILENT' },
  });
  const url = await new Promise<string>((resolve, reject) => {
    server.stdout!.once('data', (chunk: Buffer) => resolve(chunk.toString().trim()));
    server.once('exit', (code) => reject(new Error(`handler server exited with ${code}`)));
  });
  return { url, server };
}

/** Runs the public-routes part of the suite; the user journey needs Cognito, DynamoDB and the bus. */
function runSuite(env: Record<string, string>): { status: number | null; output: string } {
  const result = spawnSync(process.execPath, [path.join(ROOT, 'node_modules/jest/bin/jest.js'), '--config', 'integ/jest.config.js', '--ci', 'public-routes'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH!, JEST_JUNIT_OUTPUT_DIR: path.join(ROOT, 'reports'), ...env },
    encoding: 'utf8',
  });
  return { status: result.status, output: result.stdout + result.stderr };
}

describe('the deployed-region e2e suite (npm run e2e:region), public routes', () => {
  let served: { url: string; server: ChildProcess };
  beforeAll(async () => { served = await serveBundles(); });
  afterAll(() => { served.server.kill(); });

  test('passes against the real health bundle answering for the expected region', () => {
    const { status, output } = runSuite({ API_URL: served.url, EXPECTED_REGION: 'eu-west-3' });
    expect(output).toMatch(/Tests:\s+2 passed, 2 total/);
    expect(status).toBe(0);
  });

  test('fails when the region that answers is not the one under test', () => {
    const { status, output } = runSuite({ API_URL: served.url, EXPECTED_REGION: 'us-west-2' });
    expect(output).toMatch(/Tests:\s+1 failed, 1 passed, 2 total/);
    expect(status).toBe(1);
  });

  test('refuses to run without a target', () => {
    const { status, output } = runSuite({ EXPECTED_REGION: 'us-west-2' });
    expect(output).toContain('API_URL must be the base URL');
    expect(status).toBe(1);
  });
});
