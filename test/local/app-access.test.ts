import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { RegionProvisioner } from '../../local/provision';
import { deliveryAccess } from '../../local/service-access';
import { synthesizeLocalStages } from '../../local/synth';
import { regionStacks, type LocalStack, type Template } from '../../local/templates';
import { fakeProvisioner, stopLocalRegion } from '../support/fake-emulators';

/**
 * The app's own templates allow every delivery AWS services make for it (L3): each alarm's
 * publish to its topic (topic and key policy), SNS and EventBridge and S3 invoking functions
 * (Lambda permissions), EventBridge's dead-letter queue (queue policy), Lambda polling the event
 * source and writing dead letters (execution roles), Firehose reading and writing (its roles).
 * The app is synthesized as `npm start` does and provisioned against emulators that only answer.
 */

let workDir: string;
let outdir: string;
let appRegions: readonly string[];
const provisioners: RegionProvisioner[] = [];

beforeAll(() => {
  workDir = mkdtempSync(path.join(tmpdir(), 'app-access-test-'));
  outdir = path.join(workDir, 'cdk.out');
  appRegions = synthesizeLocalStages(outdir).appRegions;
});

afterAll(async () => {
  for (const { local } of provisioners) await stopLocalRegion(local);
  rmSync(workDir, { recursive: true, force: true });
});

async function provision(region: string, edit: (stack: LocalStack) => LocalStack = (stack) => stack): Promise<RegionProvisioner> {
  const provisioner = fakeProvisioner(region, workDir);
  provisioners.push(provisioner);
  for (const stack of regionStacks(outdir, region)) await provisioner.provisionStack(edit(stack));
  return provisioner;
}

test('every delivery path of every region is allowed by the app\'s own policies', async () => {
  for (const region of appRegions) {
    const { local } = await provision(region);
    const paths = await deliveryAccess(local);
    expect(paths.filter(({ what }) => what.startsWith('alarm ')).length).toBeGreaterThanOrEqual(3);
    expect(paths.filter(({ what }) => what.startsWith('topic ')).length).toBe(1);
    expect(paths.filter(({ what }) => what.startsWith('event source ')).length).toBe(1);
    expect(paths.filter(({ decision }) => !decision.allowed).map(({ what, decision }) => `${what}: ${!decision.allowed && decision.message}`)).toEqual([]);
  }
}, 60_000);

test('without the topic policy\'s Allow for CloudWatch (only enforceSSL\'s Deny), no alarm reaches the topic', async () => {
  const withoutCloudWatchAllow = (stack: LocalStack): LocalStack => {
    const template = JSON.parse(JSON.stringify(stack.template)) as Template;
    for (const resource of Object.values(template.Resources ?? {})) {
      if (resource.Type !== 'AWS::SNS::TopicPolicy') continue;
      const document = resource.Properties!.PolicyDocument as { Statement: { Effect: string }[] };
      document.Statement = document.Statement.filter((statement) => statement.Effect === 'Deny');
    }
    return { ...stack, template };
  };
  const { local } = await provision(appRegions[0], withoutCloudWatchAllow);
  const alarmPaths = (await deliveryAccess(local)).filter(({ what }) => what.startsWith('alarm '));
  expect(alarmPaths.length).toBeGreaterThan(0);
  for (const { decision } of alarmPaths) {
    expect(decision).toMatchObject({ allowed: false, message: expect.stringMatching(/^User: cloudwatch\.amazonaws\.com is not authorized to perform: sns:Publish on resource: arn:aws:sns:.* because no resource-based policy allows the sns:Publish action$/) });
  }
}, 60_000);
