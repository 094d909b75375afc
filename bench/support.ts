import fs from 'node:fs';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { Client } from 'pg';
import { pgTextArray } from '../src/graphql/import';
import { generateHouseholds } from '../src/modules/beneficiaries/household.generator';

/** Helpers shared by the benchmarks (bench/matching.ts, bench/statistics.ts). */
export const ROOT = path.join(__dirname, '..', '..');

/**
 * The arguments `npm start` runs the server with (package.json): its Node.js options, then dist/src/main.js. The
 * benchmarks and the process tests start the server this way, so that they run it as it ships (V8's heap limit
 * included; docs/benchmarks.md, issue 8).
 */
export function serverArgs(root = ROOT): string[] {
  const start = (JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.start;
  const m = /^node((?: --[a-z0-9-]+(?:=[^\s]+)?)*) dist\/src\/main\.js$/.exec(start);
  if (!m) throw new Error(`package.json's start script is not "node [--option ...] dist/src/main.js": ${start}`);
  return [...m[1].split(' ').filter(Boolean), path.join(root, 'dist', 'src', 'main.js')];
}

/** A Zhuli server process started by spawnServer, with the URL it serves and its log output. */
export interface SpawnedServer {
  child: ChildProcess;
  url: string;
  /** Its stdout and stderr chunks: all of them until it serves, then at most `keepLogs` of the latest. */
  logs: string[];
}

/**
 * Starts the server as `npm start` runs it (serverArgs) on a free loopback port, with `env` on top of LOG_LEVEL=info,
 * and resolves once it logs that it serves GraphQL (its log line carries the URL). Rejects with the logs if it exits
 * first or does not serve within `timeoutMs`. `onSpawn` sees the process at once (to kill it on every exit path).
 * The benchmarks' instances and the process tests (test/process.ts) start servers through this.
 */
export function spawnServer(
  env: Record<string, string>,
  options: { root?: string; timeoutMs?: number; keepLogs?: number; onSpawn?: (child: ChildProcess) => void } = {},
): Promise<SpawnedServer> {
  const { root = ROOT, timeoutMs = 120_000, keepLogs = Infinity } = options;
  const child = spawn(process.execPath, serverArgs(root), {
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', PORT: '0', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  options.onSpawn?.(child);
  const logs: string[] = [];
  let ready = false;
  const keep = (text: string) => {
    logs.push(text);
    if (ready && logs.length > keepLogs) logs.splice(0, logs.length - keepLogs);
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not start within ${timeoutMs} ms:\n${logs.join('')}`));
    }, timeoutMs);
    child.stdout?.on('data', (b: Buffer) => {
      const text = b.toString('utf8');
      keep(text);
      if (ready) return;
      for (const line of text.split('\n')) {
        try {
          const entry = JSON.parse(line) as { url?: string; msg?: string };
          if (entry.msg?.startsWith('Zhuli is serving') && entry.url) {
            ready = true;
            clearTimeout(timer);
            resolve({ child, url: entry.url, logs });
            return;
          }
        } catch {
          /* not a JSON log line */
        }
      }
    });
    child.stderr?.on('data', (b: Buffer) => keep(b.toString('utf8')));
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${logs.join('')}`));
    });
  });
}

/** Resident set size of a process in MB from /proc (Linux); NaN when it cannot be read (gone, or not Linux). */
export function rssMb(pid: number | undefined): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

export async function recreate(url: string): Promise<void> {
  const u = new URL(url);
  const name = u.pathname.slice(1);
  u.pathname = '/postgres';
  const c = new Client({ connectionString: u.toString() });
  await c.connect();
  await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await c.query(`CREATE DATABASE ${name}`);
  await c.end();
}

export async function startServer(env: Record<string, string>, port: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, serverArgs(), { env: { PATH: process.env.PATH ?? '', ...env, PORT: port }, stdio: ['ignore', 'ignore', 'inherit'] });
  let exited = false;
  child.on('exit', () => (exited = true));
  for (let i = 0; i < 600 && !exited; i++) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/readyz`);
      if (res.ok) return { child, url: `http://127.0.0.1:${port}/graphql` };
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  child.kill('SIGKILL');
  throw new Error('server did not become ready');
}

export async function gql(url: string, token: string, query: string, variables: Record<string, unknown>): Promise<any> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query, variables }) });
  const body = (await res.json()) as { data?: any; errors?: any[] };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}


/** Whether a database exists (for BENCH_REUSE). */
export async function databaseExists(url: string): Promise<boolean> {
  const u = new URL(url);
  const name = u.pathname.slice(1);
  u.pathname = '/postgres';
  const c = new Client({ connectionString: u.toString() });
  await c.connect();
  try {
    return (await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1;
  } finally {
    await c.end();
  }
}

/** One CSV field (quoted when it must be). */
const csv = (v: string | number | null): string => (v === null ? '' : /[",\n]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v));

/** A value for copyRows: null is NULL, arrays become PostgreSQL array literals, booleans t/f. */
export type CopyValue = string | number | boolean | null | readonly string[];

/** One CSV field for COPY (FORMAT csv): unquoted empty is NULL, so empty strings are quoted. */
function copyField(v: CopyValue): string {
  if (v === null) return '';
  if (typeof v === 'boolean') return v ? 't' : 'f';
  if (typeof v === 'number') return String(v);
  const s = typeof v === 'string' ? v : pgTextArray(v);
  return s === '' || /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * Streams rows into `table` with ONE `COPY … FROM STDIN (FORMAT csv)` through psql (the mechanism of
 * copyHouseholds, for any table): rows are pulled from the iterator as psql drains, so memory stays flat however
 * many there are. Returns the rows written and the milliseconds taken (generation included).
 */
export async function copyRows(url: string, table: string, columns: readonly string[], rows: Iterable<readonly CopyValue[]>, log?: (m: string) => void): Promise<{ rows: number; ms: number }> {
  const t = Date.now();
  const cols = columns.map((c) => `"${c}"`).join(', ');
  const psql = spawn(process.env.BENCH_PSQL ?? 'psql', [url, '-v', 'ON_ERROR_STOP=1', '-q', '-c', `COPY ${table} (${cols}) FROM STDIN WITH (FORMAT csv)`], { stdio: ['pipe', 'inherit', 'inherit'] });
  let failed: Error | null = null;
  const done = new Promise<void>((resolve, reject) =>
    psql.on('exit', (code) => (code === 0 ? resolve() : reject((failed = new Error(`psql COPY ${table} exited with ${code}`))))),
  );
  psql.stdin.on('error', () => undefined); // reported through the exit code
  let n = 0;
  let chunk: string[] = [];
  let bytes = 0;
  const flush = async () => {
    if (!chunk.length) return;
    const ok = psql.stdin.write(chunk.join(''));
    chunk = [];
    bytes = 0;
    if (!ok) await Promise.race([new Promise((r) => psql.stdin.once('drain', r)), done.catch(() => undefined)]);
  };
  for (const row of rows) {
    const line = `${row.map(copyField).join(',')}\n`;
    chunk.push(line);
    bytes += line.length;
    n++;
    if (bytes > 1 << 20) {
      await flush();
      if (failed) break;
    }
    if (log && n % 1_000_000 === 0) log(`${table} ${n.toLocaleString('en')}…`);
  }
  await flush();
  psql.stdin.end();
  await done;
  return { rows: n, ms: Date.now() - t };
}

/**
 * Loads `count` deterministic households (generateHouseholds, the generator of the demo data and bench:matching)
 * spread over `villages` with ONE `COPY household … FROM STDIN (FORMAT csv)` through psql, streamed in chunks. Serials
 * start at 101 per village (`start`), past the demo households' registry numbers, which COPY cannot update.
 * Returns the milliseconds taken (generation included).
 */
export async function copyHouseholds(url: string, villages: string[], count: number, seed: number, log: (m: string) => void, start = villages.length * 100): Promise<number> {
  const t = Date.now();
  const psql = spawn(process.env.BENCH_PSQL ?? 'psql', [url, '-v', 'ON_ERROR_STOP=1', '-q', '-c',
    'COPY household ("registryNumber", "villageCode", "headName", "headIdNumber", size, "membersAbleToWork", "povertyCauses", status, "exitYear", techniques, "incomeProjects") FROM STDIN WITH (FORMAT csv)'], { stdio: ['pipe', 'inherit', 'inherit'] });
  const done = new Promise<void>((resolve, reject) => psql.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`psql COPY exited with ${code}`)))));
  const CHUNK = 10000;
  for (let k = 0; k < count; k += CHUNK) {
    const lines = generateHouseholds(villages, Math.min(CHUNK, count - k), seed, start + k).map((h) =>
      [h.registryNumber, h.villageCode, h.headName, h.headIdNumber, h.size, h.membersAbleToWork, `{${h.povertyCauses.join(',')}}`, h.status, h.exitYear, pgTextArray(h.techniques), pgTextArray(h.incomeProjects)].map(csv).join(','),
    );
    if (!psql.stdin.write(`${lines.join('\n')}\n`)) await new Promise((r) => psql.stdin.once('drain', r));
    if ((k / CHUNK) % 20 === 0) log(`households ${k.toLocaleString('en')}…`);
  }
  psql.stdin.end();
  await done;
  return Date.now() - t;
}

/** Writes a benchmark's results as JSON under bench/results/<name>-<date>.json; returns the relative path. */
export function writeResults(name: string, results: Record<string, unknown>): string {
  const outDir = path.join(ROOT, 'bench', 'results');
  fs.mkdirSync(outDir, { recursive: true });
  const outFile = path.join(outDir, `${name}-${String(results.date).slice(0, 10)}.json`);
  fs.writeFileSync(outFile, `${JSON.stringify(results, null, 2)}\n`);
  return path.relative(ROOT, outFile);
}
