/**
 * Admission control for GraphQL requests: at most `limit` execute at once, the rest wait in arrival order. Under a
 * burst (64 clients against a pool of 10 connections) requests beyond what the database can serve only pile up
 * result graphs in memory and compete for the CPU; queued, they cost a few bytes each. The wait counts toward the
 * request timeout (the timer starts before), so a queued request is still answered 503 TIMEOUT in time.
 */
export class Admission {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  /** `limit` 0 admits everything (no queue). */
  constructor(readonly limit: number) {}

  /** Requests executing now. */
  get running(): number {
    return this.active;
  }

  /** Requests waiting for a slot. */
  get queued(): number {
    return this.waiting.length;
  }

  /** Waits for a slot; the returned function gives it back (calling it more than once is harmless). */
  async acquire(): Promise<() => void> {
    if (this.limit === 0 || this.active < this.limit) this.active++;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      // The slot passes straight to the next request in line, so `active` stays the same.
      if (next) next();
      else this.active--;
    };
  }
}
