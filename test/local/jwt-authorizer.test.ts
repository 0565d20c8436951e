import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { LocalHttpApi } from '../../local/http-gateway';
import { JwtAuthorizer } from '../../local/jwt-authorizer';
import type { LocalFunction } from '../../local/lambda-runtime';
import { MetricStore } from '../../local/metric-store';

const ISSUER = 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Local123';
const CLIENT_ID = 'local-web-client';
const KID = 'local-key-1';

const issuerKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const strangerKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });

let jwks: Server;
let jwksUrl: string;
let jwksRequests = 0;

beforeAll(async () => {
  const jwk = { ...issuerKeys.publicKey.export({ format: 'jwk' }), kid: KID, alg: 'RS256', use: 'sig' };
  jwks = createServer((request, response) => {
    jwksRequests += 1;
    if (request.url !== '/us-east-1_Local123/.well-known/jwks.json') return void response.writeHead(404).end();
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
  jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/us-east-1_Local123/.well-known/jwks.json`;
});
afterAll(async () => {
  jwks.closeAllConnections();
  await new Promise((resolve) => jwks.close(resolve));
});

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** A JWT as Cognito issues it: RS256 over `header.payload`, signed with `key`. */
function jwt(claims: Record<string, unknown>, options: { key?: KeyObject; kid?: string } = {}): string {
  const signingInput = `${base64url({ kid: options.kid ?? KID, alg: 'RS256' })}.${base64url(claims)}`;
  const signature = sign('RSA-SHA256', Buffer.from(signingInput), options.key ?? issuerKeys.privateKey);
  return `${signingInput}.${signature.toString('base64url')}`;
}

const now = () => Math.floor(Date.now() / 1000);
const idTokenClaims = () => ({ sub: 'user-1', iss: ISSUER, aud: CLIENT_ID, token_use: 'id', email: 'ada@example.com', iat: now(), exp: now() + 3600 });
const accessTokenClaims = () => ({ sub: 'user-1', iss: ISSUER, client_id: CLIENT_ID, token_use: 'access', scope: 'openid regionalapp/click', iat: now(), exp: now() + 3600 });

function authorizer(): JwtAuthorizer {
  return new JwtAuthorizer({ issuer: ISSUER, audience: ['some-other-client', CLIENT_ID], jwksUrl });
}

/** Tokens API Gateway answers 401 for (http-api-jwt-authorizer.html, "Authorizing API requests with a JWT authorizer"). */
const FORGED: [string, string][] = [
  ['another issuer', jwt({ ...idTokenClaims(), iss: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other' })],
  ['another audience', jwt({ ...idTokenClaims(), aud: 'someone-else' })],
  ['another client', jwt({ ...accessTokenClaims(), client_id: 'someone-else' })],
  ['an aud naming another client, though client_id names this one (client_id counts only without aud)', jwt({ ...idTokenClaims(), aud: 'someone-else', client_id: CLIENT_ID })],
  ['no audience at all', jwt({ sub: 'user-1', iss: ISSUER, exp: now() + 3600 })],
  ['a token without exp', jwt({ ...idTokenClaims(), exp: undefined })],
  ['an expired token', jwt({ ...idTokenClaims(), iat: now() - 7200, exp: now() - 3600 })],
  ['a token issued in the future (iat)', jwt({ ...idTokenClaims(), iat: now() + 600, exp: now() + 3600 })],
  ['a token not valid yet (nbf)', jwt({ ...idTokenClaims(), nbf: now() + 600 })],
  ['a changed payload', (() => {
    const [header, , signature] = jwt(idTokenClaims()).split('.');
    return `${header}.${base64url({ ...idTokenClaims(), sub: 'admin' })}.${signature}`;
  })()],
  ['a token signed by another key under the issuer\'s kid', jwt(idTokenClaims(), { key: strangerKeys.privateKey })],
  ['a token signed by a key the JWKS does not hold', jwt(idTokenClaims(), { key: strangerKeys.privateKey, kid: 'stranger' })],
  ['garbage', 'not-a-jwt'],
  ['an empty bearer', 'Bearer '],
];

describe('JwtAuthorizer', () => {
  test('accepts an ID token naming the client in aud, with its claims', async () => {
    const claims = idTokenClaims();

    const authorization = await authorizer().authorize(`Bearer ${jwt(claims)}`);

    expect(authorization?.claims).toMatchObject(claims);
    expect(authorization?.scopes).toBeUndefined();
  });

  test('accepts an access token naming the client in client_id, with its scopes', async () => {
    const authorization = await authorizer().authorize(`Bearer ${jwt(accessTokenClaims())}`);

    expect(authorization?.claims).toMatchObject({ sub: 'user-1', token_use: 'access', client_id: CLIENT_ID });
    expect(authorization?.scopes).toEqual(['openid', 'regionalapp/click']);
  });

  test('takes the token with or without the Bearer prefix, in any case', async () => {
    const token = jwt(idTokenClaims());
    const local = authorizer();

    expect(await local.authorize(token)).toBeDefined();
    expect(await local.authorize(`bearer ${token}`)).toBeDefined();
    expect(await local.authorize(`Bearer   ${token}  `)).toBeDefined();
  });

  test('fetches the JWKS once', async () => {
    const local = authorizer();
    const before = jwksRequests;

    await local.authorize(jwt(idTokenClaims()));
    await local.authorize(jwt(accessTokenClaims()));

    expect(jwksRequests - before).toBe(1);
  });

  test('accepts a token whose aud names the client, whatever its client_id says: API Gateway evaluates aud when both are present', async () => {
    expect(await authorizer().authorize(jwt({ ...idTokenClaims(), client_id: 'someone-else' }))).toBeDefined();
  });

  test('reads scopes from scp (a list or a string) as well as from scope', async () => {
    const withoutScope = { ...accessTokenClaims(), scope: undefined };

    expect((await authorizer().authorize(jwt({ ...withoutScope, scp: ['regionalapp/click'] })))?.scopes).toEqual(['regionalapp/click']);
    expect((await authorizer().authorize(jwt({ ...withoutScope, scp: 'openid regionalapp/click' })))?.scopes).toEqual(['openid', 'regionalapp/click']);
  });

  test.each(FORGED)('refuses %s', async (_, header) => {
    expect(await authorizer().authorize(header)).toBeUndefined();
  });

  test('refuses a request without an Authorization header', async () => {
    expect(await authorizer().authorize(undefined)).toBeUndefined();
  });
});

describe('a protected route of the local HTTP API, behind the JWT authorizer', () => {
  const FUNCTION_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:views';
  const invocations: unknown[] = [];
  const fn = { invoke: async (event: unknown) => (invocations.push(event), { ok: true, payload: { statusCode: 200, body: 'views' } }) };
  let api: LocalHttpApi;
  let logDir: string;

  beforeAll(async () => {
    logDir = mkdtempSync(path.join(tmpdir(), 'jwt-gateway-test-'));
    api = new LocalHttpApi('a1b2c3d4e5', 'jwt-test-api', '123456789012', undefined, (arn) => (arn === FUNCTION_ARN ? fn as unknown as LocalFunction : undefined), new MetricStore());
    api.routes.push({ routeKey: 'GET /views', integrationId: 'int1', authorizerId: 'auth1' });
    api.integrations.set('int1', FUNCTION_ARN);
    api.authorizers.set('auth1', authorizer());
    api.setStage({ name: '$default' }, path.join(logDir, 'access.log'));
    await api.listen();
  });
  afterAll(async () => {
    await api.close();
    rmSync(logDir, { recursive: true, force: true });
  });
  beforeEach(() => invocations.splice(0));

  const get = (authorization: string) => fetch(`${api.url}/views`, { headers: { authorization } });

  test('answers a valid token with the function', async () => {
    const response = await get(`Bearer ${jwt(idTokenClaims())}`);

    expect(response.status).toBe(200);
    expect(invocations).toHaveLength(1);
  });

  test.each(FORGED)('answers 401 Unauthorized to %s, without calling the function', async (_, header) => {
    const response = await get(header.startsWith('Bearer') ? header : `Bearer ${header}`);

    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ message: 'Unauthorized' });
    expect(invocations).toHaveLength(0);
  });
});
