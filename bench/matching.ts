import 'reflect-metadata';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { Client } from 'pg';
import { gql, percentile, recreate, ROOT, startServer, writeResults } from './support';
import { loadConfig } from '../src/config';
import { openDatabase } from '../src/db/data-source';
import { seedDemoIfEmpty } from '../src/db/seed-demo';
import { Role } from '../src/graphql/principal';
import { upsertHouseholds } from '../src/modules/beneficiaries/beneficiary.service';
import { generateHouseholds, prng } from '../src/modules/beneficiaries/household.generator';
import { HOUSEHOLDS } from '../src/cli/import';
import { needMatchKeys, rankingSql } from '../src/modules/matching/matching.service';
import { entities } from '../src/modules/registry';
import { Authenticator } from '../src/server/auth';
import { createLogger } from '../src/server/logger';

/**
 * Issue 4 benchmark (`npm run bench:matching`): builds a deterministic province-scale dataset (Anhui) in its own
 * PostgreSQL database, measures the bulk load rate, the importHouseholds rate through the real CLI → HTTP →
 * mutation path, and matchCandidates latency over HTTP against a running server. Sizes via environment:
 * BENCH_HOUSEHOLDS (1,000,000), BENCH_IMPORT (100,000), BENCH_NEEDS (50,000), BENCH_OFFERINGS (100,000),
 * BENCH_QUERIES (200). BENCH_DATABASE_URL (postgres://postgres@127.0.0.1:5432/zhuli_bench) is dropped and recreated.
 */
const N = (name: string, dflt: number) => Number(process.env[name] ?? dflt);
const SIZES = { households: N('BENCH_HOUSEHOLDS', 1_000_000), imported: N('BENCH_IMPORT', 100_000), needs: N('BENCH_NEEDS', 50_000), offerings: N('BENCH_OFFERINGS', 100_000), queries: N('BENCH_QUERIES', 200) };
const URL_ = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/zhuli_bench';
const SEED = 20170601;

const log = (msg: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
const rate = (rows: number, ms: number) => Math.round((rows * 1000) / ms);
async function main(): Promise<void> {
  const results: Record<string, unknown> = { date: new Date().toISOString(), sizes: SIZES };
  results.machine = {
    nproc: os.cpus().length,
    cpu: os.cpus()[0]?.model,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
  };
  log(`dataset ${JSON.stringify(SIZES)} in ${URL_}`);
  await recreate(URL_);
  const logger = createLogger('warn');
  const db = await openDatabase({ ...loadConfig({}), databaseUrl: URL_, dbPoolSize: 4 }, logger, entities);
  const ds = db.dataSource;
  const [{ version }] = await ds.query('SHOW server_version');
  (results.machine as Record<string, unknown>).postgres = version;
  try {
    let t = Date.now();
    await seedDemoIfEmpty(ds, logger);
    log(`migrations + demo dataset (regions of Anhui and Shaanxi, demo villages, households, needs, offerings): ${Date.now() - t} ms`);

    // 1. Households: deterministic, spread over every village of Anhui, multi-row upserts of 5,000 rows (unnest).
    const villages: string[] = (await ds.query(`SELECT code FROM region WHERE level = 'VILLAGE' AND code LIKE '34%' ORDER BY code`)).map((r: { code: string }) => r.code);
    t = Date.now();
    let genMs = 0;
    const CHUNK = 10000;
    for (let k = 0; k < SIZES.households; k += CHUNK) {
      const g = Date.now();
      const rows = generateHouseholds(villages, Math.min(CHUNK, SIZES.households - k), SEED, k);
      genMs += Date.now() - g;
      await upsertHouseholds(ds, rows);
      if ((k / CHUNK) % 40 === 0) log(`households ${k.toLocaleString('en')}…`);
    }
    const loadMs = Date.now() - t;
    results.householdLoad = { rows: SIZES.households, ms: loadMs, generateMs: genMs, rowsPerSecond: rate(SIZES.households, loadMs), statement: 'INSERT … SELECT FROM unnest(11 arrays) ON CONFLICT (registryNumber) DO UPDATE … WHERE changed, 10,000 rows per statement' };
    log(`households: ${SIZES.households.toLocaleString('en')} in ${loadMs} ms (${rate(SIZES.households, loadMs)} rows/s, generation ${genMs} ms)`);

    // 2. Providers and offerings: 20,000 experts across Anhui's counties, 100,000 offerings, generated in SQL (deterministic hashes).
    t = Date.now();
    await ds.query(
      `INSERT INTO expert (name, "regionCode", specialties, "serviceRegionCodes", "contactPhone", "rosterStatus")
       SELECT '专家' || i, c.code, ARRAY[(enum_range(NULL::service_category))[1 + abs(hashtext('s' || i)) % 11]], ARRAY[c.code], '139' || lpad(i::text, 8, '0'), 'REGISTERED'
         FROM generate_series(1, 20000) i
         JOIN LATERAL (SELECT code FROM region WHERE level = 'COUNTY' AND code LIKE '34%' ORDER BY code OFFSET abs(hashtext('c' || i)) % (SELECT count(*) FROM region WHERE level = 'COUNTY' AND code LIKE '34%') LIMIT 1) c ON true`,
    );
    await ds.query(
      `WITH e AS (SELECT id, "regionCode", row_number() OVER (ORDER BY "contactPhone") AS rn FROM expert WHERE name LIKE '专家%')
       INSERT INTO service_offering ("expertId", "providerRegionCode", title, categories, modes, "regionCodes", "servedPrefixes", "matchKeys", capacity, "activeFrom", "activeTo", status)
       SELECT e.id, e."regionCode", '科技服务' || i, cats.c,
              ARRAY[(enum_range(NULL::service_mode))[1 + abs(hashtext('m' || i)) % 8]],
              ARRAY[s.code], ARRAY[s.prefix], ARRAY(SELECT x::text || ':' || s.prefix FROM unnest(cats.c) x), 1 + abs(hashtext('k' || i)) % 10, DATE '2017-01-01',
              CASE WHEN abs(hashtext('t' || i)) % 20 = 0 THEN DATE '2018-12-31' END,
              CASE WHEN abs(hashtext('x' || i)) % 50 = 0 THEN 'ARCHIVED'::registry_status ELSE 'ACTIVE'::registry_status END
         FROM generate_series(1, ${SIZES.offerings}) i
         JOIN e ON e.rn = 1 + (i - 1) % 20000
         CROSS JOIN LATERAL (SELECT CASE WHEN abs(hashtext('r' || i)) % 10 < 7 THEN e."regionCode" WHEN abs(hashtext('r' || i)) % 10 < 9 THEN left(e."regionCode", 4) || '00' ELSE '340000' END AS code) s0
         CROSS JOIN LATERAL (SELECT s0.code, CASE WHEN s0.code LIKE '%0000' THEN left(s0.code, 2) WHEN s0.code LIKE '%00' THEN left(s0.code, 4) ELSE s0.code END AS prefix) s
         CROSS JOIN LATERAL (SELECT array_agg(DISTINCT c) AS c FROM unnest(ARRAY[(enum_range(NULL::service_category))[1 + abs(hashtext('a' || i)) % 11], (enum_range(NULL::service_category))[1 + abs(hashtext('b' || i)) % 11]]) c) cats`,
    );
    const offeringMs = Date.now() - t;
    results.offeringLoad = { experts: 20000, offerings: SIZES.offerings, ms: offeringMs, rowsPerSecond: rate(SIZES.offerings + 20000, offeringMs), statement: 'INSERT … SELECT FROM generate_series (one statement each)' };
    log(`experts + offerings: ${offeringMs} ms`);

    // 3. Needs: 40% village needs (registered poor villages), 60% household needs, all OPEN, hash-spread categories.
    t = Date.now();
    const villageNeeds = Math.round(SIZES.needs * 0.4);
    await ds.query(
      `WITH v AS (SELECT "regionCode", row_number() OVER (ORDER BY "regionCode") AS rn, count(*) OVER () AS n FROM poor_village WHERE "regionCode" LIKE '34%')
       INSERT INTO need (target, "villageCode", category, description, urgency, "preferredModes", "surveyedBy", "surveyedAt")
       SELECT 'VILLAGE', v."regionCode", (enum_range(NULL::service_category))[1 + abs(hashtext('n' || i)) % 11], '村级需求' || i,
              (enum_range(NULL::need_urgency))[1 + abs(hashtext('u' || i)) % 4], ARRAY[(enum_range(NULL::service_mode))[1 + abs(hashtext('p' || i)) % 8]], 'bench', TIMESTAMPTZ '2017-05-01'
         FROM generate_series(1, ${villageNeeds}) i JOIN v ON v.rn = 1 + (i - 1) % v.n`,
    );
    await ds.query(
      `WITH h AS (SELECT id, "villageCode", row_number() OVER (ORDER BY "registryNumber") AS rn FROM household WHERE "registryNumber" LIKE '34%')
       INSERT INTO need (target, "villageCode", "householdId", category, description, urgency, "preferredModes", "surveyedBy", "surveyedAt")
       SELECT 'HOUSEHOLD', h."villageCode", h.id, (enum_range(NULL::service_category))[1 + abs(hashtext('n' || h.rn)) % 11], '农户需求' || h.rn,
              (enum_range(NULL::need_urgency))[1 + abs(hashtext('u' || h.rn)) % 4], ARRAY[(enum_range(NULL::service_mode))[1 + abs(hashtext('p' || h.rn)) % 8]], 'bench', TIMESTAMPTZ '2017-06-01'
         FROM h WHERE h.rn % ${Math.max(1, Math.floor(SIZES.households / (SIZES.needs - villageNeeds)))} = 0 LIMIT ${SIZES.needs - villageNeeds}`,
    );
    results.needLoad = { needs: SIZES.needs, ms: Date.now() - t };
    log(`needs: ${Date.now() - t} ms`);
    await ds.query('VACUUM ANALYZE household');
    await ds.query('VACUUM ANALYZE need');
    await ds.query('VACUUM ANALYZE service_offering');
    await ds.query('VACUUM ANALYZE expert');
    const [counts] = await ds.query(`SELECT (SELECT count(*) FROM household)::int households, (SELECT count(*) FROM need)::int needs, (SELECT count(*) FROM service_offering)::int offerings, (SELECT count(*) FROM poor_village)::int "poorVillages", (SELECT count(*) FROM region WHERE level = 'VILLAGE')::int villages`);
    results.counts = counts;
    log(`counts ${JSON.stringify(counts)}`);
  } finally {
    await db.close();
  }

  // 4. A real server process on the benchmark database; rate limiting off for the measurement.
  const port = String(4700 + Math.floor(Math.random() * 200));
  const server = await startServer({ DATABASE_URL: URL_, HOST: '127.0.0.1', LOG_LEVEL: 'warn', ZHULI_RATE_LIMIT_PER_SECOND: '0', ZHULI_DB_POOL_SIZE: '10' }, port);
  try {
    const token = await new Authenticator(loadConfig({})).mint({ sub: 'bench', roles: [Role.PROVINCIAL_COORDINATOR], region: '340000' }, 7200);

    // 5. importHouseholds through the CLI binary: a CSV of new households, then the same file again (no-op).
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zhuli-bench-'));
    const file = path.join(dir, 'households.csv');
    const villages: string[] = [];
    {
      const c = new Client({ connectionString: URL_ });
      await c.connect();
      villages.push(...(await c.query(`SELECT code FROM region WHERE level = 'VILLAGE' AND code LIKE '34%' ORDER BY code`)).rows.map((r) => r.code));
      await c.end();
    }
    const out = fs.createWriteStream(file);
    out.write(`${HOUSEHOLDS.columns.join(',')}\n`);
    for (let k = 0; k < SIZES.imported; k += 10000) {
      // Offset past the loaded households: new registry numbers (serials above the loaded ones).
      for (const h of generateHouseholds(villages, Math.min(10000, SIZES.imported - k), SEED + 1, SIZES.households + k)) {
        out.write(`${[h.registryNumber, h.villageCode, h.headName, h.headIdNumber, h.size, h.membersAbleToWork, h.povertyCauses.join(';'), h.status, h.exitYear ?? '', h.techniques.join(';'), h.incomeProjects.join(';')].join(',')}\n`);
      }
    }
    await new Promise((r) => out.end(r));
    const cli = (args: string[]) => {
      const t0 = Date.now();
      const stdout = execFileSync(process.execPath, [path.join(ROOT, 'bin', 'zhuli.js'), ...args], { env: { PATH: process.env.PATH ?? '', ZHULI_URL: server.url, ZHULI_TOKEN: token }, encoding: 'utf8', maxBuffer: 1 << 26, stdio: ['ignore', 'pipe', 'inherit'] });
      return { ms: Date.now() - t0, summary: JSON.parse(stdout) };
    };
    log(`importing ${SIZES.imported.toLocaleString('en')} households through zhuli import households (HTTP, batches of 1,000)…`);
    const first = cli(['import', 'households', file, '--json']);
    const again = cli(['import', 'households', file, '--json', '--quiet']);
    results.import = {
      rows: SIZES.imported,
      path: 'zhuli import households FILE.csv → HTTP POST importHouseholds (1,000 rows per call) → one INSERT … ON CONFLICT per call',
      first: { ...first.summary, wallMs: first.ms },
      reimport: { ...again.summary, wallMs: again.ms },
    };
    log(`import: ${JSON.stringify(results.import)}`);
    fs.rmSync(dir, { recursive: true, force: true });

    // 6. matchCandidates latency over HTTP for deterministic random OPEN needs.
    const c = new Client({ connectionString: URL_ });
    await c.connect();
    const needIds: string[] = (await c.query(`SELECT id FROM need WHERE status = 'OPEN' AND "villageCode" LIKE '34%' ORDER BY id`)).rows.map((r) => r.id);
    const rnd = prng(SEED);
    const picks = Array.from({ length: SIZES.queries }, () => needIds[Math.floor(rnd() * needIds.length)]);
    const Q = `query($n: ID!) { matchCandidates(needId: $n, first: 10) { totalCount nodes { score regionFit spareCapacity offering { id title } reasons { kind points text } } } }`;
    const gid = (id: string) => Buffer.from(`Need:${id}`).toString('base64url');
    for (const id of picks.slice(0, 10)) await gql(server.url, token, Q, { n: gid(id) }); // warm-up
    const times: number[] = [];
    let candidates = 0;
    for (const id of picks) {
      const t0 = process.hrtime.bigint();
      const d = await gql(server.url, token, Q, { n: gid(id) });
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
      candidates += d.matchCandidates.totalCount;
    }
    times.sort((a, b) => a - b);
    results.matchCandidates = {
      queries: picks.length,
      first: 10,
      meanCandidates: Math.round(candidates / picks.length),
      ms: { p50: +percentile(times, 50).toFixed(1), p95: +percentile(times, 95).toFixed(1), p99: +percentile(times, 99).toFixed(1), max: +times[times.length - 1].toFixed(1) },
    };
    log(`matchCandidates: ${JSON.stringify(results.matchCandidates)}`);

    // 7. The plan of the ranking query for one need (indexes used?).
    const [sample] = (await c.query(`SELECT category::text AS category, "preferredModes"::text AS modes, "villageCode" AS village FROM need WHERE status = 'OPEN' AND "villageCode" LIKE '341524%' ORDER BY id LIMIT 1`)).rows;
    const plan = (await c.query(`EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) ${rankingSql(false, false)}`, [sample.category, sample.modes, sample.village, needMatchKeys(sample.category, sample.village), 11])).rows.map((r) => r['QUERY PLAN']);
    results.explain = plan;
    await c.end();
  } finally {
    server.child.kill('SIGTERM');
  }
  log(`results written to ${writeResults('matching', results)}`);
  process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
