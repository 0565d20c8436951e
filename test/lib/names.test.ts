import { bucketName, edgeParameterPath, MAX_BUCKET_NAME_LENGTH, parameterArn, parameterPath, parameterPrefix, PARAMETER_KEYS } from '../../lib/names';

describe('bucketName', () => {
  const scope = { project: 'regionalapp', stageName: 'prod', region: 'ap-southeast-2' };

  test('is the same on every deploy and names the account and region, so it is unique among all buckets', () => {
    expect(bucketName(scope, '123456789012', 'ingest')).toBe('regionalapp-prod-ingest-123456789012-ap-southeast-2');
  });

  test('refuses a name S3 would refuse, saying which config keys to shorten', () => {
    expect(() => bucketName({ ...scope, stageName: 'a-very-long-stage-name' }, '123456789012', 'analytics'))
      .toThrow(`S3 allows ${MAX_BUCKET_NAME_LENGTH}. Shorten cdk.json's project or stageName.`);
  });

  test('counts an account not known at synth (a token) as its 12 digits', () => {
    const token = '${Token[AWS.AccountId.9]}';
    expect(bucketName(scope, token, 'ingest')).toContain(token);
    expect(() => bucketName({ ...scope, stageName: 'prod-longer-xy' }, token, 'analytics')).toThrow(/would be 64 characters/);
  });
});

describe('SSM parameters', () => {
  const scope = { project: 'regionalapp', stageName: 'prod', region: 'eu-west-1' };
  const where = { partition: 'aws', region: 'eu-west-1', account: '123456789012' };

  test("every parameter path, the edge's included, lies under the app's prefix", () => {
    for (const key of Object.values(PARAMETER_KEYS)) expect(parameterPath(scope, key).startsWith(parameterPrefix(scope))).toBe(true);
    expect(edgeParameterPath(scope, 'web-acl-arn')).toBe('/regionalapp/prod/edge/eu-west-1/web-acl-arn');
  });

  test('an ARN names the path without its leading slash, as SSM writes parameter ARNs', () => {
    expect(parameterArn(where, parameterPath(scope, PARAMETER_KEYS.apiUrl))).toBe('arn:aws:ssm:eu-west-1:123456789012:parameter/regionalapp/prod/api/url');
    expect(parameterArn(where, `${parameterPrefix(scope)}*`)).toBe('arn:aws:ssm:eu-west-1:123456789012:parameter/regionalapp/prod/*');
  });
});
