import { REGION_NAME } from './environment';

/**
 * The click event (A8 → A9): what the click handler puts on the region's bus and what the counter,
 * the DLQ replayer and batch ingest count. The CDK rule matches on SOURCE and DETAIL_TYPE.
 */
export const CLICK_EVENT_SOURCE = 'regionalapp.click';
export const CLICK_EVENT_DETAIL_TYPE = 'PageClicked';

/** The one page RegionalApp counts views of. */
export const HOME_PAGE = 'home';

export interface ClickDetail {
  readonly page: string;
  /** The region where the click happened: its counter shard (A2). */
  readonly region: string;
  /** Same key, same click: redeliveries and replays never count twice (A9). */
  readonly idempotencyKey: string;
  readonly clickedAt: string;
}

/** What an idempotency key may look like: 8–200 of letters, digits and `:_./#-`. */
export const IDEMPOTENCY_KEY = /^[A-Za-z0-9:_./#-]{8,200}$/;
const PAGE = /^[a-z0-9-]{1,64}$/;

/** Validates an untrusted click detail; throws with the first problem found. */
export function parseClickDetail(value: unknown): ClickDetail {
  if (typeof value !== 'object' || value === null) throw new Error('click detail must be an object');
  const { page, region, idempotencyKey, clickedAt } = value as Record<string, unknown>;
  if (typeof page !== 'string' || !PAGE.test(page)) throw new Error('click detail "page" must be 1–64 lowercase letters, digits or dashes');
  if (typeof region !== 'string' || !REGION_NAME.test(region)) throw new Error('click detail "region" must be an AWS region name like us-east-1');
  if (typeof idempotencyKey !== 'string' || !IDEMPOTENCY_KEY.test(idempotencyKey)) {
    throw new Error('click detail "idempotencyKey" must be 8–200 letters, digits or :_./#-');
  }
  if (typeof clickedAt !== 'string' || Number.isNaN(Date.parse(clickedAt))) throw new Error('click detail "clickedAt" must be an ISO 8601 date-time');
  return { page, region, idempotencyKey, clickedAt };
}
