import 'reflect-metadata';
import http from 'node:http';
import os from 'node:os';
import type { ChildProcess } from 'node:child_process';
import { parseArgs } from 'node:util';
import { Client as PgClient } from 'pg';
import WebSocket from 'ws';
import { createClient, type Client } from 'graphql-ws';
import { loadConfig } from '../src/config';
import { openDatabase } from '../src/db/data-source';
import { seedDemoIfEmpty } from '../src/db/seed-demo';
import { toGlobalId } from '../src/graphql/node';
import { Role } from '../src/graphql/principal';
import { entities } from '../src/modules/registry';
import { Authenticator, NATIONAL_REGION } from '../src/server/auth';
import { createLogger } from '../src/server/logger';
import { spawnServer } from './support';

/**
 * `npm run bench:notifications`: filing-notification delivery across two instances on real PostgreSQL.
 * Creates a scratch database, starts two server processes on it, opens N graphql-ws subscribers
 * (`agreementFiled(regionCode: "341524")`, half on each instance), files agreements at a steady rate through
 * alternating instances, and reports delivery latency (p50/p95/p99/max) and any loss or duplicates. Loopback only.
 */
const { values: opts } = parseArgs({
  options: {
    subscribers: { type: 'string', default: '2000' },
    seconds: { type: 'string', default: '60' },
    rate: { type: 'string', default: '2', short: 'r' },
    'database-url': { type: 'string', default: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres' },
    keep: { type: 'boolean', default: false },
  },
});
const SUBSCRIBERS = Math.min(Number(opts.subscribers), 5000);
const SECONDS = Math.min(Number(opts.seconds), 600);
const RATE = Math.min(Number(opts.rate), 50);
const BASE = opts['database-url'] as string;

function withDatabase(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

/** Server processes this run started: killed on every exit path. */
const children: ChildProcess[] = [];

/** An instance of this benchmark (its request logs are not needed: dropped once it serves). */
const startInstance = (env: Record<string, string>) => spawnServer(env, { keepLogs: 0, onSpawn: (child) => children.push(child) });

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function main(): Promise<void> {
  const db = `zhuli_bench_notif_${process.pid}`;
  const admin = new PgClient({ connectionString: BASE });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${db}`);
  await admin.query(`CREATE DATABASE ${db}`);
  const url = withDatabase(BASE, db);
  process.stdout.write(`scratch database ${db}: migrating and loading the demo data…\n`);
  const prepared = await openDatabase({ ...loadConfig({}), databaseUrl: url }, createLogger('warn'), entities);
  await seedDemoIfEmpty(prepared.dataSource, createLogger('warn'));
  await prepared.close();

  // National admins (the filer here) are exempt from rate limiting.
  const env = { DATABASE_URL: url, ZHULI_SEED_DEMO: 'false', ZHULI_DB_POOL_SIZE: '10' };
  const [a, b] = await Promise.all([startInstance(env), startInstance(env)]);
  const instances = [a, b];
  const auth = new Authenticator(loadConfig({}));
  const adminToken = await auth.mint({ sub: 'bench-national', roles: [Role.NATIONAL_ADMIN], region: NATIONAL_REGION }, 3600);
  const countyToken = await auth.mint({ sub: 'bench-county', roles: [Role.COUNTY_COORDINATOR], region: '341524' }, 3600);
  const pg = new PgClient({ connectionString: url });
  await pg.connect();

  // A fresh connection per request (no keep-alive reuse races under load).
  const gql = (server: string, query: string, variables: Record<string, unknown>) =>
    new Promise<any>((resolve, reject) => {
      const payload = JSON.stringify({ query, variables });
      const req = http.request(server, { method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), authorization: `Bearer ${adminToken}` } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (text += c));
        res.on('end', () => {
          try {
            const body = JSON.parse(text) as { data?: any; errors?: unknown };
            if (body.errors) reject(new Error(JSON.stringify(body.errors)));
            else resolve(body.data);
          } catch (err) {
            reject(err);
          }
        });
      });
      req.on('error', reject);
      req.end(payload);
    });

  // Signed agreements prepared up front, so the timed part is only the filing.
  const total = Math.max(1, Math.round(SECONDS * RATE));
  const villages = (await pg.query(`SELECT code FROM region WHERE level = 'VILLAGE' AND code LIKE '341524%' AND "povertyDesignation" = 'POOR_VILLAGE' ORDER BY code`)).rows.map((r) => r.code);
  const [{ id: org }] = (await pg.query(`SELECT id FROM organization WHERE "regionCode" LIKE '341524%' ORDER BY name LIMIT 1`)).rows;
  process.stdout.write(`preparing ${total} signed agreements…\n`);
  const signed: Array<{ id: string; version: number }> = [];
  for (let i = 0; i < total; i++) {
    const P = 'agreement { id version } userErrors { code message }';
    const c = (await gql(a.url, `mutation($i: CreateAgreementInput!) { createAgreement(input: $i) { ${P} } }`, {
      i: {
        title: `基准测试协议 ${i}`, regionCode: '341524', organizationId: toGlobalId('Organization', org), villageCodes: [villages[i % villages.length]],
        periodStart: '2018-03-01', periodEnd: '2020-12-31', goals: '目标', measures: '措施', mechanism: '机制', tasks: [{ kind: 'TRAINING', description: '培训', plannedQuantity: 2, unit: '期' }],
      },
    })).createAgreement.agreement;
    signed.push((await gql(a.url, `mutation($i: SignAgreementInput!) { signAgreement(input: $i) { ${P} } }`, { i: { id: c.id, version: c.version, signingDate: '2018-02-28', signatories: [{ party: '县科协', name: '李明华' }] } })).signAgreement.agreement);
  }

  // Subscribers: half on each instance, each on its own WebSocket.
  process.stdout.write(`opening ${SUBSCRIBERS} subscribers…\n`);
  const received: Array<Map<string, number>> = [];
  const latencies: number[] = [];
  const sentAt = new Map<string, number>();
  const committedAt = new Map<string, number>();
  const commitLatencies: number[] = [];
  let duplicates = 0;
  let disconnected = 0;
  const closeCodes = new Map<string, number>();
  const clients: Client[] = [];
  let ready = 0;
  for (let i = 0; i < SUBSCRIBERS; i++) {
    const got = new Map<string, number>();
    received.push(got);
    const client = createClient({ url: instances[i % 2].url.replace('http', 'ws'), webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${countyToken}` }, retryAttempts: 0, lazy: false });
    clients.push(client);
    await new Promise<void>((resolve) => {
      const off = client.on('connected', () => {
        off();
        resolve();
      });
    });
    client.subscribe(
      { query: `subscription { agreementFiled(regionCode: "341524") { cursor agreement { id } } }` },
      {
        next: (v) => {
          const id = (v.data as any)?.agreementFiled?.agreement?.id as string;
          const now = performance.now();
          const n = (got.get(id) ?? 0) + 1;
          got.set(id, n);
          if (n > 1) duplicates++;
          const sent = sentAt.get(id);
          if (sent !== undefined && n === 1) latencies.push(now - sent);
          const committed = committedAt.get(id);
          if (committed !== undefined && n === 1) commitLatencies.push(now - committed);
        },
        error: (e) => {
          disconnected++;
          const code = (e as { code?: number })?.code;
          closeCodes.set(String(code), (closeCodes.get(String(code)) ?? 0) + 1);
        },
        complete: () => undefined,
      },
    );
    ready++;
  }
  await new Promise((r) => setTimeout(r, 2000)); // every subscription registered

  process.stdout.write(`filing ${total} agreements at ${RATE}/s for ${SECONDS}s through alternating instances…\n`);
  const started = performance.now();
  const inflight: Array<Promise<void>> = [];
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const s = signed[i];
    sentAt.set(s.id, performance.now());
    inflight.push(
      gql(instances[i % 2].url, `mutation($i: AgreementTransitionInput!) { fileAgreement(input: $i) { agreement { id } userErrors { code } } }`, { i: { id: s.id, version: s.version } }).then((d) => {
        committedAt.set(s.id, performance.now());
        if (d.fileAgreement.userErrors.length) throw new Error(JSON.stringify(d.fileAgreement.userErrors));
      }),
    );
  }
  await Promise.all(inflight);
  await new Promise((r) => setTimeout(r, 5000)); // let the last events arrive

  let missing = 0;
  for (const got of received) for (const s of signed) if (!got.has(s.id)) missing++;
  latencies.sort((x, y) => x - y);
  commitLatencies.sort((x, y) => x - y);
  const f = (x: number) => x.toFixed(1);
  const summary = {
    subscribers: ready,
    instances: 2,
    filings: total,
    ratePerSecond: RATE,
    seconds: SECONDS,
    expectedDeliveries: ready * total,
    delivered: latencies.length,
    missing,
    duplicates,
    disconnectedSubscribers: disconnected,
    closeCodes: Object.fromEntries(closeCodes),
    latencyFromRequestMs: { p50: f(percentile(latencies, 50)), p95: f(percentile(latencies, 95)), p99: f(percentile(latencies, 99)), max: f(latencies[latencies.length - 1] ?? NaN) },
    latencyFromCommitResponseMs: { p50: f(percentile(commitLatencies, 50)), p99: f(percentile(commitLatencies, 99)) },
    machine: `${os.cpus()[0]?.model ?? 'cpu'} ×${os.cpus().length}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.platform()} ${os.release()}, node ${process.version}`,
    postgres: (await pg.query('SHOW server_version')).rows[0].server_version,
  };
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);

  await Promise.all(clients.map((c) => c.dispose()));
  await pg.end();
  for (const i of instances) i.child.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 1500));
  if (!opts.keep) await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
  await admin.end();
  process.exit(missing || duplicates ? 1 : 0);
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  for (const c of children) c.kill('SIGTERM');
  process.exit(1);
});
