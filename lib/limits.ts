import type { HandlerName } from './handler-bundles';

/**
 * Abuse limits (A17), in one place. API throttles are requests per second per region; reserved
 * concurrency caps what each function can take from the account's pool (new accounts start with
 * a pool of 10 and must ask for more before deploying: Service Quotas → Lambda → Concurrent executions).
 */
export const API_THROTTLE = { rateLimit: 50, burstLimit: 100 } as const;
/** Login is the brute-force target, so it is throttled hardest. */
export const LOGIN_THROTTLE = { rateLimit: 5, burstLimit: 10 } as const;
export const SLACK_API_THROTTLE = { rateLimit: 5, burstLimit: 10 } as const;

export const RESERVED_CONCURRENCY: Record<HandlerName, number> = {
  health: 5,
  login: 10,
  hello: 20,
  click: 20,
  views: 10,
  counter: 10,
  'dlq-replay': 2,
  ingest: 2,
  notifier: 2,
};
