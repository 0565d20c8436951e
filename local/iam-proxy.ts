import { randomUUID } from 'node:crypto';
import { Agent, createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { parseAwsRequest, type ParsedRequest } from './aws-requests';
import type { IamPolicies } from './iam-policies';
import { closeServer, listenLocally } from './local-server';

/**
 * The emulators behind IAM (L2): local functions and the e2e suite reach moto and DynamoDB Local
 * only through this proxy. Each signed request is attributed to its role session by the access
 * key, every IAM action it needs is authorized against the templates' policies, and a denied
 * request gets the answer AWS gives — the service's own AccessDenied shape, naming the caller,
 * the action and the resource — without reaching the emulator, so nothing changes.
 */

export interface ProxyEvent {
  readonly decision: 'allowed' | 'denied' | 'public' | 'unevaluable' | 'unattributed';
  readonly operation: string;
  readonly principal?: string;
  readonly message?: string;
}

export interface IamProxyOptions {
  /** The emulator's base URL. */
  readonly target: string;
  readonly policies: IamPolicies;
  readonly secretArn: (secretId: string, region: string) => string | undefined;
  /** Called for every request that was not allowed (and for each allowed one when auditing). */
  readonly onEvent?: (event: ProxyEvent) => void;
  /**
   * A regional endpoint (a region's DynamoDB): requests signed for another region are refused, as
   * AWS refuses a credential scoped to a region the endpoint does not serve.
   */
  readonly region?: string;
  /**
   * DynamoDB Local keeps one database per access key and region: every caller's request reaches
   * the region's database under this one key (the emulator does not check signatures).
   */
  readonly databaseAccessKey?: string;
}

const FORWARD_AGENT = new Agent({ keepAlive: true, maxSockets: 64 });

/** Query-compatible JSON services (SQS, CloudWatch) also carry the Query error code in a header. */
const QUERY_COMPATIBLE = new Set(['sqs', 'monitoring']);

function deny(response: ServerResponse, service: string, status: number, code: string, jsonType: string, message: string): void {
  const requestId = randomUUID();
  if (service === 's3') {
    const escaped = message.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
    response.writeHead(status, { 'content-type': 'application/xml', 'x-amz-request-id': requestId })
      .end(`<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${escaped}</Message><RequestId>${requestId}</RequestId></Error>`);
    return;
  }
  response.writeHead(status, {
    'content-type': 'application/x-amz-json-1.1',
    'x-amzn-requestid': requestId,
    ...(QUERY_COMPATIBLE.has(service) ? { 'x-amzn-query-error': `${code};Sender` } : {}),
  }).end(JSON.stringify({ __type: `com.amazon.coral.service#${jsonType}`, message, Message: message }));
}

/** The body was read whole, so it goes on with a length of its own. */
function withoutFraming(headers: IncomingMessage['headers']): IncomingMessage['headers'] {
  const rest = { ...headers };
  delete rest['transfer-encoding'];
  return rest;
}

/** The same request under another access key (`Credential=<key>/<date>/<region>/<service>/aws4_request`). */
function withAccessKey(headers: IncomingMessage['headers'], accessKeyId: string): IncomingMessage['headers'] {
  const authorization = headers.authorization;
  if (typeof authorization !== 'string') return headers;
  return { ...headers, authorization: authorization.replace(/Credential=[^/,\s]+\//, `Credential=${accessKeyId}/`) };
}

export class IamProxy {
  private server?: Server;

  constructor(private readonly options: IamProxyOptions) {}

  async listen(): Promise<string> {
    this.server = createServer((request, response) => {
      this.handle(request, response).catch((error: unknown) => {
        if (!response.headersSent) response.writeHead(502, { 'content-type': 'text/plain' });
        response.end(`local IAM proxy: ${error instanceof Error ? error.message : String(error)}`);
      });
    });
    // The SDK keeps connections alive between calls; so does the emulator side (see forward).
    this.server.keepAliveTimeout = 60_000;
    return listenLocally(this.server);
  }

  close(): Promise<void> {
    return closeServer(this.server);
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const parsed = parseAwsRequest(request.method ?? 'GET', request.url ?? '/', request.headers, body, {
      accountId: this.options.policies.accountId,
      secretArn: this.options.secretArn,
    });
    const refusal = await this.refusal(parsed);
    if (refusal) {
      this.options.onEvent?.(refusal.event);
      deny(response, refusal.service, refusal.status, refusal.code, refusal.jsonType, refusal.event.message!);
      return;
    }
    await this.forward(request, body, response, this.options.databaseAccessKey ? withAccessKey(request.headers, this.options.databaseAccessKey) : request.headers);
  }

  /** Why AWS would refuse this request, or undefined when it would let it through. */
  private async refusal(parsed: ParsedRequest): Promise<{ service: string; status: number; code: string; jsonType: string; event: ProxyEvent } | undefined> {
    if (parsed.kind === 'public') return undefined;
    if (parsed.kind === 'unsigned') {
      return { service: 'unknown', status: 403, code: 'MissingAuthenticationToken', jsonType: 'MissingAuthenticationTokenException', event: { decision: 'unattributed', operation: parsed.operation, message: 'Request is missing Authentication Token' } };
    }
    if (this.options.region && parsed.region !== this.options.region) {
      const message = `Credential should be scoped to a valid region, not '${parsed.region}'. This is the ${this.options.region} endpoint.`;
      return { service: parsed.service, status: 400, code: 'InvalidSignatureException', jsonType: 'InvalidSignatureException', event: { decision: 'unattributed', operation: parsed.operation, message } };
    }
    const session = this.options.policies.sessionFor(parsed.accessKeyId);
    if (!session) {
      const message = parsed.service === 's3' ? 'The AWS Access Key Id you provided does not exist in our records.' : 'The security token included in the request is invalid.';
      return { service: parsed.service, status: parsed.service === 's3' ? 403 : 400, code: parsed.service === 's3' ? 'InvalidAccessKeyId' : 'UnrecognizedClientException', jsonType: 'UnrecognizedClientException', event: { decision: 'unattributed', operation: parsed.operation, message } };
    }
    if (parsed.kind === 'unevaluable') {
      const message = `User: ${session.sessionArn} is not authorized to perform: ${parsed.operation}: the local environment cannot evaluate this request (${parsed.reason}), so it denies it; add the operation to local/aws-requests.ts`;
      return { service: parsed.service, status: parsed.service === 's3' ? 403 : 400, code: 'AccessDenied', jsonType: 'AccessDeniedException', event: { decision: 'unevaluable', operation: parsed.operation, principal: session.sessionArn, message } };
    }
    for (const check of parsed.checks) {
      const decision = await this.options.policies.authorize({ principal: session.sessionArn, action: check.action, resource: check.resource, context: { 'aws:RequestedRegion': parsed.region } });
      if (!decision.allowed) {
        return { service: parsed.service, status: parsed.service === 's3' ? 403 : 400, code: 'AccessDenied', jsonType: 'AccessDeniedException', event: { decision: 'denied', operation: parsed.operation, principal: session.sessionArn, message: decision.message } };
      }
    }
    return undefined;
  }

  private forward(request: IncomingMessage, body: Buffer, response: ServerResponse, headers: IncomingMessage['headers']): Promise<void> {
    const target = new URL(this.options.target);
    return new Promise((resolve, reject) => {
      const upstream = httpRequest({
        hostname: target.hostname,
        port: target.port,
        method: request.method,
        path: request.url,
        headers: { ...withoutFraming(headers), 'content-length': String(body.length) },
        agent: FORWARD_AGENT,
      }, (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
        answer.on('end', resolve);
        answer.on('error', reject);
      });
      upstream.on('error', reject);
      upstream.end(body);
    });
  }
}
