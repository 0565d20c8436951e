/**
 * The page's failover decisions (A21), pure: no DOM, no fetch, no storage, so jest tests them as
 * they are (test/site/failover.test.ts). app.ts does the calling and the drawing.
 */
import { isDeliberateFailure, type RegionEndpoint } from '../../lambda/shared/api-contract';
import { isForcedFailure } from '../../lambda/shared/forced-failure';

export type { RegionEndpoint };

/** What one API call came to: an HTTP answer, or no answer at all (network error, CORS, timeout). */
export type CallOutcome = { readonly status: number; readonly body: unknown } | { readonly unreachable: true; readonly reason: string };

/**
 * True when the outcome says the region cannot serve the page: no answer at all, a region failed
 * on purpose (503 with `forcedFailure`), or any other 5xx — except the deliberate click failure
 * (500 with `retryable: true`), which is the app working as designed and gets Retry, not failover.
 * 4xx answers (401, 429, 400) are the region answering: never a reason to move.
 */
export function regionFailed(outcome: CallOutcome): boolean {
  if ('unreachable' in outcome) return true;
  if (isForcedFailure(outcome.status, outcome.body)) return true;
  if (isDeliberateFailure(outcome.status, outcome.body)) return false;
  return outcome.status >= 500;
}

/**
 * The regions the page may use, in order of preference: its own region first (config.json), then
 * every region GET /regions named, in cdk.json's order; each region once, URLs without a trailing /.
 */
export function orderRegions(home: RegionEndpoint | undefined, ...lists: readonly (readonly RegionEndpoint[])[]): RegionEndpoint[] {
  const ordered: RegionEndpoint[] = [];
  for (const endpoint of [home, ...lists.flat()]) {
    if (!endpoint || typeof endpoint.region !== 'string' || typeof endpoint.apiUrl !== 'string' || endpoint.apiUrl === '') continue;
    if (ordered.some((known) => known.region === endpoint.region)) continue;
    ordered.push({ region: endpoint.region, apiUrl: endpoint.apiUrl.replace(/\/+$/, '') });
  }
  return ordered;
}

/**
 * How long a region that failed is passed over when choosing where to go. After that it is a
 * candidate again — should the region the page moved to fail too, the first one may be back.
 */
export const UNAVAILABLE_FOR_MS = 30_000;

/**
 * The region to move to when `current` fails: the first other region, in order, that the page is
 * signed in to (`usable`) and that has not failed in the last UNAVAILABLE_FOR_MS (`failedAt`).
 */
export function nextRegion(
  regions: readonly RegionEndpoint[], current: string, usable: (region: string) => boolean,
  failedAt: ReadonlyMap<string, number>, now: number,
): RegionEndpoint | undefined {
  return regions.find((endpoint) => endpoint.region !== current && usable(endpoint.region)
    && !(now - (failedAt.get(endpoint.region) ?? -Infinity) < UNAVAILABLE_FOR_MS));
}

/** What the page says when it moved. */
export function failoverNotice(from: string, to: string): string {
  return `${from} is unavailable; you are now served from ${to}. You are still signed in, and your views keep counting.`;
}

/** What the page says when no region is left to move to. */
export function noRegionLeftNotice(from: string): string {
  return `${from} is unavailable and no other region answers right now. Wait a minute, then try again.`;
}

/**
 * The count to show after one of the user's own clicks was counted. The API's answer never exceeds
 * the truth (lambda/shared/counter.ts, readViewsIncludingClick), but after a failover the new
 * region may not yet have the old region's latest clicks (replication takes about a second), so
 * its answer can lag. The user's own click adds exactly one to what they last saw, so the shown
 * count is at least that: it never repeats or goes back, and never runs ahead of the truth.
 */
export function countAfterOwnClick(shown: number | undefined, answered: number): number {
  return shown === undefined ? answered : Math.max(answered, shown + 1);
}

/** The count to show after reading GET /views: never lower than what the user already saw. */
export function countAfterRead(shown: number | undefined, read: number): number {
  return shown === undefined ? read : Math.max(shown, read);
}

/** The count in words, for people. */
export function countText(views: number): string {
  if (views === 0) return 'Nobody has viewed this page yet. Be the first!';
  return `This page has been viewed ${views.toLocaleString('en-US')} ${views === 1 ? 'time' : 'times'}.`;
}

/** A signed-in region: its ID token and when the page stops using it (ms since epoch). */
export interface RegionToken {
  readonly idToken: string;
  readonly expiresAt: number;
}

/** The token is treated as expired this long before Cognito's stated expiry, to allow for clock skew. */
const EXPIRY_MARGIN_MS = 30_000;

export function tokenFrom(idToken: string, expiresInSeconds: number, now: number): RegionToken {
  return { idToken, expiresAt: now + expiresInSeconds * 1000 - EXPIRY_MARGIN_MS };
}

/** The session the page keeps across a reload (sessionStorage, see app.ts). */
export interface StoredSession {
  readonly email: string;
  /** The region the page uses now: its home region, or where it moved to. */
  readonly region: string;
  readonly tokens: Readonly<Record<string, RegionToken>>;
  readonly regions: readonly RegionEndpoint[];
  /** The last count the user saw, so a reload or a failover never shows less. */
  readonly shownViews?: number;
}

/** A stored session read back, or undefined when it is missing, malformed or every token expired. */
export function parseStoredSession(text: string | null, now: number): StoredSession | undefined {
  if (!text) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { email, region, tokens, regions, shownViews } = value as Record<string, unknown>;
  if (typeof email !== 'string' || typeof region !== 'string' || typeof tokens !== 'object' || tokens === null || !Array.isArray(regions)) return undefined;
  const live = Object.fromEntries(Object.entries(tokens as Record<string, RegionToken>)
    .filter(([, token]) => typeof token?.idToken === 'string' && typeof token.expiresAt === 'number' && token.expiresAt > now));
  if (!live[region]) return undefined;
  return { email, region, tokens: live, regions: orderRegions(undefined, regions as RegionEndpoint[]), ...(typeof shownViews === 'number' ? { shownViews } : {}) };
}
