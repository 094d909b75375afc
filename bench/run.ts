import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { createClient } from 'graphql-ws';
import { Client } from 'pg';
import WebSocket from 'ws';
import { loadConfig } from '../src/config';
import { toGlobalId } from '../src/graphql/node';
import { Role } from '../src/graphql/principal';
import { Authenticator } from '../src/server/auth';
import { agreementContent, SIGNATORIES } from './agreement-content';
import { generate, verify, type GenerateReport, type Size } from './generate';
import { applyPostGraphileSetup, compareResults, POSTGRAPHILE_AGREEMENTS, POSTGRAPHILE_DIR, startPeer, type RunningPeer } from './peers';
import { MATCH_CANDIDATES, PROVINCE_STATISTICS, PROVINCIAL_AGREEMENTS } from './queries';
import { databaseExists, percentile, ROOT, rssMb, startServer } from './support';

/**
 * `npm run bench` (issue 8): one command that builds the dataset on the real PostgreSQL at 127.0.0.1, starts Zhuli,
 * PostGraphile v4 (bench/postgraphile, its own node_modules) and the raw-SQL floor (bench/raw-server.ts) on loopback
 * ports, checks that the three answer the nested agreements query identically, then loads each with autocannon at
 * 1, 16 and 64 connections (warm-up, BENCH_REPEATS runs each, interleaved, median and spread), measures the province
 * statistics, matchCandidates and a filing mutation with its notification, counts SQL statements per request and
 * samples the server's RSS, prints the table and writes it to docs/benchmarks.md (between the bench:run markers)
 * and bench/results/bench-<date>.json.
 *
 * Environment: BENCH_SIZE (province | county | national-slice; province), BENCH_DATABASE_URL
 * (postgres://postgres@127.0.0.1:5432/zhuli_bench, dropped and rebuilt unless BENCH_REUSE=1 and it exists),
 * BENCH_SEED (20180101), BENCH_DURATION (seconds per run, 10), BENCH_WARMUP (seconds, 3), BENCH_REPEATS (3),
 * BENCH_CONNECTIONS (1,16,64), BENCH_DOCS=0 to leave docs/benchmarks.md alone.
 */
const env = (name: string, dflt: string) => process.env[name] ?? dflt;
const SIZE = env('BENCH_SIZE', 'province') as Size;
const DB_URL = env('BENCH_DATABASE_URL', 'postgres://postgres@127.0.0.1:5432/zhuli_bench');
const REUSE = process.env.BENCH_REUSE === '1';
const SEED = Number(env('BENCH_SEED', '20180101'));
const DURATION = Number(env('BENCH_DURATION', '10'));
const WARMUP = Number(env('BENCH_WARMUP', '3'));
const REPEATS = Number(env('BENCH_REPEATS', '3'));
const CONNECTIONS = env('BENCH_CONNECTIONS', '1,16,64').split(',').map(Number);
const POOL = '10';
const PORTS = { zhuli: 4311, postgraphile: 4312, raw: 4313 };

const started = Date.now();
const log = (msg: string) => process.stderr.write(`[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${msg}\n`);
const round = (x: number, d = 1) => +x.toFixed(d);
const median = (xs: number[]) => percentile([...xs].sort((a, b) => a - b), 50);

type Peer = 'zhuli' | 'postgraphile' | 'raw';
interface Target {
  peer: Peer;
  url: string;
  pid: number;
  body: string;
  headers: Record<string, string>;
}

async function post(url: string, headers: Record<string, string>, body: string): Promise<any> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const text = await res.text();
  if (!res.ok) throw new Error(`${url} answered ${res.status}: ${text.slice(0, 500)}`);
  const json = JSON.parse(text);
  if (json.errors) throw new Error(`${url} answered errors: ${JSON.stringify(json.errors).slice(0, 1000)}`);
  return json;
}

/** One autocannon run; RSS of the server sampled every 200 ms. */
async function load(t: Target, connections: number, seconds: number) {
  let maxRss = 0;
  const sampler = setInterval(() => (maxRss = Math.max(maxRss, rssMb(t.pid))), 200);
  try {
    // A 60 s request timeout: at 64 clients a slow peer queues for seconds; a timeout is counted, not hidden.
    const r = await autocannon({ url: t.url, method: 'POST', connections, duration: seconds, timeout: 60, headers: { 'content-type': 'application/json', ...t.headers }, body: t.body });
    if (r.non2xx) throw new Error(`${t.peer} at ${connections} connections: ${r.non2xx} non-2xx answers`);
    return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, requests: r.requests.total, errors: r.errors, timeouts: r.timeouts, maxRssMb: round(maxRss) };
  } finally {
    clearInterval(sampler);
  }
}

/** Latencies of `n` sequential requests (after 10 warm-up requests), with the statement count of the last. */
async function sequential(url: string, headers: Record<string, string>, bodies: string[], n: number) {
  for (let i = 0; i < 10; i++) await post(url, headers, bodies[i % bodies.length]);
  const times: number[] = [];
  let last: any;
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    last = await post(url, headers, bodies[i % bodies.length]);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  return { runs: n, p50: round(percentile(times, 50)), p95: round(percentile(times, 95)), p99: round(percentile(times, 99)), max: round(times[times.length - 1]), sqlStatements: last?.extensions?.sqlStatements, cost: last?.extensions?.cost };
}

/** Filing mutations with their notification: subscriber on the county, `n` agreements drafted and signed, then filed one at a time. */
async function filings(zhuliUrl: string, db: Client, auth: Authenticator, n: number) {
  const [{ county }] = (await db.query(`SELECT left(p."regionCode", 6) AS county FROM poor_village p JOIN organization o ON o."regionCode" LIKE left(p."regionCode", 6) || '%' AND o.status = 'ACTIVE'
                                         WHERE p."regionCode" LIKE '34%' GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1`)).rows;
  const [{ id: orgKey }] = (await db.query(`SELECT id FROM organization WHERE "regionCode" LIKE $1 AND status = 'ACTIVE' ORDER BY name, id LIMIT 1`, [`${county}%`])).rows;
  const [{ regionCode: village }] = (await db.query(`SELECT "regionCode" FROM poor_village WHERE "regionCode" LIKE $1 ORDER BY 1 LIMIT 1`, [`${county}%`])).rows;
  const filer = { authorization: `Bearer ${await auth.mint({ sub: 'bench-filer', roles: [Role.COUNTY_COORDINATOR], region: county, name: '基准测试县科协' }, 7200)}` };
  const watcher = await auth.mint({ sub: 'bench-watcher', roles: [Role.COUNTY_COORDINATOR], region: county }, 7200);
  const A = 'agreement { id version status } userErrors { code message field }';
  const ids: { id: string; version: number }[] = [];
  for (let i = 0; i < n; i++) {
    const c = await post(zhuliUrl, filer, JSON.stringify({ query: `mutation($i: CreateAgreementInput!) { createAgreement(input: $i) { ${A} } }`, variables: { i: agreementContent(county, orgKey, village, `基准测试帮扶协议 ${i + 1}`) } }));
    const created = c.data.createAgreement;
    if (created.userErrors.length) throw new Error(`createAgreement: ${JSON.stringify(created.userErrors)}`);
    const s = await post(zhuliUrl, filer, JSON.stringify({ query: `mutation($i: SignAgreementInput!) { signAgreement(input: $i) { ${A} } }`, variables: { i: { id: created.agreement.id, version: created.agreement.version, signingDate: '2018-02-28', signatories: SIGNATORIES } } }));
    if (s.data.signAgreement.userErrors.length) throw new Error(`signAgreement: ${JSON.stringify(s.data.signAgreement.userErrors)}`);
    ids.push(s.data.signAgreement.agreement);
  }
  const received = new Map<string, number>();
  const ws = createClient({ url: zhuliUrl.replace(/^http/, 'ws'), webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${watcher}` }, retryAttempts: 0 });
  let subscribed!: () => void;
  const ready = new Promise<void>((r) => (subscribed = r));
  const unsubscribe = ws.subscribe(
    { query: `subscription($r: String!) { filingEvents(regionCode: $r, types: [FILED]) { cursor type agreement { id status } } }`, variables: { r: county } },
    { next: (m: any) => m.data && received.set(m.data.filingEvents.agreement.id, performance.now()), error: (e) => log(`subscription error ${JSON.stringify(e)}`), complete: () => undefined },
  );
  ws.on('connected', () => setTimeout(subscribed, 300));
  await ready;
  const mutation: number[] = [];
  const delivery: number[] = [];
  let statements: number | undefined;
  for (const a of ids) {
    const t0 = performance.now();
    const f = await post(zhuliUrl, filer, JSON.stringify({ query: `mutation($i: AgreementTransitionInput!) { fileAgreement(input: $i) { ${A} } }`, variables: { i: { id: a.id, version: a.version, note: '基准测试报备案' } } }));
    const t1 = performance.now();
    if (f.data.fileAgreement.userErrors.length) throw new Error(`fileAgreement: ${JSON.stringify(f.data.fileAgreement.userErrors)}`);
    statements = f.extensions?.sqlStatements;
    mutation.push(t1 - t0);
    for (let w = 0; w < 500 && !received.has(a.id); w++) await new Promise((r) => setTimeout(r, 2));
    if (!received.has(a.id)) throw new Error(`no notification for ${a.id} within a second`);
    delivery.push(received.get(a.id)! - t1);
  }
  unsubscribe();
  await ws.dispose();
  const sum = (xs: number[]) => {
    const s = [...xs].sort((x, y) => x - y);
    return { p50: round(percentile(s, 50)), p95: round(percentile(s, 95)), max: round(s[s.length - 1]) };
  };
  return { county, filings: n, mutationMs: sum(mutation), notificationAfterAnswerMs: sum(delivery), mutationPlusNotificationMs: sum(mutation.map((m, i) => m + delivery[i])), sqlStatements: statements };
}

function machine() {
  const cpu = os.cpus()[0]?.model ?? 'unknown';
  return { cpus: os.cpus().length, cpu, memoryGiB: round(os.totalmem() / 2 ** 30), node: process.version, platform: `${os.type()} ${os.release()}` };
}

async function ensurePostgres(): Promise<void> {
  try {
    execFileSync('pg_isready', ['-h', '127.0.0.1', '-p', '5432', '-q']);
  } catch {
    log('PostgreSQL at 127.0.0.1:5432 is not ready; starting the cluster');
    const version = fs.readdirSync('/etc/postgresql')[0];
    execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'start'], { stdio: 'inherit' });
    for (let i = 0; i < 30; i++) {
      try {
        execFileSync('pg_isready', ['-h', '127.0.0.1', '-p', '5432', '-q']);
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
    throw new Error('PostgreSQL did not start');
  }
}

async function main(): Promise<void> {
  await ensurePostgres();
  const results: Record<string, any> = { date: new Date().toISOString(), machine: machine(), size: SIZE, seed: SEED, settings: { durationS: DURATION, warmupS: WARMUP, repeats: REPEATS, connections: CONNECTIONS, poolSize: Number(POOL) } };
  results.machine.loadAverageAtStart = os.loadavg().map((l) => round(l, 2));

  // 1. The dataset.
  if (REUSE && (await databaseExists(DB_URL))) {
    log(`BENCH_REUSE=1: measuring the existing ${DB_URL}`);
    results.dataset = { reused: true };
  } else {
    log(`generating the ${SIZE} dataset into ${DB_URL}`);
    const report: GenerateReport = await generate(DB_URL, SIZE, { seed: SEED, log });
    results.dataset = report;
    results.verify = await verify(DB_URL, { log, port: String(PORTS.zhuli + 10) });
  }
  const db = new Client({ connectionString: DB_URL });
  await db.connect();
  results.machine.postgres = (await db.query('SHOW server_version')).rows[0].server_version;

  // 2. The peers.
  if (!fs.existsSync(path.join(POSTGRAPHILE_DIR, 'node_modules', 'postgraphile'))) {
    log('installing PostGraphile v4 into bench/postgraphile/node_modules');
    execFileSync('npm', ['ci', '--prefix', POSTGRAPHILE_DIR, '--no-audit', '--no-fund'], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  await applyPostGraphileSetup(DB_URL);
  const auth = new Authenticator(loadConfig({}));
  const token = await auth.mint({ sub: 'bench-province', roles: [Role.PROVINCIAL_COORDINATOR], region: '340000' }, 7200);
  // Rate limit off for the measurement; the cost ceiling raised so the statement count can be read at first: 100
  // (cost 6,801 — the measured pages of 50 cost 3,401, inside the default 5,000).
  const zhuliEnv = { DATABASE_URL: DB_URL, HOST: '127.0.0.1', LOG_LEVEL: 'warn', ZHULI_RATE_LIMIT_PER_SECOND: '0', ZHULI_DB_POOL_SIZE: POOL, NODE_ENV: 'production', ZHULI_MAX_QUERY_COST: '10000' };
  const zhuli = await startServer(zhuliEnv, String(PORTS.zhuli));
  const peers: RunningPeer[] = [];
  try {
    const postgraphile = await startPeer('postgraphile', DB_URL, PORTS.postgraphile, { POOL_SIZE: POOL });
    peers.push(postgraphile);
    const raw = await startPeer('raw', DB_URL, PORTS.raw, { POOL_SIZE: POOL, SCOPE_REGION: '340000' });
    peers.push(raw);
    const pgUrl = postgraphile.url;
    const rawUrl = raw.url;

    // 3. The city with the most registered agreements, and the three answers compared.
    const [{ city, n }] = (await db.query(`SELECT left("regionCode", 4) || '00' AS city, count(*)::int AS n FROM agreement WHERE status IN ('REGISTERED', 'IN_PROGRESS') AND "regionCode" LIKE '34%' GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1`)).rows;
    results.city = { code: city, registeredAgreements: n };
    log(`nested query: 50 registered agreements of ${city} (${n} in all)`);
    const headers = { authorization: `Bearer ${token}` };
    const zhuliBody = (first: number) => JSON.stringify({ query: PROVINCIAL_AGREEMENTS, variables: { within: city, first } });
    const pgBody = (first: number) => JSON.stringify({ query: POSTGRAPHILE_AGREEMENTS, variables: { within: city, first } });
    for (const first of [1, 50, 100]) {
      const [a, b, c] = await Promise.all([post(zhuli.url, headers, zhuliBody(first)), post(pgUrl, {}, pgBody(first)), post(rawUrl, {}, zhuliBody(first))]);
      const counts = compareResults(a, b, c);
      if (first === 50) results.page = counts;
    }
    log('Zhuli, PostGraphile and the raw SQL return the same agreements with the same nested data');

    // 4. SQL statements per request: Zhuli reports them in extensions; the peers count their own (GET /stats).
    const statementsOf = async (peer: Peer, first: number) => {
      if (peer === 'zhuli') return (await post(zhuli.url, headers, zhuliBody(first))).extensions.sqlStatements as number;
      const base = `http://127.0.0.1:${peer === 'raw' ? PORTS.raw : PORTS.postgraphile}`;
      const count = async () => ((await (await fetch(`${base}/stats`)).json()) as { statements: number }).statements;
      const before = await count();
      await post(`${base}/graphql`, {}, peer === 'raw' ? zhuliBody(first) : pgBody(first));
      return (await count()) - before;
    };
    results.statements = {};
    for (const peer of ['zhuli', 'postgraphile', 'raw'] as Peer[]) results.statements[peer] = { first1: await statementsOf(peer, 1), first50: await statementsOf(peer, 50), first100: await statementsOf(peer, 100) };
    log(`statements per request: ${JSON.stringify(results.statements)}`);

    // 5. Throughput and latency under load, interleaved so drift hits every peer alike.
    const targets: Target[] = [
      { peer: 'zhuli', url: zhuli.url, pid: zhuli.child.pid!, body: zhuliBody(50), headers },
      { peer: 'postgraphile', url: pgUrl, pid: postgraphile.child.pid!, body: pgBody(50), headers: {} },
      { peer: 'raw', url: rawUrl, pid: raw.child.pid!, body: zhuliBody(50), headers: {} },
    ];
    const runs: Record<string, Record<number, Awaited<ReturnType<typeof load>>[]>> = { zhuli: {}, postgraphile: {}, raw: {} };
    for (const c of CONNECTIONS) {
      for (const t of targets) await load(t, c, WARMUP);
      for (let r = 0; r < REPEATS; r++) {
        for (const t of targets) {
          const m = await load(t, c, DURATION);
          (runs[t.peer][c] ??= []).push(m);
          log(`${t.peer.padEnd(12)} ${String(c).padStart(2)} conn, run ${r + 1}: ${round(m.rps)} req/s, p50 ${m.p50} ms, p99 ${m.p99} ms, ${m.errors} errors, RSS ≤ ${m.maxRssMb} MB`);
        }
      }
    }
    results.nested = {};
    for (const peer of Object.keys(runs)) {
      results.nested[peer] = {};
      for (const c of CONNECTIONS) {
        const rs = runs[peer][c];
        const rps = rs.map((m) => m.rps);
        results.nested[peer][c] = {
          rps: round(median(rps)),
          rpsRange: [round(Math.min(...rps)), round(Math.max(...rps))],
          p50: median(rs.map((m) => m.p50)),
          p99: median(rs.map((m) => m.p99)),
          p99Range: [Math.min(...rs.map((m) => m.p99)), Math.max(...rs.map((m) => m.p99))],
          maxRssMb: Math.max(...rs.map((m) => m.maxRssMb)),
          errors: rs.reduce((n, m) => n + m.errors, 0),
          runs: rs,
        };
      }
    }

    // 6. Province statistics and matchCandidates (one client, sequential), then a filing with its notification.
    const analyst = { authorization: `Bearer ${await auth.mint({ sub: 'bench-analyst', roles: [Role.ANALYST], region: '340000' }, 7200)}` };
    results.statistics = await sequential(zhuli.url, analyst, [JSON.stringify({ query: PROVINCE_STATISTICS, variables: { regionCode: '340000', year: 2018 } })], 100);
    log(`statistics 340000: ${JSON.stringify(results.statistics)}`);
    const needs = (await db.query(`SELECT id FROM need WHERE status = 'OPEN' AND "villageCode" LIKE '34%' ORDER BY md5(id::text) LIMIT 200`)).rows.map((r: { id: string }) => r.id);
    results.matchCandidates = await sequential(zhuli.url, headers, needs.map((id: string) => JSON.stringify({ query: MATCH_CANDIDATES, variables: { needId: toGlobalId('Need', id) } })), 200);
    log(`matchCandidates: ${JSON.stringify(results.matchCandidates)}`);
    results.filing = await filings(zhuli.url, db, auth, 50);
    log(`filing: ${JSON.stringify(results.filing)}`);
    results.zhuliRssAfterMb = round(rssMb(zhuli.child.pid!));
  } finally {
    zhuli.child.kill('SIGTERM');
    await Promise.all(peers.map((p) => p.stop()));
    await db.end();
  }
  results.machine.loadAverageAtEnd = os.loadavg().map((l) => round(l, 2));
  results.totalSeconds = Math.round((Date.now() - started) / 1000);

  const outDir = path.join(ROOT, 'bench', 'results');
  fs.mkdirSync(outDir, { recursive: true });
  const outFile = path.join(outDir, `bench-${SIZE}-${results.date.slice(0, 10)}.json`);
  fs.writeFileSync(outFile, `${JSON.stringify(results, null, 2)}\n`);
  const table = report(results);
  process.stdout.write(`${table}\n`);
  if (process.env.BENCH_DOCS !== '0') writeDocs(table);
  log(`results in ${path.relative(ROOT, outFile)}; ${results.totalSeconds} s in all`);
}

/** The markdown table of one run (what `npm run bench` prints and writes to docs/benchmarks.md). */
export function report(r: Record<string, any>): string {
  const n = r.nested;
  const lines: string[] = [];
  lines.push(`Run of ${r.date.slice(0, 16).replace('T', ' ')} UTC, \`BENCH_SIZE=${r.size}\`, ${r.machine.cpus} × ${r.machine.cpu}, ${r.machine.memoryGiB} GiB, PostgreSQL ${r.machine.postgres}, Node ${r.machine.node}; load average ${r.machine.loadAverageAtStart.join(' / ')} at the start, ${r.machine.loadAverageAtEnd.join(' / ')} at the end; ${r.totalSeconds} s in all. Each figure is the median of ${r.settings.repeats} runs of ${r.settings.durationS} s (after a ${r.settings.warmupS} s warm-up), range in brackets.`);
  lines.push('');
  lines.push(`**Nested list query** (50 registered agreements of ${r.city.code} with organization, experts, villages → township → county, latest evaluation, filing history):`);
  lines.push('');
  lines.push('| clients | Zhuli req/s | PostGraphile req/s | raw SQL req/s | Zhuli ÷ PostGraphile | Zhuli p50 / p99 ms | PostGraphile p50 / p99 ms | raw p50 / p99 ms | Zhuli p50 ÷ raw p50 | Zhuli RSS max MB |');
  lines.push('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const c of r.settings.connections) {
    const z = n.zhuli[c];
    const p = n.postgraphile[c];
    const w = n.raw[c];
    const errs = z.errors + p.errors + w.errors ? ` (errors: Zhuli ${z.errors}, PostGraphile ${p.errors}, raw ${w.errors})` : '';
    lines.push(`| ${c} | ${z.rps} [${z.rpsRange.join('–')}] | ${p.rps} [${p.rpsRange.join('–')}] | ${w.rps} [${w.rpsRange.join('–')}] | **${(z.rps / p.rps).toFixed(2)}** | ${z.p50} / ${z.p99} | ${p.p50} / ${p.p99} | ${w.p50} / ${w.p99} | **${(z.p50 / Math.max(w.p50, 1)).toFixed(2)}** | ${z.maxRssMb}${errs} |`);
  }
  lines.push('');
  lines.push('**SQL statements per request** (first: 1 / 50 / 100):');
  lines.push('');
  lines.push('| peer | first 1 | first 50 | first 100 |');
  lines.push('| --- | ---: | ---: | ---: |');
  for (const peer of ['zhuli', 'postgraphile', 'raw']) lines.push(`| ${peer} | ${r.statements[peer].first1} | ${r.statements[peer].first50} | ${r.statements[peer].first100} |`);
  lines.push('');
  lines.push('**Other queries** (Zhuli, one client, sequential):');
  lines.push('');
  lines.push('| query | runs | p50 ms | p95 ms | p99 ms | max ms | SQL statements |');
  lines.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  lines.push(`| province statistics 340000, 2018 (breakdown by city) | ${r.statistics.runs} | ${r.statistics.p50} | **${r.statistics.p95}** | ${r.statistics.p99} | ${r.statistics.max} | ${r.statistics.sqlStatements} |`);
  lines.push(`| matchCandidates(first: 10), distinct OPEN needs | ${r.matchCandidates.runs} | ${r.matchCandidates.p50} | **${r.matchCandidates.p95}** | ${r.matchCandidates.p99} | ${r.matchCandidates.max} | ${r.matchCandidates.sqlStatements} |`);
  const f = r.filing;
  lines.push(`| fileAgreement (answer) in ${f.county} | ${f.filings} | ${f.mutationMs.p50} | ${f.mutationMs.p95} | — | ${f.mutationMs.max} | ${f.sqlStatements} |`);
  lines.push(`| … its filingEvents notification, after the answer | ${f.filings} | ${f.notificationAfterAnswerMs.p50} | ${f.notificationAfterAnswerMs.p95} | — | ${f.notificationAfterAnswerMs.max} | — |`);
  lines.push(`| … mutation + notification | ${f.filings} | ${f.mutationPlusNotificationMs.p50} | ${f.mutationPlusNotificationMs.p95} | — | ${f.mutationPlusNotificationMs.max} | — |`);
  return lines.join('\n');
}

/** Replaces the text between the bench:run markers of docs/benchmarks.md with the newest table. */
function writeDocs(table: string): void {
  const file = path.join(ROOT, 'docs', 'benchmarks.md');
  const doc = fs.readFileSync(file, 'utf8');
  const start = '<!-- bench:run:start -->';
  const end = '<!-- bench:run:end -->';
  const block = `${start}\n${table}\n${end}`;
  const next = doc.includes(start) ? doc.replace(new RegExp(`${start}[\\s\\S]*?${end}`), block) : `${doc.trimEnd()}\n\n## Issue 8 — \`npm run bench\` (latest run)\n\n${block}\n`;
  fs.writeFileSync(file, next);
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
