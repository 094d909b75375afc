/**
 * Server time, injectable: services that apply time rules (the 7-day public notice of nominations) read the
 * time from a Clock so a test can move it. Production uses `systemClock` (Date.now).
 */
export interface Clock {
  now(): Date;
}

/** The real time. */
export const systemClock: Clock = { now: () => new Date() };
