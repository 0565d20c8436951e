import { RemovalPolicy, Stack, type CfnTag, type StackProps } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import { Construct } from 'constructs';
import { STATUS_INDEX, TABLE_KEYS } from '../lambda/shared/table';
import { PARAMETER_KEYS, resourceName, standardTags, tableName as globalTableName, type NameScope } from '../lib/names';
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
 * Kept when the stack is deleted or the resource replaced, but deleted when the stack operation that
 * created it rolls back (DeletionPolicy RetainExceptOnCreate, UpdateReplacePolicy Retain): with a
 * fixed physical name, a plain Retain would leave the half-created resource behind and every retry
 * would fail with "already exists".
 */
const KEEP_UNLESS_FIRST_CREATE_FAILS = RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE;

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
    const tableName = globalTableName(names);

    if (props.replicaRegions) {
      // Every replica receives every write, so the primary's change stream carries all changes.
      this.changeStream = new kinesis.Stream(this, 'ChangeStream', {
        streamName: resourceName(names, 'changes'),
        streamMode: kinesis.StreamMode.ON_DEMAND,
        encryption: kinesis.StreamEncryption.MANAGED,
        removalPolicy: KEEP_UNLESS_FIRST_CREATE_FAILS,
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
        // Tags are applied per stack, with the stack's region, and TableV2 copies the table's tags
        // to every replica: each replica's own tags (its region) override the copies.
        replicas: props.replicaRegions.map((region) => ({ region, tags: cfnTags(standardTags({ ...names, region })) })),
        // No deletion protection: it would stop the rollback of a failed first create from deleting
        // the table (DeleteTable refuses a protected table), defeating RetainExceptOnCreate. The
        // deletion policy keeps the table on every later delete, and PITR keeps its history.
        removalPolicy: KEEP_UNLESS_FIRST_CREATE_FAILS,
      });
      publishParameter(this, names, PARAMETER_KEYS.changeStreamArn, this.changeStream.streamArn, 'Kinesis stream of the global table\'s changes');
    }
    publishParameter(this, names, PARAMETER_KEYS.tableName, tableName, 'Name of the global table (the same in every region)');
  }
}

function cfnTags(tags: Record<string, string>): CfnTag[] {
  return Object.entries(tags).map(([key, value]) => ({ key, value }));
}
