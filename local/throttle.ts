/**
 * API Gateway's throttle: a token bucket holding up to `burst` requests, refilled at `rate` per
 * second. A request that finds it empty gets 429.
 */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(readonly rate: number, readonly burst: number, now = Date.now()) {
    this.tokens = burst;
    this.updatedAt = now;
  }

  /** Takes one token if there is one. */
  take(now = Date.now()): boolean {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.updatedAt) / 1000) * this.rate);
    this.updatedAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
