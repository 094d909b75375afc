/**
 * The peers of `npm run bench` (issue 8) and the check that they answer the same thing as Zhuli before anyone
 * measures them:
 * - PostGraphile v4 (bench/postgraphile/: server.js, setup.sql) with POSTGRAPHILE_AGREEMENTS, the query a
 *   PostGraphile user writes for Zhuli's PROVINCIAL_AGREEMENTS (bench/queries.ts);
 * - the raw-SQL floor (bench/raw-sql.ts, bench/raw-server.ts), whose body must equal Zhuli's `data` exactly.
 * compareResults() throws with the first difference it finds, by path.
 */
import 'reflect-metadata';
import fs from 'node:fs';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { isDeepStrictEqual } from 'node:util';
import { Client } from 'pg';
import { toGlobalId } from '../src/graphql/node';
import { ROOT } from './support';

/** The PostGraphile peer's folder (its own package.json and node_modules: `npm ci --prefix bench/postgraphile`). */
export const POSTGRAPHILE_DIR = path.join(ROOT, 'bench', 'postgraphile');

/** Applies bench/postgraphile/setup.sql (idempotent) to the benchmark database. */
export async function applyPostGraphileSetup(databaseUrl: string): Promise<void> {
  const c = new Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    await c.query(fs.readFileSync(path.join(POSTGRAPHILE_DIR, 'setup.sql'), 'utf8'));
  } finally {
    await c.end();
  }
}

/** A running peer: its GraphQL URL and how to stop it (SIGTERM; the peers exit within two seconds). */
export interface RunningPeer {
  child: ChildProcess;
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts a peer — `postgraphile` (node bench/postgraphile/server.js) or `raw` (node dist/bench/raw-server.js) — on
 * `port` against `databaseUrl` and resolves once it prints "ready". POOL_SIZE defaults to Zhuli's pool size (10).
 */
export function startPeer(kind: 'postgraphile' | 'raw', databaseUrl: string, port: number, extraEnv: Record<string, string> = {}): Promise<RunningPeer> {
  const script = kind === 'postgraphile' ? path.join(POSTGRAPHILE_DIR, 'server.js') : path.join(ROOT, 'dist', 'bench', 'raw-server.js');
  const child = spawn(process.execPath, [script], {
    cwd: kind === 'postgraphile' ? POSTGRAPHILE_DIR : ROOT,
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', ...extraEnv, DATABASE_URL: databaseUrl, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${kind} peer did not print "ready" within 60 s`));
    }, 60_000);
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      if (/^ready$/m.test(out)) {
        clearTimeout(timer);
        child.stdout?.removeAllListeners('data');
        child.stdout?.resume();
        resolve({ child, url: `http://127.0.0.1:${port}/graphql`, stop });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${kind} peer exited with ${code} before it was ready`));
    });
  });
}

/**
 * PROVINCIAL_AGREEMENTS for PostGraphile v4 over the same database, with setup.sql applied: the root function
 * agreements_within() (Zhuli's `within` + status filter and its UPDATED_AT DESC, id DESC order), the foreign keys
 * the migrations declare (organization, experts through agreement_expert, villages through agreement_village with
 * region.parentCode twice, the filing steps) with the same orderings and page sizes as Zhuli's resolvers, and the
 * latest_evaluation view as a single backward relation. Variables: `{ within, first }`, as Zhuli's.
 */
export const POSTGRAPHILE_AGREEMENTS = /* GraphQL */ `
  query ProvincialAgreements($within: String!, $first: Int!) {
    agreementsWithin(within: $within, statuses: [REGISTERED, IN_PROGRESS], first: $first) {
      pageInfo { hasNextPage endCursor }
      nodes {
        id
        registryNumber
        title
        status
        regionCode
        registeredAt
        updatedAt
        organizationByOrganizationId { id name type regionCode }
        agreementExpertsByAgreementId(orderBy: EXPERT_ID_ASC) { nodes { expertByExpertId { id name title regionCode } } }
        agreementVillagesByAgreementId(first: 10, orderBy: VILLAGE_CODE_ASC) {
          nodes { regionByVillageCode { code name regionByParentCode { code name regionByParentCode { code name } } } }
        }
        latestEvaluation { id year level totalScore grade status }
        agreementFilingStepsByAgreementId(first: 10, orderBy: ID_ASC) {
          nodes { level decision toStatus actorName reason at }
        }
      }
    }
  }
`;

/** The `data` of a GraphQL response body (a parsed object or its text); throws on errors or a missing `data`. */
function dataOf(name: string, body: unknown): Record<string, any> {
  const parsed = typeof body === 'string' ? (JSON.parse(body) as unknown) : body;
  const b = parsed as { data?: Record<string, any> | null; errors?: unknown[] } | null;
  if (!b || typeof b !== 'object') throw new Error(`${name}: the response body is not a JSON object`);
  if (b.errors?.length) throw new Error(`${name}: the response has errors: ${JSON.stringify(b.errors).slice(0, 500)}`);
  if (!b.data) throw new Error(`${name}: the response has no data`);
  return b.data;
}

const iso = (v: string | null): string | null => (v == null ? null : new Date(v).toISOString());

interface PgRegion {
  code: string;
  name: string;
  regionByParentCode?: PgRegion | null;
}
function region(r: PgRegion | null | undefined, depth: number): Record<string, unknown> | null {
  if (!r) return null;
  return depth === 0 ? { code: r.code, name: r.name } : { code: r.code, name: r.name, parent: region(r.regionByParentCode, depth - 1) };
}

/**
 * PostGraphile's answer to POSTGRAPHILE_AGREEMENTS in the shape of Zhuli's `data` for PROVINCIAL_AGREEMENTS:
 * UUIDs become Zhuli's global IDs, timestamps toISOString(), the BigFloat score a number, `nodes` edges. Its
 * `endCursor` is PostGraphile's own (an opaque ["natural", n]), so it is left out (null): compare it only as present.
 */
export function fromPostGraphile(body: unknown): Record<string, any> {
  const conn = dataOf('PostGraphile', body).agreementsWithin;
  if (!conn) throw new Error('PostGraphile: data.agreementsWithin is missing');
  return {
    agreements: {
      pageInfo: { hasNextPage: conn.pageInfo.hasNextPage, endCursor: null },
      edges: (conn.nodes as any[]).map((a) => ({
        node: {
          id: toGlobalId('Agreement', a.id),
          registryNumber: a.registryNumber,
          title: a.title,
          status: a.status,
          regionCode: a.regionCode,
          registeredAt: iso(a.registeredAt),
          updatedAt: iso(a.updatedAt),
          organization: a.organizationByOrganizationId
            ? { ...a.organizationByOrganizationId, id: toGlobalId('Organization', a.organizationByOrganizationId.id) }
            : null,
          experts: (a.agreementExpertsByAgreementId.nodes as any[])
            .map((n) => n.expertByExpertId)
            .filter(Boolean)
            .map((e) => ({ ...e, id: toGlobalId('Expert', e.id) })),
          beneficiaryVillages: { edges: (a.agreementVillagesByAgreementId.nodes as any[]).map((n) => ({ node: region(n.regionByVillageCode, 2) })) },
          latestEvaluation: a.latestEvaluation
            ? { ...a.latestEvaluation, id: toGlobalId('Evaluation', a.latestEvaluation.id), totalScore: Number(a.latestEvaluation.totalScore) }
            : null,
          filingHistory: { edges: (a.agreementFilingStepsByAgreementId.nodes as any[]).map((s) => ({ node: { ...s, at: iso(s.at) } })) },
        },
      })),
    },
  };
}

/** Zhuli's (or the floor's) `data`, with `endCursor` blanked for comparing with PostGraphile. */
export function normalize(data: Record<string, any>, opts: { keepCursor: boolean } = { keepCursor: true }): Record<string, any> {
  if (opts.keepCursor) return data;
  const a = data.agreements;
  return { agreements: { ...a, pageInfo: { ...a.pageInfo, endCursor: null } } };
}

/** Path of the first difference between two JSON values (null if deep-equal). */
export function firstDifference(a: unknown, b: unknown, path = '$'): string | null {
  if (isDeepStrictEqual(a, b)) return null;
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      const d = firstDifference(a[i], b[i], `${path}[${i}]`);
      if (d) return d;
    }
    return `${path}: ${a.length} items vs ${b.length}`;
  }
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
    for (const k of keys) {
      const d = firstDifference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`);
      if (d) return d;
    }
  }
  return `${path}: ${JSON.stringify(a)?.slice(0, 200)} vs ${JSON.stringify(b)?.slice(0, 200)}`;
}

/** What compareResults() saw, for the runner's log. */
export interface PeerComparison {
  agreements: number;
  experts: number;
  villages: number;
  filingSteps: number;
  evaluations: number;
  hasNextPage: boolean;
}

/**
 * Checks that Zhuli, PostGraphile and the raw-SQL floor return the same agreements in the same order with the same
 * nested data, for the same variables. The floor's `data` must deep-equal Zhuli's (cursor included); PostGraphile's,
 * mapped by fromPostGraphile(), must deep-equal Zhuli's except for `endCursor` (PostGraphile's own cursor format,
 * only checked to be null exactly when Zhuli's is). Zhuli's `extensions` (statement count, rate limit) are not data
 * and are ignored. Throws with the first difference; returns counts for the log.
 */
export function compareResults(zhuliBody: unknown, postgraphileBody: unknown, rawBody: unknown): PeerComparison {
  const zhuli = dataOf('Zhuli', zhuliBody);
  const raw = dataOf('raw SQL', rawBody);
  const pg = fromPostGraphile(postgraphileBody);
  const rawDiff = firstDifference(zhuli, raw);
  if (rawDiff) throw new Error(`raw SQL differs from Zhuli at ${rawDiff}`);
  const pgCursor = dataOf('PostGraphile', postgraphileBody).agreementsWithin.pageInfo.endCursor;
  if ((pgCursor == null) !== (zhuli.agreements.pageInfo.endCursor == null)) {
    throw new Error(`PostGraphile's endCursor is ${pgCursor == null ? 'null' : 'set'} but Zhuli's is ${zhuli.agreements.pageInfo.endCursor == null ? 'null' : 'set'}`);
  }
  const pgDiff = firstDifference(normalize(zhuli, { keepCursor: false }), pg);
  if (pgDiff) throw new Error(`PostGraphile differs from Zhuli at ${pgDiff}`);
  const nodes = (zhuli.agreements.edges as Array<{ node: any }>).map((e) => e.node);
  return {
    agreements: nodes.length,
    experts: nodes.reduce((n, a) => n + a.experts.length, 0),
    villages: nodes.reduce((n, a) => n + a.beneficiaryVillages.edges.length, 0),
    filingSteps: nodes.reduce((n, a) => n + a.filingHistory.edges.length, 0),
    evaluations: nodes.filter((a) => a.latestEvaluation).length,
    hasNextPage: zhuli.agreements.pageInfo.hasNextPage,
  };
}
