import { DELIBERATE_FAILURE } from '../../lambda/shared/api-contract';
import { forcedFailureBody } from '../../lambda/shared/forced-failure';
import {
  countAfterOwnClick, countAfterRead, countText, failoverNotice, nextRegion, orderRegions, parseStoredSession,
  regionFailed, tokenFrom, UNAVAILABLE_FOR_MS,
} from '../../site/src/failover';

const A = { region: 'us-east-1', apiUrl: 'https://a.example' };
const B = { region: 'us-west-2', apiUrl: 'https://b.example' };
const C = { region: 'eu-west-1', apiUrl: 'https://c.example' };

describe('when the page leaves its region (A21)', () => {
  test.each([
    ['no answer at all (network error, blocked, timeout)', { unreachable: true as const, reason: 'Failed to fetch' }, true],
    ['a region failed on purpose (503, forcedFailure)', { status: 503, body: forcedFailureBody('us-east-1', { failing: true, by: 'alice' }) }, true],
    ['a 503 from API Gateway or Lambda', { status: 503, body: { message: 'Service Unavailable' } }, true],
    ['a 502 or 504', { status: 502, body: null }, true],
    ['a 500 that is not deliberate', { status: 500, body: { error: 'internal error' } }, true],
    ['the deliberate click failure (500, retryable)', { status: 500, body: DELIBERATE_FAILURE }, false],
    ['a 401 (token)', { status: 401, body: { message: 'Unauthorized' } }, false],
    ['a 429 (throttled)', { status: 429, body: { message: 'Too Many Requests' } }, false],
    ['a 200', { status: 200, body: { status: 'ok' } }, false],
  ])('%s → move: %s', (_what, outcome, moves) => {
    expect(regionFailed(outcome)).toBe(moves);
  });
});

describe('where the page goes', () => {
  test('its own region first, then every discovered region in order, each once, without trailing slashes', () => {
    expect(orderRegions(B, [A, { region: 'us-west-2', apiUrl: 'https://other' }, { ...C, apiUrl: 'https://c.example/' }]))
      .toEqual([B, A, C]);
    expect(orderRegions(A, [{ region: 'x', apiUrl: '' } as never, null as never])).toEqual([A]);
  });

  test('the next region it is signed in to that has not just failed', () => {
    const now = 1_000_000;
    const signedIn = () => true;
    expect(nextRegion([A, B, C], 'us-east-1', signedIn, new Map([['us-east-1', now]]), now)).toEqual(B);
    expect(nextRegion([A, B, C], 'us-east-1', (region) => region !== 'us-west-2', new Map(), now)).toEqual(C);
    expect(nextRegion([A, B], 'us-east-1', signedIn, new Map([['us-west-2', now - 1000]]), now)).toBeUndefined();
    // A region that failed long enough ago is a candidate again (the region the page moved to may fail too).
    expect(nextRegion([A, B], 'us-west-2', signedIn, new Map([['us-east-1', now - UNAVAILABLE_FOR_MS]]), now)).toEqual(A);
    expect(nextRegion([A], 'us-east-1', signedIn, new Map(), now)).toBeUndefined();
  });

  test('says plainly what happened', () => {
    expect(failoverNotice('us-east-1', 'us-west-2')).toMatch(/^us-east-1 is unavailable; you are now served from us-west-2\./);
  });
});

describe('the count the user sees', () => {
  test('each own click adds at least one, and never goes back, whatever a lagging region answers', () => {
    let shown: number | undefined;
    const seen: number[] = [];
    // Answers as a lagging region (after failover, before replication) might give them.
    for (const answered of [19, 21, 21, 20, 23]) seen.push(shown = countAfterOwnClick(shown, answered));
    expect(seen).toEqual([19, 21, 22, 23, 24]);
    expect(seen.every((value, index) => index === 0 || value > seen[index - 1])).toBe(true);
  });

  test('never exceeds the truth when the API never does: one more than what was shown, or the answer', () => {
    // The truth after each click: other users' clicks make it jump, the user's own add one.
    const truths = [10, 11, 15, 16];
    let shown: number | undefined;
    for (const truth of truths) {
      const answered = truth - (truth % 2); // an answer lagging by up to one (replication), never above the truth
      shown = countAfterOwnClick(shown, answered);
      expect(shown).toBeLessThanOrEqual(truth);
    }
  });

  test('a read of /views never lowers it', () => {
    expect(countAfterRead(undefined, 4)).toBe(4);
    expect(countAfterRead(7, 4)).toBe(7);
    expect(countAfterRead(7, 9)).toBe(9);
  });

  test('is written for people', () => {
    expect(countText(0)).toBe('Nobody has viewed this page yet. Be the first!');
    expect(countText(1)).toBe('This page has been viewed 1 time.');
    expect(countText(1234)).toBe('This page has been viewed 1,234 times.');
  });
});

describe('the session kept across a reload', () => {
  const now = 1_000_000;
  const session = { email: 'a@example.com', region: 'us-west-2', tokens: { 'us-east-1': tokenFrom('t-a', 3600, now), 'us-west-2': tokenFrom('t-b', 3600, now) }, regions: [A, B], shownViews: 7 };

  test('comes back whole, in the region it had moved to', () => {
    expect(parseStoredSession(JSON.stringify(session), now + 1000)).toEqual(session);
  });

  test('drops expired tokens, and is gone when its region\'s token expired or it is malformed', () => {
    const partly = { ...session, tokens: { ...session.tokens, 'us-east-1': { idToken: 't-a', expiresAt: now } } };
    expect(parseStoredSession(JSON.stringify(partly), now + 1)?.tokens).toEqual({ 'us-west-2': session.tokens['us-west-2'] });
    expect(parseStoredSession(JSON.stringify(session), now + 3600_000)).toBeUndefined();
    expect(parseStoredSession('{not json', now)).toBeUndefined();
    expect(parseStoredSession(null, now)).toBeUndefined();
    expect(parseStoredSession(JSON.stringify({ email: 'a' }), now)).toBeUndefined();
  });

  test('a token is dropped 30 s before Cognito\'s expiry, for clock skew', () => {
    expect(tokenFrom('t', 3600, now).expiresAt).toBe(now + 3600_000 - 30_000);
  });
});
