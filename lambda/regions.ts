import { GetParameterCommand, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';
import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { RegionEndpoint, RegionsAnswer } from './shared/api-contract';
import { requireEnv } from './shared/environment';
import { errorSummary, json } from './shared/http';

const logger = new Logger();

/**
 * GET /regions (public): every app region whose user API is deployed, so the page can fail over
 * (A21). Each region publishes its API URL in its own SSM (`PARAMETER_KEYS.apiUrl`); there are no
 * cross-region exports, and region A deploys before region B exists, so the list is read at
 * request time, not at deploy time: region A's page learns region B as soon as B is deployed.
 */

/** How long an execution environment reuses the list it read: a new region appears within a minute. */
export const REGIONS_CACHE_MS = 60_000;

/** `APP_REGIONS`: the app regions, comma-separated, in cdk.json's order (region A first). */
export function parseRegions(text: string): string[] {
  const regions = text.split(',').map((region) => region.trim()).filter(Boolean);
  if (regions.length === 0) throw new Error(`APP_REGIONS must list the app regions, comma-separated, got "${text}"`);
  return regions;
}

export type ApiUrlReader = (region: string) => Promise<string | undefined>;

/** Reads one region's published API URL from that region's SSM; undefined while it is not deployed. */
export function ssmApiUrlReader(parameterName: string, clientFor: (region: string) => SSMClient): ApiUrlReader {
  return async (region) => {
    try {
      const { Parameter } = await clientFor(region).send(new GetParameterCommand({ Name: parameterName }));
      return Parameter?.Value || undefined;
    } catch (error) {
      if (error instanceof ParameterNotFound || (error as { name?: string }).name === 'ParameterNotFound') return undefined;
      throw error;
    }
  };
}

/**
 * The deployed regions, in order. A region whose parameter cannot be read (its SSM is down, or it
 * is not deployed yet) is left out rather than failing the answer: the page needs the others most
 * exactly when one region is in trouble.
 */
export async function deployedRegions(regions: readonly string[], read: ApiUrlReader, onError: (region: string, error: unknown) => void): Promise<RegionEndpoint[]> {
  const found = await Promise.all(regions.map(async (region) => {
    try {
      const apiUrl = await read(region);
      return apiUrl ? { region, apiUrl: apiUrl.replace(/\/+$/, '') } : undefined;
    } catch (error) {
      onError(region, error);
      return undefined;
    }
  }));
  return found.filter((endpoint): endpoint is RegionEndpoint => endpoint !== undefined);
}

/** A cached `deployedRegions`: complete answers are reused for `ttlMs`, incomplete ones are not cached. */
export function regionsCache(regions: readonly string[], read: ApiUrlReader, now: () => number, onError: (region: string, error: unknown) => void) {
  let cached: { readonly at: number; readonly answer: RegionEndpoint[] } | undefined;
  return async (): Promise<RegionEndpoint[]> => {
    if (cached && now() - cached.at < REGIONS_CACHE_MS) return cached.answer;
    let failed = false;
    const answer = await deployedRegions(regions, read, (region, error) => {
      failed = true;
      onError(region, error);
    });
    cached = failed ? undefined : { at: now(), answer };
    return answer;
  };
}

const clients = new Map<string, SSMClient>();
const clientFor = (region: string) => {
  let client = clients.get(region);
  if (!client) clients.set(region, client = new SSMClient({ region, maxAttempts: 2 }));
  return client;
};
const regions = regionsCache(parseRegions(requireEnv('APP_REGIONS')), ssmApiUrlReader(requireEnv('API_URL_PARAMETER'), clientFor), Date.now, (region, error) => {
  logger.warn('could not read a region\'s API URL; it is left out of /regions', { region, error: errorSummary(error) });
});

/** GET /regions (public) */
export async function handler(_event: APIGatewayProxyEventV2, context: Context): Promise<APIGatewayProxyStructuredResultV2> {
  logger.addContext(context);
  return json(200, { regions: await regions() } satisfies RegionsAnswer);
}
