import type { DataSource, EntityManager } from 'typeorm';
import { GraphQLError } from 'graphql';
import type { NotificationPort, NotificationRecord } from '../../db/notification-port';
import { encodeCursor, Page, pageWindow, type PageArgs } from '../../graphql/connection';
import { fromGlobalId } from '../../graphql/node';
import type { Actor } from '../../graphql/principal';
import { regionPrefix, type Scope } from '../../graphql/scope';
import { DomainError, UserErrorCode } from '../../graphql/user-error';
import type { Logger } from '../../server/logger';
import { Notification, NotificationType, type NotificationTarget } from './notification.entity';
import type { NotificationFilter } from './notification.types';

/** Advisory lock key of the single sequencer that stamps cursors (see docs/notifications.md). */
export const PUBLISHER_LOCK = 7202;
/** PostgreSQL channel carrying the newest stamped cursor (never the row). */
export const CHANNEL = 'zhuli_notifications';
/** Most notifications one acknowledgeNotifications call accepts. */
export const MAX_ACK = 100;
const BATCH = 500;

/** Filter of the replay and live streams of one subscriber (applied in SQL for replays, in memory live). */
export interface StreamFilter {
  /** Region code prefix the events must lie in (subscriber's requested region ∩ scope). */
  prefix: string;
  types: NotificationType[] | null;
}

/** Columns every reader selects; `cursor` as text (bigint). */
const COLUMNS = `n.id::text AS id, n.cursor::text AS cursor, n.type, n."agreementId", n."regionCode", n."targetLevel", n."targetRegionCode", n.status, n.reason, n."actorSubject", n."actorName", n.at, n."publishedAt"`;

function toEntity(r: Record<string, unknown>): Notification {
  return Object.assign(new Notification(), r, { at: new Date(r.at as string), publishedAt: r.publishedAt ? new Date(r.publishedAt as string) : null });
}

/** What the server and the notification hub plug into the notifications service. */
export interface NotificationHooks {
  /** Called after every successful publish (the hub fetches and fans out). */
  onPublished?: (cursor: string | null) => void;
  /** Called with each stamped row's lag (event's transaction → cursor stamped, seconds; the server's metrics). */
  onStamped?: (lagSeconds: number[]) => void;
  logger?: Logger;
}

/**
 * Durable filing notifications: written inside the state change's transaction, stamped with a commit-ordered
 * cursor by a single sequencer after commit, announced with NOTIFY (cursor only), listed and acknowledged.
 */
export class NotificationService implements NotificationPort {
  /**
   * `hooks` are set once by the server and the hub; a request's copy of the service (`createServices`) is given the
   * process's hooks object, so its publishes wake the one hub and feed the same metrics.
   */
  constructor(
    private readonly ds: DataSource,
    readonly hooks: NotificationHooks = {},
  ) {}

  async record(em: EntityManager, actor: Actor, rec: NotificationRecord): Promise<void> {
    await em.insert(Notification, {
      type: rec.type as NotificationType,
      agreementId: rec.agreementId,
      regionCode: rec.regionCode,
      targetLevel: rec.targetLevel as NotificationTarget,
      targetRegionCode: rec.targetRegionCode,
      status: rec.status,
      reason: rec.reason ?? null,
      actorSubject: actor.principal.subject,
      actorName: actor.principal.name?.slice(0, 100) ?? null,
      cursor: null,
      publishedAt: null,
    });
  }

  /** After a commit: publish (stamp cursors) and wake local subscribers; a failure here is retried by the sweep. */
  async afterCommit(): Promise<void> {
    try {
      const cursor = await this.publish();
      this.hooks.onPublished?.(cursor);
    } catch (err) {
      this.hooks.logger?.warn({ err }, 'publishing notifications failed; the periodic sweep retries');
    }
  }

  /**
   * The sequencer: under a transaction-scoped advisory lock (one stamper at a time, across instances), gives
   * every committed, unstamped row the next cursors (max + row number, in insertion order) and NOTIFYs the
   * newest cursor. Rows of transactions still open are invisible here and get later cursors once they commit,
   * so cursor order is the order in which rows became visible: no subscriber can pass a row it has not seen.
   * Returns the newest stamped cursor, or null when nothing was pending.
   */
  async publish(): Promise<string | null> {
    return this.ds.transaction(async (em) => {
      await em.query('SELECT pg_advisory_xact_lock($1)', [PUBLISHER_LOCK]);
      const raw: unknown[] = await em.query(
        `WITH base AS (SELECT COALESCE(MAX(cursor), 0) AS m FROM notification),
              pending AS (SELECT id, ROW_NUMBER() OVER (ORDER BY id) AS rn FROM notification WHERE cursor IS NULL ORDER BY id LIMIT 1000)
         UPDATE notification n SET cursor = base.m + pending.rn, "publishedAt" = clock_timestamp()
           FROM base, pending WHERE n.id = pending.id
         RETURNING n.cursor::text AS cursor, EXTRACT(EPOCH FROM (n."publishedAt" - n.at))::float8 AS lag`,
      );
      // TypeORM answers an UPDATE with [rows, rowCount].
      const rows = (Array.isArray(raw[0]) ? raw[0] : raw) as Array<{ cursor: string; lag: number }>;
      if (!rows.length) return null;
      this.hooks.onStamped?.(rows.map((r) => Number(r.lag)));
      const newest = rows.reduce((m, r) => (BigInt(r.cursor) > BigInt(m) ? r.cursor : m), rows[0].cursor);
      // Delivered to every LISTENing instance when this transaction commits; the payload is the cursor only.
      await em.query('SELECT pg_notify($1, $2)', [CHANNEL, newest]);
      return newest;
    });
  }

  /**
   * Retention: deletes stamped notifications older than `days` (and their acknowledgements), oldest cursors first
   * and always a whole prefix of the cursor range, so the retained cursors stay contiguous and a resume from a
   * pruned cursor can be recognised (`oldestRetainedCursor`). The newest row is never deleted: new cursors continue
   * from MAX(cursor). Returns how many notifications were deleted.
   */
  async prune(days: number, batch = 5000): Promise<number> {
    const [cut] = (await this.ds.query(
      `SELECT MAX(cursor)::text AS c FROM notification WHERE cursor IS NOT NULL AND at < now() - make_interval(days => $1)`,
      [days],
    )) as Array<{ c: string | null }>;
    if (!cut?.c) return 0;
    let deleted = 0;
    for (;;) {
      const n = await this.ds.transaction(async (em) => {
        const raw: unknown[] = await em.query(
          `DELETE FROM notification WHERE id IN (
             SELECT id FROM notification WHERE cursor <= $1 AND cursor < (SELECT MAX(cursor) FROM notification) ORDER BY cursor LIMIT $2)
           RETURNING id::text AS id`,
          [cut.c, batch],
        );
        const rows = (Array.isArray(raw[0]) ? raw[0] : raw) as Array<{ id: string }>;
        if (rows.length) await em.query(`DELETE FROM notification_ack WHERE "notificationId" = ANY($1::bigint[])`, [rows.map((r) => r.id)]);
        return rows.length;
      });
      deleted += n;
      if (n < batch) return deleted;
    }
  }

  /** The lowest cursor still stored (null when there are none): resuming from below it would skip pruned events. */
  async oldestRetainedCursor(): Promise<string | null> {
    const [row] = await this.ds.query(`SELECT MIN(cursor)::text AS c FROM notification`);
    return row?.c ?? null;
  }

  /**
   * Refuses a resume whose cursor lies before the retained range (events after it were deleted by retention):
   * the client must start again from the `notifications` list instead of silently missing events.
   */
  async assertResumable(after: string): Promise<void> {
    const oldest = await this.oldestRetainedCursor();
    if (oldest !== null && BigInt(after) + 1n < BigInt(oldest)) {
      throw new GraphQLError(
        `Cursor ${after} is older than the retained notifications (the oldest kept is ${oldest}); events after it were deleted by retention. Read the notifications list from the start and subscribe without after, or after its newest cursor`,
        { extensions: { code: 'CURSOR_EXPIRED', argument: 'after', oldestRetainedCursor: oldest } },
      );
    }
  }

  /** Whether committed rows wait for a cursor (the sweep publishes them: e.g. the process died after commit). */
  async hasUnpublished(): Promise<boolean> {
    const [row] = await this.ds.query(`SELECT EXISTS (SELECT 1 FROM notification WHERE cursor IS NULL) AS pending`);
    return Boolean(row.pending);
  }

  /** The newest stamped cursor ('0' when none). */
  async latestCursor(): Promise<string> {
    const [row] = await this.ds.query(`SELECT COALESCE(MAX(cursor), 0)::text AS c FROM notification`);
    return row.c;
  }

  /** Stamped notifications after a cursor, in cursor order (the hub's one fetch per wake-up). */
  async fetchAfter(cursor: string, limit = BATCH): Promise<Notification[]> {
    const rows = await this.ds.query(`SELECT ${COLUMNS} FROM notification n WHERE n.cursor > $1 ORDER BY n.cursor LIMIT $2`, [cursor, limit]);
    return rows.map(toEntity);
  }

  /** A subscriber's replay: stamped notifications after `cursor` inside its filter, in cursor order. */
  async replay(cursor: string, filter: StreamFilter, limit = BATCH): Promise<Notification[]> {
    const params: unknown[] = [cursor, `${filter.prefix}%`, limit];
    let types = '';
    if (filter.types?.length) {
      params.push(filter.types);
      types = ` AND n.type::text = ANY($4)`;
    }
    const rows = await this.ds.query(`SELECT ${COLUMNS} FROM notification n WHERE n.cursor > $1 AND n."regionCode" LIKE $2${types} ORDER BY n.cursor LIMIT $3`, params);
    return rows.map(toEntity);
  }

  /** Notifications by id within scope (stamped ones only), order kept. */
  async byIds(scope: Scope, ids: readonly string[]): Promise<Array<Notification | null>> {
    const valid = ids.filter((id) => /^\d{1,18}$/.test(id));
    let rows: Notification[] = [];
    if (valid.length && scope.prefix !== null) {
      rows = (await this.ds.query(`SELECT ${COLUMNS} FROM notification n WHERE n.id = ANY($1::bigint[]) AND n.cursor IS NOT NULL AND n."regionCode" LIKE $2`, [valid, `${scope.prefix}%`])).map(toEntity);
    }
    const map = new Map(rows.map((r) => [String(r.id), r]));
    return ids.map((id) => map.get(id) ?? null);
  }

  /** Which of these notifications `subject` has acknowledged. */
  async acknowledgedBy(subject: string, ids: readonly string[]): Promise<boolean[]> {
    const rows: Array<{ id: string }> = await this.ds.query(`SELECT "notificationId"::text AS id FROM notification_ack WHERE subject = $1 AND "notificationId" = ANY($2::bigint[])`, [subject, [...ids]]);
    const set = new Set(rows.map((r) => r.id));
    return ids.map((id) => set.has(id));
  }

  /** The notifications connection: stamped rows in scope, by cursor, optionally unacknowledged by `subject` only. */
  async list(scope: Scope, subject: string, filter: NotificationFilter | null | undefined, page: PageArgs): Promise<Page<Notification>> {
    const { limit, after } = pageWindow(page);
    if (after && !/^\d{1,18}$/.test(String(after[0]))) throw new GraphQLError('after is not a valid cursor', { extensions: { code: 'BAD_USER_INPUT', argument: 'after' } });
    if (scope.prefix === null) return Page.empty();
    const where: string[] = ['n.cursor IS NOT NULL', `n."regionCode" LIKE $1`];
    const params: unknown[] = [`${scope.prefix}%`];
    const add = (sql: (p: string) => string, value: unknown) => {
      params.push(value);
      where.push(sql(`$${params.length}`));
    };
    if (filter?.within) add((p) => `n."regionCode" LIKE ${p}`, `${regionPrefix(filter.within)}%`);
    if (filter?.types?.length) add((p) => `n.type::text = ANY(${p})`, filter.types);
    if (filter?.targetLevels?.length) add((p) => `n."targetLevel"::text = ANY(${p})`, filter.targetLevels);
    if (filter?.targetRegionCode) add((p) => `n."targetRegionCode" = ${p}`, filter.targetRegionCode);
    if (filter?.agreementId) {
      const g = fromGlobalId(filter.agreementId);
      add((p) => `n."agreementId"::text = ${p}`, g?.type === 'Agreement' ? g.key : '');
    }
    if (filter?.unacknowledgedOnly) add((p) => `NOT EXISTS (SELECT 1 FROM notification_ack a WHERE a."notificationId" = n.id AND a.subject = ${p})`, subject);
    const countWhere = [...where];
    const countParams = [...params];
    if (after) add((p) => `n.cursor > ${p}::bigint`, String(after[0]));
    params.push(limit + 1);
    const rows = limit === 0 ? [] : (await this.ds.query(`SELECT ${COLUMNS} FROM notification n WHERE ${where.join(' AND ')} ORDER BY n.cursor LIMIT $${params.length}`, params)).map(toEntity);
    const items = rows.slice(0, limit);
    return new Page(
      items,
      items.map((n: Notification) => encodeCursor(n.cursor, String(n.id))),
      rows.length > limit,
      after !== null,
      async () => Number((await this.ds.query(`SELECT COUNT(*)::int AS n FROM notification n WHERE ${countWhere.join(' AND ')}`, countParams))[0].n),
    );
  }

  /** Records that the actor has seen these notifications (idempotent); every id must be in scope. */
  async acknowledge(actor: Actor, scope: Scope, globalIds: string[]): Promise<Notification[]> {
    if (globalIds.length > MAX_ACK) throw new DomainError(UserErrorCode.LIMIT_EXCEEDED, `At most ${MAX_ACK} notifications at once`, ['ids']);
    const keys = globalIds.map((g) => {
      const d = fromGlobalId(g);
      return d?.type === 'Notification' && /^\d{1,18}$/.test(d.key) ? d.key : null;
    });
    const errors: DomainError[] = [];
    const rows = await this.byIds(scope, keys.map((k) => k ?? '0'));
    const exists = new Set<string>(
      (await this.ds.query(`SELECT id::text AS id FROM notification WHERE id = ANY($1::bigint[]) AND cursor IS NOT NULL`, [keys.filter((k): k is string => k !== null)])).map((r: { id: string }) => r.id),
    );
    keys.forEach((k, i) => {
      if (!k || !exists.has(k)) errors.push(new DomainError(UserErrorCode.NOT_FOUND, 'No notification with this ID', ['ids', String(i)]));
      else if (!rows[i]) errors.push(new DomainError(UserErrorCode.FORBIDDEN, 'This notification is outside your region scope', ['ids', String(i)]));
    });
    if (errors.length) throw new DomainError(errors[0].code, errors[0].message, errors[0].field, errors.slice(1));
    const unique = [...new Set(keys as string[])];
    if (unique.length) {
      await this.ds.query(`INSERT INTO notification_ack (subject, "notificationId") SELECT $1, unnest($2::bigint[]) ON CONFLICT DO NOTHING`, [actor.principal.subject, unique]);
    }
    const seen = new Set<string>();
    return rows.filter((r): r is Notification => r !== null && !seen.has(String(r.id)) && !!seen.add(String(r.id)));
  }
}
