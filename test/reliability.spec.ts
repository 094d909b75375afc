import { Client } from 'pg';
import WebSocket from 'ws';
import { loadConfig, type Config } from '../src/config';
import { openDatabase, type Database } from '../src/db/data-source';
import { entities } from '../src/modules/registry';
import { startServer, type RunningServer } from '../src/server/app';
import { createLogger } from '../src/server/logger';
import { startThrowawayPostgres, throwawayPostgresAvailable, type ThrowawayPostgres } from '../bench/throwaway-pg';
import { buildOnce, startProcess } from './process';

/**
 * Faults on a PostgreSQL server of our own (initdb + pg_ctl on a free loopback port), never the shared one:
 * statement and request timeouts, the database going away and coming back, and a graceful SIGTERM of a
 * real process with a request in flight and an open subscription.
 */
const available = throwawayPostgresAvailable();
const MISSING = 'PostgreSQL 15 server binaries (initdb, pg_ctl) not found under /usr/lib/postgresql/15/bin (set ZHULI_PG_BIN)';
if (!available && !process.env.CI) {
  // eslint-disable-next-line no-console
  console.warn(`reliability.spec: ${MISSING}; skipping the database-fault tests`);
}
// On a developer machine without the binaries the fault tests are skipped; under CI (CI set) a missing
// prerequisite is a failure, so the fault tests can never silently stop running there.
const describeIfPg = available ? describe : describe.skip;
if (!available && process.env.CI) {
  describe('reliability prerequisites (CI)', () => {
    it('has the PostgreSQL server binaries the fault tests need', () => {
      throw new Error(`reliability.spec under CI: ${MISSING}; install postgresql-15 or point ZHULI_PG_BIN at its bin folder`);
    });
  });
}

async function gql(url: string, query: string, headers: Record<string, string> = {}) {
  const started = Date.now();
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query }) });
  const text = await res.text();
  return { status: res.status, ms: Date.now() - started, text, body: JSON.parse(text) as { data?: any; errors?: Array<{ message: string; extensions?: Record<string, any> }> } };
}

/** Holds an exclusive lock on a table in an open transaction, so any statement touching it waits. */
async function lockTable(url: string, table: string): Promise<{ release(): Promise<void> }> {
  const c = new Client({ connectionString: url });
  await c.connect();
  await c.query('BEGIN');
  await c.query(`LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE`);
  return {
    async release() {
      await c.query('ROLLBACK');
      await c.end();
    },
  };
}

/** A raw graphql-transport-ws client: records ticks and the close code. */
function subscribe(url: string, query: string) {
  const ws = new WebSocket(url.replace(/^http/, 'ws'), 'graphql-transport-ws');
  const events: unknown[] = [];
  let closeCode: number | undefined;
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve((closeCode = code))));
  ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: {} })));
  ws.on('message', (raw) => {
    const msg = JSON.parse(String(raw)) as { type: string; payload?: any };
    if (msg.type === 'connection_ack') ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query } }));
    if (msg.type === 'next') events.push(msg.payload.data);
  });
  ws.on('error', () => undefined);
  return { ws, events, closed, get closeCode() { return closeCode; } };
}

async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describeIfPg('database faults and timeouts (own PostgreSQL instance)', () => {
  let pg: ThrowawayPostgres;
  const started: Array<{ server: RunningServer; db: Database }> = [];
  const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
  const serve = async (overrides: Partial<Config>) => {
    const config: Config = { ...loadConfig({}), port: 0, host: '127.0.0.1', seedDemo: false, databaseUrl: pg.url, rateLimitPerSecond: 0, ...overrides };
    const db = await openDatabase(config, logger, entities);
    const server = await startServer(config, db, logger);
    started.push({ server, db });
    return { server, db, origin: `http://127.0.0.1:${server.port}` };
  };

  beforeAll(async () => {
    pg = await startThrowawayPostgres();
  }, 60_000);
  afterAll(async () => {
    for (const s of started) {
      await s.server.stop().catch(() => undefined);
      await s.db.close().catch(() => undefined);
    }
    pg?.destroy();
  });

  it('cancels a statement past statement_timeout cleanly (TIMEOUT, no SQL in the body) and keeps serving', async () => {
    const { server } = await serve({ statementTimeoutMs: 400 });
    const lock = await lockTable(pg.url, 'region');
    try {
      const r = await gql(server.url, '{ regions(first: 1) { nodes { code } } }');
      expect(r.status).toBe(200);
      expect(r.body.errors?.[0].extensions?.code).toBe('TIMEOUT');
      expect(r.body.errors?.[0].extensions?.requestId).toBeTruthy();
      expect(r.text).not.toMatch(/SELECT|statement timeout|canceling/i);
      expect(r.ms).toBeLessThan(5000);
    } finally {
      await lock.release();
    }
    const ok = await gql(server.url, '{ regions(first: 1) { totalCount } }');
    expect(ok.body.errors).toBeUndefined();
  });

  it('answers 503 TIMEOUT when a request takes longer than the request timeout, and cancels its SQL statement', async () => {
    // The statement timeout is far away (20 s): only the request timeout's cancellation can end the statement.
    const { server, origin } = await serve({ statementTimeoutMs: 20_000, requestTimeoutMs: 300 });
    const lock = await lockTable(pg.url, 'region');
    // Outside the lock's transaction: pg_stat_activity is a snapshot taken once per transaction.
    const waiting = async () => {
      const c = new Client({ connectionString: pg.url });
      await c.connect();
      try {
        const { rows } = await c.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'zhuli' AND state = 'active' AND wait_event_type = 'Lock'`);
        return rows[0].n as number;
      } finally {
        await c.end();
      }
    };
    try {
      const pending = gql(server.url, '{ regions(first: 1) { nodes { code } } }');
      await until('the statement to wait on the lock', async () => (await waiting()) > 0, 5000);
      const r = await pending;
      expect(r.status).toBe(503);
      expect(r.body.errors?.[0].extensions?.code).toBe('TIMEOUT');
      expect(r.ms).toBeLessThan(2500);
      // The lock is still held, yet the statement is gone: cancelled, not left to run until statement_timeout.
      await until('the cancelled statement to leave pg_stat_activity', async () => (await waiting()) === 0, 3000);
      // Counted once the cancelling connection is closed, a moment after the statement is gone.
      await until('the cancellation to be counted', async () => /zhuli_cancelled_statements_total 1\b/.test(await (await fetch(`${origin}/metrics`)).text()), 3000);
    } finally {
      await lock.release();
    }
    await new Promise((r) => setTimeout(r, 200));
    expect((await gql(server.url, '{ regions(first: 1) { totalCount } }')).body.errors).toBeUndefined();
  });

  it('reports not-ready while PostgreSQL is down, refuses cleanly, and recovers by itself when it returns', async () => {
    const { server, origin } = await serve({ statementTimeoutMs: 5000 });
    expect((await fetch(`${origin}/readyz`)).status).toBe(200);
    pg.stop();
    try {
      const ready = await fetch(`${origin}/readyz`);
      expect(ready.status).toBe(503);
      expect((await fetch(`${origin}/healthz`)).status).toBe(200);
      const r = await gql(server.url, '{ regions(first: 1) { totalCount } }');
      expect(r.status).toBeLessThan(500);
      expect(r.body.errors?.[0].extensions?.code).toBe('SERVICE_UNAVAILABLE');
      const metrics = await (await fetch(`${origin}/metrics`)).text();
      expect(metrics).toMatch(/zhuli_ready 0/);
    } finally {
      pg.start();
    }
    await until('readyz 200 after the restart', async () => (await fetch(`${origin}/readyz`)).status === 200);
    const token = await server.auth.mint({ sub: 'fault-test', roles: ['NATIONAL_ADMIN' as never], region: '000000' });
    const r = await gql(server.url, '{ regions(first: 1) { totalCount } }', { authorization: `Bearer ${token}` });
    expect(r.body.errors).toBeUndefined();
  }, 60_000);

  it('SIGTERM: stops accepting, finishes the in-flight request, closes subscriptions with 1001, exits 0', async () => {
    buildOnce();
    const admin = new Client({ connectionString: pg.url });
    await admin.connect();
    await admin.query('CREATE DATABASE shutdown_test');
    await admin.end();
    const dbUrl = pg.url.replace(/\/postgres$/, '/shutdown_test');
    const proc = await startProcess({ DATABASE_URL: dbUrl, ZHULI_SEED_DEMO: '0', ZHULI_STATEMENT_TIMEOUT_MS: '20000', LOG_LEVEL: 'info' });
    const origin = new URL(proc.url).origin;
    const sub = subscribe(proc.url, 'subscription { heartbeat(intervalSeconds: 1) { sequence at } }');
    await until('a heartbeat tick', () => sub.events.length > 0);
    const metrics = await (await fetch(`${origin}/metrics`)).text();
    expect(metrics).toMatch(/zhuli_active_subscriptions 1/);

    const lock = await lockTable(dbUrl, 'region');
    const inFlight = gql(proc.url, '{ regions(first: 1) { totalCount } }');
    await new Promise((r) => setTimeout(r, 300));
    const exited = proc.stop('SIGTERM');
    // Subscriptions are told to go away (1001) so clients resume elsewhere…
    expect(await sub.closed).toBe(1001);
    // …new connections are refused…
    await until('the listener to close', async () => fetch(`${origin}/healthz`).then(() => false, () => true), 5000);
    // …and the in-flight request still completes once its statement can run.
    await lock.release();
    const r = await inFlight;
    expect(r.status).toBe(200);
    expect(r.body.data.regions.totalCount).toBe(0);
    expect(await exited).toBe(0);
    const logs = proc.logs.join('');
    expect(logs).toContain('shutting down');
    expect(logs).toContain('database closed');
  }, 90_000);
});
