import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { createHash, createSign, generateKeyPairSync, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { parameterPath, PARAMETER_KEYS, ROUTES, type ParameterKey } from '../lib/names';
import { targetFromEnv } from './target';

/**
 * Tokens API Gateway's JWT authorizer refuses although they may be signed by a key of the pool's
 * JWKS: no `exp`, expired, issued in the future (`iat`, `nbf`), an `aud` naming another client (even
 * with a matching `client_id`), another issuer. Each gets 401 on every protected route.
 *
 * Locally the tokens are signed with the Cognito emulator's own key (FORGED_TOKEN_SIGNING_KEY: moto
 * signs every pool's tokens with one key that ships with it), so only the claim checks stand
 * between them and the functions — a control token with the right claims gets through. Deployed,
 * they are signed with a throwaway key, so the signature check refuses them too.
 */
const target = targetFromEnv();
const ssm = new SSMClient({ region: target.region });
const PROTECTED_ROUTES = [`GET ${ROUTES.hello}`, `POST ${ROUTES.click}`, `GET ${ROUTES.views}`];

interface SigningKey {
  readonly kid: string;
  /** The RS256 signature of `data`. */
  readonly sign: (data: string) => Buffer;
  /** The emulator's own key: a token with the right claims is then valid. */
  readonly trusted: boolean;
}

/** DER prefix of a SHA-256 DigestInfo (RFC 8017, EMSA-PKCS1-v1_5). */
const SHA256_DIGEST_INFO = Buffer.from('3031300d060960864801650304020105000420', 'hex');
const toBigInt = (base64url: string) => BigInt(`0x${Buffer.from(base64url, 'base64url').toString('hex')}`);

/**
 * RS256 with only the modulus and private exponent: moto's JWK has no CRT parameters, which
 * node:crypto needs to import a private key, so the signature is computed from its definition.
 */
function rs256FromExponent(jwk: { n: string; d: string }): (data: string) => Buffer {
  const n = toBigInt(jwk.n);
  const d = toBigInt(jwk.d);
  const size = Buffer.from(jwk.n, 'base64url').length;
  return (data) => {
    const digestInfo = Buffer.concat([SHA256_DIGEST_INFO, createHash('sha256').update(data).digest()]);
    const encoded = Buffer.concat([Buffer.from([0, 1]), Buffer.alloc(size - digestInfo.length - 3, 0xff), Buffer.from([0]), digestInfo]);
    let result = 1n;
    let base = BigInt(`0x${encoded.toString('hex')}`) % n;
    for (let exponent = d; exponent > 0n; exponent >>= 1n) {
      if (exponent & 1n) result = (result * base) % n;
      base = (base * base) % n;
    }
    return Buffer.from(result.toString(16).padStart(size * 2, '0'), 'hex');
  };
}

function signingKey(): SigningKey {
  const file = process.env.FORGED_TOKEN_SIGNING_KEY;
  if (file) {
    const raw = readFileSync(file);
    // One private JWK, or a JWKS holding it.
    type PrivateJwk = { kid: string; n: string; d: string };
    const parsed = JSON.parse((file.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8')) as PrivateJwk | { keys: PrivateJwk[] };
    const jwk = 'keys' in parsed ? parsed.keys[0] : parsed;
    return { kid: jwk.kid, sign: rs256FromExponent(jwk), trusted: true };
  }
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { kid: `forged-${randomUUID()}`, sign: (data) => createSign('RSA-SHA256').update(data).sign(privateKey), trusted: false };
}

function jwt(signing: SigningKey, claims: Record<string, unknown>): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${encode({ kid: signing.kid, alg: 'RS256' })}.${encode(claims)}`;
  return `${unsigned}.${signing.sign(unsigned).toString('base64url')}`;
}

async function parameter(key: ParameterKey): Promise<string> {
  const { Parameter } = await ssm.send(new GetParameterCommand({ Name: parameterPath(target.names, key) }));
  return Parameter!.Value!;
}

let signing: SigningKey;
let claims: Record<string, unknown>;

beforeAll(async () => {
  signing = signingKey();
  const [poolId, clientId] = await Promise.all([parameter(PARAMETER_KEYS.userPoolId), parameter(PARAMETER_KEYS.userPoolClientId)]);
  const now = Math.floor(Date.now() / 1000);
  claims = {
    sub: randomUUID(), iss: `https://cognito-idp.${target.region}.amazonaws.com/${poolId}`, aud: clientId, token_use: 'id',
    email: 'forged@example.com', auth_time: now, iat: now, exp: now + 3600,
  };
});

async function status(routeKey: string, token: string): Promise<number> {
  const [method, path] = routeKey.split(' ');
  const response = await fetch(`${target.apiUrl}${path}`, { method, headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(10_000) });
  await response.arrayBuffer();
  return response.status;
}

describe(`forged tokens in ${target.region}`, () => {
  const now = () => Math.floor(Date.now() / 1000);
  const forged: [string, () => Record<string, unknown>][] = [
    ['no exp', () => Object.fromEntries(Object.entries(claims).filter(([name]) => name !== 'exp'))],
    ['expired', () => ({ ...claims, iat: now() - 7200, exp: now() - 3600 })],
    ['iat in the future', () => ({ ...claims, iat: now() + 3600, exp: now() + 7200 })],
    ['nbf in the future', () => ({ ...claims, nbf: now() + 3600 })],
    ['aud of another client, client_id of ours', () => ({ ...claims, aud: 'another-client', client_id: claims.aud })],
    ['another issuer', () => ({ ...claims, iss: `https://cognito-idp.${target.region}.amazonaws.com/${target.region}_Forged0000` })],
  ];

  test.each(forged)('%s: 401 on every protected route', async (_, forge) => {
    const token = jwt(signing, forge());
    for (const routeKey of PROTECTED_ROUTES) expect([routeKey, await status(routeKey, token)]).toEqual([routeKey, 401]);
  });

  test('the control: with the emulator\'s key and the right claims the same token is accepted (so the 401s above come from the claim checks)', async () => {
    if (!signing.trusted) {
      // Deployed, the forged tokens carry a throwaway key: the signature check refuses them as well.
      expect(await status(PROTECTED_ROUTES[0], jwt(signing, claims))).toBe(401);
      return;
    }
    expect(await status(PROTECTED_ROUTES[0], jwt(signing, claims))).toBe(200);
  });
});
