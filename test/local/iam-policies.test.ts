import { IamPolicies, roleArnOf } from '../../local/iam-policies';

/**
 * IAM decisions as AWS makes them (L2, L3), evaluated by @cloud-copilot/iam-simulate over the
 * templates' policies: identity policies, explicit denies in resource policies (enforceSSL),
 * service principals allowed only by resource policies with their source conditions, and KMS key
 * policies.
 */

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const TOPIC = `arn:aws:sns:${REGION}:${ACCOUNT}:alarms`;
const ALARM = `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:regionalapp-prod-us-east-1-failed-logins`;
const FUNCTION = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:counter`;
const RULE = `arn:aws:events:${REGION}:${ACCOUNT}:rule/bus/click`;

const denyInsecure = (resource: string) => ({
  Effect: 'Deny', Principal: { AWS: '*' }, Action: 'sns:Publish', Resource: resource, Condition: { Bool: { 'aws:SecureTransport': 'false' } },
});

test('a topic policy with only enforceSSL\'s Deny leaves CloudWatch unable to publish, as on AWS', async () => {
  const policies = new IamPolicies(ACCOUNT);
  policies.addResourceStatements(TOPIC, [denyInsecure(TOPIC)]);
  const decision = await policies.authorizeService('cloudwatch.amazonaws.com', 'sns:Publish', TOPIC, ALARM);
  expect(decision).toEqual({ allowed: false, explicit: false, message: `User: cloudwatch.amazonaws.com is not authorized to perform: sns:Publish on resource: ${TOPIC} because no resource-based policy allows the sns:Publish action` });
});

test('an Allow for cloudwatch.amazonaws.com scoped to the account\'s alarms lets the alarm publish, and no other source', async () => {
  const policies = new IamPolicies(ACCOUNT);
  policies.addResourceStatements(TOPIC, [denyInsecure(TOPIC), {
    Effect: 'Allow', Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: 'sns:Publish', Resource: TOPIC,
    Condition: { ArnLike: { 'aws:SourceArn': `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:regionalapp-prod-us-east-1-*` } },
  }]);
  expect(await policies.authorizeService('cloudwatch.amazonaws.com', 'sns:Publish', TOPIC, ALARM)).toEqual({ allowed: true });
  expect((await policies.authorizeService('cloudwatch.amazonaws.com', 'sns:Publish', TOPIC, `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:someone-else`)).allowed).toBe(false);
});

test('a Lambda permission admits its service for its source only', async () => {
  const policies = new IamPolicies(ACCOUNT);
  policies.addLambdaPermission(FUNCTION, { Action: 'lambda:InvokeFunction', Principal: 'events.amazonaws.com', SourceArn: RULE });
  expect(await policies.authorizeService('events.amazonaws.com', 'lambda:InvokeFunction', FUNCTION, RULE)).toEqual({ allowed: true });
  expect((await policies.authorizeService('events.amazonaws.com', 'lambda:InvokeFunction', FUNCTION, `${RULE}-other`)).allowed).toBe(false);
  expect((await policies.authorizeService('sns.amazonaws.com', 'lambda:InvokeFunction', FUNCTION, RULE)).allowed).toBe(false);
});

test('an explicit deny in a bucket policy wins over the role\'s Allow, and says so', async () => {
  const policies = new IamPolicies(ACCOUNT);
  const role = roleArnOf(ACCOUNT, 'hello');
  policies.addRole(role, [{ PolicyName: 'read', PolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::site/*' }] } }]);
  const session = policies.session(role, 'hello-fn');
  expect(await policies.authorize({ principal: session.sessionArn, action: 's3:GetObject', resource: 'arn:aws:s3:::site/a.svg' })).toEqual({ allowed: true });
  policies.addResourceStatements('arn:aws:s3:::site', [{ Effect: 'Deny', Principal: { AWS: '*' }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::site/private/*' }]);
  const denied = await policies.authorize({ principal: session.sessionArn, action: 's3:GetObject', resource: 'arn:aws:s3:::site/private/a.svg' });
  expect(denied).toMatchObject({ allowed: false, explicit: true });
  expect(!denied.allowed && denied.message).toBe(`User: ${session.sessionArn} is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::site/private/a.svg with an explicit deny in a resource-based policy`);
});

test('a KMS key policy must admit CloudWatch for an encrypted topic', async () => {
  const policies = new IamPolicies(ACCOUNT);
  const key = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
  policies.addResourceStatements(key, [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' }]);
  expect((await policies.authorizeService('cloudwatch.amazonaws.com', 'kms:GenerateDataKey', key, ALARM)).allowed).toBe(false);
  policies.addResourceStatements(key, [{ Effect: 'Allow', Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: '*' }]);
  expect(await policies.authorizeService('cloudwatch.amazonaws.com', 'kms:GenerateDataKey', key, ALARM)).toEqual({ allowed: true });
});

test('a managed policy the environment does not know is reported, not guessed', () => {
  const policies = new IamPolicies(ACCOUNT);
  policies.addRole(roleArnOf(ACCOUNT, 'r'), [], ['arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole', 'arn:aws:iam::aws:policy/AmazonS3FullAccess']);
  expect([...policies.unevaluable]).toEqual([expect.stringContaining('arn:aws:iam::aws:policy/AmazonS3FullAccess')]);
});

test('a denial is reported once a minute, not on every poll', () => {
  const policies = new IamPolicies(ACCOUNT);
  const lines: string[] = [];
  policies.onDenial = (line) => lines.push(line);
  const denied = { allowed: false as const, explicit: false, message: 'no' };
  policies.reportDenial('poller', denied);
  policies.reportDenial('poller', denied);
  policies.reportDenial('poller', { allowed: true });
  expect(lines).toEqual(['poller: no']);
});
