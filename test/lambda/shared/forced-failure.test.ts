import { flagValue, forcedFailureBody, INITIAL_FLAG_VALUE, isForcedFailure, parseFlag } from '../../../lambda/shared/forced-failure';

describe('the forced-failure flag (A15)', () => {
  test('a written flag reads back with who and when', () => {
    const at = new Date('2026-01-01T00:00:00.000Z');
    expect(parseFlag(flagValue(true, 'alice', at))).toEqual({ failing: true, by: 'alice', at: '2026-01-01T00:00:00.000Z' });
    expect(parseFlag(flagValue(false, 'bob', at))).toEqual({ failing: false, by: 'bob', at: '2026-01-01T00:00:00.000Z' });
    expect(parseFlag(INITIAL_FLAG_VALUE)).toEqual({ failing: false });
  });

  test.each([
    [undefined, 'the flag parameter does not exist'],
    ['not json', 'the flag parameter is not JSON'],
    ['{"failing":"yes"}', 'the flag parameter has no boolean "failing"'],
    ['[true]', 'the flag parameter has no boolean "failing"'],
    ['null', 'the flag parameter has no boolean "failing"'],
  ])('%j reads as not failing, with the problem', (value, problem) => {
    expect(parseFlag(value)).toEqual({ failing: false, problem });
  });

  test('the 503 body names the region, who and when, and is told apart from a deliberate failure', () => {
    const body = forcedFailureBody('us-west-2', { failing: true, by: 'alice', at: '2026-01-01T00:00:00.000Z' });
    expect(body).toEqual({
      error: 'us-west-2 is failing on purpose (forced failure set by alice at 2026-01-01T00:00:00.000Z). Use the other region, or recover this one with "/regionalapp recover us-west-2".',
      forcedFailure: true, region: 'us-west-2', by: 'alice', at: '2026-01-01T00:00:00.000Z',
    });
    expect(forcedFailureBody('us-east-1', { failing: true }).error).toBe('us-east-1 is failing on purpose (forced failure set). Use the other region, or recover this one with "/regionalapp recover us-east-1".');
    expect(isForcedFailure(503, body)).toBe(true);
    expect(isForcedFailure(500, { error: 'The click failed on purpose. Try again.', retryable: true })).toBe(false);
    expect(isForcedFailure(503, { message: 'Service Unavailable' })).toBe(false);
    expect(isForcedFailure(503, null)).toBe(false);
  });
});
