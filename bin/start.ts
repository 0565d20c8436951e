import { App } from 'aws-cdk-lib';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { buildApp } from '../lib/app';
import { synthesizedStacks, readTemplate } from '../lib/assembly';
import { loadConfig, readCdkJsonContext } from '../lib/config';
import { formatFindings, nagFindings } from '../lib/nag';

/**
 * `npm start`, until the local two-region environment lands: synthesizes the whole app offline
 * (no AWS account needed) and prints each stack with its region.
 */
const outdir = mkdtempSync(path.join(tmpdir(), 'regionalapp-'));
try {
  const config = loadConfig();
  const app = new App({ outdir, context: readCdkJsonContext() });
  buildApp(app, config);
  app.synth();
  const findings = nagFindings(app);
  if (findings.length > 0) throw new Error(formatFindings(findings));

  const stacks = synthesizedStacks(outdir);
  const width = Math.max(...stacks.map((stack) => stack.displayName.length));
  console.log(`RegionalApp synthesized offline: pipeline in ${config.pipelineRegion}, app in ${config.appRegions.join(' and ')}.\n`);
  console.log(`${'stack'.padEnd(width)}  region      resources`);
  for (const stack of stacks) {
    const resources = Object.keys(readTemplate(stack).Resources ?? {}).length;
    console.log(`${stack.displayName.padEnd(width)}  ${stack.region.padEnd(10)}  ${resources}`);
  }
  console.log('\nNext: `npm test` runs every offline check; README.md explains deploying to AWS.');
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
} finally {
  rmSync(outdir, { recursive: true, force: true });
}
