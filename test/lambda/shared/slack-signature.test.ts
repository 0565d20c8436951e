import { createHmac } from 'node:crypto';
import { MAX_SKEW_SECONDS, slackSignature, verifySlackSignature } from '../../../lambda/shared/slack-signature';

const SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const NOW = 1_700_000_000;
const BODY = Buffer.from('token=x&command=%2Fregionalapp&text=status');
const headers = (signature: string, timestamp: number | string = NOW) => ({ 'x-slack-signature': signature, 'x-slack-request-timestamp': String(timestamp) });

describe('Slack v0 signatures', () => {
  test('are v0= + hex HMAC-SHA256 of v0:<timestamp>:<body> (computed independently here)', () => {
    const expected = `v0=${createHmac('sha256', SECRET).update(`v0:${NOW}:${BODY.toString()}`).digest('hex')}`;
    expect(slackSignature(SECRET, NOW, BODY)).toBe(expected);
  });

  test('a valid signature passes', () => {
    expect(verifySlackSignature(headers(slackSignature(SECRET, NOW, BODY)), BODY, SECRET, NOW)).toEqual({ ok: true, signature: slackSignature(SECRET, NOW, BODY), timestampSeconds: NOW });
  });

  test('header names in any case', () => {
    const signature = slackSignature(SECRET, NOW, BODY);
    expect(verifySlackSignature({ 'X-Slack-Signature': signature, 'X-Slack-Request-Timestamp': String(NOW) }, BODY, SECRET, NOW).ok).toBe(true);
  });

  test('forged: another secret, another body, a truncated or malformed signature', () => {
    expect(verifySlackSignature(headers(slackSignature('other', NOW, BODY)), BODY, SECRET, NOW)).toEqual({ ok: false, reason: 'forged' });
    expect(verifySlackSignature(headers(slackSignature(SECRET, NOW, BODY)), Buffer.from(`${BODY}&x=1`), SECRET, NOW)).toEqual({ ok: false, reason: 'forged' });
    expect(verifySlackSignature(headers(slackSignature(SECRET, NOW, BODY).slice(0, -1)), BODY, SECRET, NOW)).toEqual({ ok: false, reason: 'forged' });
    expect(verifySlackSignature(headers('v0=zz'), BODY, SECRET, NOW)).toEqual({ ok: false, reason: 'forged' });
  });

  test('a signature for another timestamp is forged', () => {
    expect(verifySlackSignature(headers(slackSignature(SECRET, NOW - 1, BODY), NOW), BODY, SECRET, NOW)).toEqual({ ok: false, reason: 'forged' });
  });

  test('stale: more than 5 minutes old, or in the future; the edge is accepted', () => {
    const at = (timestamp: number) => verifySlackSignature(headers(slackSignature(SECRET, timestamp, BODY), timestamp), BODY, SECRET, NOW);
    expect(at(NOW - MAX_SKEW_SECONDS).ok).toBe(true);
    expect(at(NOW - MAX_SKEW_SECONDS - 1)).toEqual({ ok: false, reason: 'stale' });
    expect(at(NOW + MAX_SKEW_SECONDS + 1)).toEqual({ ok: false, reason: 'stale' });
    expect(verifySlackSignature(headers('v0=ab', 'yesterday'), BODY, SECRET, NOW)).toEqual({ ok: false, reason: 'stale' });
  });

  test('missing headers are unsigned', () => {
    expect(verifySlackSignature({}, BODY, SECRET, NOW)).toEqual({ ok: false, reason: 'unsigned' });
    expect(verifySlackSignature(undefined, BODY, SECRET, NOW)).toEqual({ ok: false, reason: 'unsigned' });
    expect(verifySlackSignature({ 'x-slack-signature': 'v0=ab' }, BODY, SECRET, NOW)).toEqual({ ok: false, reason: 'unsigned' });
  });

  test('verifies the exact bytes, not a re-encoded string (non-UTF-8 bytes)', () => {
    const raw = Buffer.from([0x74, 0x65, 0x78, 0x74, 0x3d, 0xff, 0xfe]);
    expect(verifySlackSignature(headers(slackSignature(SECRET, NOW, raw)), raw, SECRET, NOW).ok).toBe(true);
    expect(verifySlackSignature(headers(slackSignature(SECRET, NOW, raw)), Buffer.from(raw.toString('utf8')), SECRET, NOW).ok).toBe(false);
  });
});
