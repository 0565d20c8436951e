import { App, Aspects, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { ExplicitIamActions } from '../../lib/explicit-iam-actions';
import { ACTION_EXPANSIONS } from '../../lib/iam-action-expansions';
import { readCdkJsonContext } from '../../lib/config';

function stackWith(build: (stack: Stack) => void): Stack {
  // Errors stay annotations here: a failed synth-time validation would set the test process's exit code.
  const app = new App({ context: { ...readCdkJsonContext(), '@aws-cdk/core:annotationsInValidationReport': false } });
  const stack = new Stack(app, 'Test');
  build(stack);
  Aspects.of(stack).add(new ExplicitIamActions());
  return stack;
}

describe('ExplicitIamActions (Q5)', () => {
  test('a CDK grant\'s wildcard actions become the explicit actions behind them', () => {
    const stack = stackWith((s) => {
      const bucket = new s3.Bucket(s, 'Bucket');
      bucket.grantReadWrite(new iam.Role(s, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') }));
    });
    const [policy] = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy'));
    const actions: string[] = policy.Properties.PolicyDocument.Statement.flatMap((statement: { Action: string[] }) => statement.Action);
    expect(actions.filter((action) => action.includes('*'))).toEqual([]);
    expect(actions).toEqual(expect.arrayContaining(['s3:GetObject', 's3:GetObjectVersion', 's3:ListBucket', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload']));
  });

  test('inline role policies are expanded too', () => {
    const stack = stackWith((s) => new iam.Role(s, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      inlinePolicies: { read: new iam.PolicyDocument({ statements: [new iam.PolicyStatement({ actions: ['s3:List*'], resources: ['arn:aws:s3:::b'] })] }) },
    }));
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Role', {
      Policies: [{ PolicyName: 'read', PolicyDocument: { Statement: [Match.objectLike({ Action: [...ACTION_EXPANSIONS['s3:List*']] })] } }],
    });
  });

  test('deny statements keep their wildcard (denying more is the safe direction)', () => {
    const stack = stackWith((s) => new s3.Bucket(s, 'Bucket', { enforceSSL: true }));
    Template.fromStack(stack).hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: { Statement: [Match.objectLike({ Effect: 'Deny', Action: 's3:*' })] },
    });
  });

  test('a wildcard with no known expansion fails synthesis, naming the action and the fix', () => {
    const stack = stackWith((s) => {
      const role = new iam.Role(s, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
      role.addToPolicy(new iam.PolicyStatement({ actions: ['ec2:Describe*'], resources: ['*'] }));
    });
    const errors = Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('ec2:Describe\\*'));
    expect(errors).toHaveLength(1);
    expect(errors[0].entry.data).toMatch(/add "ec2:Describe\*" to lib\/iam-action-expansions.ts/);
  });

  test('every expansion is explicit and stays within its service and prefix', () => {
    for (const [wildcard, actions] of Object.entries(ACTION_EXPANSIONS)) {
      const prefix = wildcard.slice(0, -1);
      for (const action of actions) {
        expect(action).not.toContain('*');
        expect(action.startsWith(prefix)).toBe(true);
      }
    }
  });
});
