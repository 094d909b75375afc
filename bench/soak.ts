/**
 * `npm run soak [-- --minutes N] [--workers N] [--out docs/reliability.md]`: a bounded soak test on loopback.
 * Starts its own PostgreSQL (initdb on a free port; never the shared server), two Zhuli processes on it,
 * mixed read/write load plus heartbeat subscriptions, restarts PostgreSQL halfway, then reports requests,
 * errors by kind, latency percentiles, memory over time and a consistency check (every acknowledged write
 * is in the database, none twice), and writes the results into docs/reliability.md.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import WebSocket from 'ws';
import { loadConfig } from '../src/config';
import { Role } from '../src/graphql/principal';
import { withCreditCheck } from '../src/modules/organizations/validators';
import { Authenticator } from '../src/server/auth';
import { startThrowawayPostgres, throwawayPostgresAvailable } from './throwaway-pg';

const ROOT = path.join(__dirname, '..', '..');

interface Instance {
  child: ChildProcess;
  url: string;
  logs: string[];
}

function startInstance(env: Record<string, string>): Promise<Instance> {
  const child = spawn(process.execPath, [path.join(ROOT, 'dist', 'src', 'main.js')], {
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', PORT: '0', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`instance did not start:\n${logs.join('')}`));
    }, 120_000);
    child.stdout?.on('data', (b: Buffer) => {
      const text = b.toString();
      logs.push(text);
      if (logs.length > 200) logs.shift();
      for (const line of text.split('\n')) {
        try {
          const e = JSON.parse(line) as { msg?: string; url?: string };
          if (e.msg?.startsWith('Zhuli is serving') && e.url) {
            clearTimeout(timer);
            resolve({ child, url: e.url, logs });
          }
        } catch {
          /* not JSON */
        }
      }
    });
    child.stderr?.on('data', (b: Buffer) => logs.push(b.toString()));
    child.on('exit', (code) => reject(new Error(`instance exited with ${code}:\n${logs.join('')}`)));
  });
}

function rssMb(pid: number | undefined): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : NaN;
  } catch {
    return NaN;
  }
}

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      minutes: { type: 'string', default: '10' },
      workers: { type: 'string', default: '8' },
      subscribers: { type: 'string', default: '4' },
      out: { type: 'string', default: path.join(ROOT, 'docs', 'reliability.md') },
    },
  });
  const minutes = Number(values.minutes);
  const workers = Number(values.workers);
  if (!(minutes > 0) || !(workers > 0)) throw new Error('--minutes and --workers must be positive numbers');
  if (!throwawayPostgresAvailable()) throw new Error('PostgreSQL 15 server binaries (initdb, pg_ctl) are needed; set ZHULI_PG_BIN');
  const durationMs = minutes * 60_000;
  const log = (msg: string) => process.stdout.write(`[soak ${new Date().toISOString()}] ${msg}\n`);

  const pg = await startThrowawayPostgres();
  log(`PostgreSQL on ${pg.url}`);
  const instances: Instance[] = [];
  const sockets = new Set<WebSocket>();
  try {
    const env = { DATABASE_URL: pg.url, ZHULI_RATE_LIMIT_PER_SECOND: '0', ZHULI_DB_POOL_SIZE: '10', ZHULI_STATEMENT_TIMEOUT_MS: '10000' };
    instances.push(await startInstance(env)); // migrates and loads the demo dataset
    instances.push(await startInstance(env));
    log(`Zhuli instances: ${instances.map((i) => i.url).join(', ')}`);
    const token = await new Authenticator(loadConfig({})).mint({ sub: 'soak', roles: [Role.PROVINCIAL_COORDINATOR], region: '340000' }, 24 * 3600);

    const latencies: number[] = [];
    const outcomes = new Map<string, number>();
    const count = (k: string) => outcomes.set(k, (outcomes.get(k) ?? 0) + 1);
    const acknowledged = new Map<string, string>(); // organization id → name
    let requests = 0;
    let writesAttempted = 0;
    let ticks = 0;
    let resubscribes = 0;
    const closeCodes = new Map<number, number>();
    const memory: Array<{ t: number; rss: number[] }> = [];
    const started = Date.now();
    const end = started + durationMs;
    let seq = 0;

    const post = async (inst: Instance, query: string, variables?: unknown, auth = false) => {
      const t0 = performance.now();
      requests++;
      try {
        const res = await fetch(inst.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(auth ? { authorization: `Bearer ${token}` } : {}) },
          body: JSON.stringify({ query, variables }),
          signal: AbortSignal.timeout(15_000),
        });
        const body = (await res.json()) as { data?: any; errors?: Array<{ extensions?: { code?: string } }> };
        latencies.push(performance.now() - t0);
        if (res.status >= 500) count(`http ${res.status} ${body.errors?.[0]?.extensions?.code ?? ''}`.trim());
        else if (body.errors?.length) count(`graphql ${body.errors[0].extensions?.code ?? 'UNKNOWN'}`);
        else count('ok');
        return body;
      } catch (err) {
        latencies.push(performance.now() - t0);
        count(`network ${(err as Error).name === 'TimeoutError' ? 'timeout' : ((err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message)}`);
        return null;
      }
    };

    const READS = [
      '{ regions(first: 20, filter: { parentCode: "341500" }) { totalCount nodes { code name parent { name } } } }',
      '{ region(code: "341524") { name povertyDesignation pairings { nodes { basis helper { name } } } } }',
      '{ organizations(first: 20) { totalCount nodes { name type region { name } } } }',
      '{ experts(first: 20) { nodes { name region { name } } } }',
    ];
    const CREATE = 'mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { organization { id name } userErrors { code message } } }';

    const worker = async (w: number) => {
      while (Date.now() < end) {
        const inst = instances[(w + seq++) % instances.length];
        if (Math.random() < 0.2) {
          // A write, retried with the same idempotency key until acknowledged (or the run ends).
          const n = ++writesAttempted;
          const name = `浸泡测试农技协${process.pid}-${n}`;
          const input = {
            name,
            type: 'RURAL_TECH_ASSOCIATION',
            regionCode: '341524',
            creditCode: withCreditCheck(`51341524MJ${String(n % 10_000_000).padStart(7, '0')}`),
            contactName: '汪德明',
            contactPhone: '13905641234',
            serviceCategories: ['PLANTING'],
            idempotencyKey: `soak-${process.pid}-${n}`,
          };
          for (let attempt = 0; attempt < 20 && Date.now() < end + 10_000; attempt++) {
            const target = instances[(w + attempt) % instances.length];
            const body = await post(target, CREATE, { i: input }, true);
            const r = body?.data?.createOrganization;
            if (r?.organization) {
              acknowledged.set(r.organization.id, name);
              break;
            }
            if (r?.userErrors?.length && r.userErrors[0].code !== 'INVALID_STATE') {
              count(`userError ${r.userErrors[0].code}`);
              break;
            }
            await new Promise((res) => setTimeout(res, 250 * (attempt + 1)));
          }
        } else {
          await post(inst, READS[Math.floor(Math.random() * READS.length)], undefined, true);
        }
      }
    };

    const subscriber = async (s: number) => {
      while (Date.now() < end) {
        const inst = instances[s % instances.length];
        await new Promise<void>((resolve) => {
          const ws = new WebSocket(inst.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
          sockets.add(ws);
          const stop = setTimeout(() => ws.close(1000), Math.max(0, end - Date.now()));
          ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: {} })));
          ws.on('message', (raw) => {
            const msg = JSON.parse(String(raw)) as { type: string };
            if (msg.type === 'connection_ack') ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: 'subscription { heartbeat(intervalSeconds: 1) { sequence } }' } }));
            if (msg.type === 'next') ticks++;
          });
          ws.on('error', () => undefined);
          ws.on('close', (code) => {
            clearTimeout(stop);
            sockets.delete(ws);
            closeCodes.set(code, (closeCodes.get(code) ?? 0) + 1);
            resolve();
          });
        });
        if (Date.now() < end) {
          resubscribes++;
          await new Promise((r) => setTimeout(r, 500));
        }
      }
    };

    const sampler = setInterval(() => {
      memory.push({ t: Math.round((Date.now() - started) / 1000), rss: instances.map((i) => rssMb(i.child.pid)) });
    }, 10_000);
    memory.push({ t: 0, rss: instances.map((i) => rssMb(i.child.pid)) });

    // PostgreSQL goes away halfway through (fast shutdown: connections are cut), and comes back 5 s later.
    let restart: { stoppedAt: number; startedAt: number; readyAgainMs?: number } | undefined;
    const restarter = (async () => {
      await new Promise((r) => setTimeout(r, durationMs / 2));
      log('stopping PostgreSQL');
      const stoppedAt = Date.now();
      pg.stop();
      await new Promise((r) => setTimeout(r, 5000));
      pg.start();
      restart = { stoppedAt: stoppedAt - started, startedAt: Date.now() - started };
      log('PostgreSQL started again');
      const t0 = Date.now();
      while (Date.now() - t0 < 60_000) {
        const codes = await Promise.all(instances.map((i) => fetch(new URL('/readyz', i.url)).then((r) => r.status, () => 0)));
        if (codes.every((c) => c === 200)) {
          restart.readyAgainMs = Date.now() - t0;
          break;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      log(`instances ready again after ${restart.readyAgainMs ?? '>60000'} ms`);
    })();

    const progress = setInterval(() => log(`${requests} requests, ${acknowledged.size} writes acknowledged, ${ticks} heartbeat ticks`), 30_000);
    await Promise.all([...Array.from({ length: workers }, (_, w) => worker(w)), ...Array.from({ length: Number(values.subscribers) }, (_, s) => subscriber(s)), restarter]);
    clearInterval(sampler);
    clearInterval(progress);
    memory.push({ t: Math.round((Date.now() - started) / 1000), rss: instances.map((i) => rssMb(i.child.pid)) });

    // Consistency: every acknowledged write is in the database, exactly once.
    const c = new Client({ connectionString: pg.url });
    await c.connect();
    const ids = [...acknowledged.keys()].map((id) => Buffer.from(id, 'base64url').toString('utf8').split(':')[1]);
    const { rows } = await c.query<{ id: string; name: string }>('SELECT id::text, name FROM organization WHERE id = ANY($1::uuid[])', [ids]);
    const { rows: dupes } = await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM (SELECT name FROM organization WHERE name LIKE $1 GROUP BY name HAVING count(*) > 1) d`, [`浸泡测试农技协${process.pid}-%`]);
    const { rows: all } = await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM organization WHERE name LIKE $1`, [`浸泡测试农技协${process.pid}-%`]);
    await c.end();
    const missing = ids.length - rows.length;

    const sorted = [...latencies].sort((a, b) => a - b);
    const elapsed = (Date.now() - started) / 1000;
    const byKind = [...outcomes].sort((a, b) => b[1] - a[1]);
    const result = {
      date: new Date().toISOString(),
      machine: `${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} CPUs, ${Math.round(os.totalmem() / 2 ** 30)} GB RAM, ${os.type()} ${os.release()}, Node ${process.version}`,
      command: `npm run soak -- --minutes ${minutes} --workers ${workers} --subscribers ${values.subscribers}`,
      elapsedSeconds: Math.round(elapsed),
      requests,
      throughput: Math.round(requests / elapsed),
      outcomes: byKind,
      latencyMs: { p50: percentile(sorted, 50), p90: percentile(sorted, 90), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] },
      writes: { attempted: writesAttempted, acknowledged: acknowledged.size, missing, duplicates: dupes[0].n, rowsWithSoakNames: all[0].n },
      subscriptions: { ticks, resubscribes, closeCodes: [...closeCodes] },
      restart,
      memory,
    };
    log(JSON.stringify(result, null, 1));
    writeReport(values.out as string, result);
    log(`results written to ${values.out}`);
    if (missing > 0 || dupes[0].n > 0) process.exitCode = 1;
  } finally {
    for (const s of sockets) s.terminate();
    for (const i of instances) i.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 2000));
    pg.destroy();
  }
}

type Result = {
  date: string;
  machine: string;
  command: string;
  elapsedSeconds: number;
  requests: number;
  throughput: number;
  outcomes: Array<[string, number]>;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  writes: { attempted: number; acknowledged: number; missing: number; duplicates: number; rowsWithSoakNames: number };
  subscriptions: { ticks: number; resubscribes: number; closeCodes: Array<[number, number]> };
  restart?: { stoppedAt: number; startedAt: number; readyAgainMs?: number };
  memory: Array<{ t: number; rss: number[] }>;
};

/** Replaces the "Latest soak run" section of docs/reliability.md (or appends it). */
function writeReport(file: string, r: Result): void {
  const f = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : 'n/a');
  const mem = r.memory.filter((_, i, a) => i === 0 || i === a.length - 1 || i % Math.max(1, Math.floor(a.length / 10)) === 0);
  const section = [
    '## Latest soak run',
    '',
    `- Date: ${r.date}`,
    `- Machine: ${r.machine}`,
    `- Command: \`${r.command}\``,
    `- Duration: ${r.elapsedSeconds} s; two Zhuli instances on one throwaway PostgreSQL 15; PostgreSQL stopped (fast) at ${Math.round((r.restart?.stoppedAt ?? 0) / 1000)} s and started again 5 s later; both instances ready again ${r.restart?.readyAgainMs ?? 'n/a'} ms after it was back.`,
    '',
    '| Measure | Value |',
    '|---|---|',
    `| Requests served | ${r.requests} (${r.throughput}/s) |`,
    `| Latency p50 / p90 / p99 / max | ${f(r.latencyMs.p50)} / ${f(r.latencyMs.p90)} / ${f(r.latencyMs.p99)} / ${f(r.latencyMs.max)} ms |`,
    `| Writes attempted / acknowledged | ${r.writes.attempted} / ${r.writes.acknowledged} |`,
    `| Acknowledged writes missing from the database | ${r.writes.missing} |`,
    `| Writes stored twice (same name) | ${r.writes.duplicates} (rows with soak names: ${r.writes.rowsWithSoakNames}) |`,
    `| Heartbeat ticks received / resubscriptions | ${r.subscriptions.ticks} / ${r.subscriptions.resubscribes} |`,
    `| WebSocket close codes | ${r.subscriptions.closeCodes.map(([c, n]) => `${c}×${n}`).join(', ') || 'none'} |`,
    '',
    'Outcomes by kind (a write retried after a failure counts once per attempt):',
    '',
    '| Outcome | Count |',
    '|---|---|',
    ...r.outcomes.map(([k, n]) => `| ${k} | ${n} |`),
    '',
    'Memory (RSS in MB of instance 1 / instance 2) over time:',
    '',
    '| t (s) | RSS |',
    '|---|---|',
    ...mem.map((m) => `| ${m.t} | ${m.rss.join(' / ')} |`),
    '',
  ].join('\n');
  const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '# Reliability\n';
  const start = current.indexOf('## Latest soak run');
  let next = start >= 0 ? current.indexOf('\n## ', start + 5) : -1;
  if (next < 0) next = current.length;
  const updated = start >= 0 ? `${current.slice(0, start)}${section}${current.slice(next)}` : `${current.trimEnd()}\n\n${section}`;
  fs.writeFileSync(file, updated);
}

main().catch((err) => {
  process.stderr.write(`soak failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
