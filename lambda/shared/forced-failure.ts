/**
 * Forced failure (A15): the shape of a region's flag and of the answer a region gives while it is
 * failing on purpose. Pure and dependency-free, so the handlers (health, click, slack-command) and
 * the page (site/) can share it: the page tells a forced failure (503, `forcedFailure: true`) from
 * a deliberate click failure (500, `retryable: true`).
 *
 * The flag is the SSM parameter `PARAMETER_KEYS.forcedFailure` in each region, written only by the
 * Slack command handler (`/regionalapp fail|recover <region>`); its stack creates it once as
 * `{"failing":false}`.
 */

/** What a region's flag parameter holds, as JSON. */
export interface ForcedFailureFlag {
  readonly failing: boolean;
  /** Who set it: the Slack user name (absent in the value the stack creates). */
  readonly by?: string;
  /** When it was set, ISO 8601. */
  readonly at?: string;
}

/** The flag's value when the stack creates it. */
const NOT_FAILING: ForcedFailureFlag = { failing: false };
export const INITIAL_FLAG_VALUE = JSON.stringify(NOT_FAILING);

/** The status health and click answer while their region is failing on purpose. */
export const FORCED_FAILURE_STATUS = 503;

/**
 * How long a handler reuses the flag it read. 5 s: a fail or recover takes effect within 5 s (the
 * e2e round trip and a person watching the page see it at once), while one execution environment
 * reads SSM at most once per 5 s whatever its traffic — at the reserved concurrency of health and
 * click (25 environments) that is at most 5 GetParameter calls per second, well inside SSM's
 * standard-parameter throughput.
 */
export const FLAG_CACHE_MS = 5_000;

/** The body of a forced-failure answer (503). */
export interface ForcedFailureBody {
  readonly error: string;
  readonly forcedFailure: true;
  readonly region: string;
  readonly by?: string;
  readonly at?: string;
}

/**
 * The flag in a parameter value. A value that is not a flag (hand-edited, truncated) reads as not
 * failing: a broken flag must not take a region down; `problem` says what is wrong, for the logs.
 */
export function parseFlag(value: string | undefined): ForcedFailureFlag & { readonly problem?: string } {
  if (value === undefined) return { ...NOT_FAILING, problem: 'the flag parameter does not exist' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return { ...NOT_FAILING, problem: 'the flag parameter is not JSON' };
  }
  if (typeof parsed !== 'object' || parsed === null || typeof (parsed as { failing?: unknown }).failing !== 'boolean') {
    return { ...NOT_FAILING, problem: 'the flag parameter has no boolean "failing"' };
  }
  const { failing, by, at } = parsed as Record<string, unknown>;
  return {
    failing: failing as boolean,
    ...(typeof by === 'string' ? { by } : {}),
    ...(typeof at === 'string' ? { at } : {}),
  };
}

/** The flag a fail or recover command writes. */
export function flagValue(failing: boolean, by: string, at: Date): string {
  return JSON.stringify({ failing, by, at: at.toISOString() } satisfies ForcedFailureFlag);
}

/** What a failing region answers on /health and /click. */
export function forcedFailureBody(region: string, flag: ForcedFailureFlag): ForcedFailureBody {
  const who = flag.by ? ` by ${flag.by}` : '';
  const when = flag.at ? ` at ${flag.at}` : '';
  return {
    error: `${region} is failing on purpose (forced failure set${who}${when}). Use the other region, or recover this one with "/regionalapp recover ${region}".`,
    forcedFailure: true,
    region,
    ...(flag.by ? { by: flag.by } : {}),
    ...(flag.at ? { at: flag.at } : {}),
  };
}

/** True for a forced-failure answer (the page uses it; a deliberate click failure is a 500 with `retryable`). */
export function isForcedFailure(status: number, body: unknown): body is ForcedFailureBody {
  return status === FORCED_FAILURE_STATUS && typeof body === 'object' && body !== null && (body as { forcedFailure?: unknown }).forcedFailure === true;
}
