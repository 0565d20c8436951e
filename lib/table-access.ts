import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';

export type TableAction = 'dynamodb:GetItem' | 'dynamodb:PutItem' | 'dynamodb:UpdateItem' | 'dynamodb:Query' | 'dynamodb:ConditionCheckItem';

/**
 * Exactly the DynamoDB actions a function needs on this region's replica of the global table
 * (and, with `index`, on one of its indexes). The ARN is built from the table's name, which is the
 * same in every region, so a stack never needs a reference to the stack that owns the table.
 */
export function tableAccess(scope: IConstruct, tableName: string, actions: TableAction[], index?: string): iam.PolicyStatement {
  const stack = Stack.of(scope);
  const table = stack.formatArn({ service: 'dynamodb', resource: 'table', resourceName: tableName });
  return new iam.PolicyStatement({
    actions,
    resources: index ? [table, `${table}/index/${index}`] : [table],
  });
}
