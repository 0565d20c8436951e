import { API_THROTTLE, ROUTE_THROTTLES, type ApiHandler, type Throttle } from '../lib/limits';
import { ROUTES } from '../lib/names';

/**
 * The decisions the end-to-end suite makes against a production region (target.production), kept
 * pure so that unit tests pin them: whether the alarm path's delivery record lets the release go
 * on, and whether the deployed stage's throttles are the ones lib/limits.ts sets.
 */

/** The fields of a delivery record (lambda/notifier.ts) that the verdict reads. */
export interface DeliveryRecord {
  readonly outcome?: unknown;
  readonly failureKind?: unknown;
  readonly httpStatus?: unknown;
  readonly failureReason?: unknown;
  readonly attempts?: unknown;
}

export interface AlarmPathVerdict {
  /** `warn`: the release goes on, and the check's output says why Slack did not get the message. */
  readonly result: 'pass' | 'warn' | 'fail';
  readonly message: string;
}

/**
 * Whether the Slack path gates the release. It fails when the path up to the notifier is broken
 * (no record: the alarm's actions, the topic or its key policy, the subscription or the notifier)
 * or when our side of Slack is wrong (the webhook secret is unusable, or Slack refused the webhook:
 * revoked, channel gone or archived, payload refused) — a rollback or a fix is ours to make. A
 * Slack outage (no answer, timeouts, 429 or 5xx after the notifier's retries) is reported, not
 * gated: rolling back every region would not bring Slack back, and the record proves our path.
 */
export function alarmPathVerdict(record: DeliveryRecord | undefined, alarmName: string, waitedSeconds: number): AlarmPathVerdict {
  if (record === undefined) {
    return {
      result: 'fail',
      message: `no delivery record for ${alarmName} within ${waitedSeconds} s: the path CloudWatch → SNS → notifier is broken `
        + '(the alarm\'s actions, the topic policy or its key policy, the subscription, or the notifier itself: see its log group).',
    };
  }
  if (record.outcome === 'delivered') return { result: 'pass', message: `Slack accepted the release check's message for ${alarmName}.` };
  const detail = `${String(record.failureReason ?? 'unknown reason')} after ${String(record.attempts ?? '?')} attempt(s)`;
  if (record.outcome !== 'failed') {
    return { result: 'fail', message: `the notifier recorded "${String(record.outcome)}" for the ALARM of ${alarmName}; it should post it.` };
  }
  switch (record.failureKind) {
    case 'unavailable':
      return {
        result: 'warn',
        message: `Slack did not take the release check's message (${detail}). The path up to the notifier works, so this `
          + 'looks like a Slack outage and does not stop the release; check Slack\'s status and the notifier\'s SlackDeliveryFailures metric.',
      };
    case 'rejected':
      return {
        result: 'fail',
        message: `Slack refused our webhook (${detail}): it was revoked, its channel is gone or archived, or the payload is refused. `
          + 'Put a working incoming-webhook URL in the webhook secret.',
      };
    case 'misconfigured':
      return { result: 'fail', message: `the webhook secret is unusable (${detail}): put a Slack incoming-webhook URL (https://hooks.slack.com/…) in it.` };
    default:
      return { result: 'fail', message: `the delivery record has no known failureKind (${String(record.failureKind)}; ${detail}).` };
  }
}

/** A stage's throttles as API Gateway's GetStage answers them (and as the template declares them). */
export interface StageThrottles {
  readonly DefaultRouteSettings?: ThrottleSettings;
  readonly RouteSettings?: Readonly<Record<string, ThrottleSettings | undefined>>;
}

interface ThrottleSettings {
  readonly ThrottlingBurstLimit?: number;
  readonly ThrottlingRateLimit?: number;
}

/** What differs between a stage's throttles and lib/limits.ts: the default and each route's own. */
export function throttleMismatches(stage: StageThrottles): string[] {
  const problems: string[] = [];
  const compare = (what: string, actual: ThrottleSettings | undefined, expected: Throttle) => {
    if (actual?.ThrottlingBurstLimit !== expected.burstLimit || actual?.ThrottlingRateLimit !== expected.rateLimit) {
      problems.push(`${what}: burst ${actual?.ThrottlingBurstLimit ?? 'none'} and rate ${actual?.ThrottlingRateLimit ?? 'none'}/s, `
        + `lib/limits.ts says burst ${expected.burstLimit} and rate ${expected.rateLimit}/s`);
    }
  };
  compare('the stage default', stage.DefaultRouteSettings, API_THROTTLE);
  for (const handler of Object.keys(ROUTE_THROTTLES) as ApiHandler[]) {
    const routes = Object.entries(stage.RouteSettings ?? {}).filter(([routeKey]) => routeKey.split(' ')[1] === ROUTES[handler]);
    if (routes.length !== 1) {
      problems.push(`${ROUTES[handler]}: expected one route setting, found ${routes.length}`);
      continue;
    }
    const [[routeKey, settings]] = routes;
    compare(routeKey, settings, ROUTE_THROTTLES[handler]);
  }
  return problems;
}
