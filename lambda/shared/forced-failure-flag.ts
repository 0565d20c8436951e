import { GetParameterCommand, ParameterNotFound, type SSMClient } from '@aws-sdk/client-ssm';
import { FLAG_CACHE_MS, parseFlag, type ForcedFailureFlag } from './forced-failure';

export type FlagRead = ForcedFailureFlag & { readonly problem?: string };

/** Reads a region's flag parameter; a missing parameter reads as not failing (with its problem). */
export async function readFlag(ssm: SSMClient, name: string): Promise<FlagRead> {
  try {
    const { Parameter } = await ssm.send(new GetParameterCommand({ Name: name }));
    return parseFlag(Parameter?.Value);
  } catch (error) {
    if (error instanceof ParameterNotFound || (error as { name?: unknown }).name === 'ParameterNotFound') return parseFlag(undefined);
    throw error;
  }
}

/**
 * The region's own flag, cached for FLAG_CACHE_MS per execution environment. When SSM cannot be
 * read, the last value read is kept (or "not failing"): an SSM hiccup must not fail the region.
 */
export function cachedFlag(ssm: SSMClient, name: string, now: () => number = Date.now, onError: (error: unknown) => void = () => undefined): () => Promise<FlagRead> {
  let cached: { flag: FlagRead; readAt: number } | undefined;
  return async () => {
    const age = cached ? now() - cached.readAt : Infinity;
    if (cached && age >= 0 && age < FLAG_CACHE_MS) return cached.flag;
    try {
      cached = { flag: await readFlag(ssm, name), readAt: now() };
    } catch (error) {
      onError(error);
      cached = { flag: cached?.flag ?? { failing: false, problem: 'the flag could not be read' }, readAt: now() };
    }
    return cached.flag;
  };
}
