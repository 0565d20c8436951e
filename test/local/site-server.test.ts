import { GetObjectCommand, NoSuchKey, S3Client, type GetObjectCommandInput } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { SiteServer, type SiteServerOptions } from '../../local/site-server';

const BUCKET = 'regionalapp-local-site-us-east-1';
const SECURITY_HEADERS_POLICY_ID = '67f7725c-6f97-4210-82d7-5512b31e9d03';
const INDEX = '<!doctype html><title>Regional app</title>';

const s3 = mockClient(S3Client);

/** The bucket as the BucketDeployment leaves it: key → content type and body. */
const objects = new Map<string, { contentType?: string; body: string }>([
  ['index.html', { contentType: 'text/html', body: INDEX }],
  ['app.js', { contentType: 'text/javascript', body: 'console.log("hi")' }],
  ['images/logo.svg', { contentType: 'image/svg+xml', body: '<svg/>' }],
  ['images/my logo.svg', { contentType: 'image/svg+xml', body: '<svg id="spaced"/>' }],
  ['data.bin', { body: 'raw' }],
]);

let server: SiteServer | undefined;

async function serve(options: Partial<SiteServerOptions> = {}): Promise<string> {
  server = new SiteServer({
    s3: new S3Client({ region: 'us-east-1' }),
    bucket: BUCKET,
    defaultRootObject: 'index.html',
    errorResponses: [{ ErrorCode: 403, ResponseCode: 200, ResponsePagePath: '/index.html' }],
    responseHeadersPolicyId: SECURITY_HEADERS_POLICY_ID,
    ...options,
  });
  return server.listen();
}

function requestedKeys(): (string | undefined)[] {
  return s3.commandCalls(GetObjectCommand).map((call) => call.args[0].input.Key);
}

beforeEach(() => {
  s3.reset();
  s3.on(GetObjectCommand).callsFake((input: GetObjectCommandInput) => {
    if (input.Bucket !== BUCKET) throw new Error(`unexpected bucket ${input.Bucket}`);
    const object = objects.get(input.Key!);
    if (!object) throw new NoSuchKey({ message: 'The specified key does not exist.', $metadata: { httpStatusCode: 404 } });
    const bytes = Buffer.from(object.body);
    return { ContentType: object.contentType, Body: { transformToByteArray: async () => new Uint8Array(bytes) } };
  });
});
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('SiteServer', () => {
  test('the root serves the default root object', async () => {
    const site = await serve();

    const response = await fetch(`${site}/`);

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html');
    expect(await response.text()).toBe(INDEX);
    expect(requestedKeys()).toEqual(['index.html']);
  });

  test('serves an object with the content type it was stored with; the query string is not part of the key', async () => {
    const site = await serve();

    const script = await fetch(`${site}/app.js?v=3`);
    const logo = await fetch(`${site}/images/logo.svg`);
    const untyped = await fetch(`${site}/data.bin`);

    expect([script.status, script.headers.get('content-type'), await script.text()]).toEqual([200, 'text/javascript', 'console.log("hi")']);
    expect([logo.status, logo.headers.get('content-type'), await logo.text()]).toEqual([200, 'image/svg+xml', '<svg/>']);
    expect(untyped.headers.get('content-type')).toBe('application/octet-stream');
    expect(requestedKeys()).toEqual(['app.js', 'images/logo.svg', 'data.bin']);
  });

  test('a percent-encoded path is looked up decoded', async () => {
    const site = await serve();

    const response = await fetch(`${site}/images/my%20logo.svg`);

    expect(await response.text()).toBe('<svg id="spaced"/>');
    expect(requestedKeys()).toEqual(['images/my logo.svg']);
  });

  test('a missing key answers the custom error page with the error response\'s code', async () => {
    const site = await serve({ errorResponses: [{ ErrorCode: 403, ResponseCode: 404, ResponsePagePath: '/index.html' }] });

    const response = await fetch(`${site}/clicks/today`);

    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toBe('text/html');
    expect(await response.text()).toBe(INDEX);
    expect(requestedKeys()).toEqual(['clicks/today', 'index.html']);
  });

  test('an error response for 404 serves the page too', async () => {
    const site = await serve({ errorResponses: [{ ErrorCode: 404, ResponseCode: 200, ResponsePagePath: '/index.html' }] });

    const response = await fetch(`${site}/missing`);

    expect([response.status, await response.text()]).toEqual([200, INDEX]);
  });

  test('without an error response a missing key is 403 Access Denied, as from S3 behind OAC', async () => {
    const site = await serve({ errorResponses: [] });

    const response = await fetch(`${site}/missing`);

    expect(response.status).toBe(403);
    expect(await response.text()).toBe('Access Denied');
  });

  test('.. segments hidden behind encoded slashes never reach S3', async () => {
    const site = await serve();

    const responses = await Promise.all(['/images/..%2F..%2Fsecret.txt', '/..%2fapp.js', '/images/..%2Fapp.js'].map((path) => fetch(`${site}${path}`)));

    for (const response of responses) {
      expect(response.status).toBe(200);
      expect(await response.text()).toBe(INDEX);
    }
    expect(requestedKeys().filter((key) => key?.split('/').includes('..'))).toEqual([]);
  });

  test('every answer carries the managed security headers policy', async () => {
    const site = await serve();

    for (const path of ['/', '/missing']) {
      const response = await fetch(`${site}${path}`);
      await response.arrayBuffer();
      expect(Object.fromEntries(['strict-transport-security', 'x-content-type-options', 'x-frame-options', 'x-xss-protection', 'referrer-policy'].map((name) => [name, response.headers.get(name)]))).toEqual({
        'strict-transport-security': 'max-age=31536000',
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'SAMEORIGIN',
        'x-xss-protection': '1; mode=block',
        'referrer-policy': 'strict-origin-when-cross-origin',
      });
    }
  });

  test('without a response headers policy there are no security headers', async () => {
    const site = await serve({ responseHeadersPolicyId: undefined });

    const response = await fetch(`${site}/`);

    expect(response.headers.get('strict-transport-security')).toBeNull();
    expect(response.headers.get('x-frame-options')).toBeNull();
  });

  test('HEAD answers the headers without the body', async () => {
    const site = await serve();

    const response = await fetch(`${site}/app.js`, { method: 'HEAD' });

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/javascript');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await response.text()).toBe('');
  });

  test('an S3 failure other than a missing key is 502, not the error page', async () => {
    s3.on(GetObjectCommand).rejects(Object.assign(new Error('Service Unavailable'), { name: 'ServiceUnavailable' }));
    const site = await serve();

    const response = await fetch(`${site}/app.js`);

    expect(response.status).toBe(502);
    expect(await response.text()).toBe('Bad Gateway');
  });
});
