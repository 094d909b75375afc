import { AsyncLocalStorage } from 'node:async_hooks';
import type { Logger as OrmLogger, QueryRunner } from 'typeorm';
import type { Logger } from '../server/logger';

/** Per-request counters, carried through async calls so the ORM logger can attribute SQL statements. */
export interface RequestStats {
  sqlStatements: number;
  /** Query runners (connections) this request ran statements on; a timed-out request cancels the busy ones. */
  runners?: Set<QueryRunner>;
}

export const requestStats = new AsyncLocalStorage<RequestStats>();

/** TypeORM logger that counts statements per request and sends errors and slow queries to pino. */
export class CountingOrmLogger implements OrmLogger {
  constructor(private readonly logger: Logger) {}

  logQuery(query: string, _parameters?: unknown[], qr?: QueryRunner): void {
    const stats = requestStats.getStore();
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
