import { Client } from 'pg';
import type { Logger } from '../../server/logger';
import type { Notification } from './notification.entity';
import { CHANNEL, type NotificationService, type StreamFilter } from './notification.service';

/** Loads the agreements of a batch once, for every subscriber (set by the agreements module through context). */
export type Preloader = (rows: Notification[]) => Promise<void>;

/** Options of one subscriber stream. */
export interface StreamOptions {
  filter: StreamFilter;
  /** Resume after this cursor: replay what was missed first. Null = live events only. */
  after: string | null;
  /** Seconds since epoch when the subscriber's credential expires: the stream completes then. */
  expiresAt?: number;
  /** Extra per-event check (scope re-checked for every event). */
  accept?: (n: Notification) => boolean;
}

const big = (c: string) => BigInt(c);

/**
 * One per instance: learns about new cursors (NOTIFY on a dedicated LISTEN connection on PostgreSQL, in-process
 * wake-ups on the embedded database, and a periodic sweep on both), fetches the rows after its last cursor with
 * ONE query, and fans them out to its local subscribers in cursor order.
 */
export class NotificationHub {
  private last = '0';
  private readonly streams = new Set<Stream>();
  private fetching: Promise<void> | null = null;
  private again = false;
  private timer?: NodeJS.Timeout;
  private listener?: Client;
  private stopped = false;
  private reconnectDelay = 250;
  preload?: Preloader;
  /** Called when a live event is handed to a subscriber stream (publish → delivery lag; the server's metrics). */
  onDelivered?: (n: Notification) => void;

  constructor(
    private readonly service: NotificationService,
    private logger: Logger,
    /** Sweep period: publishes rows a crashed publisher left and catches up if a NOTIFY was missed. */
    private readonly sweepMs = 1000,
  ) {}

  /** Starts from the newest cursor; listens on PostgreSQL when `listenUrl` is given (real server only). */
  async start(listenUrl: string | null, logger?: Logger): Promise<void> {
    if (logger) this.logger = logger;
    this.service.hooks.logger = this.logger;
    this.last = await this.service.latestCursor();
    this.service.hooks.onPublished = () => this.wake();
    if (listenUrl) await this.listen(listenUrl);
    this.timer = setInterval(() => void this.sweep(), this.sweepMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    for (const s of this.streams) s.finish();
    this.streams.clear();
    const l = this.listener;
    this.listener = undefined;
    if (l) await l.end().catch(() => undefined);
    await this.fetching?.catch(() => undefined);
  }

  /** Number of open subscriber streams (for metrics and tests). */
  get subscriberCount(): number {
    return this.streams.size;
  }

  /** The newest cursor this instance has dispatched. */
  get cursor(): string {
    return this.last;
  }

  private async listen(url: string): Promise<void> {
    const client = new Client({ connectionString: url, application_name: 'zhuli-listen' });
    const retry = () => {
      if (this.stopped || this.listener !== client) return;
      this.listener = undefined;
      client.end().catch(() => undefined);
      const delay = this.reconnectDelay;
      this.reconnectDelay = Math.min(this.reconnectDelay * 2, 5000);
      setTimeout(() => {
        if (this.stopped) return;
        this.listen(url).catch((err) => {
          this.logger.warn({ err }, 'LISTEN reconnect failed; retrying');
          this.listener = client; // let retry() run again for this attempt
          retry();
        });
      }, delay).unref();
    };
    client.on('error', (err) => {
      this.logger.warn({ err }, 'notification LISTEN connection lost; reconnecting');
      retry();
    });
    client.on('end', retry);
    client.on('notification', (msg) => {
      if (msg.channel === CHANNEL) this.wake();
    });
    this.listener = client;
    await client.connect();
    await client.query(`LISTEN ${CHANNEL}`);
    this.reconnectDelay = 250;
    // Anything committed while we were not listening is fetched now.
    this.wake();
  }

  private async sweep(): Promise<void> {
    if (this.stopped) return;
    try {
      if (await this.service.hasUnpublished()) await this.service.publish();
      this.wake();
    } catch (err) {
      this.logger.warn({ err }, 'notification sweep failed');
    }
  }

  /** Schedules a fetch (coalesced: one at a time, once more if woken meanwhile). */
  wake(): void {
    if (this.stopped) return;
    if (this.fetching) {
      this.again = true;
      return;
    }
    this.fetching = this.drain()
      .catch((err) => this.logger.warn({ err }, 'fetching notifications failed'))
      .finally(() => {
        this.fetching = null;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  private async drain(): Promise<void> {
    for (;;) {
      const rows = await this.service.fetchAfter(this.last);
      if (!rows.length) return;
      if (this.streams.size && this.preload) await this.preload(rows);
      for (const n of rows) {
        for (const s of this.streams) s.offer(n);
        this.last = n.cursor as string;
      }
      if (rows.length < 500) return;
    }
  }

  /** Opens a subscriber stream: replays after `after` (if given), then live events, each once, in cursor order. */
  subscribe(options: StreamOptions): AsyncIterableIterator<Notification> {
    const stream = new Stream(options, () => this.streams.delete(stream), (n) => this.onDelivered?.(n));
    this.streams.add(stream);
    stream.begin(options.after ?? this.last, options.after !== null, (c) => this.service.replay(c, options.filter), this.preload);
    return stream;
  }
}

/** One subscriber: a queue fed by replay first, then by the hub; delivers each cursor at most once, in order. */
class Stream implements AsyncIterableIterator<Notification> {
  private readonly queue: Notification[] = [];
  private readonly buffered: Notification[] = [];
  private live = false;
  private done = false;
  private last = '0';
  private waiter?: { resolve: (r: IteratorResult<Notification>) => void; reject: (e: unknown) => void };
  private failure?: unknown;
  private expiry?: NodeJS.Timeout;

  constructor(
    private readonly options: StreamOptions,
    private readonly detach: () => void,
    private readonly delivered: (n: Notification) => void,
  ) {
    if (options.expiresAt) {
      // A second of grace: the server closes the socket with 4401 at expiry; this ends streams on any transport.
      const ms = options.expiresAt * 1000 - Date.now() + 1000;
      // setTimeout holds at most ~24.8 days; a longer credential is re-checked on every event anyway.
      this.expiry = setTimeout(() => this.finish(), Math.max(0, Math.min(ms, 2 ** 31 - 1)));
      this.expiry.unref();
    }
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<Notification> {
    return this;
  }

  /** Replays from the database (if resuming), then switches to live delivery of what the hub buffered meanwhile. */
  begin(from: string, replay: boolean, fetch: (after: string) => Promise<Notification[]>, preload?: Preloader): void {
    this.last = from;
    if (!replay) {
      this.live = true;
      return;
    }
    void (async () => {
      try {
        for (;;) {
          const rows = await fetch(this.last);
          if (preload && rows.length) await preload(rows);
          for (const n of rows) this.push(n, false);
          if (rows.length < 500) break;
        }
        this.live = true;
        for (const n of this.buffered.splice(0)) this.push(n, true);
      } catch (err) {
        this.fail(err);
      }
    })();
  }

  /** Called by the hub for every new event (all subscribers); filters here. */
  offer(n: Notification): void {
    if (this.done) return;
    if (!this.matches(n)) return;
    if (!this.live) this.buffered.push(n);
    else this.push(n, true);
  }

  private matches(n: Notification): boolean {
    const f = this.options.filter;
    if (!n.regionCode.startsWith(f.prefix)) return false;
    if (f.types?.length && !f.types.includes(n.type)) return false;
    return this.options.accept ? this.options.accept(n) : true;
  }

  /** Hands an event to the consumer unless already delivered; `live` = came from the hub (not a replay). */
  private push(n: Notification, live: boolean): void {
    if (this.done || big(n.cursor as string) <= big(this.last)) return;
    if (this.options.expiresAt && this.options.expiresAt * 1000 <= Date.now()) return this.finish();
    this.last = n.cursor as string;
    if (live) this.delivered(n);
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w.resolve({ value: n, done: false });
    } else this.queue.push(n);
  }

  private fail(err: unknown): void {
    this.failure = err;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w.reject(err);
    }
    this.finish();
  }

  /** Ends the stream (credential expired, server stopping, or the client unsubscribed). */
  finish(): void {
    if (this.done) return;
    this.done = true;
    if (this.expiry) clearTimeout(this.expiry);
    this.detach();
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w.resolve({ value: undefined, done: true });
    }
  }

  next(): Promise<IteratorResult<Notification>> {
    if (this.queue.length) return Promise.resolve({ value: this.queue.shift() as Notification, done: false });
    if (this.failure && this.done) {
      const f = this.failure;
      this.failure = undefined;
      return Promise.reject(f);
    }
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
  }

  return(): Promise<IteratorResult<Notification>> {
    this.queue.length = 0;
    this.finish();
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(err?: unknown): Promise<IteratorResult<Notification>> {
    this.finish();
    return Promise.reject(err);
  }
}
