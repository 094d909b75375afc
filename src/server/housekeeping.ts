import type { DataSource } from 'typeorm';
import type { IdempotencyStore } from '../graphql/idempotency';
import type { NotificationService } from '../modules/notifications/notification.service';
import type { Logger } from './logger';
import type { Metrics } from './metrics';

/** Advisory lock key: only one instance runs housekeeping at a time (7201 migrations, 7202 notification sequencer). */
export const HOUSEKEEPING_LOCK = 7203;

/** What one housekeeping run changed (null = another instance held the lock, nothing was done). */
export interface HousekeepingResult {
  expiredIdempotencyKeys: number;
  stuckIdempotencyKeys: number;
  prunedNotifications: number;
}

export interface HousekeepingOptions {
  /** Milliseconds after which a key still "running" is marked failed. */
  idempotencyStuckMs: number;
  /** Days notifications are kept (0 = forever). */
  notificationRetentionDays: number;
  /** The embedded database: one process, one connection, no lock needed. */
  singleProcess: boolean;
}

/**
 * Periodic maintenance of the tables that only grow: idempotency keys past their TTL are deleted, keys stuck
 * "running" (their process died) are marked failed, and notifications past the retention period are deleted.
 * Every instance schedules it; a session-level advisory lock (pg_try_advisory_lock) makes one of them do it
 * and the others skip that round.
 */
export class Housekeeping {
  private timer?: NodeJS.Timeout;
  private running: Promise<HousekeepingResult | null> | null = null;

  constructor(
    private readonly ds: DataSource,
    private readonly idempotency: IdempotencyStore,
    private readonly notifications: NotificationService,
    private readonly options: HousekeepingOptions,
    private readonly logger: Logger,
    private readonly metrics?: Metrics,
  ) {}

  /** Runs every `intervalMs` (first run after one interval); 0 = never. */
  start(intervalMs: number): void {
    if (intervalMs <= 0) return;
    this.timer = setInterval(() => void this.run().catch((err) => this.logger.warn({ err }, 'housekeeping failed; retried next round')), intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** One round now (also what the timer calls); resolves to null when another instance holds the lock. */
  run(): Promise<HousekeepingResult | null> {
    this.running ??= this.once().finally(() => (this.running = null));
    return this.running;
  }

  private async once(): Promise<HousekeepingResult | null> {
    // The embedded database is one process with one connection: no other instance to exclude, and holding the
    // pool's only connection for the lock would block the statements below.
    if (this.options.singleProcess) return this.tasks();
    const runner = this.ds.createQueryRunner();
    await runner.connect();
    try {
      const [{ locked }] = await runner.query('SELECT pg_try_advisory_lock($1) AS locked', [HOUSEKEEPING_LOCK]);
      if (!locked) return null;
      try {
        return await this.tasks();
      } finally {
        await runner.query('SELECT pg_advisory_unlock($1)', [HOUSEKEEPING_LOCK]).catch(() => undefined);
      }
    } finally {
      await runner.release();
    }
  }

  private async tasks(): Promise<HousekeepingResult> {
    const result: HousekeepingResult = {
      expiredIdempotencyKeys: await this.idempotency.expire(),
      stuckIdempotencyKeys: await this.idempotency.failStuck(this.options.idempotencyStuckMs),
      prunedNotifications: this.options.notificationRetentionDays > 0 ? await this.notifications.prune(this.options.notificationRetentionDays) : 0,
    };
    this.metrics?.housekeeping.inc({ task: 'expired_idempotency_keys' }, result.expiredIdempotencyKeys);
    this.metrics?.housekeeping.inc({ task: 'stuck_idempotency_keys' }, result.stuckIdempotencyKeys);
    this.metrics?.housekeeping.inc({ task: 'pruned_notifications' }, result.prunedNotifications);
    if (result.expiredIdempotencyKeys || result.stuckIdempotencyKeys || result.prunedNotifications) this.logger.info(result, 'housekeeping');
    return result;
  }
}
