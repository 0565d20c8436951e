import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { RegionalAppStage } from '../../stages/regional-app-stage';
import { deployableConfig } from '../support/config';
import { projectApp } from '../support/synth';

/**
 * Class checks for what only a real deployment would otherwise find: limits CloudFormation or the
 * service enforces, and resource policies that make a failed first create hard to retry. Each runs
 * over every stack of every region's stage, so a new resource is checked without a new test.
 */

const config = deployableConfig({ appRegions: ['us-east-1', 'us-west-2', 'eu-west-1'] });
const app = projectApp();
const stages = config.appRegions.map((region) => new RegionalAppStage(app, `RegionalApp-${region}`, { config, region }));

type Resource = { Type: string; Properties?: Record<string, any>; DeletionPolicy?: string; UpdateReplacePolicy?: string };

/** `[stage/stack/logicalId, resource]` for every resource of every stack of every stage. */
const resources: [string, Resource][] = stages.flatMap((stage) => stage.node.children
  .filter((child): child is Stack => child instanceof Stack)
  .flatMap((stack) => Object.entries(Template.fromStack(stack).toJSON().Resources as Record<string, Resource>)
    .map(([logicalId, resource]): [string, Resource] => [`${stage.node.id}/${stack.node.id}/${logicalId}`, resource])));

const ofType = (type: string) => resources.filter(([, resource]) => resource.Type === type);

describe('every alarm of every stack can be created', () => {
  /** PutMetricAlarm: a metric-math alarm may reference at most 10 metrics (CloudWatch hard limit). */
  const MAX_METRICS_PER_ALARM = 10;

  test('there are alarms to check, metric-math ones among them', () => {
    expect(ofType('AWS::CloudWatch::Alarm').length).toBeGreaterThan(0);
    expect(ofType('AWS::CloudWatch::Alarm').some(([, alarm]) => alarm.Properties?.Metrics)).toBe(true);
  });

  test(`no alarm references more than ${MAX_METRICS_PER_ALARM} metrics`, () => {
    // A single-metric alarm names its one metric outside Metrics; a metric-math alarm lists each
    // metric it reads as a MetricStat query.
    const metricCount = (alarm: Resource) => ((alarm.Properties?.Metrics ?? []) as { MetricStat?: unknown }[]).filter((query) => query.MetricStat).length;
    const tooMany = ofType('AWS::CloudWatch::Alarm')
      .filter(([, alarm]) => metricCount(alarm) > MAX_METRICS_PER_ALARM)
      .map(([path, alarm]) => `${path}: ${metricCount(alarm)} metrics`);
    expect(tooMany).toEqual([]);
  });
});

describe('a failed first create can be retried', () => {
  /** The property that holds a type's physical name, where it is not `Name` or `<Type>Name`. */
  const NAME_PROPERTY: Readonly<Record<string, string>> = {
    'AWS::DynamoDB::GlobalTable': 'TableName',
    'AWS::CloudWatch::CompositeAlarm': 'AlarmName',
  };
  const physicalName = (resource: Resource): unknown => {
    const kind = resource.Type.split('::').pop()!;
    const property = NAME_PROPERTY[resource.Type] ?? [`${kind}Name`, 'Name'].find((candidate) => resource.Properties?.[candidate] !== undefined);
    return property ? resource.Properties?.[property] : undefined;
  };
  const named = resources.filter(([, resource]) => physicalName(resource) !== undefined);

  test('the check sees the named resources that must survive a delete', () => {
    const namedTypes = new Set(named.map(([, resource]) => resource.Type));
    for (const type of ['AWS::DynamoDB::GlobalTable', 'AWS::Kinesis::Stream', 'AWS::Cognito::UserPool', 'AWS::SQS::Queue']) expect(namedTypes).toContain(type);
  });

  // A named resource kept by a plain Retain outlives a rolled-back first create, and the retry fails
  // with "already exists". RetainExceptOnCreate keeps it on every later delete, but not then.
  // Deletion protection makes the service refuse the delete that rolls back a failed first create,
  // so the stack ends in ROLLBACK_FAILED with the resource still there: the same dead end.
  test('no resource kept except on create also has deletion protection', () => {
    const protectedOnes = resources
      .filter(([, resource]) => resource.DeletionPolicy === 'RetainExceptOnCreate')
      .filter(([, resource]) => resource.Properties?.DeletionProtectionEnabled === true || resource.Properties?.DeletionProtection === 'ACTIVE')
      .map(([path]) => path);
    expect(protectedOnes).toEqual([]);
  });

  test('no resource with a physical name has DeletionPolicy Retain', () => {
    const retained = named.filter(([, resource]) => resource.DeletionPolicy === 'Retain').map(([path, resource]) => `${path} (${resource.Type} ${physicalName(resource)})`);
    expect(retained).toEqual([]);
  });
});

describe('the global table\'s replicas', () => {
  const [tables, ...others] = stages.map((stage) => Template.fromStack(stage.node.findChild('Data') as Stack).findResources('AWS::DynamoDB::GlobalTable'));

  test('region A owns the only table, with a replica in every app region', () => {
    expect(Object.keys(tables)).toHaveLength(1);
    for (const other of others) expect(other).toEqual({});
    const [table] = Object.values(tables);
    expect(table.Properties.Replicas.map((replica: { Region: string }) => replica.Region).sort()).toEqual([...config.appRegions].sort());
  });

  // Tags are applied per stack with the stack's region, and TableV2 copies the table's tags to
  // every replica; each replica must carry its own.
  test.each(config.appRegions)('the %s replica is tagged with its own region', (region) => {
    const [table] = Object.values(tables);
    const replica = (table.Properties.Replicas as { Region: string; Tags?: { Key: string; Value: string }[] }[]).find((candidate) => candidate.Region === region)!;
    expect(replica.Tags?.filter((tag) => tag.Key === 'region')).toEqual([{ Key: 'region', Value: region }]);
    expect(replica.Tags).toEqual(expect.arrayContaining([{ Key: 'project', Value: config.project }, { Key: 'stage', Value: config.stageName }]));
  });
});
