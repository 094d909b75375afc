import { DataSource, MigrationExecutor } from 'typeorm';
import type { Config } from '../config';
import type { Logger } from '../server/logger';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded';
import { CountingOrmLogger } from './request-stats';
import type { MixedList, EntitySchema } from 'typeorm';
import { migrations } from '../../migrations';

/** The open database: a TypeORM data source plus, in embedded mode, the PGlite server behind it. */
export interface Database {
  dataSource: DataSource;
  mode: 'embedded' | 'postgres';
  /** Connection string of the database (the embedded one listens on loopback). */
  url: string;
  close(): Promise<void>;
}

/** Builds (does not connect) a data source for a connection string. */
/** Entity classes the data source maps (the modules' manifest, passed in so db/ never imports modules/). */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export type EntityList = MixedList<Function | string | EntitySchema>;

export function buildDataSource(url: string, poolSize: number, logger: Logger, entities: EntityList, statementTimeoutMs = 30000): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    entities,
    migrations,
    synchronize: false,
    migrationsRun: false,
    migrationsTransactionMode: 'each',
    uuidExtension: 'pgcrypto',
    logger: new CountingOrmLogger(logger),
    maxQueryExecutionTime: 2000,
    extra: { max: poolSize, statement_timeout: statementTimeoutMs, application_name: 'zhuli' },
  });
}

/** Opens the configured database (DATABASE_URL or embedded) and brings its schema up to date. */
export async function openDatabase(config: Config, logger: Logger, entities: EntityList): Promise<Database> {
  let embedded: EmbeddedPostgres | undefined;
  let url = config.databaseUrl;
  if (!url) {
    const started = Date.now();
    embedded = await startEmbeddedPostgres(config.dataDir);
    url = embedded.url;
    logger.info({ dataDir: config.dataDir, ms: Date.now() - started }, 'embedded PostgreSQL (PGlite) started');
  }
  // PGlite is one backend session: a pool of exactly one connection.
  const dataSource = buildDataSource(url, embedded ? 1 : config.dbPoolSize, logger, entities, config.statementTimeoutMs);
  try {
    await dataSource.initialize();
    await runMigrations(dataSource, logger);
  } catch (err) {
    if (dataSource.isInitialized) await dataSource.destroy();
    if (embedded) await embedded.stop();
    throw err;
  }
  return {
    dataSource,
    mode: embedded ? 'embedded' : 'postgres',
    url,
    async close() {
      if (dataSource.isInitialized) await dataSource.destroy();
      if (embedded) await embedded.stop();
    },
  };
}

/** Runs pending migrations under an advisory lock so several instances starting together do not race. */
export async function runMigrations(dataSource: DataSource, logger: Logger): Promise<void> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock(7201)');
    try {
      // The runner above holds the pool's only connection on PGlite, so migrate through it.
      const executor = new MigrationExecutor(dataSource, runner);
      executor.transaction = 'each';
      const done = await executor.executePendingMigrations();
      if (done.length) logger.info({ migrations: done.map((m) => m.name) }, 'migrations applied');
    } finally {
      await runner.query('SELECT pg_advisory_unlock(7201)');
    }
  } finally {
    await runner.release();
  }
}
