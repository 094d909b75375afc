import 'reflect-metadata';
import { loadConfig } from './config';
import { openDatabase } from './db/data-source';
import { entities } from './modules/registry';
import { seedDemoIfEmpty } from './db/seed-demo';
import { startServer } from './server/app';
import { createLogger } from './server/logger';

/** Process entry: config → database → server; SIGTERM/SIGINT stop it gracefully. */
export async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const db = await openDatabase(config, logger, entities);
  if (config.seedDemo) await seedDemoIfEmpty(db.dataSource, logger);
  const server = await startServer(config, db, logger);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    // In-flight requests get the grace period; past it (plus closing time) the process exits anyway.
    setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, config.shutdownGraceMs + 10_000).unref();
    try {
      await server.stop();
      logger.info('server stopped; closing the database');
      await db.close();
      logger.info('database closed');
    } finally {
      process.exit(0);
    }
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

if (require.main === module) {
  main().catch((err) => {
    process.stderr.write(`zhuli failed to start: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
