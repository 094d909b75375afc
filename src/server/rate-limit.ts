/** The state of a caller's budget after a request, reported in `extensions.rateLimit`. */
export interface RateLimitState {
  /** Bucket size (requests that may be sent at once). */
  limit: number;
  /** Requests left right now. */
  remaining: number;
  /** Requests per second added back. */
  refillPerSecond: number;
  /** Seconds until one more request is allowed (0 when some remain). */
  retryAfterSeconds: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * In-memory token buckets per key (principal subject, or client IP for anonymous callers), per instance:
 * behind a load balancer with N instances a caller gets up to N times the budget.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private sweepAt = Date.now();

  constructor(
    readonly perSecond: number,
    readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {}

  get enabled(): boolean {
    return this.perSecond > 0 && this.burst > 0;
  }

  /** Takes one token for `key`; `allowed` false means the caller must wait `retryAfterSeconds`. */
  take(key: string): RateLimitState & { allowed: boolean } {
    const now = this.now();
    this.sweep(now);
    const b = this.buckets.get(key) ?? { tokens: this.burst, at: now };
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.perSecond);
    b.at = now;
    this.buckets.set(key, b);
    const allowed = b.tokens >= 1;
    if (allowed) b.tokens -= 1;
    return {
      allowed,
      limit: this.burst,
      remaining: Math.floor(b.tokens),
      refillPerSecond: this.perSecond,
      retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil((1 - b.tokens) / this.perSecond)),
    };
  }

  /** Drops full buckets now and then so the map does not grow with every IP ever seen. */
  private sweep(now: number): void {
    if (now - this.sweepAt < 60_000) return;
    this.sweepAt = now;
    for (const [k, b] of this.buckets) if (b.tokens + ((now - b.at) / 1000) * this.perSecond >= this.burst) this.buckets.delete(k);
  }
}
