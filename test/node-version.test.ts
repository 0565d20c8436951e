import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { LAMBDA_RUNTIME } from '../lib/regional-function';

/**
 * One Node major for everything: the functions' Lambda runtime, `.nvmrc` (nvm, and what .ci/run
 * installs), `engines` (npm refuses another Node: .npmrc has engine-strict) and the pipeline's
 * CodeBuild runtime. Changing one without the others fails here.
 */
const ROOT = path.resolve(__dirname, '..');
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');

const lambdaMajor = Number(/^nodejs(\d+)\.x$/.exec(LAMBDA_RUNTIME.name)?.[1]);

describe('one Node major, the Lambda runtime\'s', () => {
  test('the functions run on a nodejs<major>.x runtime', () => {
    expect(Number.isInteger(lambdaMajor)).toBe(true);
  });

  test('.nvmrc names it', () => {
    expect(read('.nvmrc').trim()).toBe(String(lambdaMajor));
  });

  test('package.json engines asks for it, and npm enforces engines', () => {
    const { engines } = JSON.parse(read('package.json')) as { engines: { node: string } };
    expect(engines.node).toBe(`>=${lambdaMajor}`);
    expect(read('.npmrc')).toMatch(/^engine-strict=true$/m);
  });

  test('every pipeline build step installs it (buildspec.yml)', () => {
    const spec = parse(read('buildspec.yml')) as { phases: { install: { 'runtime-versions': { nodejs: number } } } };
    expect(spec.phases.install['runtime-versions'].nodejs).toBe(lambdaMajor);
  });

  test('this process runs on it (npm test under another Node would not)', () => {
    expect(Number(process.versions.node.split('.')[0])).toBeGreaterThanOrEqual(lambdaMajor);
  });
});
