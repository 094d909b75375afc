import type { DataSource, EntityManager, Logger as OrmLogger, QueryRunner } from 'typeorm';
import type { Logger } from '../server/logger';

/** Per-request counters of the SQL a request ran, kept by the ORM logger. */
export interface RequestStats {
  sqlStatements: number;
  /** Query runners (connections) this request ran statements on; a timed-out request cancels the busy ones. */
  runners?: Set<QueryRunner>;
}

/** The request each query runner works for (set when a request's data source creates it). */
const statsOfRunner = new WeakMap<QueryRunner, RequestStats>();

/**
 * The data source a request's services and loaders use: the process's `ds` (same pool, metadata and driver) whose
 * query runners are tagged with the request's `stats`, so the ORM logger can attribute each statement. Every way
 * TypeORM reaches the database (`query`, query builders, repositories, `transaction`) creates its query runner
 * through `createQueryRunner` on the data source it was given, so they all pass here (a TypeORM upgrade that adds
 * another path shows as a statement count off in test/bench-queries.spec.ts).
 *
 * This replaces an AsyncLocalStorage around the request: attribution by hand costs nothing per promise, while
 * async hooks cost 2–2.6 ms of CPU per nested list request (docs/benchmarks.md, A/B of the third and fourth rounds).
 */
export function requestDataSource(ds: DataSource, stats: RequestStats): DataSource {
  const view = Object.create(ds) as DataSource & { manager: EntityManager };
  view.createQueryRunner = (mode) => {
    const runner = ds.createQueryRunner.call(view, mode);
    statsOfRunner.set(runner, stats);
    return runner;
  };
  view.manager = view.createEntityManager();
  return view;
}

/** TypeORM logger that counts statements per request and sends errors and slow queries to pino. */
export class CountingOrmLogger implements OrmLogger {
  constructor(private readonly logger: Logger) {}

  logQuery(query: string, _parameters?: unknown[], qr?: QueryRunner): void {
    const stats = qr && statsOfRunner.get(qr);
    if (stats) {
      stats.sqlStatements++;
      if (stats.runners && qr) {
        for (const r of stats.runners) if (r.isReleased) stats.runners.delete(r);
        stats.runners.add(qr);
      }
    }
    if (this.logger.isLevelEnabled('trace')) this.logger.trace({ sql: query }, 'sql');
  }
  logQueryError(error: string | Error, query: string): void {
    this.logger.debug({ err: error, sql: query.slice(0, 500) }, 'sql error');
  }
  logQuerySlow(time: number, query: string): void {
    this.logger.warn({ ms: time, sql: query.slice(0, 500) }, 'slow sql');
  }
  logSchemaBuild(message: string): void {
    this.logger.debug(message);
  }
  logMigration(message: string): void {
    this.logger.info(message);
  }
  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    if (level === 'warn') this.logger.warn(String(message));
    else this.logger.debug(String(message));
  }
}
