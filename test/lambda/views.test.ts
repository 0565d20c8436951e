import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { lambdaContext } from './lambda-context';

// The handler reads its configuration when it is loaded, as it does in Lambda.
Object.assign(process.env, { AWS_REGION: 'us-west-2', TABLE_NAME: 'regionalapp-test-table' });
const { handler } = jest.requireActual<typeof import('../../lambda/views')>('../../lambda/views');

const db = mockClient(DynamoDBDocumentClient);

const viewsEvent = {
  version: '2.0',
  routeKey: 'GET /views',
  rawPath: '/views',
  rawQueryString: '',
  headers: {},
  isBase64Encoded: false,
  requestContext: { requestId: 'req-1', http: { method: 'GET', path: '/views' } },
} as unknown as APIGatewayProxyEventV2WithJWTAuthorizer;

beforeEach(() => {
  db.reset();
  // Powertools writes logs to stdout and stderr; keep the test output readable.
  jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
});

afterEach(() => jest.restoreAllMocks());

describe('GET /views', () => {
  test('adds up every region\'s shard and shows each one', async () => {
    db.on(QueryCommand).resolves({
      Items: [
        { pk: 'VIEWS#home', sk: 'REGION#us-east-1', count: 3 },
        { pk: 'VIEWS#home', sk: 'REGION#us-west-2', count: 2 },
      ],
    });

    const response = await handler(viewsEvent, lambdaContext());

    expect(response.statusCode).toBe(200);
    expect(response.headers?.['cache-control']).toBe('no-store');
    expect(JSON.parse(response.body!)).toEqual({
      views: 5,
      shards: [{ region: 'us-east-1', count: 3 }, { region: 'us-west-2', count: 2 }],
    });
    expect(db.commandCalls(QueryCommand)[0].args[0].input).toMatchObject({ TableName: 'regionalapp-test-table', ExpressionAttributeValues: { ':pk': 'VIEWS#home' } });
  });

  test('a page nobody has viewed has 0 views', async () => {
    db.on(QueryCommand).resolves({ Items: [] });

    const response = await handler(viewsEvent, lambdaContext());

    expect(JSON.parse(response.body!)).toEqual({ views: 0, shards: [] });
  });

  test('a table that cannot be read is a 500 that reveals nothing', async () => {
    db.on(QueryCommand).rejects(Object.assign(new Error('User: arn:aws:sts::123456789012:assumed-role/x is not authorized'), { name: 'AccessDeniedException' }));

    const response = await handler(viewsEvent, lambdaContext());

    expect(response.statusCode).toBe(500);
    expect(JSON.parse(response.body!)).toEqual({ error: 'internal error' });
  });
});
