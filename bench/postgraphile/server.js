'use strict';
// PostGraphile v4 peer of the issue 8 benchmark: serves the benchmark database at POST /graphql on PORT and
// prints "ready" once the schema is built. Plain CommonJS with its own node_modules (PostGraphile 4 needs
// graphql 15); install with `npm ci --prefix bench/postgraphile`, apply setup.sql to the database first.
//
//   DATABASE_URL=postgres://… PORT=4302 [POOL_SIZE=10] node bench/postgraphile/server.js
const http = require('node:http');
const { Pool } = require('pg');
const { postgraphile } = require('postgraphile');

const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) {
  console.error('DATABASE_URL is required');
  process.exit(2);
}
const port = Number(process.env.PORT || 4302);
// Same default as Zhuli's ZHULI_DB_POOL_SIZE (src/config.ts), so both peers get the same connections.
const poolSize = Number(process.env.POOL_SIZE || 10);

const pool = new Pool({ connectionString: databaseUrl, max: poolSize });
pool.on('error', (err) => console.error('idle client error', err.message));
// SQL statements sent, for the runner's statements-per-request table (GET /stats): every query of every client.
let statements = 0;
pool.on('connect', (client) => {
  const query = client.query.bind(client);
  client.query = (...args) => {
    statements++;
    return query(...args);
  };
});

// What a performance-minded PostGraphile user runs in production: no watch mode, no GraphiQL, no query log,
// no stack traces; JSON columns as JSON; non-null set members; introspection cached once at start.
const middleware = postgraphile(pool, ['public', 'postgraphile_bench'], {
  watchPg: false,
  graphiql: false,
  enhanceGraphiql: false,
  disableQueryLog: true,
  dynamicJson: true,
  setofFunctionsContainNulls: false,
  ignoreRBAC: false,
  ignoreIndexes: true,
  legacyRelations: 'omit',
  showErrorStack: false,
  extendedErrors: [],
  enableQueryBatching: false,
  retryOnInitFail: false,
  bodySizeLimit: '1MB',
});

const server = http.createServer((req, res) => {
  if (req.url === '/stats') {
    res.writeHead(200, { 'content-type': 'application/json' });
    return res.end(JSON.stringify({ statements }));
  }
  return middleware(req, res);
});
server.keepAliveTimeout = 65_000;

middleware
  .getGraphQLSchema()
  .then(() => {
    server.listen(port, () => console.log('ready'));
  })
  .catch((err) => {
    console.error('PostGraphile could not build its schema:', err);
    process.exit(1);
  });

// Stop promptly on SIGTERM (the runner stops peers between rounds): refuse new connections, drop idle keep-alive
// ones, and do not wait more than two seconds for the pool.
const stop = () => {
  setTimeout(() => process.exit(0), 2000).unref();
  server.close();
  server.closeIdleConnections();
  pool.end().finally(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
