/**
 * What the user API and the page (site/src/) agree on, in one place: header names, deliberate
 * failure bodies, the wording of the view count. Pure constants and functions only — the page's
 * bundle imports this file, so it must never import an SDK or read the environment.
 */

/** The header a client sets so that retrying a click never counts it twice (A9). */
export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';

/** The body of a deliberate failure (A8); the page shows its error image and a Retry button. */
export const DELIBERATE_FAILURE = { error: 'The click failed on purpose. Try again.', retryable: true } as const;

/** True for the body of a deliberate click failure (500 with `retryable: true`): the region is fine. */
export function isDeliberateFailure(status: number, body: unknown): boolean {
  return status === 500 && typeof body === 'object' && body !== null && (body as { retryable?: unknown }).retryable === true;
}

/** The API's own wording of the count (POST /click's `message`). */
export function viewsMessage(views: number): string {
  return `page viewed ${views} ${views === 1 ? 'time' : 'times'}`;
}

/** GET /regions: every app region whose user API is deployed, in the configured order (region A first). */
export interface RegionEndpoint {
  readonly region: string;
  readonly apiUrl: string;
}
export interface RegionsAnswer {
  readonly regions: readonly RegionEndpoint[];
}
