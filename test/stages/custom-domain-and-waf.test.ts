import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { buildApp } from '../../pipeline/app';
import { readTemplate, synthesizedStacks } from '../../lib/assembly';
import { readCdkJsonContext } from '../../lib/config';
import { nagFindings } from '../../lib/nag';
import { RegionalAppStage } from '../../stages/regional-app-stage';
import { deployableConfig } from '../support/config';
import { customDomainAndWafConfig, DOMAIN, templateOf } from '../support/stages';
import { projectApp } from '../support/synth';

/**
 * customDomain and waf across the app: a standalone copy, and the whole app with both. What each
 * does to one stack is in that stack's test file; what their absence does to the stage, in
 * regional-app-stage.test.ts.
 */

let standalone: RegionalAppStage; // a development copy, with both configured
const outdir = mkdtempSync(path.join(tmpdir(), 'regionalapp-domain-'));
let app: App; // the whole app, pipeline included, with both configured

beforeAll(() => {
  standalone = new RegionalAppStage(projectApp(), 'RegionalAppDev', { config: { ...customDomainAndWafConfig, stageName: 'dev' }, region: 'us-west-2', standalone: true });
  templateOf(standalone, 'Api');
  app = new App({ outdir, context: readCdkJsonContext() });
  buildApp(app, deployableConfig({ customDomain: DOMAIN, waf: { enabled: true } }));
  app.synth();
});
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

test('a standalone development copy builds no custom domain (its records and API domain would collide with the pipeline\'s)', () => {
  for (const id of ['Api', 'Site']) {
    const t = Template.fromStack(standalone.node.findChild(id) as Stack);
    t.resourceCountIs('AWS::Route53::RecordSet', 0);
    t.resourceCountIs('AWS::ApiGatewayV2::DomainName', 0);
  }
});

describe('the whole app with customDomain and waf', () => {
  test('Q3: cdk-nag finds nothing unacknowledged', () => {
    expect(nagFindings(app)).toEqual([]);
  });

  test('Q5: no template has an Export', () => {
    for (const stack of synthesizedStacks(outdir)) {
      for (const output of Object.values(readTemplate(stack).Outputs ?? {})) expect(output).not.toHaveProperty('Export');
    }
  });
});
