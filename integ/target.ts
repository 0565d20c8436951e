/** The region under test, from the environment the pipeline step (or the local runner) sets. */
export interface Target {
  readonly apiUrl: string;
  readonly expectedRegion: string;
}

export function targetFromEnv(env: NodeJS.ProcessEnv = process.env): Target {
  const apiUrl = env.API_URL;
  const expectedRegion = env.EXPECTED_REGION ?? env.AWS_REGION;
  if (!apiUrl || !/^https?:\/\//.test(apiUrl)) {
    throw new Error(`API_URL must be the base URL of the region's user API (got ${JSON.stringify(apiUrl)}).`);
  }
  if (!expectedRegion) throw new Error('EXPECTED_REGION (or AWS_REGION) must name the region under test.');
  return { apiUrl: apiUrl.replace(/\/$/, ''), expectedRegion };
}

/** GET a JSON route and return status and parsed body. */
export async function getJson(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  const text = await response.text();
  try {
    return { status: response.status, body: JSON.parse(text) };
  } catch {
    throw new Error(`${url} answered ${response.status} with a body that is not JSON: ${text.slice(0, 200)}`);
  }
}
