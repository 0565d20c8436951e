import { randomUUID } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { JwtAuthorizer } from './jwt-authorizer';
import type { LocalFunction } from './lambda-runtime';
import type { MetricStore } from './metric-store';
import { TokenBucket } from './throttle';
import { closeServer, listenLocally, readBody } from './local-server';

/**
 * One API Gateway HTTP API, locally: the template's routes, integrations (Lambda proxy, payload
 * format 2.0), JWT authorizers, stage throttles and CORS configuration, in front of the local
 * Lambda runtime. Answers the way API Gateway does: `{"message":"Not Found"}` for unknown routes,
 * 401 `Unauthorized`, 429 `Too Many Requests` (the stage's own throttle), 500 `Internal Server Error`
 * when the function fails or Lambda throttles it.
 */

export interface CorsConfiguration {
  readonly AllowOrigins?: readonly string[];
  readonly AllowMethods?: readonly string[];
  readonly AllowHeaders?: readonly string[];
  readonly ExposeHeaders?: readonly string[];
  readonly MaxAge?: number;
  readonly AllowCredentials?: boolean;
}

export interface RouteDefinition {
  readonly routeKey: string;
  readonly integrationId?: string;
  readonly authorizerId?: string;
  readonly authorizationScopes?: readonly string[];
}

export interface ThrottleSettings {
  readonly ThrottlingRateLimit?: number;
  readonly ThrottlingBurstLimit?: number;
}

export interface StageDefinition {
  readonly name: string;
  readonly defaultRouteSettings?: ThrottleSettings;
  readonly routeSettings?: Readonly<Record<string, ThrottleSettings>>;
  readonly accessLogFormat?: string;
}

interface MatchedRoute {
  readonly route: RouteDefinition;
  readonly pathParameters?: Record<string, string>;
}

const MAX_BODY_BYTES = 10 * 1024 * 1024;
const TEXT_TYPES = /^(text\/|application\/(json|javascript|xml|x-yaml|yaml)|[^;]*\+(json|xml))/i;

function json(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}

export class LocalHttpApi {
  readonly routes: RouteDefinition[] = [];
  readonly integrations = new Map<string, string>();
  readonly authorizers = new Map<string, JwtAuthorizer>();
  private stage?: StageDefinition;
  private readonly buckets = new Map<string, TokenBucket>();
  private server?: Server;
  private accessLog?: WriteStream;
  private baseUrl?: string;

  constructor(
    readonly apiId: string,
    readonly name: string,
    private readonly accountId: string,
    private readonly cors: CorsConfiguration | undefined,
    private readonly functionByArn: (arn: string) => LocalFunction | undefined,
    private readonly metrics: MetricStore,
  ) {}

  get url(): string {
    if (!this.baseUrl) throw new Error(`The local API ${this.name} is not listening yet`);
    return this.baseUrl;
  }

  setStage(stage: StageDefinition, accessLogFile: string): void {
    this.stage = stage;
    this.buckets.clear();
    this.accessLog?.end();
    this.accessLog = stage.accessLogFormat ? createWriteStream(accessLogFile, { flags: 'a' }) : undefined;
  }

  /** Starts serving on 127.0.0.1 (`port` 0: any free port); resolves to the base URL. */
  async listen(port = 0): Promise<string> {
    const server = createServer((request, response) => {
      this.handle(request, response).catch(() => {
        if (!response.headersSent) json(response, 500, { message: 'Internal Server Error' });
      });
    });
    this.baseUrl = await listenLocally(server, port);
    this.server = server;
    return this.baseUrl;
  }

  async close(): Promise<void> {
    await closeServer(this.server);
    await new Promise((resolve) => (this.accessLog ? this.accessLog.end(resolve) : resolve(undefined)));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const started = Date.now();
    const requestId = randomUUID();
    const url = new URL(request.url ?? '/', 'http://local');
    const method = request.method ?? 'GET';
    const corsHeaders = this.corsHeaders(request.headers.origin);
    let status = 500;
    let routeKey = '-';
    let authorizerError = '-';
    let integrationError = '-';
    const answer = (code: number, body: unknown, extra: Record<string, string> = {}) => {
      status = code;
      json(response, code, body, { ...corsHeaders, 'apigw-requestid': requestId, ...extra });
    };

    try {
      if (method === 'OPTIONS' && this.cors && request.headers['access-control-request-method']) {
        status = 204;
        response.writeHead(204, { ...corsHeaders, ...this.preflightHeaders(corsHeaders) }).end();
        return;
      }
      const body = await readBody(request, MAX_BODY_BYTES);
      if (body === undefined) return answer(413, { message: 'Request Entity Too Large' });
      const matched = this.match(method, url.pathname);
      if (!matched) return answer(404, { message: 'Not Found' });
      routeKey = matched.route.routeKey;
      if (!this.throttleAllows(routeKey)) return answer(429, { message: 'Too Many Requests' });

      let authorizer: Record<string, unknown> | undefined;
      if (matched.route.authorizerId) {
        const jwtAuthorizer = this.authorizers.get(matched.route.authorizerId);
        const authorization = await jwtAuthorizer?.authorize(headerValue(request.headers.authorization));
        if (!authorization) {
          authorizerError = 'Unauthorized';
          return answer(401, { message: 'Unauthorized' }, { 'www-authenticate': 'Bearer' });
        }
        const required = matched.route.authorizationScopes ?? [];
        if (required.length > 0 && !required.some((scope) => authorization.scopes?.includes(scope))) {
          authorizerError = 'Forbidden';
          return answer(403, { message: 'Forbidden' });
        }
        authorizer = { jwt: { claims: authorization.claims, scopes: authorization.scopes ?? null } };
      }

      const functionArn = matched.route.integrationId ? this.integrations.get(matched.route.integrationId) : undefined;
      const fn = functionArn ? this.functionByArn(functionArn) : undefined;
      if (!fn) {
        integrationError = `no local function for integration ${matched.route.integrationId}`;
        return answer(500, { message: 'Internal Server Error' });
      }
      const event = this.event(request, url, body, matched, requestId, started, authorizer);
      const result = await fn.invoke(event);
      if (!result.ok) {
        // A throttled function too (Lambda's 429 TooManyRequestsException, "Rate Exceeded."): "If the
        // Lambda API rejects the invocation request, API Gateway returns a 500 error code"
        // (https://docs.aws.amazon.com/lambda/latest/dg/services-apigateway-errors.html), with an HTTP
        // API's body {"message":"Internal Server Error"} and the cause only in $context.integrationErrorMessage
        // (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-troubleshooting-lambda.html).
        // The 429 is not passed on to the client (https://repost.aws/questions/QUfI6bsdd0SOiPeyimzxSkfQ).
        integrationError = result.error.errorMessage;
        return answer(500, { message: 'Internal Server Error' });
      }
      status = this.respond(response, result.payload, { ...corsHeaders, 'apigw-requestid': requestId });
    } finally {
      this.record(status, Date.now() - started);
      this.writeAccessLog({ requestId, method, path: url.pathname, routeKey, status, started, request, authorizerError, integrationError });
    }
  }

  /** API Gateway's choice: the most specific matching route — literal segments over `{param}` over `{proxy+}`, a method over ANY. */
  private match(method: string, path: string): MatchedRoute | undefined {
    let best: { matched: MatchedRoute; score: number[] } | undefined;
    for (const route of this.routes) {
      if (route.routeKey === '$default') continue;
      const [routeMethod, template] = route.routeKey.split(' ');
      if (routeMethod !== method && routeMethod !== 'ANY') continue;
      const pathParameters = matchPath(template, path);
      if (!pathParameters) continue;
      const segments = template.split('/');
      const score = [
        segments.some((segment) => segment.endsWith('+}')) ? 0 : 1,
        segments.filter((segment) => !segment.startsWith('{')).length,
        routeMethod === 'ANY' ? 0 : 1,
      ];
      if (!best || compareScores(score, best.score) > 0) {
        best = { matched: { route, pathParameters: Object.keys(pathParameters).length > 0 ? pathParameters : undefined }, score };
      }
    }
    const fallback = this.routes.find((route) => route.routeKey === '$default');
    return best?.matched ?? (fallback ? { route: fallback } : undefined);
  }

  private throttleAllows(routeKey: string): boolean {
    const settings = this.stage?.routeSettings?.[routeKey] ?? this.stage?.defaultRouteSettings;
    if (settings?.ThrottlingRateLimit === undefined || settings.ThrottlingBurstLimit === undefined) return true;
    // The stage's default route settings apply to each route on its own, like a route's own settings.
    let bucket = this.buckets.get(routeKey);
    if (!bucket) {
      bucket = new TokenBucket(settings.ThrottlingRateLimit, settings.ThrottlingBurstLimit);
      this.buckets.set(routeKey, bucket);
    }
    return bucket.take();
  }

  private event(request: IncomingMessage, url: URL, body: Buffer, matched: MatchedRoute, requestId: string, started: number, authorizer: Record<string, unknown> | undefined) {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) {
      if (value !== undefined && name !== 'cookie') headers[name] = Array.isArray(value) ? value.join(',') : value;
    }
    const cookies = request.headers.cookie?.split(/;\s*/).filter(Boolean);
    const query = new Map<string, string>();
    for (const [name, value] of url.searchParams) query.set(name, query.has(name) ? `${query.get(name)},${value}` : value);
    const isText = TEXT_TYPES.test(headers['content-type'] ?? '');
    const method = request.method ?? 'GET';
    return {
      version: '2.0',
      routeKey: matched.route.routeKey,
      rawPath: url.pathname,
      rawQueryString: url.search.slice(1),
      ...(cookies?.length ? { cookies } : {}),
      headers,
      ...(query.size > 0 ? { queryStringParameters: Object.fromEntries(query) } : {}),
      ...(matched.pathParameters ? { pathParameters: matched.pathParameters } : {}),
      requestContext: {
        accountId: this.accountId,
        apiId: this.apiId,
        ...(authorizer ? { authorizer } : {}),
        domainName: headers.host ?? '127.0.0.1',
        domainPrefix: this.apiId,
        http: { method, path: url.pathname, protocol: `HTTP/${request.httpVersion}`, sourceIp: request.socket.remoteAddress ?? '127.0.0.1', userAgent: headers['user-agent'] ?? '' },
        requestId,
        routeKey: matched.route.routeKey,
        stage: this.stage?.name ?? '$default',
        time: new Date(started).toISOString(),
        timeEpoch: started,
      },
      ...(body.length > 0 ? { body: isText ? body.toString('utf8') : body.toString('base64'), isBase64Encoded: !isText } : { isBase64Encoded: false }),
    };
  }

  /** Payload format 2.0 responses: a structured response, or any other value as a 200 JSON body. */
  private respond(response: ServerResponse, payload: unknown, extraHeaders: Record<string, string>): number {
    const structured = payload !== null && typeof payload === 'object' && 'statusCode' in payload;
    if (!structured) {
      response.writeHead(200, { 'content-type': 'application/json', ...extraHeaders }).end(typeof payload === 'string' ? payload : JSON.stringify(payload));
      return 200;
    }
    const result = payload as { statusCode: number; headers?: Record<string, string | number | boolean>; cookies?: string[]; body?: string; isBase64Encoded?: boolean };
    const headers: Record<string, string | string[]> = { ...extraHeaders };
    for (const [name, value] of Object.entries(result.headers ?? {})) headers[name.toLowerCase()] = String(value);
    if (result.cookies?.length) headers['set-cookie'] = result.cookies;
    const body = result.body === undefined ? '' : result.isBase64Encoded ? Buffer.from(result.body, 'base64') : result.body;
    response.writeHead(result.statusCode, headers).end(body);
    return result.statusCode;
  }

  private corsHeaders(origin: string | undefined): Record<string, string> {
    const allowed = this.cors?.AllowOrigins ?? [];
    if (!origin || !(allowed.includes('*') || allowed.includes(origin))) return {};
    return {
      'access-control-allow-origin': allowed.includes('*') && !this.cors?.AllowCredentials ? '*' : origin,
      ...(this.cors?.AllowCredentials ? { 'access-control-allow-credentials': 'true' } : {}),
      ...(this.cors?.ExposeHeaders?.length ? { 'access-control-expose-headers': this.cors.ExposeHeaders.join(',') } : {}),
      vary: 'origin',
    };
  }

  private preflightHeaders(corsHeaders: Record<string, string>): Record<string, string> {
    if (!corsHeaders['access-control-allow-origin']) return {};
    return {
      'access-control-allow-methods': (this.cors?.AllowMethods ?? []).join(','),
      'access-control-allow-headers': (this.cors?.AllowHeaders ?? []).join(','),
      ...(this.cors?.MaxAge !== undefined ? { 'access-control-max-age': String(this.cors.MaxAge) } : {}),
    };
  }

  private record(status: number, latencyMs: number): void {
    const dimensions = { ApiId: this.apiId, Stage: this.stage?.name ?? '$default' };
    const put = (metricName: string, value: number) => this.metrics.put({ namespace: 'AWS/ApiGateway', metricName, dimensions }, value);
    put('Count', 1);
    put('4xx', status >= 400 && status < 500 ? 1 : 0);
    put('5xx', status >= 500 ? 1 : 0);
    put('Latency', latencyMs);
  }

  private writeAccessLog(entry: { requestId: string; method: string; path: string; routeKey: string; status: number; started: number; request: IncomingMessage; authorizerError: string; integrationError: string }): void {
    const format = this.stage?.accessLogFormat;
    if (!format || !this.accessLog) return;
    const values: Record<string, string> = {
      '$context.requestId': entry.requestId,
      '$context.identity.sourceIp': entry.request.socket.remoteAddress ?? '127.0.0.1',
      '$context.requestTime': new Date(entry.started).toUTCString(),
      '$context.httpMethod': entry.method,
      '$context.path': entry.path,
      '$context.routeKey': entry.routeKey,
      '$context.status': String(entry.status),
      '$context.responseLatency': String(Date.now() - entry.started),
      '$context.integrationErrorMessage': entry.integrationError,
      '$context.authorizer.error': entry.authorizerError,
      '$context.stage': this.stage?.name ?? '$default',
      '$context.apiId': this.apiId,
    };
    const line = format.replace(/\$context\.[A-Za-z.]+/g, (variable) => JSON.stringify(values[variable] ?? '-').slice(1, -1));
    this.accessLog.write(`${line}\n`);
  }
}

function compareScores(a: readonly number[], b: readonly number[]): number {
  for (let index = 0; index < a.length; index++) if (a[index] !== b[index]) return a[index] - b[index];
  return 0;
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** `{name}` matches one path segment, `{name+}` the rest of the path; undefined when no match. */
export function matchPath(template: string, path: string): Record<string, string> | undefined {
  const names: string[] = [];
  const pattern = template.replace(/[.*?^$()|[\]\\]/g, '\\$&').replace(/\{([^}]+?)(\+?)\}/g, (_, name: string, greedy: string) => {
    names.push(name);
    return greedy ? '(.+)' : '([^/]+)';
  });
  const match = new RegExp(`^${pattern}$`).exec(path);
  if (!match) return undefined;
  return Object.fromEntries(names.map((name, index) => [name, decodeURIComponent(match[index + 1])]));
}
