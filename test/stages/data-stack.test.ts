import { Match, type Template } from 'aws-cdk-lib/assertions';
import { REGION_A, REGION_B, stagesBuilding, templateOf, threeRegionConfig } from '../support/stages';

/** Region A's and region B's Data stack, as their stages build them (the other stacks are stand-ins). */
let dataA: Template;
let dataB: Template;

beforeAll(() => {
  const [stageA, stageB] = stagesBuilding('Data')(threeRegionConfig, [REGION_A, REGION_B]);
  dataA = templateOf(stageA, 'Data');
  dataB = templateOf(stageB, 'Data');
});

describe('Data stack (A2)', () => {
  test('region A owns the global table, with a replica in every other app region', () => {
    dataA.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      TableName: 'regionalapp-prod-data',
      BillingMode: 'PAY_PER_REQUEST',
      StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
      GlobalSecondaryIndexes: [Match.objectLike({ IndexName: 'byStatus' })],
    });
    const [table] = Object.values(dataA.findResources('AWS::DynamoDB::GlobalTable'));
    const replicas = table.Properties.Replicas as { Region: string; PointInTimeRecoverySpecification?: unknown }[];
    expect(replicas.map((replica) => replica.Region).sort()).toEqual(['eu-west-1', 'us-east-1', 'us-west-2']);
    for (const replica of replicas) expect(replica.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(replicas.find((replica) => replica.Region === 'us-east-1')).toMatchObject({ KinesisStreamSpecification: { StreamArn: { 'Fn::GetAtt': [expect.stringMatching(/^ChangeStream/), 'Arn'] } } });
  });

  test('other regions do not create a table, only publish its name', () => {
    dataB.resourceCountIs('AWS::DynamoDB::GlobalTable', 0);
    dataB.hasResourceProperties('AWS::SSM::Parameter', { Name: '/regionalapp/prod/data/table-name', Value: 'regionalapp-prod-data' });
  });

  test('the change stream is encrypted (A11, A16)', () => {
    dataA.hasResourceProperties('AWS::Kinesis::Stream', { StreamEncryption: { EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' } });
  });
});
