/**
 * `npm run soak [-- --minutes N --workers N --filers N --subscribers N --heartbeats N --out FILE]` (or
 * ZHULI_SOAK_MINUTES): a bounded soak test on loopback, 10 minutes by default.
 *
 * Starts its own PostgreSQL (initdb on a free port; never the shared server), two Zhuli processes on it, and runs
 * for the whole duration: read/write workers (reads, createOrganization with idempotency keys), filers (createAgreement
 * → signAgreement → fileAgreement through the real mutations, retried until acknowledged), filing subscribers over
 * graphql-ws on both instances (filingEvents / agreementFiled) that reconnect and resume with their last cursor —
 * after server-side closes, after simulated network loss, and all at once after the PostgreSQL restart — and a few
 * heartbeat subscribers. PostgreSQL is stopped (fast) halfway and started again 5 s later.
 *
 * Final consistency check: every acknowledged write is in the database (once); every filing produced exactly one
 * notification; every subscriber received every filing event exactly once, in order, counting across resumes.
 * Reports requests, errors by kind, latency percentiles, RSS and V8 heap over time per instance, load average,
 * and rewrites the "Latest soak run" section of docs/reliability.md. Exit code 1 if a check fails.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createClient, type Client as WsClient } from 'graphql-ws';
import { Client } from 'pg';
import WebSocket from 'ws';
import { loadConfig } from '../src/config';
import { Role } from '../src/graphql/principal';
import { withCreditCheck } from '../src/modules/organizations/validators';
import { Authenticator } from '../src/server/auth';
import { agreementContent, SIGNATORIES } from './agreement-content';
import { rssMb, spawnServer, type SpawnedServer } from './support';
import { startThrowawayPostgres, throwawayPostgresAvailable } from './throwaway-pg';

const ROOT = path.join(__dirname, '..', '..');
const COUNTY = '341524';

type Instance = SpawnedServer;

/** An instance of the soak: its logs are read after the run, so the latest 200 chunks are kept. */
const startInstance = (env: Record<string, string>): Promise<Instance> => spawnServer(env, { keepLogs: 200 });

/** V8 heap in use (MB) from the instance's own /metrics (prom-client default metrics). */
async function heapMb(inst: Instance): Promise<number> {
  try {
    const text = await (await fetch(new URL('/metrics', inst.url), { signal: AbortSignal.timeout(5000) })).text();
    const m = /^zhuli_nodejs_heap_size_used_bytes (\S+)$/m.exec(text);
    return m ? Math.round(Number(m[1]) / 2 ** 20) : NaN;
  } catch {
    return NaN;
  }
}

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Least-squares slope of y over x (per unit of x). */
function slope(points: Array<[number, number]>): number {
  const pts = points.filter(([, y]) => Number.isFinite(y));
  if (pts.length < 2) return NaN;
  const mx = pts.reduce((s, [x]) => s + x, 0) / pts.length;
  const my = pts.reduce((s, [, y]) => s + y, 0) / pts.length;
  const num = pts.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  const den = pts.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  return den ? num / den : NaN;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Body = { data?: any; errors?: Array<{ message?: string; extensions?: { code?: string } }> } | null;

/** One filing subscriber: resumes from its last cursor on every reconnect, alternating instances. */
interface Subscriber {
  name: string;
  field: 'filingEvents' | 'agreementFiled';
  /** Cursor → times received (across every resume). */
  received: Map<string, number>;
  last: string;
  outOfOrder: number;
  connections: number;
  /** Why each connection ended. */
  ends: Map<string, number>;
  /** Set while connected: drops the connection now (cut without a close handshake) with this reason. */
  drop?: (reason: string) => void;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      minutes: { type: 'string', default: process.env.ZHULI_SOAK_MINUTES ?? '10' },
      workers: { type: 'string', default: '8' },
      filers: { type: 'string', default: '2' },
      subscribers: { type: 'string', default: '6' },
      heartbeats: { type: 'string', default: '2' },
      out: { type: 'string', default: path.join(ROOT, 'docs', 'reliability.md') },
    },
  });
  const minutes = Number(values.minutes);
  const workers = Number(values.workers);
  const filers = Number(values.filers);
  const subscriberCount = Number(values.subscribers);
  const heartbeats = Number(values.heartbeats);
  if (!(minutes > 0) || !(workers >= 0) || !(filers >= 0) || !(subscriberCount >= 0) || !(heartbeats >= 0)) throw new Error('--minutes must be positive; --workers, --filers, --subscribers, --heartbeats non-negative');
  if (!throwawayPostgresAvailable()) throw new Error('PostgreSQL 15 server binaries (initdb, pg_ctl) are needed; set ZHULI_PG_BIN');
  const durationMs = minutes * 60_000;
  const log = (msg: string) => process.stdout.write(`[soak ${new Date().toISOString()}] ${msg}\n`);

  const pg = await startThrowawayPostgres();
  log(`PostgreSQL on ${pg.url}`);
  const instances: Instance[] = [];
  const sockets = new Set<WebSocket>();
  const wsClients = new Set<WsClient>();
  try {
    const env = { DATABASE_URL: pg.url, ZHULI_RATE_LIMIT_PER_SECOND: '0', ZHULI_DB_POOL_SIZE: '10', ZHULI_STATEMENT_TIMEOUT_MS: '10000' };
    instances.push(await startInstance(env)); // migrates and loads the demo dataset
    instances.push(await startInstance(env));
    log(`Zhuli instances: ${instances.map((i) => i.url).join(', ')}`);
    const auth = new Authenticator(loadConfig({}));
    const token = await auth.mint({ sub: 'soak', roles: [Role.PROVINCIAL_COORDINATOR], region: '340000' }, 24 * 3600);
    const filerToken = await auth.mint({ sub: 'soak-filer', roles: [Role.COUNTY_COORDINATOR], region: COUNTY, name: '浸泡测试县科协' }, 24 * 3600);

    // What the filers need from the demo data, and where the subscribers start.
    const db = new Client({ connectionString: pg.url });
    await db.connect();
    const [{ code: village }] = (await db.query(`SELECT code FROM region WHERE level = 'VILLAGE' AND code LIKE $1 AND "povertyDesignation" = 'POOR_VILLAGE' ORDER BY code LIMIT 1`, [`${COUNTY}%`])).rows;
    const [{ id: orgKey }] = (await db.query(`SELECT id FROM organization WHERE "regionCode" LIKE $1 AND status = 'ACTIVE' ORDER BY name LIMIT 1`, [`${COUNTY}%`])).rows;
    const [{ c: startCursor }] = (await db.query(`SELECT COALESCE(MAX(cursor), 0)::text AS c FROM notification`)).rows;
    await db.end();

    const latencies: number[] = [];
    const outcomes = new Map<string, number>();
    const count = (k: string, n = 1) => outcomes.set(k, (outcomes.get(k) ?? 0) + n);
    const acknowledged = new Map<string, string>(); // organization id → name
    const filed = new Set<string>(); // agreement global ids whose filing was acknowledged (or found committed)
    const filing = { attempted: 0, recoveredAfterLostAnswer: 0, abandoned: 0 };
    let requests = 0;
    let writesAttempted = 0;
    let ticks = 0;
    let resubscribes = 0;
    const closeCodes = new Map<number, number>();
    const memory: Array<{ t: number; rss: number[]; heap: number[]; load: number }> = [];
    const started = Date.now();
    const end = started + durationMs;
    let seq = 0;

    const post = async (inst: Instance, query: string, variables?: unknown, bearer: string | null = token): Promise<{ status: number; body: Body }> => {
      const t0 = performance.now();
      requests++;
      try {
        const res = await fetch(inst.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
          body: JSON.stringify({ query, variables }),
          signal: AbortSignal.timeout(15_000),
        });
        const body = (await res.json()) as Body;
        latencies.push(performance.now() - t0);
        if (res.status >= 500) count(`http ${res.status} ${body?.errors?.[0]?.extensions?.code ?? ''}`.trim());
        else if (body?.errors?.length) count(`graphql ${body.errors[0].extensions?.code ?? 'UNKNOWN'}`);
        else count('ok');
        return { status: res.status, body };
      } catch (err) {
        latencies.push(performance.now() - t0);
        count(`network ${(err as Error).name === 'TimeoutError' ? 'timeout' : ((err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message)}`);
        return { status: 0, body: null };
      }
    };
    /** A failure worth retrying: no answer, a 5xx, or the database being away. */
    const transient = (r: { status: number; body: Body }) =>
      !r.body || r.status >= 500 || (r.body.errors ?? []).some((e) => ['SERVICE_UNAVAILABLE', 'TIMEOUT', 'INTERNAL_SERVER_ERROR'].includes(e.extensions?.code ?? ''));

    const READS = [
      '{ regions(first: 20, filter: { parentCode: "341500" }) { totalCount nodes { code name parent { name } } } }',
      '{ region(code: "341524") { name povertyDesignation pairings { nodes { basis helper { name } } } } }',
      '{ organizations(first: 20) { totalCount nodes { name type region { name } } } }',
      '{ experts(first: 20) { nodes { name region { name } } } }',
      '{ agreements(first: 20, filter: { within: "341524" }, orderBy: { field: UPDATED_AT, direction: DESC }) { totalCount nodes { title status organization { name } } } }',
      '{ notifications(first: 20, filter: { within: "341524" }) { totalCount nodes { cursor type agreement { status } } } }',
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
            regionCode: COUNTY,
            creditCode: withCreditCheck(`51341524MJ${String(n % 10_000_000).padStart(7, '0')}`),
            contactName: '汪德明',
            contactPhone: '13905641234',
            serviceCategories: ['PLANTING'],
            idempotencyKey: `soak-${process.pid}-${n}`,
          };
          for (let attempt = 0; attempt < 20 && Date.now() < end + 10_000; attempt++) {
            const target = instances[(w + attempt) % instances.length];
            const { body } = await post(target, CREATE, { i: input });
            const r = body?.data?.createOrganization;
            if (r?.organization) {
              acknowledged.set(r.organization.id, name);
              break;
            }
            if (r?.userErrors?.length && r.userErrors[0].code !== 'INVALID_STATE') {
              count(`userError ${r.userErrors[0].code}`);
              break;
            }
            await sleep(250 * (attempt + 1));
          }
        } else {
          await post(inst, READS[Math.floor(Math.random() * READS.length)]);
        }
      }
    };

    // ---- Filers: create → sign → file through the real mutations, each step retried until its outcome is known.
    const AGREEMENT = 'agreement { id version status } currentStatus userErrors { code message }';
    const READ_AGREEMENT = 'query($id: ID!) { node(id: $id) { ... on Agreement { id version status } } }';
    type Ref = { id: string; version: number; status: string };
    /** Runs one agreement step until it is known to have happened (or the state says it already had). */
    const step = async (f: number, mutationName: string, inputType: string, input: Record<string, unknown>, done: string, ref: Ref | null): Promise<Ref | null> => {
      let current = ref;
      for (let attempt = 0; attempt < 30 && Date.now() < end + 30_000; attempt++) {
        const inst = instances[(f + attempt) % instances.length];
        const r = await post(inst, `mutation($i: ${inputType}!) { ${mutationName}(input: $i) { ${AGREEMENT} } }`, { i: current ? { ...input, id: current.id, version: current.version } : input }, filerToken);
        const p = r.body?.data?.[mutationName];
        if (p?.agreement && !p.userErrors.length) return p.agreement as Ref;
        if (p?.userErrors?.length) {
          const code = p.userErrors[0].code as string;
          // A stale version or state after a lost answer: read the agreement and see whether the step happened.
          if (current && (code === 'VERSION_CONFLICT' || code === 'INVALID_STATE')) {
            const seen = await post(inst, READ_AGREEMENT, { id: current.id }, filerToken);
            const a = seen.body?.data?.node as Ref | undefined;
            if (a?.status === done) {
              count(`recovered ${mutationName} (answer lost, step had committed)`);
              if (mutationName === 'fileAgreement') filing.recoveredAfterLostAnswer++;
              return a;
            }
            if (a) current = a;
          } else if (code !== 'INVALID_STATE') {
            count(`userError ${mutationName} ${code}`);
            return null;
          }
        } else if (!transient(r)) {
          count(`unexpected ${mutationName}`);
          return null;
        }
        await sleep(Math.min(200 * (attempt + 1), 2000));
      }
      return null;
    };
    const filer = async (f: number) => {
      let n = 0;
      while (Date.now() < end) {
        n++;
        filing.attempted++;
        const created = await step(
          f,
          'createAgreement',
          'CreateAgreementInput',
          { ...agreementContent(COUNTY, orgKey, village, `浸泡测试帮扶协议 ${f}-${n}`), idempotencyKey: `soak-agreement-${process.pid}-${f}-${n}` },
          'DRAFT',
          null,
        );
        const signed = created && (await step(f, 'signAgreement', 'SignAgreementInput', { signingDate: '2018-02-28', signatories: SIGNATORIES }, 'SIGNED', created));
        const done = signed && (await step(f, 'fileAgreement', 'AgreementTransitionInput', { note: '浸泡测试报备案' }, 'COUNTY_REVIEW', signed));
        if (done?.status === 'COUNTY_REVIEW') filed.add(done.id);
        else filing.abandoned++;
        await sleep(100);
      }
    };

    // ---- Filing subscribers: resume from the last cursor on every reconnect, on alternating instances.
    const subs: Subscriber[] = Array.from({ length: subscriberCount }, (_, s) => ({
      name: `sub${s + 1}`,
      field: s % 2 ? 'agreementFiled' : 'filingEvents',
      received: new Map(),
      last: startCursor,
      outOfOrder: 0,
      connections: 0,
      ends: new Map(),
    }));
    const subscriberTokens = await Promise.all(subs.map((s) => auth.mint({ sub: `soak-${s.name}`, roles: [Role.COUNTY_COORDINATOR], region: COUNTY }, 24 * 3600)));
    let subscribersStop = false;
    const QUERIES = {
      filingEvents: `subscription($r: String!, $after: String) { filingEvents(regionCode: $r, types: [FILED], after: $after) { cursor type agreement { id status } } }`,
      agreementFiled: `subscription($r: String!, $after: String) { agreementFiled(regionCode: $r, after: $after) { cursor agreement { id } filer { subject } } }`,
    };
    const runSubscriber = async (s: Subscriber, index: number) => {
      let k = index;
      while (!subscribersStop) {
        const inst = instances[k++ % instances.length];
        s.connections++;
        const endReason = await new Promise<string>((resolve) => {
          let socket: WebSocket | undefined;
          const client = createClient({
            url: inst.url.replace(/^http/, 'ws'),
            webSocketImpl: WebSocket,
            connectionParams: { authorization: `Bearer ${subscriberTokens[index]}` },
            retryAttempts: 0,
            lazy: true,
            on: { connected: (sock) => (socket = sock as WebSocket) },
          });
          wsClients.add(client);
          let finished = false;
          const finish = (why: string) => {
            if (finished) return;
            finished = true;
            s.drop = undefined;
            clearTimeout(lossTimer);
            wsClients.delete(client);
            void client.dispose();
            resolve(why);
          };
          // Simulated network loss now and then: the socket is cut without a close handshake.
          const lossTimer = setTimeout(() => {
            socket?.terminate();
            finish('network loss (simulated)');
          }, 45_000 + Math.random() * 45_000);
          s.drop = (reason) => {
            socket?.terminate();
            finish(reason);
          };
          client.subscribe<Record<string, { cursor: string }>>(
            { query: QUERIES[s.field], variables: { r: COUNTY, after: s.last } },
            {
              next: (msg) => {
                if (msg.errors?.length) return finish(`error ${msg.errors[0].extensions?.code ?? msg.errors[0].message}`);
                const cursor = msg.data?.[s.field]?.cursor;
                if (!cursor) return;
                s.received.set(cursor, (s.received.get(cursor) ?? 0) + 1);
                if (BigInt(cursor) <= BigInt(s.last)) s.outOfOrder++;
                else s.last = cursor;
              },
              error: (err) => {
                const e = err as { code?: number; reason?: string; message?: string } | Array<{ extensions?: { code?: string }; message?: string }>;
                if (Array.isArray(e)) finish(`error ${e[0]?.extensions?.code ?? e[0]?.message}`);
                else if (typeof e?.code === 'number') finish(`closed ${e.code}`);
                else finish(`error ${e?.message ?? 'unknown'}`);
              },
              complete: () => finish('completed by the server'),
            },
          );
        });
        s.ends.set(endReason, (s.ends.get(endReason) ?? 0) + 1);
        if (!subscribersStop) await sleep(300 + Math.random() * 400);
      }
    };

    const heartbeat = async (h: number) => {
      while (Date.now() < end) {
        const inst = instances[h % instances.length];
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
          await sleep(500);
        }
      }
    };

    const loadAvg = () => Number(fs.readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
    const sample = async () => {
      memory.push({ t: Math.round((Date.now() - started) / 1000), rss: instances.map((i) => Math.round(rssMb(i.child.pid))), heap: await Promise.all(instances.map(heapMb)), load: loadAvg() });
    };
    await sample();
    const sampler = setInterval(() => void sample(), 10_000);

    // PostgreSQL goes away halfway through (fast shutdown: connections are cut), and comes back 5 s later.
    let restart: { stoppedAt: number; startedAt: number; readyAgainMs?: number } | undefined;
    const restarter = (async () => {
      await sleep(durationMs / 2);
      log('stopping PostgreSQL');
      const stoppedAt = Date.now();
      pg.stop();
      await sleep(5000);
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
        await sleep(100);
      }
      log(`instances ready again after ${restart.readyAgainMs ?? '>60000'} ms; every filing subscriber drops its connection and resumes`);
      for (const s of subs) s.drop?.('dropped after the PostgreSQL restart');
    })();

    const progress = setInterval(() => {
      const m = memory[memory.length - 1];
      log(`${requests} requests, ${acknowledged.size} organizations and ${filed.size} filings acknowledged, ${subs.map((s) => s.received.size).join('/')} events per subscriber, RSS ${m?.rss.join('/')} MB, heap ${m?.heap.join('/')} MB, load ${m?.load}`);
    }, 30_000);
    const subscriberRuns = subs.map((s, i) => runSubscriber(s, i));
    await Promise.all([
      ...Array.from({ length: workers }, (_, w) => worker(w)),
      ...Array.from({ length: filers }, (_, f) => filer(f)),
      ...Array.from({ length: heartbeats }, (_, h) => heartbeat(h)),
      restarter,
    ]);
    clearInterval(sampler);
    clearInterval(progress);
    await sample();
    log('load finished; waiting for the subscribers to catch up');

    // ---- Consistency.
    const c = new Client({ connectionString: pg.url });
    await c.connect();
    // Every committed notification gets its cursor (a crashed publisher's rows are stamped by the sweep).
    for (let i = 0; i < 100 && (await c.query(`SELECT count(*)::int AS n FROM notification WHERE cursor IS NULL`)).rows[0].n > 0; i++) await sleep(100);
    const { rows: expectedRows } = await c.query<{ cursor: string }>(`SELECT cursor::text AS cursor FROM notification WHERE type = 'FILED' AND "regionCode" LIKE $1 AND cursor > $2 ORDER BY cursor`, [`${COUNTY}%`, startCursor]);
    const expected = expectedRows.map((r) => r.cursor);
    const caughtUpBy = Date.now() + 60_000;
    while (Date.now() < caughtUpBy && subs.some((s) => expected.some((e) => !s.received.has(e)))) await sleep(200);
    subscribersStop = true;
    for (const s of subs) s.drop?.('end of the run');
    for (const cl of wsClients) void cl.dispose();
    await Promise.all(subscriberRuns);

    const ids = [...acknowledged.keys()].map((id) => Buffer.from(id, 'base64url').toString('utf8').split(':')[1]);
    const { rows } = await c.query<{ id: string }>('SELECT id::text FROM organization WHERE id = ANY($1::uuid[])', [ids]);
    const { rows: dupes } = await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM (SELECT name FROM organization WHERE name LIKE $1 GROUP BY name HAVING count(*) > 1) d`, [`浸泡测试农技协${process.pid}-%`]);
    const { rows: all } = await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM organization WHERE name LIKE $1`, [`浸泡测试农技协${process.pid}-%`]);
    const filedKeys = [...filed].map((id) => Buffer.from(id, 'base64url').toString('utf8').split(':')[1]);
    const { rows: filedInDb } = await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM agreement WHERE id = ANY($1::uuid[]) AND status = 'COUNTY_REVIEW'`, [filedKeys]);
    // Every filing in the database (acknowledged or not: an answer may have been lost) has exactly one notification.
    const { rows: filingCheck } = await c.query<{ filings: number; wrong: number; notifications: number; unstamped: number }>(
      `SELECT (SELECT count(*)::int FROM agreement_filing_step s JOIN agreement a ON a.id = s."agreementId" WHERE a.title LIKE '浸泡测试帮扶协议%' AND s.decision = 'FILED') AS filings,
              (SELECT count(*)::int FROM agreement a WHERE a.title LIKE '浸泡测试帮扶协议%' AND a.status <> 'DRAFT' AND a.status <> 'SIGNED'
                 AND (SELECT count(*) FROM notification n WHERE n."agreementId" = a.id AND n.type = 'FILED') <> 1) AS wrong,
              (SELECT count(*)::int FROM notification n JOIN agreement a ON a.id = n."agreementId" WHERE a.title LIKE '浸泡测试帮扶协议%' AND n.type = 'FILED') AS notifications,
              (SELECT count(*)::int FROM notification WHERE cursor IS NULL) AS unstamped`,
    );
    const { rows: drafts } = await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM (SELECT title FROM agreement WHERE title LIKE '浸泡测试帮扶协议%' GROUP BY title HAVING count(*) > 1) d`);
    await c.end();
    const missing = ids.length - rows.length;
    const expectedSet = new Set(expected);
    const subscriberReport = subs.map((s) => ({
      name: s.name,
      field: s.field,
      received: [...s.received.values()].reduce((a, b) => a + b, 0),
      distinct: s.received.size,
      missing: expected.filter((e) => !s.received.has(e)).length,
      duplicates: [...s.received.values()].filter((n) => n > 1).length,
      unexpected: [...s.received.keys()].filter((k) => !expectedSet.has(k)).length,
      outOfOrder: s.outOfOrder,
      connections: s.connections,
      ends: [...s.ends].sort((a, b) => b[1] - a[1]),
    }));

    const sorted = [...latencies].sort((a, b) => a - b);
    const elapsed = (Date.now() - started) / 1000;
    const byKind = [...outcomes].sort((a, b) => b[1] - a[1]);
    const half = memory.filter((m) => m.t >= durationMs / 2000);
    const result: Result = {
      date: new Date().toISOString(),
      machine: `${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} CPUs, ${Math.round(os.totalmem() / 2 ** 30)} GB RAM, ${os.type()} ${os.release()}, Node ${process.version}`,
      command: `npm run soak -- --minutes ${minutes} --workers ${workers} --filers ${filers} --subscribers ${subscriberCount} --heartbeats ${heartbeats}`,
      elapsedSeconds: Math.round(elapsed),
      requests,
      throughput: Math.round(requests / (durationMs / 1000)),
      outcomes: byKind,
      latencyMs: { p50: percentile(sorted, 50), p90: percentile(sorted, 90), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] },
      writes: { attempted: writesAttempted, acknowledged: acknowledged.size, missing, duplicates: dupes[0].n, rowsWithSoakNames: all[0].n },
      filings: {
        attempted: filing.attempted,
        acknowledged: filed.size,
        acknowledgedInDb: filedInDb[0].n,
        recoveredAfterLostAnswer: filing.recoveredAfterLostAnswer,
        abandoned: filing.abandoned,
        filingSteps: filingCheck[0].filings,
        notifications: filingCheck[0].notifications,
        agreementsWithoutExactlyOneNotification: filingCheck[0].wrong,
        unstampedNotifications: filingCheck[0].unstamped,
        duplicateDrafts: drafts[0].n,
        expectedEvents: expected.length,
      },
      subscribers: subscriberReport,
      heartbeats: { ticks, resubscribes, closeCodes: [...closeCodes] },
      restart,
      memory,
      trend: {
        rssMbPerMinuteSecondHalf: instances.map((_, i) => slope(half.map((m) => [m.t / 60, m.rss[i]]))),
        heapMbPerMinuteSecondHalf: instances.map((_, i) => slope(half.map((m) => [m.t / 60, m.heap[i]]))),
      },
      load: { min: Math.min(...memory.map((m) => m.load)), mean: memory.reduce((s, m) => s + m.load, 0) / memory.length, max: Math.max(...memory.map((m) => m.load)) },
    };
    const failures = [
      missing > 0 && `${missing} acknowledged organizations missing`,
      dupes[0].n > 0 && `${dupes[0].n} organizations stored twice`,
      result.filings.acknowledgedInDb !== filed.size && `${filed.size - result.filings.acknowledgedInDb} acknowledged filings not in COUNTY_REVIEW`,
      result.filings.agreementsWithoutExactlyOneNotification > 0 && `${result.filings.agreementsWithoutExactlyOneNotification} filed agreements without exactly one notification`,
      result.filings.filingSteps !== result.filings.notifications && `filing steps ${result.filings.filingSteps} ≠ FILED notifications ${result.filings.notifications}`,
      result.filings.unstampedNotifications > 0 && `${result.filings.unstampedNotifications} notifications never stamped`,
      drafts[0].n > 0 && `${drafts[0].n} agreements drafted twice`,
      ...subscriberReport.filter((s) => s.missing || s.duplicates || s.unexpected || s.outOfOrder).map((s) => `${s.name}: ${s.missing} missing, ${s.duplicates} duplicates, ${s.unexpected} unexpected, ${s.outOfOrder} out of order`),
    ].filter(Boolean) as string[];
    result.failures = failures;
    log(JSON.stringify({ ...result, memory: undefined }, null, 1));
    writeReport(values.out as string, result);
    log(`results written to ${values.out}`);
    if (failures.length) {
      log(`CONSISTENCY FAILURES:\n- ${failures.join('\n- ')}`);
      process.exitCode = 1;
    } else log('consistency: every check passed');
  } finally {
    for (const s of sockets) s.terminate();
    for (const cl of wsClients) void cl.dispose();
    for (const i of instances) i.child.kill('SIGTERM');
    await sleep(2000);
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
  filings: {
    attempted: number;
    acknowledged: number;
    acknowledgedInDb: number;
    recoveredAfterLostAnswer: number;
    abandoned: number;
    filingSteps: number;
    notifications: number;
    agreementsWithoutExactlyOneNotification: number;
    unstampedNotifications: number;
    duplicateDrafts: number;
    expectedEvents: number;
  };
  subscribers: Array<{ name: string; field: string; received: number; distinct: number; missing: number; duplicates: number; unexpected: number; outOfOrder: number; connections: number; ends: Array<[string, number]> }>;
  heartbeats: { ticks: number; resubscribes: number; closeCodes: Array<[number, number]> };
  restart?: { stoppedAt: number; startedAt: number; readyAgainMs?: number };
  memory: Array<{ t: number; rss: number[]; heap: number[]; load: number }>;
  trend: { rssMbPerMinuteSecondHalf: number[]; heapMbPerMinuteSecondHalf: number[] };
  load: { min: number; mean: number; max: number };
  failures?: string[];
};

/** Replaces the "Latest soak run" section of docs/reliability.md (or appends it); the JSON goes to bench/results. */
function writeReport(file: string, r: Result): void {
  const f = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : 'n/a');
  const mem = r.memory.filter((m, i, a) => i === 0 || i === a.length - 1 || m.t % 60 < 10);
  const section = [
    '## Latest soak run',
    '',
    `- Date: ${r.date}`,
    `- Machine: ${r.machine} — **shared**: other engineers' builds and tests ran at the same time; load average (1 min) during the run: min ${r.load.min.toFixed(2)}, mean ${r.load.mean.toFixed(2)}, max ${r.load.max.toFixed(2)}`,
    `- Command: \`${r.command}\``,
    `- Duration: ${r.elapsedSeconds} s including the final catch-up; two Zhuli instances on one throwaway PostgreSQL 15; PostgreSQL stopped (fast) at ${Math.round((r.restart?.stoppedAt ?? 0) / 1000)} s and started again 5 s later; both instances ready again ${r.restart?.readyAgainMs ?? 'n/a'} ms after it was back.`,
    `- Result: ${r.failures?.length ? `**FAILED** — ${r.failures.join('; ')}` : 'every consistency check passed'}`,
    '',
    '| Measure | Value |',
    '|---|---|',
    `| Requests served | ${r.requests} (${r.throughput}/s) |`,
    `| Latency p50 / p90 / p99 / max | ${f(r.latencyMs.p50)} / ${f(r.latencyMs.p90)} / ${f(r.latencyMs.p99)} / ${f(r.latencyMs.max)} ms |`,
    `| Organizations: writes attempted / acknowledged | ${r.writes.attempted} / ${r.writes.acknowledged} |`,
    `| Acknowledged organizations missing from the database / stored twice | ${r.writes.missing} / ${r.writes.duplicates} (rows with soak names: ${r.writes.rowsWithSoakNames}) |`,
    `| Filings (create → sign → file): attempted / acknowledged / in COUNTY_REVIEW | ${r.filings.attempted} / ${r.filings.acknowledged} / ${r.filings.acknowledgedInDb} |`,
    `| Filings whose answer was lost but which had committed (found by re-reading) | ${r.filings.recoveredAfterLostAnswer} |`,
    `| Filings abandoned (run ended or a step refused) | ${r.filings.abandoned} |`,
    `| FILED history steps / FILED notifications / filed agreements without exactly one | ${r.filings.filingSteps} / ${r.filings.notifications} / ${r.filings.agreementsWithoutExactlyOneNotification} |`,
    `| Agreements drafted twice / notifications never stamped | ${r.filings.duplicateDrafts} / ${r.filings.unstampedNotifications} |`,
    `| Filing events each subscriber had to receive | ${r.filings.expectedEvents} |`,
    `| Heartbeat ticks / resubscriptions / close codes | ${r.heartbeats.ticks} / ${r.heartbeats.resubscribes} / ${r.heartbeats.closeCodes.map(([c, n]) => `${c}×${n}`).join(', ') || 'none'} |`,
    '',
    'Filing subscribers (graphql-ws, `regionCode: "341524"`, each resuming with its last cursor on every new connection, alternating between the instances):',
    '',
    '| Subscriber | Field | Events received / distinct | Missing | Duplicates | Out of order | Connections | How connections ended |',
    '|---|---|---|---|---|---|---|---|',
    ...r.subscribers.map((s) => `| ${s.name} | ${s.field} | ${s.received} / ${s.distinct} | ${s.missing} | ${s.duplicates} | ${s.outOfOrder} | ${s.connections} | ${s.ends.map(([k, n]) => `${k} ×${n}`).join('; ')} |`),
    '',
    'Outcomes by kind (one per HTTP request; a write retried after a failure counts once per attempt):',
    '',
    '| Outcome | Count |',
    '|---|---|',
    ...r.outcomes.map(([k, n]) => `| ${k} | ${n} |`),
    '',
    'Memory of instance 1 / instance 2 over time (RSS from /proc, V8 heap in use from /metrics), with the 1-minute load average:',
    '',
    '| t (s) | RSS (MB) | heap used (MB) | load |',
    '|---|---|---|---|',
    ...mem.map((m) => `| ${m.t} | ${m.rss.join(' / ')} | ${m.heap.join(' / ')} | ${m.load.toFixed(2)} |`),
    '',
    `Trend over the second half (least squares): RSS ${r.trend.rssMbPerMinuteSecondHalf.map(f).join(' / ')} MB/min, heap ${r.trend.heapMbPerMinuteSecondHalf.map(f).join(' / ')} MB/min.`,
    '',
  ].join('\n');
  const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '# Reliability\n';
  const start = current.indexOf('## Latest soak run');
  let next = start >= 0 ? current.indexOf('\n## ', start + 5) : -1;
  if (next < 0) next = current.length;
  const updated = start >= 0 ? `${current.slice(0, start)}${section}${current.slice(next)}` : `${current.trimEnd()}\n\n${section}`;
  fs.writeFileSync(file, updated);
  const json = path.join(ROOT, 'bench', 'results', `soak-${r.date.replace(/[:.]/g, '-')}.json`);
  fs.mkdirSync(path.dirname(json), { recursive: true });
  fs.writeFileSync(json, JSON.stringify(r, null, 1));
}

main().catch((err) => {
  process.stderr.write(`soak failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
