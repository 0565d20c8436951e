import { WriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  LocalHttpApi, matchPath, type CorsConfiguration, type RouteDefinition, type StageDefinition,
} from '../../local/http-gateway';
import type { JwtAuthorization, JwtAuthorizer } from '../../local/jwt-authorizer';
import { LocalFunction, type InvokeResult } from '../../local/lambda-runtime';
import { MetricStore, type MetricKey } from '../../local/metric-store';
import { ACCESS_LOG_FORMAT } from '../../stages/api-stack';

const API_ID = 'a1b2c3d4e5';
const ACCOUNT_ID = '000000000000';
const FUNCTION_ARN = `arn:aws:lambda:us-east-1:${ACCOUNT_ID}:function:regionalapp-local-hello`;
const INTEGRATION_ID = 'int1234';
const AUTHORIZER_ID = 'auth12';
const APP_ORIGIN = 'https://app.example.com';
const VALID_TOKEN = 'valid-token';
const CLICK_SCOPE = 'regionalapp/click';


/** Stands in for the local Lambda runtime: records each event and answers `result`. */
class StubFunction {
  readonly events: any[] = [];
  result: InvokeResult = { ok: true, payload: { statusCode: 200, body: 'hello' } };

  async invoke(event: unknown): Promise<InvokeResult> {
    this.events.push(event);
    return this.result;
  }

  get lastEvent(): any {
    return this.events.at(-1);
  }
}

/** Stands in for the Cognito JWT authorizer: one token is valid, with the click scope. */
class StubAuthorizer {
  readonly headers: (string | undefined)[] = [];

  async authorize(header: string | undefined): Promise<JwtAuthorization | undefined> {
    this.headers.push(header);
    if (header !== `Bearer ${VALID_TOKEN}`) return undefined;
    return { claims: { sub: 'user-1', email: 'ada@example.com', client_id: 'web' }, scopes: ['openid', CLICK_SCOPE] };
  }
}

const DEFAULT_ROUTES: RouteDefinition[] = [
  { routeKey: 'GET /hello', integrationId: INTEGRATION_ID },
  { routeKey: 'POST /click', integrationId: INTEGRATION_ID, authorizerId: AUTHORIZER_ID, authorizationScopes: [CLICK_SCOPE] },
  { routeKey: 'POST /admin', integrationId: INTEGRATION_ID, authorizerId: AUTHORIZER_ID, authorizationScopes: ['regionalapp/admin'] },
  { routeKey: 'GET /views', integrationId: INTEGRATION_ID, authorizerId: AUTHORIZER_ID },
  { routeKey: 'POST /echo', integrationId: INTEGRATION_ID },
  { routeKey: 'POST /login', integrationId: INTEGRATION_ID },
  { routeKey: 'GET /items/special', integrationId: INTEGRATION_ID },
  { routeKey: 'GET /items/{id}', integrationId: INTEGRATION_ID },
  { routeKey: 'ANY /files/{proxy+}', integrationId: INTEGRATION_ID },
  { routeKey: 'GET /unwired', integrationId: 'no-such-integration' },
];

const CORS: CorsConfiguration = {
  AllowOrigins: [APP_ORIGIN],
  AllowMethods: ['GET', 'POST'],
  AllowHeaders: ['authorization', 'content-type'],
  MaxAge: 600,
};

let fn: StubFunction;
let authorizer: StubAuthorizer;
let metrics: MetricStore;
let api: LocalHttpApi | undefined;
let logDir: string;

interface ApiOptions {
  readonly routes?: RouteDefinition[];
  readonly stage?: StageDefinition;
  readonly cors?: CorsConfiguration;
  /** The integration's function, instead of the stub. */
  readonly function?: LocalFunction;
}

/** A gateway wired like the provisioner wires the app's API; resolves to its base URL. */
async function startApi(options: ApiOptions = {}): Promise<string> {
  api = new LocalHttpApi(API_ID, 'regionalapp-local-api', ACCOUNT_ID, options.cors ?? CORS, (arn) => (arn === FUNCTION_ARN ? options.function ?? fn as unknown as LocalFunction : undefined), metrics);
  api.routes.push(...(options.routes ?? DEFAULT_ROUTES));
  api.integrations.set(INTEGRATION_ID, FUNCTION_ARN);
  api.authorizers.set(AUTHORIZER_ID, authorizer as unknown as JwtAuthorizer);
  api.setStage(options.stage ?? { name: '$default' }, path.join(logDir, 'access.log'));
  return api.listen();
}

beforeEach(() => {
  fn = new StubFunction();
  authorizer = new StubAuthorizer();
  metrics = new MetricStore();
  logDir = mkdtempSync(path.join(tmpdir(), 'http-gateway-test-'));
});
afterEach(async () => {
  await api?.close();
  api = undefined;
  jest.restoreAllMocks();
  rmSync(logDir, { recursive: true, force: true });
});

describe('matchPath', () => {
  test('literal paths match only themselves', () => {
    expect(matchPath('/hello', '/hello')).toEqual({});
    expect(matchPath('/hello', '/hello/')).toBeUndefined();
    expect(matchPath('/hello', '/hellox')).toBeUndefined();
    expect(matchPath('/v1.0/hello', '/v1x0/hello')).toBeUndefined();
  });

  test('{name} matches one segment, decoded', () => {
    expect(matchPath('/items/{id}', '/items/42')).toEqual({ id: '42' });
    expect(matchPath('/items/{id}/tags/{tag}', '/items/42/tags/new%20one')).toEqual({ id: '42', tag: 'new one' });
    expect(matchPath('/items/{id}', '/items/42/more')).toBeUndefined();
    expect(matchPath('/items/{id}', '/items/')).toBeUndefined();
  });

  test('{name+} matches the rest of the path', () => {
    expect(matchPath('/files/{proxy+}', '/files/a/b/c.txt')).toEqual({ proxy: 'a/b/c.txt' });
    expect(matchPath('/files/{proxy+}', '/files/')).toBeUndefined();
  });
});

describe('LocalHttpApi routing', () => {
  test('an exact route, a {param} route, a {proxy+} route and $default', async () => {
    const url = await startApi({ routes: [...DEFAULT_ROUTES, { routeKey: '$default', integrationId: INTEGRATION_ID }] });

    const routed = async (method: string, requestPath: string) => {
      const response = await fetch(`${url}${requestPath}`, { method });
      await response.arrayBuffer();
      return { status: response.status, routeKey: fn.lastEvent.routeKey, pathParameters: fn.lastEvent.pathParameters };
    };

    expect(await routed('GET', '/hello')).toEqual({ status: 200, routeKey: 'GET /hello', pathParameters: undefined });
    expect(await routed('GET', '/items/special')).toEqual({ status: 200, routeKey: 'GET /items/special', pathParameters: undefined });
    expect(await routed('GET', '/items/42')).toEqual({ status: 200, routeKey: 'GET /items/{id}', pathParameters: { id: '42' } });
    expect(await routed('DELETE', '/files/a/b.txt')).toEqual({ status: 200, routeKey: 'ANY /files/{proxy+}', pathParameters: { proxy: 'a/b.txt' } });
    expect(await routed('POST', '/hello')).toEqual({ status: 200, routeKey: '$default', pathParameters: undefined });
    expect(await routed('GET', '/nowhere')).toEqual({ status: 200, routeKey: '$default', pathParameters: undefined });
  });

  // API Gateway picks the most specific route, whatever order the routes were created in:
  // a full match beats a greedy {proxy+} match, and a route's own method beats ANY.
  test('the most specific route wins regardless of the order routes were added', async () => {
    const url = await startApi({
      routes: [
        { routeKey: 'ANY /items/{proxy+}', integrationId: INTEGRATION_ID },
        { routeKey: 'GET /items/{id}', integrationId: INTEGRATION_ID },
        { routeKey: 'GET /items/special', integrationId: INTEGRATION_ID },
      ],
    });

    const routeKey = async (requestPath: string) => {
      await (await fetch(`${url}${requestPath}`)).arrayBuffer();
      return fn.lastEvent.routeKey;
    };

    expect(await routeKey('/items/special')).toBe('GET /items/special');
    expect(await routeKey('/items/42')).toBe('GET /items/{id}');
    expect(await routeKey('/items/42/parts')).toBe('ANY /items/{proxy+}');
  });

  test('an unknown route without $default is 404 Not Found, and the function is not called', async () => {
    const url = await startApi();

    const response = await fetch(`${url}/nowhere`);

    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ message: 'Not Found' });
    expect(response.headers.get('apigw-requestid')).toBeTruthy();
    expect(fn.events).toHaveLength(0);
  });

  test('a route whose integration has no local function is 500', async () => {
    const url = await startApi();

    const response = await fetch(`${url}/unwired`);

    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ message: 'Internal Server Error' });
  });
});

describe('LocalHttpApi payload format 2.0 event', () => {
  test('carries the request as API Gateway does', async () => {
    const url = await startApi({ stage: { name: 'live' } });

    const response = await fetch(`${url}/items/42?lang=en&tag=a&tag=b`, {
      headers: { 'X-Trace-Id': 'trace-1', 'User-Agent': 'jest-test', 'Cookie': 'session=abc; theme=dark' },
    });
    await response.arrayBuffer();

    const event = fn.lastEvent;
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'GET /items/{id}',
      rawPath: '/items/42',
      rawQueryString: 'lang=en&tag=a&tag=b',
      cookies: ['session=abc', 'theme=dark'],
      queryStringParameters: { lang: 'en', tag: 'a,b' },
      pathParameters: { id: '42' },
      isBase64Encoded: false,
      requestContext: {
        accountId: ACCOUNT_ID,
        apiId: API_ID,
        routeKey: 'GET /items/{id}',
        stage: 'live',
        requestId: response.headers.get('apigw-requestid'),
        http: { method: 'GET', path: '/items/42', userAgent: 'jest-test' },
      },
    });
    expect(event.headers).toMatchObject({ 'x-trace-id': 'trace-1', 'user-agent': 'jest-test' });
    expect(Object.keys(event.headers).every((name) => name === name.toLowerCase())).toBe(true);
    expect(event.headers.cookie).toBeUndefined();
    expect(event.body).toBeUndefined();
    expect(event.requestContext.authorizer).toBeUndefined();
    expect(Math.abs(event.requestContext.timeEpoch - Date.now())).toBeLessThan(5_000);
  });

  test('without a query string there are no queryStringParameters', async () => {
    const url = await startApi();

    await (await fetch(`${url}/hello`)).arrayBuffer();

    expect(fn.lastEvent.rawQueryString).toBe('');
    expect(fn.lastEvent).not.toHaveProperty('queryStringParameters');
    expect(fn.lastEvent).not.toHaveProperty('pathParameters');
  });

  // A query parameter named like an Object.prototype member is mistaken for a repeated one
  // (local/http-gateway.ts:203 tests `name in query` on a plain object).
  test('a query parameter named like an Object member reaches the function as sent', async () => {
    const url = await startApi();

    await (await fetch(`${url}/hello?constructor=x`)).arrayBuffer();

    expect(fn.lastEvent.queryStringParameters).toEqual({ constructor: 'x' });
  });

  test('a JSON body is passed as text', async () => {
    const url = await startApi();

    await (await fetch(`${url}/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"page":"home"}' })).arrayBuffer();

    expect(fn.lastEvent).toMatchObject({ body: '{"page":"home"}', isBase64Encoded: false });
  });

  test('a binary or form-urlencoded body is passed base64-encoded', async () => {
    const url = await startApi();
    const bytes = Buffer.from([0x00, 0xff, 0x10, 0x80]);

    await (await fetch(`${url}/echo`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: bytes })).arrayBuffer();
    const binary = fn.lastEvent;
    await (await fetch(`${url}/echo`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'page=home&n=1' })).arrayBuffer();
    const form = fn.lastEvent;

    expect(binary).toMatchObject({ body: bytes.toString('base64'), isBase64Encoded: true });
    expect(form).toMatchObject({ body: Buffer.from('page=home&n=1').toString('base64'), isBase64Encoded: true });
  });
});

describe('LocalHttpApi responses', () => {
  test('a structured response sets status, headers, cookies and a base64 body', async () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff]);
    fn.result = {
      ok: true,
      payload: {
        statusCode: 201,
        headers: { 'Content-Type': 'image/png', 'X-Clicks': 3 },
        cookies: ['session=abc; HttpOnly; Path=/', 'theme=dark'],
        body: png.toString('base64'),
        isBase64Encoded: true,
      },
    };
    const url = await startApi();

    const response = await fetch(`${url}/hello`);

    expect(response.status).toBe(201);
    expect(response.headers.get('content-type')).toBe('image/png');
    expect(response.headers.get('x-clicks')).toBe('3');
    expect(response.headers.getSetCookie()).toEqual(['session=abc; HttpOnly; Path=/', 'theme=dark']);
    expect(Buffer.from(await response.arrayBuffer())).toEqual(png);
  });

  test('a structured response with a text body sends it as it is', async () => {
    fn.result = { ok: true, payload: { statusCode: 302, headers: { location: '/login' }, body: 'see /login' } };
    const url = await startApi();

    const response = await fetch(`${url}/hello`, { redirect: 'manual' });

    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/login');
    expect(await response.text()).toBe('see /login');
  });

  test('any other payload is a 200 JSON body', async () => {
    fn.result = { ok: true, payload: { greeting: 'hello', count: 2 } };
    const url = await startApi();

    const response = await fetch(`${url}/hello`);

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toEqual({ greeting: 'hello', count: 2 });
  });

  test('a failed invocation is 500 Internal Server Error and reveals nothing of the error', async () => {
    fn.result = { ok: false, error: { errorType: 'TypeError', errorMessage: 'connect ECONNREFUSED db.internal:5432 (user regionalapp)' } };
    const url = await startApi();

    const response = await fetch(`${url}/hello`);
    const text = await response.text();

    expect(response.status).toBe(500);
    expect(JSON.parse(text)).toEqual({ message: 'Internal Server Error' });
    expect(text).not.toMatch(/ECONNREFUSED|TypeError|db\.internal/);
    expect([...response.headers.keys()].join(' ')).not.toMatch(/error/i);
  });
});

describe('LocalHttpApi and a throttled function', () => {
  const THROTTLED: InvokeResult = {
    ok: false,
    throttled: true,
    error: { errorType: 'TooManyRequestsException', errorMessage: 'Rate Exceeded.', reason: 'ReservedFunctionConcurrentInvocationLimitExceeded' },
  };

  // "If the Lambda API rejects the invocation request, API Gateway returns a 500 error code"
  // (https://docs.aws.amazon.com/lambda/latest/dg/services-apigateway-errors.html): not the function's 429.
  test('a throttled invocation is 500 Internal Server Error, with "Rate Exceeded." as the integration error in the access log', async () => {
    fn.result = THROTTLED;
    const url = await startApi({ stage: { name: '$default', accessLogFormat: ACCESS_LOG_FORMAT } });

    const response = await fetch(`${url}/hello`);
    const text = await response.text();
    await api!.close();

    expect(response.status).toBe(500);
    expect(JSON.parse(text)).toEqual({ message: 'Internal Server Error' });
    expect(text).not.toMatch(/TooManyRequests|Rate Exceeded/);
    const [line] = readFileSync(path.join(logDir, 'access.log'), 'utf8').split('\n').filter(Boolean).map((entry) => JSON.parse(entry));
    expect(line).toEqual(expect.objectContaining({ status: '500', integrationError: 'Rate Exceeded.' }));
  });

  test('behind a function with a reserved concurrency of 1, of two concurrent requests one is answered and one is 500', async () => {
    const codeDir = path.join(logDir, 'slow-hello');
    mkdirSync(codeDir);
    writeFileSync(path.join(codeDir, 'index.mjs'), 'export const handler = async () => { await new Promise((resolve) => setTimeout(resolve, 300)); return { statusCode: 200, body: "slow hello" }; };\n');
    const local = new LocalFunction({
      name: 'regionalapp-local-hello', arn: FUNCTION_ARN, region: 'us-east-1', codeDir, handler: 'index.handler', environment: {},
      timeoutSeconds: 3, memoryMb: 128, maximumRetryAttempts: 2, roleSessionArn: `arn:aws:sts::${ACCOUNT_ID}:assumed-role/hello/hello`, reservedConcurrency: 1,
    }, metrics, logDir);
    try {
      const url = await startApi({ function: local });

      const responses = await Promise.all([fetch(`${url}/hello`), fetch(`${url}/hello`)]);
      const answers = await Promise.all(responses.map(async (response) => ({ status: response.status, body: await response.text() })));

      expect(answers.sort((a, b) => a.status - b.status)).toEqual([
        { status: 200, body: 'slow hello' },
        { status: 500, body: JSON.stringify({ message: 'Internal Server Error' }) },
      ]);
      expect(metrics.values({ namespace: 'AWS/Lambda', metricName: 'Throttles', dimensions: { FunctionName: 'regionalapp-local-hello' } }, 0, Infinity)).toEqual([1]);
    } finally {
      await local.stop();
    }
  });
});

describe('LocalHttpApi throttling', () => {
  test('a route\'s own limit applies to it; other routes use the stage default', async () => {
    const url = await startApi({
      stage: {
        name: '$default',
        defaultRouteSettings: { ThrottlingBurstLimit: 3, ThrottlingRateLimit: 1 },
        routeSettings: { 'POST /login': { ThrottlingBurstLimit: 2, ThrottlingRateLimit: 1 } },
      },
    });
    const statuses = async (method: string, requestPath: string, count: number) => {
      const results: number[] = [];
      for (let i = 0; i < count; i += 1) {
        const response = await fetch(`${url}${requestPath}`, { method });
        if (response.status === 429) expect(await response.json()).toEqual({ message: 'Too Many Requests' });
        else await response.arrayBuffer();
        results.push(response.status);
      }
      return results;
    };

    expect(await statuses('POST', '/login', 3)).toEqual([200, 200, 429]);
    expect(await statuses('GET', '/hello', 4)).toEqual([200, 200, 200, 429]);
    expect(fn.events).toHaveLength(5);
  });

  test('without throttle settings nothing is throttled', async () => {
    const url = await startApi();

    const statuses = await Promise.all(Array.from({ length: 20 }, () => fetch(`${url}/hello`).then(async (response) => {
      await response.arrayBuffer();
      return response.status;
    })));

    expect(new Set(statuses)).toEqual(new Set([200]));
  });
});

describe('LocalHttpApi JWT authorization', () => {
  test('without a token, or with a bad one, the route is 401 and the function is not called', async () => {
    const url = await startApi();

    const missing = await fetch(`${url}/views`);
    const bad = await fetch(`${url}/views`, { headers: { authorization: 'Bearer forged' } });

    for (const response of [missing, bad]) {
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({ message: 'Unauthorized' });
    }
    expect(authorizer.headers).toEqual([undefined, 'Bearer forged']);
    expect(fn.events).toHaveLength(0);
  });

  test('the token\'s claims and scopes reach requestContext.authorizer.jwt', async () => {
    const url = await startApi();

    const response = await fetch(`${url}/views`, { headers: { authorization: `Bearer ${VALID_TOKEN}` } });
    await response.arrayBuffer();

    expect(response.status).toBe(200);
    expect(fn.lastEvent.requestContext.authorizer).toEqual({
      jwt: { claims: { sub: 'user-1', email: 'ada@example.com', client_id: 'web' }, scopes: ['openid', CLICK_SCOPE] },
    });
  });

  test('a route\'s authorization scopes: one of them must be granted, otherwise 403', async () => {
    const url = await startApi();
    const headers = { authorization: `Bearer ${VALID_TOKEN}` };

    const granted = await fetch(`${url}/click`, { method: 'POST', headers });
    await granted.arrayBuffer();
    const forbidden = await fetch(`${url}/admin`, { method: 'POST', headers });

    expect(granted.status).toBe(200);
    expect(forbidden.status).toBe(403);
    expect(await forbidden.json()).toEqual({ message: 'Forbidden' });
    expect(fn.events.map((event) => event.routeKey)).toEqual(['POST /click']);
  });

  test('routes without an authorizer do not ask for a token', async () => {
    const url = await startApi();

    await (await fetch(`${url}/hello`)).arrayBuffer();

    expect(authorizer.headers).toEqual([]);
    expect(fn.events).toHaveLength(1);
  });
});

describe('LocalHttpApi CORS', () => {
  test('a preflight from an allowed origin is 204 with the allowed methods, headers and max age', async () => {
    const url = await startApi();

    const response = await fetch(`${url}/click`, {
      method: 'OPTIONS',
      headers: { 'origin': APP_ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' },
    });

    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
    expect(response.headers.get('access-control-allow-methods')).toBe('GET,POST');
    expect(response.headers.get('access-control-allow-headers')).toBe('authorization,content-type');
    expect(response.headers.get('access-control-max-age')).toBe('600');
    expect(fn.events).toHaveLength(0);
    expect(authorizer.headers).toEqual([]);
  });

  test('a preflight from another origin gets no CORS headers', async () => {
    const url = await startApi();

    const response = await fetch(`${url}/click`, { method: 'OPTIONS', headers: { 'origin': 'https://evil.example', 'access-control-request-method': 'POST' } });

    expect([...response.headers.keys()].filter((name) => name.startsWith('access-control-'))).toEqual([]);
    expect(fn.events).toHaveLength(0);
  });

  test('responses to an allowed origin carry access-control-allow-origin, including errors; others do not', async () => {
    const url = await startApi();

    const allowed = await fetch(`${url}/hello`, { headers: { origin: APP_ORIGIN } });
    await allowed.arrayBuffer();
    const unauthorized = await fetch(`${url}/views`, { headers: { origin: APP_ORIGIN } });
    await unauthorized.arrayBuffer();
    const other = await fetch(`${url}/hello`, { headers: { origin: 'https://evil.example' } });
    await other.arrayBuffer();

    expect(allowed.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
    expect(other.status).toBe(200);
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('LocalHttpApi limits', () => {
  test('a body over 10 MB is 413 and never reaches the function', async () => {
    const url = await startApi();

    const response = await fetch(`${url}/echo`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: Buffer.alloc(10 * 1024 * 1024 + 1) });

    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({ message: 'Request Entity Too Large' });
    expect(fn.events).toHaveLength(0);
  });
});

describe('LocalHttpApi metrics and access log', () => {
  /** The access log's lines once it holds `count` of them (or what it holds after a second). */
  async function accessLogLines(count: number): Promise<string[]> {
    const file = path.join(logDir, 'access.log');
    const read = () => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : []);
    for (let waited = 0; read().length < count && waited < 1_000; waited += 10) await new Promise((resolve) => setTimeout(resolve, 10));
    return read();
  }

  /** Every file write takes `delayMs` before it starts, like a busy disk. */
  function slowDisk(delayMs: number): void {
    const { _write: write, _writev: writev } = WriteStream.prototype;
    jest.spyOn(WriteStream.prototype, '_write').mockImplementation(function (this: WriteStream, ...args) {
      setTimeout(() => write.apply(this, args), delayMs);
    });
    jest.spyOn(WriteStream.prototype, '_writev').mockImplementation(function (this: WriteStream, ...args) {
      setTimeout(() => writev!.apply(this, args), delayMs);
    });
  }

  function sum(metricName: string, stage: string): number {
    const key: MetricKey = { namespace: 'AWS/ApiGateway', metricName, dimensions: { ApiId: API_ID, Stage: stage } };
    return metrics.values(key, 0, Number.MAX_SAFE_INTEGER).reduce((total, value) => total + value, 0);
  }

  test('every request counts in AWS/ApiGateway Count, 4xx and 5xx by ApiId and Stage', async () => {
    const url = await startApi({ stage: { name: 'live' } });

    for (const requestPath of ['/hello', '/hello', '/nowhere', '/views', '/unwired']) await (await fetch(`${url}${requestPath}`)).arrayBuffer();

    expect({ count: sum('Count', 'live'), '4xx': sum('4xx', 'live'), '5xx': sum('5xx', 'live') }).toEqual({ count: 5, '4xx': 2, '5xx': 1 });
    expect(sum('Count', '$default')).toBe(0);
  });

  test('writes one access log line per request in the stage\'s format', async () => {
    const url = await startApi({ stage: { name: '$default', accessLogFormat: ACCESS_LOG_FORMAT } });
    fn.result = { ok: false, error: { errorType: 'Error', errorMessage: 'table "clicks" not found' } };

    const failed = await fetch(`${url}/hello`);
    await failed.arrayBuffer();
    const unauthorized = await fetch(`${url}/views`);
    await unauthorized.arrayBuffer();
    await api!.close();

    // close() does not wait for the log to be written (see the test below), so wait for the lines.
    const lines = (await accessLogLines(2)).map((line) => JSON.parse(line));
    expect(lines).toEqual([
      {
        requestId: failed.headers.get('apigw-requestid'),
        ip: '127.0.0.1',
        requestTime: expect.stringMatching(/GMT$/),
        method: 'GET',
        route: 'GET /hello',
        status: '500',
        latencyMs: expect.stringMatching(/^\d+$/),
        integrationError: 'table "clicks" not found',
        authorizerError: '-',
      },
      expect.objectContaining({ requestId: unauthorized.headers.get('apigw-requestid'), route: 'GET /views', status: '401', integrationError: '-', authorizerError: 'Unauthorized' }),
    ]);
  });

  // bin/start.ts calls process.exit right after stopping the environment, so lines still queued
  // when close() resolves are lost: close() ends the access log stream without waiting for it
  // (local/http-gateway.ts:106). A disk that takes a moment per write shows it every time.
  test('close() resolves only once every access log line is written', async () => {
    slowDisk(20);
    const url = await startApi({ stage: { name: '$default', accessLogFormat: '$context.requestId $context.status' } });

    const responses = await Promise.all([fetch(`${url}/hello`), fetch(`${url}/nowhere`)]);
    await Promise.all(responses.map((response) => response.arrayBuffer()));
    await api!.close();

    const lines = existsSync(path.join(logDir, 'access.log')) ? readFileSync(path.join(logDir, 'access.log'), 'utf8').split('\n').filter(Boolean) : [];
    expect(lines.sort()).toEqual(responses.map((response) => `${response.headers.get('apigw-requestid')} ${response.status}`).sort());
  });

  test('without an access log format nothing is written', async () => {
    const url = await startApi();

    await (await fetch(`${url}/hello`)).arrayBuffer();
    await api!.close();

    expect(() => readFileSync(path.join(logDir, 'access.log'))).toThrow(/ENOENT/);
  });
});
