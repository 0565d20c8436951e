import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Slack's v0 request signature (A14): `X-Slack-Signature` is `v0=` + hex HMAC-SHA256 of
 * `v0:<X-Slack-Request-Timestamp>:<raw body>` keyed with the app's signing secret. A request is
 * accepted only if the signature matches (compared in constant time) and its timestamp is within
 * MAX_SKEW_SECONDS of now, either way; replays inside that window are caught by the caller's
 * seen-signature record.
 */

/** Slack's recommendation: refuse requests whose timestamp is more than five minutes off. */
export const MAX_SKEW_SECONDS = 5 * 60;

const SIGNATURE_HEADER = 'x-slack-signature';
const TIMESTAMP_HEADER = 'x-slack-request-timestamp';

export function slackSignature(signingSecret: string, timestampSeconds: number | string, rawBody: Buffer | string): string {
  return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestampSeconds}:`).update(rawBody).digest('hex')}`;
}

export type Verification =
  | { readonly ok: true; readonly signature: string; readonly timestampSeconds: number }
  | { readonly ok: false; readonly reason: 'unsigned' | 'stale' | 'forged' };

/** HTTP API payload 2.0 lowercases header names; anything else is looked up case-insensitively. */
function header(headers: Readonly<Record<string, string | undefined>> | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  return headers[name] ?? Object.entries(headers).find(([key]) => key.toLowerCase() === name)?.[1];
}

/** Verifies a request's Slack signature over its exact raw body bytes. */
export function verifySlackSignature(
  headers: Readonly<Record<string, string | undefined>> | undefined,
  rawBody: Buffer,
  signingSecret: string,
  nowSeconds: number,
): Verification {
  const signature = header(headers, SIGNATURE_HEADER);
  const timestamp = header(headers, TIMESTAMP_HEADER);
  if (!signature || !timestamp) return { ok: false, reason: 'unsigned' };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'stale' };
  const timestampSeconds = Number(timestamp);
  if (Math.abs(nowSeconds - timestampSeconds) > MAX_SKEW_SECONDS) return { ok: false, reason: 'stale' };
  const expected = Buffer.from(slackSignature(signingSecret, timestamp, rawBody), 'utf8');
  const received = Buffer.from(signature, 'utf8');
  // timingSafeEqual throws on different lengths; the length of a signature is no secret.
  if (received.length !== expected.length || !timingSafeEqual(received, expected)) return { ok: false, reason: 'forged' };
  return { ok: true, signature, timestampSeconds };
}
