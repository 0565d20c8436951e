import { JwtVerifier } from 'aws-jwt-verify';
import type { JwtPayload } from 'aws-jwt-verify/jwt-model';

/**
 * The HTTP API JWT authorizer, locally: the token from the identity source must be signed by a key
 * of the issuer's JWKS, be unexpired, come from the template's issuer and name one of its audiences
 * in `aud` (ID tokens) or `client_id` (access tokens) — what API Gateway checks. The JWKS is
 * fetched from the Cognito emulator, which serves it over http (aws-jwt-verify fetches only https).
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
      const scopes = typeof claims.scope === 'string' ? claims.scope.split(' ') : undefined;
      return { claims, scopes };
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
        const named = [payload.aud, payload.client_id].flat().filter((value): value is string => typeof value === 'string');
        if (!named.some((value) => audiences.has(value))) throw new Error('the token names none of the authorizer\'s audiences');
      },
    });
    verifier.cacheJwks(await response.json() as Parameters<typeof verifier.cacheJwks>[0]);
    this.verifier = verifier;
    return verifier;
  }
}
