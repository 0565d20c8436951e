import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { APIGatewayProxyEventV2, APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { dataUrl, imageContentType, imageLoader, MAX_IMAGE_BYTES } from '../../lambda/shared/image';
import { captureOutput } from '../support/output';
import { lambdaContext } from './lambda-context';

// The handler reads its configuration when it is loaded, as it does in Lambda.
Object.assign(process.env, { AWS_REGION: 'ap-southeast-2', SITE_BUCKET_NAME: 'site-bucket', HELLO_IMAGE_KEY: 'images/hello.svg', FORCED_FAILURE_PARAMETER: '/regionalapp/test/health/forced-failure' });
const { handler: health } = jest.requireActual<typeof import('../../lambda/health')>('../../lambda/health');
const { greeting, handler } = jest.requireActual<typeof import('../../lambda/hello')>('../../lambda/hello');

const s3 = mockClient(S3Client);

const SVG = '<svg xmlns="http://www.w3.org/2000/svg"/>';
const SVG_DATA_URL = `data:image/svg+xml;base64,${Buffer.from(SVG).toString('base64')}`;

function imageObject(content: string | Uint8Array, contentType?: string) {
  const bytes = typeof content === 'string' ? Buffer.from(content) : content;
  return { ContentType: contentType, Body: { transformToByteArray: async () => bytes } as any };
}

function helloEvent(claims?: Record<string, string>): APIGatewayProxyEventV2WithJWTAuthorizer {
  return {
    version: '2.0',
    routeKey: 'GET /hello',
    rawPath: '/hello',
    rawQueryString: '',
    headers: {},
    isBase64Encoded: false,
    requestContext: {
      requestId: 'req-1',
      http: { method: 'GET', path: '/hello' },
      authorizer: claims ? { principalId: '', integrationLatency: 0, jwt: { claims, scopes: [] } } : undefined,
    },
  } as unknown as APIGatewayProxyEventV2WithJWTAuthorizer;
}

let output: () => string;

beforeEach(() => {
  s3.reset();
  process.env.AWS_REGION = 'ap-southeast-2';
  output = captureOutput();
});

afterEach(() => jest.restoreAllMocks());

describe('GET /hello', () => {
  // First in the file on purpose: the handler caches the image for the life of the module, as it
  // does for the life of a Lambda execution environment.
  test('a failed image read is a 500 that reveals nothing; the next call reads again, and then the image is cached', async () => {
    s3.on(GetObjectCommand)
      .rejectsOnce(Object.assign(new Error('Access Denied to s3://site-bucket'), { name: 'AccessDenied' }))
      .resolves(imageObject(SVG, 'image/svg+xml'));

    const failed = await handler(helloEvent(), lambdaContext());
    expect(failed.statusCode).toBe(500);
    expect(JSON.parse(failed.body!)).toEqual({ error: 'internal error' });
    expect(output()).toContain('AccessDenied');
    expect(output()).not.toMatch(/\n\s+at /);

    const recovered = await handler(helloEvent(), lambdaContext());
    const warm = await handler(helloEvent(), lambdaContext());
    expect(recovered.statusCode).toBe(200);
    expect(warm.statusCode).toBe(200);
    expect(s3.commandCalls(GetObjectCommand)).toHaveLength(2);
    expect(s3.commandCalls(GetObjectCommand)[1].args[0].input).toEqual({ Bucket: 'site-bucket', Key: 'images/hello.svg' });
  });

  test('greets from the region it runs in, with the signed-in user and the image', async () => {
    const response = await handler(helloEvent({ email: 'ada@example.com', sub: 'user-1' }), lambdaContext());

    expect(response.statusCode).toBe(200);
    expect(response.headers?.['content-type']).toBe('application/json');
    expect(JSON.parse(response.body!)).toEqual({
      message: 'hello from ap-southeast-2',
      region: 'ap-southeast-2',
      user: 'ada@example.com',
      image: SVG_DATA_URL,
    });
    expect(greeting('us-west-2')).toBe('hello from us-west-2');
  });

  test('a token without an email claim (an access token) still gets its greeting', async () => {
    const response = await handler(helloEvent({ sub: 'user-1' }), lambdaContext());

    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body!)).not.toHaveProperty('user');
  });

  test('without AWS_REGION the handler answers 500 and logs why, instead of greeting from nowhere', async () => {
    delete process.env.AWS_REGION;

    const response = await handler(helloEvent(), lambdaContext());

    expect(response.statusCode).toBe(500);
    expect(JSON.parse(response.body!)).toEqual({ error: 'internal error' });
    expect(output()).toContain('AWS_REGION is not set');
  });
});

describe('imageLoader', () => {
  test('reads S3 once and serves later calls from memory', async () => {
    s3.on(GetObjectCommand).resolves(imageObject(SVG, 'image/svg+xml'));
    const load = imageLoader(new S3Client({}), 'bucket', 'images/hello.svg');

    await expect(load()).resolves.toBe(SVG_DATA_URL);
    await expect(load()).resolves.toBe(SVG_DATA_URL);
    expect(s3.commandCalls(GetObjectCommand)).toHaveLength(1);
  });

  test('does not remember a failure', async () => {
    s3.on(GetObjectCommand).rejectsOnce(new Error('SlowDown')).resolves(imageObject(SVG, 'image/svg+xml'));
    const load = imageLoader(new S3Client({}), 'bucket', 'images/hello.svg');

    await expect(load()).rejects.toThrow('SlowDown');
    await expect(load()).resolves.toBe(SVG_DATA_URL);
  });

  test('refuses an image too large to return inside a Lambda response', async () => {
    s3.on(GetObjectCommand).resolves(imageObject(new Uint8Array(MAX_IMAGE_BYTES + 1), 'image/png'));
    const load = imageLoader(new S3Client({}), 'bucket', 'images/huge.png');

    await expect(load()).rejects.toThrow('s3://bucket/images/huge.png is 1048577 bytes');
  });

  test('uses S3\'s content type for images, else the key\'s extension', () => {
    expect(imageContentType('images/a.svg', 'image/svg+xml')).toBe('image/svg+xml');
    expect(imageContentType('images/a.svg', 'binary/octet-stream')).toBe('image/svg+xml');
    expect(imageContentType('images/a.PNG', undefined)).toBe('image/png');
    expect(imageContentType('images/a', undefined)).toBe('application/octet-stream');
    expect(dataUrl('image/png', new Uint8Array([1, 2, 3]))).toBe('data:image/png;base64,AQID');
  });
});

describe('GET /health', () => {
  test('reports the region up and is never cached', async () => {
    const response = await health({} as APIGatewayProxyEventV2, lambdaContext());
    expect(response.statusCode).toBe(200);
    expect(response.headers?.['cache-control']).toBe('no-store');
    expect(JSON.parse(response.body!)).toEqual({ status: 'ok', region: 'ap-southeast-2' });
  });
});
