import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  UnresolvableError, regionStacks, resolve, resourceOrder, type ResolveContext, type ResourceValues, type Template,
} from '../../local/templates';

const context: ResolveContext = {
  region: 'us-west-2',
  accountId: '000000000000',
  stackName: 'regionalapp-local-Api',
  parameters: new Map([['BootstrapVersion', '/cdk-bootstrap/hnb659fds/version'], ['ApiUrlParameter', 'https://api.example.test']]),
  resources: new Map<string, ResourceValues>([
    ['ClickQueue', { ref: 'https://sqs.us-west-2.amazonaws.com/000000000000/click', attributes: { Arn: 'arn:aws:sqs:us-west-2:000000000000:click', QueueName: 'click' } }],
    ['UserPool', { ref: 'us-west-2_abc', attributes: { 'ProviderURL': 'cognito-idp.us-west-2.amazonaws.com/us-west-2_abc', 'Endpoint.Address': 'pool.local' } }],
    ['HelloFunction', { ref: 'hello' }],
  ]),
};

function resolutionError(value: unknown): UnresolvableError {
  try {
    resolve(value, context);
  } catch (error) {
    expect(error).toBeInstanceOf(UnresolvableError);
    return error as UnresolvableError;
  }
  throw new Error(`expected ${JSON.stringify(value)} not to resolve`);
}

describe('resolve', () => {
  test('leaves plain values as they are, nested or not', () => {
    const value = { Name: 'click', Size: 3, Enabled: false, Nothing: null, Tags: [{ Key: 'app', Value: 'regionalapp' }] };

    expect(resolve(value, context)).toEqual(value);
  });

  test('Ref answers parameters, created resources and pseudo parameters', () => {
    expect(resolve({ Ref: 'ApiUrlParameter' }, context)).toBe('https://api.example.test');
    expect(resolve({ Ref: 'ClickQueue' }, context)).toBe('https://sqs.us-west-2.amazonaws.com/000000000000/click');
    expect(resolve({
      Region: { Ref: 'AWS::Region' },
      Account: { Ref: 'AWS::AccountId' },
      Partition: { Ref: 'AWS::Partition' },
      Suffix: { Ref: 'AWS::URLSuffix' },
      Stack: { Ref: 'AWS::StackName' },
      StackId: { Ref: 'AWS::StackId' },
    }, context)).toEqual({
      Region: 'us-west-2',
      Account: '000000000000',
      Partition: 'aws',
      Suffix: 'amazonaws.com',
      Stack: 'regionalapp-local-Api',
      StackId: 'arn:aws:cloudformation:us-west-2:000000000000:stack/regionalapp-local-Api/local',
    });
  });

  test('Ref AWS::NoValue removes the property and the list item, like CloudFormation', () => {
    expect(resolve({ Name: 'click', DeadLetter: { Ref: 'AWS::NoValue' }, Layers: ['a', { Ref: 'AWS::NoValue' }, 'b'] }, context))
      .toEqual({ Name: 'click', Layers: ['a', 'b'] });
    expect(resolve({ Ref: 'AWS::NoValue' }, context)).toBeUndefined();
  });

  test('Fn::GetAtt in its list and its dotted-string form', () => {
    expect(resolve({ 'Fn::GetAtt': ['ClickQueue', 'Arn'] }, context)).toBe('arn:aws:sqs:us-west-2:000000000000:click');
    expect(resolve({ 'Fn::GetAtt': 'ClickQueue.QueueName' }, context)).toBe('click');
    expect(resolve({ 'Fn::GetAtt': 'UserPool.Endpoint.Address' }, context)).toBe('pool.local');
  });

  test('Fn::GetAtt of an attribute not known locally, or of a resource not created, names both', () => {
    expect(resolutionError({ 'Fn::GetAtt': ['HelloFunction', 'Arn'] }).message).toMatch(/HelloFunction\.Arn in regionalapp-local-Api: attribute not known locally/);
    expect(resolutionError({ 'Fn::GetAtt': ['Missing', 'Arn'] }).message).toMatch(/Missing\.Arn in regionalapp-local-Api: resource not created/);
  });

  test('Fn::Join resolves its parts and drops AWS::NoValue', () => {
    expect(resolve({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':lambda:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':function:', { Ref: 'HelloFunction' }]] }, context))
      .toBe('arn:aws:lambda:us-west-2:000000000000:function:hello');
    expect(resolve({ 'Fn::Join': [',', ['a', { Ref: 'AWS::NoValue' }, 'b']] }, context)).toBe('a,b');
  });

  test('Fn::Sub fills references, attributes and pseudo parameters', () => {
    expect(resolve({ 'Fn::Sub': 'https://sqs.${AWS::Region}.${AWS::URLSuffix}/${AWS::AccountId}/${ClickQueue.QueueName} (${HelloFunction})' }, context))
      .toBe('https://sqs.us-west-2.amazonaws.com/000000000000/click (hello)');
  });

  test('Fn::Sub with a variable map prefers the map, resolving its values', () => {
    expect(resolve({ 'Fn::Sub': ['${Scheme}://${Host}/${AWS::Region}', { Scheme: 'https', Host: { 'Fn::GetAtt': ['UserPool', 'ProviderURL'] } }] }, context))
      .toBe('https://cognito-idp.us-west-2.amazonaws.com/us-west-2_abc/us-west-2');
    expect(resolve({ 'Fn::Sub': ['${ClickQueue}', { ClickQueue: 'shadowed' }] }, context)).toBe('shadowed');
  });

  test('Fn::Sub writes ${!Literal} as ${Literal} without resolving it', () => {
    expect(resolve({ 'Fn::Sub': 'echo ${!Undefined} in ${AWS::Region}' }, context)).toBe('echo ${Undefined} in us-west-2');
  });

  test('Fn::Select and Fn::Split', () => {
    expect(resolve({ 'Fn::Select': [1, ['a', 'b', 'c']] }, context)).toBe('b');
    expect(resolve({ 'Fn::Select': ['2', { 'Fn::Split': ['/', { Ref: 'ClickQueue' }] }] }, context)).toBe('sqs.us-west-2.amazonaws.com');
    expect(resolve({ 'Fn::Split': [':', { 'Fn::GetAtt': ['ClickQueue', 'Arn'] }] }, context)).toEqual(['arn', 'aws', 'sqs', 'us-west-2', '000000000000', 'click']);
  });

  test('Fn::Base64 encodes the resolved text', () => {
    expect(resolve({ 'Fn::Base64': { 'Fn::Sub': '${AWS::Region}' } }, context)).toBe(Buffer.from('us-west-2').toString('base64'));
  });

  test('an unsupported Fn:: names itself and the stack', () => {
    const error = resolutionError({ Properties: { Zone: { 'Fn::GetAZs': '' } } });

    expect(error.message).toContain('Fn::GetAZs');
    expect(error.message).toContain('regionalapp-local-Api');
  });

  test('a Ref to nothing known names the reference and the stack', () => {
    const error = resolutionError({ QueueUrl: { Ref: 'NotCreatedYet' } });

    expect(error.message).toContain('Ref NotCreatedYet in regionalapp-local-Api');
  });

  test('Fn::Sub of an unknown name fails rather than leaving ${...} in place', () => {
    expect(resolutionError({ 'Fn::Sub': 'x-${NotCreatedYet}' }).message).toContain('NotCreatedYet');
  });
});

describe('resourceOrder', () => {
  test('every resource comes after those it refers to by Ref, Fn::GetAtt, Fn::Sub and DependsOn', () => {
    const template: Template = {
      Resources: {
        Route: { Type: 'AWS::ApiGatewayV2::Route', Properties: { ApiId: { Ref: 'Api' }, Target: { 'Fn::Sub': 'integrations/${Integration}' } } },
        Integration: { Type: 'AWS::ApiGatewayV2::Integration', Properties: { IntegrationUri: { 'Fn::GetAtt': 'Function.Arn' } } },
        Stage: { Type: 'AWS::ApiGatewayV2::Stage', DependsOn: 'Route', Properties: { ApiId: { Ref: 'Api' } } },
        Function: { Type: 'AWS::Lambda::Function', DependsOn: ['Role'], Properties: { Environment: { Variables: { QUEUE: { 'Fn::GetAtt': ['Queue', 'Arn'] } } } } },
        Queue: { Type: 'AWS::SQS::Queue' },
        Role: { Type: 'AWS::IAM::Role', Properties: { Description: { 'Fn::Sub': ['for ${Name} in ${AWS::Region}', { Name: 'hello' }] } } },
        Api: { Type: 'AWS::ApiGatewayV2::Api' },
      },
    };

    const order = resourceOrder(template);

    expect([...order].sort()).toEqual(Object.keys(template.Resources!).sort());
    const before = (first: string, second: string) => expect(order.indexOf(first)).toBeLessThan(order.indexOf(second));
    before('Api', 'Route');
    before('Integration', 'Route');
    before('Function', 'Integration');
    before('Queue', 'Function');
    before('Role', 'Function');
    before('Route', 'Stage');
  });

  test('references to things that are not resources (parameters, pseudo parameters, ${!Literal}) do not matter', () => {
    const template: Template = {
      Parameters: { Version: { Type: 'String' } },
      Resources: {
        B: { Type: 'Custom::B', Properties: { V: { Ref: 'Version' }, R: { Ref: 'AWS::Region' }, S: { 'Fn::Sub': '${!A}' } } },
        A: { Type: 'Custom::A' },
      },
    };

    expect(resourceOrder(template)).toEqual(['B', 'A']);
  });

  test('a template without resources has no order', () => {
    expect(resourceOrder({})).toEqual([]);
  });

  test('a cycle is an error that lists it', () => {
    const template: Template = {
      Resources: {
        Topic: { Type: 'AWS::SNS::Topic', Properties: { Name: { 'Fn::GetAtt': ['Queue', 'QueueName'] } } },
        Queue: { Type: 'AWS::SQS::Queue', Properties: { Policy: { 'Fn::Sub': '${Subscription}' } } },
        Subscription: { Type: 'AWS::SNS::Subscription', Properties: { TopicArn: { Ref: 'Topic' } } },
      },
    };

    expect(() => resourceOrder(template)).toThrow('Resources refer to each other in a cycle: Topic → Queue → Subscription → Topic');
  });
});

describe('regionStacks', () => {
  let outdir: string;
  const ACCOUNT = '000000000000';

  function writeJson(file: string, value: unknown): void {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(value));
  }

  /** A stage's nested assembly, as `cdk synth` writes it: stacks, their asset manifests, assets one level up. */
  function writeStage(region: string, stacks: { id: string; stackName?: string; dependsOn?: string[]; assetHash?: string }[]): void {
    const directoryName = `assembly-App-RegionalApp-${region}`;
    const artifacts: Record<string, unknown> = {};
    for (const stack of stacks) {
      artifacts[`${stack.id}.assets`] = { type: 'cdk:asset-manifest', properties: { file: `${stack.id}.assets.json` } };
      artifacts[stack.id] = {
        type: 'aws:cloudformation:stack',
        environment: `aws://${ACCOUNT}/${region}`,
        displayName: `App/RegionalApp-${region}/${stack.id}`,
        properties: { templateFile: `${stack.id}.template.json`, ...(stack.stackName ? { stackName: stack.stackName } : {}) },
        dependencies: [...(stack.dependsOn ?? []), `${stack.id}.assets`],
      };
      writeJson(path.join(outdir, directoryName, `${stack.id}.template.json`), { Resources: { [`${stack.id}Marker`]: { Type: 'AWS::CloudFormation::WaitConditionHandle' } } });
      const files = stack.assetHash ? {
        [stack.assetHash]: {
          source: { path: `../asset.${stack.assetHash}`, packaging: 'zip' },
          destinations: { [`${ACCOUNT}-${region}`]: { bucketName: `cdk-assets-${region}`, objectKey: `${stack.assetHash}.zip` } },
        },
      } : {};
      writeJson(path.join(outdir, directoryName, `${stack.id}.assets.json`), { version: '53.0.0', files });
    }
    writeJson(path.join(outdir, directoryName, 'manifest.json'), { version: '53.0.0', artifacts });
  }

  beforeAll(() => {
    outdir = mkdtempSync(path.join(tmpdir(), 'templates-test-'));
    // Listed before the stack it depends on, so the order must come from the dependencies.
    writeStage('us-east-1', [
      { id: 'ApiEast', stackName: 'regionalapp-local-api-us-east-1', dependsOn: ['DataEast'], assetHash: 'a1b2c3' },
      { id: 'DataEast', stackName: 'regionalapp-local-data-us-east-1' },
    ]);
    writeStage('us-west-2', [{ id: 'DataWest', assetHash: 'f0e0d0' }]);
    writeJson(path.join(outdir, 'manifest.json'), {
      version: '53.0.0',
      artifacts: {
        'assembly-App-RegionalApp-us-east-1': { type: 'cdk:cloud-assembly', properties: { directoryName: 'assembly-App-RegionalApp-us-east-1', displayName: 'App/RegionalApp-us-east-1' } },
        'assembly-App-RegionalApp-us-west-2': { type: 'cdk:cloud-assembly', properties: { directoryName: 'assembly-App-RegionalApp-us-west-2', displayName: 'App/RegionalApp-us-west-2' } },
        'Tree': { type: 'cdk:tree', properties: { file: 'tree.json' } },
      },
    });
  });
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  test('the region\'s stacks, dependencies first, from the nested assembly', () => {
    const stacks = regionStacks(outdir, 'us-east-1');

    expect(stacks.map((stack) => stack.id)).toEqual(['DataEast', 'ApiEast']);
    expect(stacks[1]).toMatchObject({
      stackName: 'regionalapp-local-api-us-east-1',
      displayName: 'App/RegionalApp-us-east-1/ApiEast',
      region: 'us-east-1',
      dependencies: ['DataEast'],
      template: { Resources: { ApiEastMarker: { Type: 'AWS::CloudFormation::WaitConditionHandle' } } },
    });
  });

  test('only the asked region\'s stacks; the artifact id stands in for a missing stack name', () => {
    const stacks = regionStacks(outdir, 'us-west-2');

    expect(stacks.map(({ id, stackName, region }) => ({ id, stackName, region }))).toEqual([{ id: 'DataWest', stackName: 'DataWest', region: 'us-west-2' }]);
    expect(regionStacks(outdir, 'eu-west-1')).toEqual([]);
  });

  test('asset object keys lead to the asset in the top-level assembly directory', () => {
    const [data, api] = regionStacks(outdir, 'us-east-1');

    expect(api.assets).toEqual(new Map([['a1b2c3.zip', path.join(outdir, 'asset.a1b2c3')]]));
    expect(data.assets.size).toBe(0);
  });

  test('stacks that depend on each other are an error naming them', () => {
    const cyclic = mkdtempSync(path.join(tmpdir(), 'templates-test-cycle-'));
    try {
      const stack = (id: string, dependsOn: string) => ({
        type: 'aws:cloudformation:stack', environment: `aws://${ACCOUNT}/us-east-1`, properties: { templateFile: `${id}.template.json` }, dependencies: [dependsOn],
      });
      writeJson(path.join(cyclic, 'manifest.json'), { artifacts: { One: stack('One', 'Two'), Two: stack('Two', 'One') } });
      writeJson(path.join(cyclic, 'One.template.json'), {});
      writeJson(path.join(cyclic, 'Two.template.json'), {});

      expect(() => regionStacks(cyclic, 'us-east-1')).toThrow('Stacks depend on each other in a cycle: One → Two → One');
    } finally {
      rmSync(cyclic, { recursive: true, force: true });
    }
  });
});
