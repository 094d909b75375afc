import 'reflect-metadata';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import request from 'supertest';
import type { DataSource } from 'typeorm';
import { loadConfig, type Config } from '../src/config';
import { openDatabase, type Database } from '../src/db/data-source';
import { Role } from '../src/graphql/principal';
import { entities } from '../src/modules/registry';
import type { ServiceOptions } from '../src/modules/context';
import { startServer, type RunningServer } from '../src/server/app';
import { createLogger } from '../src/server/logger';
import { NATIONAL_REGION } from '../src/server/auth';
import { withDatabase } from './global-setup';

/** A server started for one spec file, on its own clone of the run's seeded template database. */
export interface TestApp {
  url: string;
  origin: string;
  config: Config;
  db: Database;
  ds: DataSource;
  server: RunningServer;
  /** Posts a GraphQL operation; returns the parsed body (and the raw response). */
  gql<T = any>(query: string, variables?: Record<string, unknown>, token?: string | null): Promise<GqlResult<T>>;
  token(roles: Role[], region: string, extra?: { sub?: string; org?: string; expert?: string; ttl?: number }): Promise<string>;
  /** Counts SQL statements with the per-request statistics reported in `extensions.sqlStatements`. */
  stop(): Promise<void>;
}

export interface GqlResult<T> {
  status: number;
  data: T;
  errors?: Array<{ message: string; path?: string[]; extensions?: Record<string, any> }>;
  extensions?: Record<string, any>;
}

/** Clones the template database (or data folder) and returns its connection settings. */
async function cloneDatabase(): Promise<Partial<Config> & { cleanup: () => Promise<void> }> {
  const base = process.env.DATABASE_URL;
  if (base) {
    const template = process.env.ZHULI_TEST_TEMPLATE_DB as string;
    const name = `${template.replace('tpl', 'test')}_${randomUUID().slice(0, 8)}`;
    const admin = new Client({ connectionString: base });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name} TEMPLATE ${template}`);
    await admin.end();
    return {
      databaseUrl: withDatabase(base, name),
      cleanup: async () => {
        const c = new Client({ connectionString: base });
        await c.connect();
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await c.end();
      },
    };
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zhuli-test-'));
  fs.cpSync(process.env.ZHULI_TEST_TEMPLATE_DIR as string, dir, { recursive: true });
  return { databaseUrl: undefined, dataDir: dir, cleanup: async () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Starts Zhuli on a random port against a fresh clone of the seeded test database. */
export async function startTestApp(overrides: Partial<Config> = {}, options: ServiceOptions = {}): Promise<TestApp> {
  const { cleanup, ...dbConfig } = await cloneDatabase();
  const config: Config = { ...loadConfig({}), port: 0, host: '127.0.0.1', seedDemo: false, ...dbConfig, ...overrides };
  const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
  const db = await openDatabase(config, logger, entities);
  const server = await startServer(config, db, logger, options);
  const origin = `http://127.0.0.1:${server.port}`;
  return {
    url: server.url,
    origin,
    config,
    db,
    ds: db.dataSource,
    server,
    async gql(query, variables, token) {
      const req = request(origin).post('/graphql').set('content-type', 'application/json');
      if (token) req.set('authorization', `Bearer ${token}`);
      const res = await req.send({ query, variables });
      return { status: res.status, ...(res.body ?? {}) };
    },
    token(roles, region, extra = {}) {
      return server.auth.mint({ sub: extra.sub ?? `test-${roles.join('-').toLowerCase()}-${region}`, roles, region, org: extra.org, expert: extra.expert }, extra.ttl ?? 3600);
    },
    async stop() {
      await server.stop();
      await db.close();
      await cleanup();
    },
  };
}

export { Role, NATIONAL_REGION };
