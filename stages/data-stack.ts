import { RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import { Construct } from 'constructs';
import { STATUS_INDEX, TABLE_KEYS } from '../lambda/shared/table';
import { globalName, PARAMETER_KEYS, resourceName, type NameScope } from '../lib/names';
import { publishParameter } from '../lib/parameters';

export interface DataStackProps extends StackProps {
  readonly names: NameScope;
  /**
   * The other app regions. Set only in the primary region (region A), whose stack owns the
   * global table and creates a replica in each; other regions' stacks only publish its name.
   */
  readonly replicaRegions?: readonly string[];
}

/**
 * The region's data (A2): the DynamoDB global table of login attempts, view counters, click
 * markers, ingest jobs and Slack deliveries. Region A creates it with a replica per other region
 * (the pipeline deploys region B after A, so the replica exists before B's stacks use it).
 */
export class DataStack extends Stack {
  /** Set in the primary region only: the table and its change stream (A11). */
  readonly table?: dynamodb.TableV2;
  readonly changeStream?: kinesis.Stream;

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, props);
    const { names } = props;
    const tableName = globalName(names, 'data');

    if (props.replicaRegions) {
      // Every replica receives every write, so the primary's change stream carries all changes.
      this.changeStream = new kinesis.Stream(this, 'ChangeStream', {
        streamName: resourceName(names, 'changes'),
        streamMode: kinesis.StreamMode.ON_DEMAND,
        encryption: kinesis.StreamEncryption.MANAGED,
      });
      this.table = new dynamodb.TableV2(this, 'Table', {
        tableName,
        partitionKey: { name: TABLE_KEYS.partitionKey, type: dynamodb.AttributeType.STRING },
        sortKey: { name: TABLE_KEYS.sortKey, type: dynamodb.AttributeType.STRING },
        billing: dynamodb.Billing.onDemand(),
        encryption: dynamodb.TableEncryptionV2.awsManagedKey(),
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        timeToLiveAttribute: TABLE_KEYS.ttl,
        dynamoStream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
        kinesisStream: this.changeStream,
        globalSecondaryIndexes: [{
          indexName: STATUS_INDEX.name,
          partitionKey: { name: STATUS_INDEX.partitionKey, type: dynamodb.AttributeType.STRING },
          sortKey: { name: STATUS_INDEX.sortKey, type: dynamodb.AttributeType.STRING },
        }],
        replicas: props.replicaRegions.map((region) => ({ region })),
        deletionProtection: true,
        removalPolicy: RemovalPolicy.RETAIN,
      });
      publishParameter(this, names, PARAMETER_KEYS.changeStreamArn, this.changeStream.streamArn, 'Kinesis stream of the global table\'s changes');
    }
    publishParameter(this, names, PARAMETER_KEYS.tableName, tableName, 'Name of the global table (the same in every region)');
  }
}
