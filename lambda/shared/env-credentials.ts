import { fromEnv } from '@aws-sdk/credential-provider-env';

/**
 * Stands in for `@aws-sdk/credential-provider-node` in the handler bundles (lib/handler-bundles.ts).
 * Lambda always hands a function its role's credentials in environment variables, so the default
 * chain's other sources (SSO, ini files, process, instance metadata and the STS/SSO clients they
 * need, ~130 KB) are dead weight on every cold start. Same export name and signature as the SDK's.
 */
export const defaultProvider = (init: Parameters<typeof fromEnv>[0] = {}) => fromEnv(init);
