import { alarmPathVerdict } from '../../integ/release-check';

const ALARM = 'regionalapp-prod-alarm-path-check-us-east-1';

describe('alarmPathVerdict: what of the Slack path gates a release', () => {
  test('delivered passes', () => {
    expect(alarmPathVerdict({ outcome: 'delivered', attempts: 1, httpStatus: 200 }, ALARM, 120).result).toBe('pass');
  });

  test('no delivery record fails: the path up to the notifier is broken', () => {
    const verdict = alarmPathVerdict(undefined, ALARM, 120);
    expect(verdict.result).toBe('fail');
    expect(verdict.message).toContain('within 120 s');
    expect(verdict.message).toContain('CloudWatch → SNS → notifier');
  });

  test('our side of Slack wrong fails: the webhook refused, or the secret unusable', () => {
    const rejected = alarmPathVerdict({ outcome: 'failed', failureKind: 'rejected', httpStatus: 404, failureReason: 'HTTP 404', attempts: 1 }, ALARM, 120);
    expect(rejected).toEqual({ result: 'fail', message: expect.stringContaining('Slack refused our webhook (HTTP 404 after 1 attempt(s))') });
    expect(alarmPathVerdict({ outcome: 'failed', failureKind: 'misconfigured', failureReason: 'ConfigurationError', attempts: 0 }, ALARM, 120).result).toBe('fail');
  });

  test('a Slack outage is reported, not gated', () => {
    const verdict = alarmPathVerdict({ outcome: 'failed', failureKind: 'unavailable', httpStatus: 503, failureReason: 'HTTP 503', attempts: 3 }, ALARM, 120);
    expect(verdict.result).toBe('warn');
    expect(verdict.message).toContain('HTTP 503 after 3 attempt(s)');
    expect(verdict.message).toContain('does not stop the release');
  });

  test('anything else fails: an ALARM the notifier did not post, or a record it cannot explain', () => {
    expect(alarmPathVerdict({ outcome: 'not posted' }, ALARM, 120).result).toBe('fail');
    expect(alarmPathVerdict({ outcome: 'failed' }, ALARM, 120).result).toBe('fail');
  });
});
