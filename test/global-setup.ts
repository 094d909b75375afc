import 'reflect-metadata';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { loadConfig } from '../src/config';
import { openDatabase } from '../src/db/data-source';
import { seedDemoIfEmpty } from '../src/db/seed-demo';
import { entities } from '../src/modules/registry';
import { createLogger } from '../src/server/logger';

/**
 * Builds one migrated, demo-seeded database per test run — a template database on real PostgreSQL
 * (DATABASE_URL) or a template data folder for PGlite — which every spec file then clones.
 */
export default async function globalSetup(): Promise<void> {
  const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'warn');
  const run = `${process.pid}_${Date.now()}`;
  const base = process.env.DATABASE_URL;
  if (base) {
    const template = `zhuli_tpl_${run}`;
    const admin = new Client({ connectionString: base });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${template}`);
    await admin.end();
    const url = withDatabase(base, template);
    const db = await openDatabase({ ...loadConfig({}), databaseUrl: url }, logger, entities);
    await seedDemoIfEmpty(db.dataSource, logger);
    await db.close();
    process.env.ZHULI_TEST_TEMPLATE_DB = template;
  } else {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zhuli-tpl-'));
    const db = await openDatabase({ ...loadConfig({}), dataDir: dir }, logger, entities);
    await seedDemoIfEmpty(db.dataSource, logger);
    await db.close();
    process.env.ZHULI_TEST_TEMPLATE_DIR = dir;
  }
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}
