import type { HandlerName } from './handler-bundles';

/**
 * Abuse limits (A17), in one place. API throttles are requests per second per region; reserved
 * concurrency caps what each function can take from the account's pool (new accounts start with
 * a pool of 10 and must ask for more before deploying: Service Quotas → Lambda → Concurrent executions).
 * API_THROTTLE is the stage-wide default, for a route without its own throttle (every route has
 * one: ROUTE_THROTTLES).
 */
export const API_THROTTLE = { rateLimit: 50, burstLimit: 100 } as const;
/** Login is the brute-force target, so it is throttled hardest. */
const LOGIN_THROTTLE = { rateLimit: 5, burstLimit: 10 } as const;

export interface Throttle {
  /** Requests per second, steady state (the token bucket's refill rate). */
  readonly rateLimit: number;
  /** Requests at once (the token bucket's size). */
  readonly burstLimit: number;
}

/** The handlers behind the user API's routes (stages/api-stack.ts). */
export type ApiHandler = Extract<HandlerName, 'health' | 'login' | 'hello' | 'click' | 'views' | 'regions'>;

/**
 * Each route's own throttle. A burst is never larger than the function's reserved concurrency, so
 * whatever burst API Gateway lets through the function can take at once: excess requests get a
 * clean 429 at the edge, not a Lambda throttle error, and cannot take concurrency from another
 * function (test/lib/limits.test.ts checks this on the synthesized stage).
 */
export const ROUTE_THROTTLES: Record<ApiHandler, Throttle> = {
  health: { rateLimit: 10, burstLimit: 5 },
  login: LOGIN_THROTTLE,
  hello: { rateLimit: 50, burstLimit: 20 },
  click: { rateLimit: 50, burstLimit: 20 },
  views: { rateLimit: 50, burstLimit: 10 },
  // The page asks once when it loads and again after a failover.
  regions: { rateLimit: 10, burstLimit: 5 },
};
/**
 * The Slack command API (stages/slack-stack.ts): people type slash commands, a few a minute; its
 * burst equals the slack-command function's reserved concurrency (test/stages/slack-stack.test.ts).
 */
export const SLACK_API_THROTTLE = { rateLimit: 5, burstLimit: 5 } as const;

export const RESERVED_CONCURRENCY: Record<HandlerName, number> = {
  health: 5,
  login: 10,
  hello: 20,
  click: 20,
  views: 10,
  regions: 5,
  counter: 10,
  'dlq-replay': 2,
  ingest: 2,
  notifier: 2,
  'slack-command': 5,
};

/** What every region takes from its account's Lambda pool: the sum of the reservations above. */
export const RESERVED_CONCURRENCY_TOTAL = Object.values(RESERVED_CONCURRENCY).reduce((sum, n) => sum + n, 0);
/**
 * Lambda keeps at least this much of a region's pool unreserved, for functions without a
 * reservation; so the region's Concurrent executions quota must be at least total + this.
 */
export const LAMBDA_UNRESERVED_MINIMUM = 100;
