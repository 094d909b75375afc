/**
 * The raw-SQL floor of `npm run bench` (issue 8) as an HTTP server: POST /graphql with
 * `{ variables: { within, first } }` answers PROVINCIAL_AGREEMENTS' JSON straight from RAW_AGREEMENTS_SQL (one
 * named prepared statement on a pg Pool of Zhuli's size); the query text in the body is ignored. No GraphQL, no
 * authentication: the scope is that of the benchmark's provincial coordinator (SCOPE_REGION, default 340000).
 *
 *   DATABASE_URL=postgres://… PORT=4303 [POOL_SIZE=10] [SCOPE_REGION=340000] node dist/bench/raw-server.js
 *
 * Prints "ready" when listening.
 */
import http from 'node:http';
import { Pool } from 'pg';
import { loadConfig } from '../src/config';
import { regionPrefix } from '../src/graphql/scope';
import { MAX_PAGE_SIZE } from '../src/graphql/connection';
import { RAW_AGREEMENTS_SQL } from './raw-sql';

const STATUSES = ['REGISTERED', 'IN_PROGRESS'];
const MAX_BODY = 1024 * 1024;

/** Starts the floor server; resolves once it listens. */
export async function startRawServer(env: NodeJS.ProcessEnv = process.env): Promise<http.Server> {
  if (!env.DATABASE_URL) throw new Error('DATABASE_URL is required');
  // Same pool size as Zhuli (ZHULI_DB_POOL_SIZE, default 10) unless POOL_SIZE says otherwise.
  const poolSize = env.POOL_SIZE ? Number(env.POOL_SIZE) : loadConfig(env).dbPoolSize;
  const pool = new Pool({ connectionString: env.DATABASE_URL, max: poolSize });
  pool.on('error', (err) => console.error('idle client error', err.message));
  const scopeRegion = env.SCOPE_REGION || '340000';
  const scope = scopeRegion === '000000' ? '' : regionPrefix(scopeRegion);

  const reply = (res: http.ServerResponse, status: number, body: string) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };
  const fail = (res: http.ServerResponse, status: number, message: string) => reply(res, status, JSON.stringify({ errors: [{ message }] }));

  // SQL statements sent, for the runner's statements-per-request table (GET /stats).
  let statements = 0;
  const server = http.createServer((req, res) => {
    if (req.url === '/stats') return reply(res, 200, JSON.stringify({ statements }));
    if (req.url !== '/graphql' || req.method !== 'POST') return fail(res, 404, 'POST /graphql only');
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) req.destroy();
      else chunks.push(c);
    });
    req.on('end', async () => {
      let within: unknown;
      let first: unknown;
      try {
        ({ within, first } = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { variables?: Record<string, unknown> }).variables ?? {});
      } catch {
        return fail(res, 400, 'body is not JSON');
      }
      if (typeof within !== 'string' || !Number.isInteger(first) || (first as number) < 0 || (first as number) > MAX_PAGE_SIZE) {
        return fail(res, 400, `variables.within must be a string and variables.first an integer from 0 to ${MAX_PAGE_SIZE}`);
      }
      try {
        statements++;
        const { rows } = await pool.query<{ body: string }>({ name: 'provincial_agreements', text: RAW_AGREEMENTS_SQL, values: [`${scope}%`, `${regionPrefix(within)}%`, STATUSES, first] });
        reply(res, 200, rows[0].body);
      } catch (err) {
        console.error(err);
        fail(res, 500, 'query failed');
      }
    });
  });
  server.keepAliveTimeout = 65_000;
  server.on('close', () => void pool.end());
  await new Promise<void>((resolve) => server.listen(Number(env.PORT ?? 4303), resolve));
  return server;
}

if (require.main === module) {
  startRawServer()
    .then((server) => {
      console.log('ready');
      // Stop promptly (the runner stops peers between rounds): drop idle keep-alive connections, wait at most 2 s.
      const stop = () => {
        setTimeout(() => process.exit(0), 2000).unref();
        server.close(() => process.exit(0));
        server.closeIdleConnections();
      };
      process.on('SIGTERM', stop);
      process.on('SIGINT', stop);
    })
    .catch((err) => {
      console.error(err);
      process.exit(1);
    });
}
