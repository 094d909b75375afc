import 'reflect-metadata';
import os from 'node:os';
import { Client } from 'pg';
import { loadConfig } from '../src/config';
import { openDatabase } from '../src/db/data-source';
import { seedDemoIfEmpty } from '../src/db/seed-demo';
import { Role } from '../src/graphql/principal';
import { entities } from '../src/modules/registry';
import { Authenticator } from '../src/server/auth';
import { createLogger } from '../src/server/logger';
import { copyHouseholds, databaseExists, gql, percentile, recreate, startServer, writeResults } from './support';

/**
 * Issue 6 benchmark (`npm run bench:statistics`): a province-scale dataset for Anhui in its own PostgreSQL database —
 * the demo regions, 3,000 registered poor villages, 1,000,000 households loaded with COPY (the generator of the demo
 * data and bench:matching), 20,000 experts, 2,300 农技协 and federations, facilities for every county, 50,000
 * activities, 3,000 registered agreements and a full set of 2018 targets — then `statistics` for the province, a
 * city and a county, and `countyAssessments` for the province, over HTTP against a running server: p50/p95/p99 of
 * BENCH_RUNS (100) requests each after 10 warm-up requests. BENCH_REUSE=1 keeps an existing dataset (only the
 * measurement runs). BENCH_DATABASE_URL (postgres://postgres@127.0.0.1:5432/zhuli_bench_statistics) is dropped and
 * recreated otherwise. BENCH_HOUSEHOLDS (1,000,000), BENCH_POOR_VILLAGES (3,000).
 */
const N = (name: string, dflt: number) => Number(process.env[name] ?? dflt);
const SIZES = { households: N('BENCH_HOUSEHOLDS', 1_000_000), poorVillages: N('BENCH_POOR_VILLAGES', 3000), experts: 20000, activities: 50000, agreements: 3000, runs: N('BENCH_RUNS', 100) };
const URL_ = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/zhuli_bench_statistics';
const REUSE = process.env.BENCH_REUSE === '1';
const SEED = 20180101;
const YEAR = 2018;

const log = (msg: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
const load = () => os.loadavg().map((l) => +l.toFixed(2));

/** Builds the dataset (everything but the households in SQL, deterministic hashes of the row number). */
async function build(results: Record<string, unknown>): Promise<void> {
  const logger = createLogger('warn');
  const db = await openDatabase({ ...loadConfig({}), databaseUrl: URL_, dbPoolSize: 4 }, logger, entities);
  const ds = db.dataSource;
  const steps: Record<string, number> = {};
  const step = async (name: string, run: () => Promise<unknown>) => {
    const t = Date.now();
    await run();
    steps[name] = Date.now() - t;
    log(`${name}: ${steps[name]} ms`);
  };
  try {
    await step('migrations + demo dataset', () => seedDemoIfEmpty(ds, logger));
    await step('poor villages topped up to the target count (hash order)', () =>
      ds.query(
        `INSERT INTO poor_village ("regionCode", "registeredYear", "hasRuralTechAssociation", "hasEStation")
         SELECT code, 2014, abs(hashtext('r' || code)) % 10 < 4, abs(hashtext('e' || code)) % 10 < 3
           FROM region WHERE level = 'VILLAGE' AND code LIKE '34%' AND code NOT IN (SELECT "regionCode" FROM poor_village)
          ORDER BY hashtext(code) LIMIT GREATEST(0, $1 - (SELECT count(*) FROM poor_village WHERE "regionCode" LIKE '34%'))`,
        [SIZES.poorVillages],
      ),
    );
    const villages: string[] = (await ds.query(`SELECT code FROM region WHERE level = 'VILLAGE' AND code LIKE '34%' ORDER BY code`)).map((r: { code: string }) => r.code);
    const copyMs = await copyHouseholds(URL_, villages, SIZES.households, SEED, log);
    steps['households: COPY through the statement-level triggers'] = copyMs;
    results.householdCopy = { rows: SIZES.households, ms: copyMs, rowsPerSecond: Math.round((SIZES.households * 1000) / copyMs), statement: 'one COPY household FROM STDIN (csv), household_village_stats kept by the AFTER INSERT statement trigger' };
    log(`households: ${SIZES.households.toLocaleString('en')} in ${copyMs} ms`);
    await step('organizations: 2,000 农技协 (half in poor villages) + 300 township federations', () =>
      ds.query(
        `INSERT INTO organization (name, type, "regionCode", level, "creditCode", "contactName", "contactPhone", "serviceCategories")
         SELECT '农技协' || i, 'RURAL_TECH_ASSOCIATION', CASE WHEN i % 2 = 0 THEN v."regionCode" ELSE left(v."regionCode", 6) END,
                CASE WHEN i % 2 = 0 THEN 'VILLAGE'::region_level ELSE 'COUNTY'::region_level END, 'B' || lpad(i::text, 17, '0'), '联系人', '13900000000', ARRAY['PLANTING']::service_category[]
           FROM generate_series(1, 2000) i
           JOIN (SELECT "regionCode", row_number() OVER (ORDER BY hashtext("regionCode")) AS rn FROM poor_village WHERE "regionCode" LIKE '34%') v ON v.rn = i
         UNION ALL
         SELECT '农技协联合会' || i, 'TOWNSHIP_TECH_FEDERATION', t.code, 'TOWNSHIP', 'F' || lpad(i::text, 17, '0'), '联系人', '13900000000', ARRAY['PLANTING']::service_category[]
           FROM generate_series(1, 300) i JOIN (SELECT code, row_number() OVER (ORDER BY hashtext(code)) AS rn FROM region WHERE level = 'TOWNSHIP' AND code LIKE '34%') t ON t.rn = i`,
      ),
    );
    await step('experts: 20,000 over the counties (70 % on the roster)', () =>
      ds.query(
        `INSERT INTO expert (name, "regionCode", specialties, "serviceRegionCodes", "contactPhone", "rosterStatus")
         SELECT '统计专家' || i, c.code, ARRAY['PLANTING']::service_category[], ARRAY[c.code], '139' || lpad(i::text, 8, '0'),
                (ARRAY['REGISTERED', 'FILED', 'DRAFT', 'REGISTERED', 'FILED', 'REGISTERED', 'DRAFT', 'REGISTERED', 'DRAFT', 'FILED'])[1 + i % 10]::expert_roster_status
           FROM generate_series(1, ${SIZES.experts}) i
           JOIN (SELECT code, row_number() OVER (ORDER BY code) - 1 AS rn, count(*) OVER () AS n FROM region WHERE level = 'COUNTY' AND code LIKE '34%') c ON c.rn = i % c.n`,
      ),
    );
    await step('facilities: per county a station, a caravan, two tour visits, a school museum; e-stations in half the poor villages', () =>
      ds.query(
        `INSERT INTO facility (kind, "regionCode", name, "startDate", "endDate", "recordedBy")
         SELECT k.kind::facility_kind, c.code, k.kind || c.code, k.s::date, k.e::date, 'bench'
           FROM region c CROSS JOIN (VALUES ('EXPERT_SERVICE_STATION', '2017-03-01', NULL), ('SCIENCE_CARAVAN', '2017-06-01', NULL),
                ('MOBILE_MUSEUM_TOUR_VISIT', '2018-04-10', '2018-04-20'), ('MOBILE_MUSEUM_TOUR_VISIT', '2018-10-10', '2018-10-20'),
                ('MIDDLE_SCHOOL_SCIENCE_MUSEUM', '2016-09-01', NULL)) k(kind, s, e)
          WHERE c.level = 'COUNTY' AND c.code LIKE '34%'
         UNION ALL
         SELECT 'E_STATION', "regionCode", 'e站' || "regionCode", DATE '2018-01-01' + abs(hashtext("regionCode")) % 700, NULL, 'bench'
           FROM poor_village WHERE "regionCode" LIKE '34%' AND abs(hashtext('s' || "regionCode")) % 2 = 0`,
      ),
    );
    await step('activities: 50,000 trainings and science-popularization activities in 2017–2019', () =>
      ds.query(
        `INSERT INTO activity (kind, date, "regionCode", "organizerName", topic, attendees, "techniquesTaught", "recordedBy")
         SELECT CASE WHEN i % 4 = 0 THEN 'SCIENCE_POPULARIZATION' ELSE 'TRAINING' END::activity_kind, DATE '2017-01-01' + abs(hashtext('d' || i)) % 1095,
                v.code, '科协', '培训' || i, 20 + i % 80, ARRAY['茶叶栽培'], 'bench'
           FROM generate_series(1, ${SIZES.activities}) i
           JOIN (SELECT code, row_number() OVER (ORDER BY code) - 1 AS rn, count(*) OVER () AS n FROM region WHERE level = 'VILLAGE' AND code LIKE '34%') v ON v.rn = abs(hashtext('v' || i)) % v.n`,
      ),
    );
    await step('agreements: 3,000 registered / in progress, one poor village each', async () => {
      await ds.query(
        `INSERT INTO agreement (title, status, "regionCode", "filerLevel", "periodStart", "periodEnd", "createdBy", "registryNumber")
         SELECT '帮扶协议' || v.rn, CASE WHEN v.rn % 3 = 0 THEN 'IN_PROGRESS' ELSE 'REGISTERED' END::agreement_status, left(v."regionCode", 6), 'VILLAGE',
                DATE '2018-01-01', DATE '2020-12-31', 'bench', 'RK-2018-34-' || lpad(v.rn::text, 6, '0')
           FROM (SELECT "regionCode", row_number() OVER (ORDER BY hashtext('a' || "regionCode")) AS rn FROM poor_village WHERE "regionCode" LIKE '34%') v WHERE v.rn <= ${SIZES.agreements}`,
      );
      await ds.query(
        `INSERT INTO agreement_village ("agreementId", "villageCode")
         SELECT a.id, v."regionCode" FROM agreement a
           JOIN (SELECT "regionCode", row_number() OVER (ORDER BY hashtext('a' || "regionCode")) AS rn FROM poor_village WHERE "regionCode" LIKE '34%') v
             ON a."registryNumber" = 'RK-2018-34-' || lpad(v.rn::text, 6, '0')`,
      );
    });
    await step('targets: every indicator for 2018 for the province, its cities and counties', () =>
      ds.query(
        `INSERT INTO target ("regionCode", year, indicator, value, "setBy")
         SELECT r.code, ${YEAR}, i, 1 + abs(hashtext(r.code || i::text)) % 500, 'bench'
           FROM region r CROSS JOIN unnest(enum_range(NULL::indicator)) i
          WHERE r.code LIKE '34%' AND r.level IN ('PROVINCE', 'CITY', 'COUNTY')`,
      ),
    );
    await step('VACUUM ANALYZE', async () => {
      for (const t of ['household', 'household_village_stats', 'poor_village', 'organization', 'expert', 'facility', 'activity', 'agreement', 'agreement_village', 'target', 'region']) await ds.query(`VACUUM ANALYZE ${t}`);
    });
    results.build = steps;
  } finally {
    await db.close();
  }
}

async function main(): Promise<void> {
  const results: Record<string, unknown> = { date: new Date().toISOString(), sizes: SIZES, reused: false };
  results.machine = { nproc: os.cpus().length, cpu: os.cpus()[0]?.model, memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, loadAverageAtStart: load() };
  let reuse = REUSE && (await databaseExists(URL_));
  if (reuse) {
    const c = new Client({ connectionString: URL_ });
    await c.connect();
    const [{ n }] = (await c.query(`SELECT count(*)::int AS n FROM household WHERE "villageCode" LIKE '34%'`)).rows;
    await c.end();
    reuse = n >= SIZES.households;
    log(reuse ? `reusing ${URL_} (${n.toLocaleString('en')} households in Anhui)` : `${URL_} has only ${n} households: rebuilding`);
  }
  if (!reuse) {
    log(`building ${JSON.stringify(SIZES)} in ${URL_}`);
    await recreate(URL_);
    await build(results);
  } else {
    // Apply any new migrations to the kept dataset.
    const db = await openDatabase({ ...loadConfig({}), databaseUrl: URL_, dbPoolSize: 1 }, createLogger('warn'), entities);
    await db.close();
  }
  results.reused = reuse;
  const c = new Client({ connectionString: URL_ });
  await c.connect();
  const [counts] = (await c.query(`SELECT (SELECT count(*) FROM household WHERE "villageCode" LIKE '34%')::int AS households, (SELECT count(*) FROM poor_village WHERE "regionCode" LIKE '34%')::int AS "poorVillages",
      (SELECT count(*) FROM household_village_stats WHERE "villageCode" LIKE '34%')::int AS "statsRows", (SELECT count(*) FROM organization)::int AS organizations,
      (SELECT count(*) FROM expert)::int AS experts, (SELECT count(*) FROM facility)::int AS facilities, (SELECT count(*) FROM activity)::int AS activities,
      (SELECT count(*) FROM agreement_village)::int AS "agreementVillages", (SELECT count(*) FROM target)::int AS targets, (SELECT version() ) AS postgres`)).rows;
  (results.machine as Record<string, unknown>).postgres = counts.postgres;
  delete counts.postgres;
  results.counts = counts;
  log(`counts ${JSON.stringify(counts)}`);
  // What the aggregate table saves: the same household figures counted from the household table for the province.
  const direct: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = process.hrtime.bigint();
    await c.query(`SELECT left("villageCode", 4) AS g, count(*), sum(size), count(*) FILTER (WHERE "membersAbleToWork" > 0 AND cardinality(techniques) > 0), count(*) FILTER (WHERE cardinality("incomeProjects") > 0)
                     FROM household WHERE "villageCode" LIKE '34%' GROUP BY 1`);
    direct.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  results.directHouseholdCountProvinceMs = direct.map((x) => +x.toFixed(1));
  await c.end();

  const port = String(4900 + Math.floor(Math.random() * 90));
  const server = await startServer({ DATABASE_URL: URL_, HOST: '127.0.0.1', LOG_LEVEL: 'warn', ZHULI_RATE_LIMIT_PER_SECOND: '0', ZHULI_DB_POOL_SIZE: '10' }, port);
  try {
    const token = await new Authenticator(loadConfig({})).mint({ sub: 'bench', roles: [Role.ANALYST], region: '340000' }, 7200);
    const FIG = `regionCode regionName indicators { indicator actual target completionRate }
      villageCoverage { poorVillages byAgreement byRuralTechAssociation byEStation byAgreementRate byRuralTechAssociationRate byEStationRate }
      householdCoverage { households people withLabour withLabourAndTechnique withIncomeProject techniqueRate incomeProjectRate }`;
    const STATS = `query($r: String!, $y: Int!) { statistics(regionCode: $r, year: $y) { year ${FIG} breakdown(first: 100) { totalCount nodes { ${FIG} } } } }`;
    const ASSESS = `query($r: String!, $y: Int!) { countyAssessments(regionCode: $r, year: $y, first: 100) { totalCount nodes { countyCode countyName score grade indicatorsMet indicators { indicator target actual completion } } } }`;
    const cases = [
      { name: 'statistics province 340000 (安徽省, 16 city rows)', q: STATS, r: '340000' },
      { name: 'statistics city 341500 (六安市, county rows)', q: STATS, r: '341500' },
      { name: 'statistics county 341524 (金寨县, township rows)', q: STATS, r: '341524' },
      { name: 'countyAssessments province 340000 (first 100)', q: ASSESS, r: '340000' },
    ];
    const measured: Record<string, unknown> = {};
    (results.machine as Record<string, unknown>).loadAverageBeforeMeasuring = load();
    for (const k of cases) {
      for (let i = 0; i < 10; i++) await gql(server.url, token, k.q, { r: k.r, y: YEAR });
      const times: number[] = [];
      let sample: any;
      for (let i = 0; i < SIZES.runs; i++) {
        const t0 = process.hrtime.bigint();
        const res = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query: k.q, variables: { r: k.r, y: YEAR } }) });
        const body = (await res.json()) as { data?: any; errors?: unknown[]; extensions?: { sqlStatements?: number } };
        times.push(Number(process.hrtime.bigint() - t0) / 1e6);
        if (body.errors) throw new Error(JSON.stringify(body.errors));
        sample ??= body;
      }
      times.sort((a, b) => a - b);
      const d = sample.data.statistics ?? sample.data.countyAssessments;
      measured[k.name] = {
        runs: times.length,
        sqlStatements: sample.extensions?.sqlStatements,
        rows: d.breakdown?.totalCount ?? d.totalCount,
        ms: { p50: +percentile(times, 50).toFixed(1), p95: +percentile(times, 95).toFixed(1), p99: +percentile(times, 99).toFixed(1), max: +times[times.length - 1].toFixed(1) },
        ...(d.householdCoverage ? { households: d.householdCoverage.households, poorVillages: d.villageCoverage.poorVillages } : {}),
      };
      log(`${k.name}: ${JSON.stringify(measured[k.name])}`);
    }
    results.measured = measured;
    (results.machine as Record<string, unknown>).loadAverageAfterMeasuring = load();
  } finally {
    server.child.kill('SIGTERM');
  }
  log(`results written to ${writeResults('statistics', results)}`);
  process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
