import { App, Validations } from 'aws-cdk-lib';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { buildApp, DIRECT_DEPLOY_STAGE } from '../pipeline/app';
import { readTemplate, synthesizedStacks, type SynthesizedStack } from '../lib/assembly';
import { readCdkJsonContext } from '../lib/config';
import { nagFindings } from '../lib/nag';
import { shippedConfig } from './support/config';

const POLICY_TYPES = ['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy', 'AWS::IAM::Role', 'AWS::S3::BucketPolicy', 'AWS::SNS::TopicPolicy', 'AWS::SQS::QueuePolicy', 'AWS::KMS::Key'];

/** Every Allow statement of every policy-bearing resource in a template. */
function allowStatements(stack: SynthesizedStack): { resource: string; actions: string[] }[] {
  const found: { resource: string; actions: string[] }[] = [];
  for (const [id, resource] of Object.entries(readTemplate(stack).Resources ?? {})) {
    if (!POLICY_TYPES.includes(resource.Type)) continue;
    const props = resource.Properties ?? {};
    const documents = [props.PolicyDocument, props.KeyPolicy, ...((props.Policies as { PolicyDocument: unknown }[] | undefined) ?? []).map((p) => p.PolicyDocument)];
    for (const document of documents as ({ Statement?: { Effect: string; Action?: string | string[] }[] } | undefined)[]) {
      for (const statement of document?.Statement ?? []) {
        if (statement.Effect === 'Allow' && statement.Action) found.push({ resource: `${stack.displayName}/${id}`, actions: ([] as string[]).concat(statement.Action) });
      }
    }
  }
  return found;
}

function acknowledgements(app: App): { path: string; id: string; reason: string }[] {
  return app.node.findAll().flatMap((node) => node.node.metadata
    .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
    .flatMap((entry) => Object.entries(entry.data as Record<string, string>)
      .map(([id, reason]) => ({ path: node.node.path, id: id.replace(/^annotation::/i, ''), reason }))));
}

describe.each([
  ['the pipeline app (cdk synth)', {}],
  ['a direct deploy to region B (npm run deploy:region)', { directDeployRegion: 'us-west-2' }],
])('%s, synthesized from the shipped cdk.json', (_name, shape) => {
  const outdir = mkdtempSync(path.join(tmpdir(), 'regionalapp-test-'));
  const app = new App({ outdir, context: readCdkJsonContext() });
  buildApp(app, shippedConfig, shape);
  app.synth();
  const stacks = synthesizedStacks(outdir);
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  test('synthesizes with no AWS credentials', () => {
    expect(stacks.length).toBeGreaterThanOrEqual(2);
  });

  test('Q3: cdk-nag AwsSolutions finds nothing unacknowledged', () => {
    expect(nagFindings(app)).toEqual([]);
  });

  test('Q3: every acknowledgement gives a specific reason', () => {
    const acks = acknowledgements(app);
    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks) {
      expect(ack.id).toMatch(/^AwsSolutions-[A-Z]+\d+/);
      expect(ack.reason.length).toBeGreaterThanOrEqual(50);
    }
  });

  test('Q5: no template has a CloudFormation export', () => {
    const exports = stacks.flatMap((stack) => Object.entries(readTemplate(stack).Outputs ?? {})
      .filter(([, output]) => output.Export !== undefined).map(([id]) => `${stack.displayName}/${id}`));
    expect(exports).toEqual([]);
  });

  test('Q5: no Allow statement anywhere grants a wildcard action', () => {
    const statements = stacks.flatMap(allowStatements);
    expect(statements.length).toBeGreaterThan(0);
    const wildcards = statements.filter((statement) => statement.actions.some((action) => action.includes('*')));
    expect(wildcards).toEqual([]);
  });
});

describe('direct deploy shape', () => {
  test('deploys one region\'s RegionalApp under dev names, with no pipeline', () => {
    const outdir = mkdtempSync(path.join(tmpdir(), 'regionalapp-test-'));
    const app = new App({ outdir, context: readCdkJsonContext() });
    buildApp(app, shippedConfig, { directDeployRegion: 'us-west-2' });
    app.synth();
    const stacks = synthesizedStacks(outdir);
    rmSync(outdir, { recursive: true, force: true });
    expect(stacks.map((stack) => stack.displayName).sort()).toEqual(
      ['Analytics', 'Api', 'Data', 'Events', 'Identity', 'Monitoring', 'Site', 'SiteContent', 'Slack'].map((id) => `${DIRECT_DEPLOY_STAGE}/${id}`),
    );
    expect(new Set(stacks.map((stack) => stack.region))).toEqual(new Set(['us-west-2']));
  });

  test('refuses a region outside appRegions', () => {
    expect(() => buildApp(new App(), shippedConfig, { directDeployRegion: 'eu-north-1' })).toThrow(/eu-north-1 is not one of regionalApp.appRegions/);
  });
});
