import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { filed } from './agreement-fixtures';
import { Role, startTestApp, type TestApp } from './harness';
import { buildOnce, ROOT } from './process';
import { startServer, type RunningServer } from '../src/server/app';
import { createLogger } from '../src/server/logger';

/** `zhuli query`, `zhuli export` and `zhuli watch filings`, spawned as the real binary against a test server. */
let app: TestApp;
let token: string;
let dir: string;
beforeAll(async () => {
  buildOnce();
  app = await startTestApp();
  token = await app.token([Role.PROVINCIAL_COORDINATOR], '340000', { sub: 'cli-clients' });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zhuli-clients-'));
}, 180_000);
afterAll(async () => {
  await app?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  out: string;
  err: string;
  /** Peak resident memory of the child (VmHWM, kB), sampled from /proc while it ran. */
  hwmKb: number;
  child: ChildProcess;
}
/** Spawns `node bin/zhuli.js …`; `onStart` may signal it. */
function cli(args: string[], env: Record<string, string> = {}, onStart?: (child: ChildProcess, run: Run) => void): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'zhuli.js'), ...args], { env: { PATH: process.env.PATH ?? '', HOME: dir, ZHULI_URL: app.url, ZHULI_TOKEN: token, ...env } });
    const run: Run = { code: null, out: '', err: '', hwmKb: 0, child };
    child.stdout.on('data', (b) => (run.out += b));
    child.stderr.on('data', (b) => (run.err += b));
    const sample = setInterval(() => {
      try {
        const m = /VmHWM:\s+(\d+)/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) run.hwmKb = Math.max(run.hwmKb, Number(m[1]));
      } catch {
        /* exited */
      }
    }, 25);
    onStart?.(child, run);
    child.on('close', (code) => {
      clearInterval(sample);
      run.code = code;
      resolve(run);
    });
  });
}

function parseCsv(text: string): string[][] {
  // Enough for the test data: no embedded newlines in region names.
  return text.trimEnd().split('\n').map((l) => l.split(','));
}

describe('zhuli query', () => {
  it('--all-pages --format csv writes every node of the connection with dotted columns, matching the database', async () => {
    const q = `query($after: String, $first: Int, $within: String) { regions(first: $first, after: $after, filter: { within: $within }) { pageInfo { hasNextPage endCursor } edges { node { code name level parent { code } } } } }`;
    const r = await cli(['query', q, '--var', 'within=341524', '--var', 'first=40', '--all-pages', '--format', 'csv']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const [header, ...rows] = parseCsv(r.out);
    expect(header).toEqual(['code', 'name', 'level', 'parent.code']);
    const db = await app.ds.query(`SELECT code, name, level, "parentCode" AS p FROM region WHERE code LIKE '341524%' ORDER BY code`);
    expect(db.length).toBeGreaterThan(100);
    expect(rows).toEqual(db.map((x: { code: string; name: string; level: string; p: string | null }) => [x.code, x.name, x.level, x.p ?? '']));
  }, 60_000);

  it('prints JSON and tables, reports userErrors with exit 1, usage 2, network 3; --help has examples', async () => {
    const me = await cli(['query', '{ me { subject regionCode } }']);
    expect(JSON.parse(me.out)).toEqual({ me: { subject: 'cli-clients', regionCode: '340000' } });
    const t = await cli(['query', '{ region(code: "341524") { code name } }', '--format', 'table']);
    expect(t.out.split('\n')[0]).toMatch(/^region\.code\s+region\.name$/);
    expect(t.out).toContain('金寨县');
    const m = await cli(['query', 'mutation($i: RevokeApiKeyInput!) { revokeApiKey(input: $i) { userErrors { code message field } } }', '--var', 'i={"id":"00000000-0000-0000-0000-000000000000","reason":"no such key"}']);
    expect(m.code).toBe(1);
    expect(m.err).toMatch(/NOT_FOUND/);
    expect((await cli(['query', '{ me { subject } }', '--format', 'xml'])).code).toBe(2);
    expect((await cli(['query', '{ regions { nodes { code } } }', '--all-pages'])).code).toBe(2);
    expect((await cli(['query', '{ me { subject } }', '--url', 'http://127.0.0.1:9/graphql'])).code).toBe(3);
    expect((await cli(['query', '{ apiKeys { totalCount } }'], { ZHULI_TOKEN: 'not-a-jwt' })).code).toBe(3);
    for (const c of [['query'], ['export'], ['watch', 'filings']]) {
      const h = await cli([...c, '--help']);
      expect(h.code).toBe(0);
      expect(h.out).toContain('Examples:');
    }
  }, 90_000);

  it('reads the URL and credentials from a config file', async () => {
    const file = path.join(dir, 'config.json');
    fs.writeFileSync(file, JSON.stringify({ url: app.url, token }));
    const r = await cli(['query', '{ me { subject } }', '--config', file], { ZHULI_URL: '', ZHULI_TOKEN: '' });
    expect(JSON.parse(r.out).me.subject).toBe('cli-clients');
  });
});

describe('zhuli export', () => {
  it('streams tens of thousands of regions in flat memory, stops on SIGINT with a cursor and resumes from it', async () => {
    const [{ n }] = await app.ds.query(`SELECT count(*)::int n FROM region`);
    expect(n).toBeGreaterThan(10_000);
    const out = path.join(dir, 'regions.ndjson');
    // First run: interrupted once at least 10,000 rows are written.
    const first = await cli(['export', 'regions', '--format', 'ndjson', '--out', out], {}, (child) => {
      let offset = 0;
      let lines = 0;
      const poll = setInterval(() => {
        if (!fs.existsSync(out)) return;
        const fd = fs.openSync(out, 'r');
        const buf = Buffer.alloc(1 << 20);
        for (let n; (n = fs.readSync(fd, buf, 0, buf.length, offset)) > 0; offset += n) for (let i = 0; i < n; i++) if (buf[i] === 10) lines++;
        fs.closeSync(fd);
        if (lines >= 10_000) {
          clearInterval(poll);
          child.kill('SIGINT');
        }
      }, 50);
      child.on('close', () => clearInterval(poll));
    });
    expect(first.code).toBe(130);
    const cursor = /resume with: --after (\S+)/.exec(first.err)?.[1];
    expect(cursor).toBeTruthy();
    expect(first.err).toMatch(/rows\/s/);
    const written = fs.readFileSync(out, 'utf8').trimEnd().split('\n').length;
    expect(written).toBeGreaterThanOrEqual(10_000);

    const second = await cli(['export', 'regions', '--format', 'ndjson', '--out', out, '--after', cursor as string, '--quiet']);
    expect(second.code).toBe(0);
    expect(second.err).toMatch(/^done: [\d,]+ regions/m);
    const codes = fs.readFileSync(out, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l).code as string);
    expect(codes.length).toBe(n);
    expect(new Set(codes).size).toBe(n);

    // Memory: a tiny export as the baseline; the long one's peak RSS must stay within 40 MB of it (measured: ~7 MB;
    // the margin absorbs GC timing on a busy machine).
    const small = await cli(['export', 'regions', '--filter', 'within=341524100', '--format', 'csv', '--quiet']);
    expect(small.code).toBe(0);
    const peak = Math.max(first.hwmKb, second.hwmKb);
    // eslint-disable-next-line no-console
    console.log(`zhuli export regions: ${written} rows before SIGINT (peak RSS ${first.hwmKb} kB), ${n - written} after resuming (${second.hwmKb} kB); ${small.out.split('\n').length - 2} rows: ${small.hwmKb} kB`);
    expect(small.hwmKb).toBeGreaterThan(0);
    expect(peak - small.hwmKb).toBeLessThan(40 * 1024);
  }, 300_000);

  it('csv with filters (lists comma-separated), and refuses unknown kinds and filters with exit 2', async () => {
    const r = await cli(['export', 'regions', '--filter', 'within=341524', '--filter', 'level=TOWNSHIP', '--format', 'csv', '--quiet']);
    expect(r.code).toBe(0);
    const [header, ...rows] = parseCsv(r.out);
    expect(header.slice(0, 3)).toEqual(['id', 'code', 'name']);
    const [{ n }] = await app.ds.query(`SELECT count(*)::int n FROM region WHERE code LIKE '341524%' AND level = 'TOWNSHIP'`);
    expect(rows.length).toBe(n);
    expect((await cli(['export', 'villains'])).code).toBe(2);
    expect((await cli(['export', 'regions', '--filter', 'colour=red'])).code).toBe(2);
  }, 60_000);
});

describe('zhuli export: targets, statistics, county assessments, facilities and activities (issue 6 lists)', () => {
  const YEAR = 2031;
  async function ok(document: string): Promise<void> {
    const res = await app.gql(document, {}, token);
    expect(res.errors).toBeUndefined();
    expect((Object.values(res.data)[0] as { userErrors: unknown[] }).userErrors).toEqual([]);
  }
  beforeAll(async () => {
    // Hand-counted fixtures in 六安市 for a year nothing else uses: three targets (the city and two counties) and two trainings.
    await ok(`mutation { setTarget(input: { regionCode: "341500", year: ${YEAR}, indicator: TRAININGS_HELD, value: 10 }) { userErrors { code message } } }`);
    await ok(`mutation { setTarget(input: { regionCode: "341524", year: ${YEAR}, indicator: TRAININGS_HELD, value: 4 }) { userErrors { code message } } }`);
    await ok(`mutation { setTarget(input: { regionCode: "341522", year: ${YEAR}, indicator: TRAININGS_HELD, value: 3 }) { userErrors { code message } } }`);
    for (const topic of ['茶叶栽培导出测试', '板栗嫁接导出测试']) {
      await ok(`mutation { recordActivity(input: { kind: TRAINING, date: "${YEAR}-03-01", regionCode: "341524", organizerName: "金寨县科协", topic: "${topic}", attendees: 12 }) { userErrors { code message } } }`);
    }
  });

  it('targets and activities with filters, as CSV, row for row what the database holds', async () => {
    const t = await cli(['export', 'targets', '--filter', 'within=341500', '--filter', `year=${YEAR}`, '--format', 'csv', '--quiet']);
    expect(t.code).toBe(0);
    const [header, ...rows] = parseCsv(t.out);
    expect(rows.map((r) => r[header.indexOf('regionCode')]).sort()).toEqual(['341500', '341522', '341524']);
    expect(rows.find((r) => r[header.indexOf('regionCode')] === '341500')?.[header.indexOf('childrenSum')]).toBe('7');
    const a = await cli(['export', 'activities', '--filter', 'within=341524', '--filter', `year=${YEAR}`, '--quiet']);
    expect(a.code).toBe(0);
    const nodes = a.out.trim().split('\n').map((l) => JSON.parse(l));
    expect(nodes.map((n) => n.topic).sort()).toEqual(['板栗嫁接导出测试', '茶叶栽培导出测试']);
    const f = await cli(['export', 'facilities', '--filter', 'within=3415', '--quiet']);
    expect(f.code).toBe(0);
    const [{ n }] = await app.ds.query(`SELECT count(*)::int n FROM facility WHERE "regionCode" LIKE '3415%'`);
    expect(f.out.trim() ? f.out.trim().split('\n').length : 0).toBe(n);
  }, 60_000);

  it('statistics (one row per child region) and county assessments need --arg regionCode and year', async () => {
    const s = await cli(['export', 'statistics', '--arg', 'regionCode=341500', '--arg', `year=${YEAR}`, '--quiet']);
    expect(s.code).toBe(0);
    const rows = s.out.trim().split('\n').map((l) => JSON.parse(l));
    const [{ n }] = await app.ds.query(`SELECT count(*)::int n FROM region WHERE code LIKE '3415%' AND level = 'COUNTY'`);
    expect(rows).toHaveLength(n);
    const jinzhai = rows.find((r) => r.regionCode === '341524');
    expect(jinzhai.indicators.find((i: { indicator: string }) => i.indicator === 'TRAININGS_HELD')).toMatchObject({ target: 4, actual: 2 });
    const c = await cli(['export', 'county-assessments', '--arg', 'regionCode=341500', '--arg', `year=${YEAR}`, '--format', 'csv', '--quiet']);
    expect(c.code).toBe(0);
    const [header, ...counties] = parseCsv(c.out);
    expect(counties.map((r) => r[header.indexOf('countyCode')]).sort()).toEqual(['341522', '341524']);
    expect((await cli(['export', 'county-assessments', '--arg', 'regionCode=341500'])).code).toBe(2);
    expect((await cli(['export', 'targets', '--arg', 'year=2018'])).code).toBe(2);
  }, 60_000);
});

describe('zhuli watch filings', () => {
  it('prints a filing live, and after a server restart resumes from its last cursor: the filing made while it was away arrives once', async () => {
    const county = await app.token([Role.COUNTY_COORDINATOR], '341524', { sub: 'wang-watch' });
    const logger = createLogger('silent');
    const lines: string[] = [];
    let child!: ChildProcess;
    const waitLines = async (k: number, ms = 15_000) => {
      for (let t = 0; lines.length < k && t < ms; t += 50) await new Promise((r) => setTimeout(r, 50));
      return lines.length >= k;
    };
    const done = cli(['watch', 'filings', '--region', '341524', '--format', 'ndjson'], { ZHULI_TOKEN: county }, (c, run) => {
      child = c;
      c.stdout?.on('data', () => lines.splice(0, lines.length, ...run.out.split('\n').filter(Boolean)));
    });
    await new Promise((r) => setTimeout(r, 1500)); // connect and subscribe
    const a = await filed(app, county, '341524');
    expect(await waitLines(1)).toBe(true);
    expect(JSON.parse(lines[0]).agreement.id).toBe(a.id);

    // The server goes away; an agreement is filed through another instance meanwhile; the server comes back.
    await app.server.stop();
    app.server.stop = async () => undefined; // stopped here; the harness must not stop it again
    const other: RunningServer = await startServer({ ...app.config, port: 0 }, app.db, logger);
    const b = await (async () => {
      const via = { ...app, gql: (q: string, v?: Record<string, unknown>, t?: string | null) => fetch(other.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${t}` }, body: JSON.stringify({ query: q, variables: v }) }).then(async (res) => ({ status: res.status, ...((await res.json()) as object) })) } as TestApp;
      return filed(via, county, '341524');
    })();
    await other.stop();
    const back = await startServer({ ...app.config, port: app.server.port }, app.db, logger);
    try {
      expect(await waitLines(2, 30_000)).toBe(true);
      const c = await filed(app, county, '341524');
      expect(await waitLines(3)).toBe(true);
      await new Promise((r) => setTimeout(r, 300));
      child.kill('SIGINT');
      const run = await done;
      expect(run.code).toBe(0);
      const events = lines.map((l) => JSON.parse(l));
      expect(events.map((e) => e.agreement.id)).toEqual([a.id, b.id, c.id]);
      expect(run.err).toMatch(/connection lost/);
      expect(run.err).toContain(`last cursor: ${events[2].cursor}`);

      // --since replays what came after a cursor, then --max-events ends it.
      const replay = await cli(['watch', 'filings', '--region', '341524', '--since', events[0].cursor, '--max-events', '2', '--format', 'ndjson'], { ZHULI_TOKEN: county });
      expect(replay.code).toBe(0);
      expect(replay.out.trim().split('\n').map((l) => JSON.parse(l).agreement.id)).toEqual([b.id, c.id]);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await back.stop();
    }
  }, 120_000);
});
