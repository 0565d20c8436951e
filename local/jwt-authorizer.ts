import { JwtVerifier } from 'aws-jwt-verify';
import type { JwtPayload } from 'aws-jwt-verify/jwt-model';

/**
 * The HTTP API JWT authorizer, locally, refusing what API Gateway refuses
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-jwt-authorizer.html, "Authorizing API
 * requests with a JWT authorizer"): the token's `kid` must name a key of the issuer's JWKS and its signature
 * verify with that key, `iss` must be the authorizer's issuer (both by aws-jwt-verify), and the claims must pass
 * CLAIM_RULES below. Scopes (`scope` or `scp`) are checked per route by the gateway. The JWKS is fetched from the
 * Cognito emulator, which serves it over http (aws-jwt-verify fetches only https).
 */
export interface JwtAuthorizerConfig {
  readonly issuer: string;
  readonly audience: readonly string[];
  /** Where the issuer's JWKS is served locally. */
  readonly jwksUrl: string;
}

export interface JwtAuthorization {
  readonly claims: JwtPayload;
  readonly scopes: string[] | undefined;
}

interface ClaimRule {
  readonly rule: string;
  holds(payload: JwtPayload, nowSeconds: number, audiences: ReadonlySet<string>): boolean;
}

const notInTheFuture = (claim: 'nbf' | 'iat'): ClaimRule => ({
  rule: `${claim}, if present, must be before the current time`,
  holds: (payload, now) => payload[claim] === undefined || payload[claim] <= now,
});

/** API Gateway's claim checks, in the order its documentation lists them. */
const CLAIM_RULES: readonly ClaimRule[] = [
  {
    // "API Gateway validates client_id only if aud is not present. When both aud and client_id are present,
    // API Gateway evaluates aud." (http-api-troubleshooting-jwt.html)
    rule: 'aud, or client_id when aud is absent, must match an audience of the authorizer',
    holds: (payload, _now, audiences) => [payload.aud !== undefined ? payload.aud : payload.client_id].flat()
      .some((value) => typeof value === 'string' && audiences.has(value)),
  },
  { rule: 'exp must be present and after the current time', holds: (payload, now) => typeof payload.exp === 'number' && payload.exp > now },
  notInTheFuture('nbf'),
  notInTheFuture('iat'),
];

/** `scope` is a space-separated string (Cognito); `scp` a string or a list (other issuers). */
function scopesOf(claims: JwtPayload): string[] | undefined {
  const granted = claims.scope ?? claims.scp;
  if (typeof granted === 'string') return granted.split(' ').filter(Boolean);
  if (Array.isArray(granted)) return granted.filter((scope): scope is string => typeof scope === 'string');
  return undefined;
}

export class JwtAuthorizer {
  private verifier?: ReturnType<typeof JwtVerifier.create>;

  constructor(private readonly config: JwtAuthorizerConfig) {}

  /** The token's claims, or undefined when API Gateway would answer 401. */
  async authorize(authorizationHeader: string | undefined): Promise<JwtAuthorization | undefined> {
    const token = authorizationHeader?.replace(/^Bearer\s+/i, '').trim();
    if (!token) return undefined;
    const verifier = await this.ready();
    try {
      const claims = verifier.verifySync(token);
      return { claims, scopes: scopesOf(claims) };
    } catch {
      return undefined;
    }
  }

  private async ready(): Promise<ReturnType<typeof JwtVerifier.create>> {
    if (this.verifier) return this.verifier;
    const response = await fetch(this.config.jwksUrl, { signal: AbortSignal.timeout(5_000) });
    if (!response.ok) throw new Error(`The JWKS at ${this.config.jwksUrl} answered ${response.status}`);
    const audiences = new Set(this.config.audience);
    const verifier = JwtVerifier.create({
      issuer: this.config.issuer,
      audience: null,
      jwksUri: this.config.jwksUrl,
      customJwtCheck: ({ payload }) => {
        const now = Date.now() / 1000;
        const broken = CLAIM_RULES.find((rule) => !rule.holds(payload, now, audiences));
        if (broken) throw new Error(`API Gateway refuses the token: ${broken.rule}`);
      },
    });
    verifier.cacheJwks(await response.json() as Parameters<typeof verifier.cacheJwks>[0]);
    this.verifier = verifier;
    return verifier;
  }
}
