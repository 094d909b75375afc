import http from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { WebSocketServer, type WebSocket } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import { GraphQLError, parse, validate, type GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import helmet from 'helmet';
import { IdempotencyStore } from '../graphql/idempotency';
import { checkOperation, type CostReport, type QueryLimits } from '../graphql/limits';
import { hasRole, Role } from '../graphql/principal';
import { Metrics } from './metrics';
import { Admission } from './admission';
import { jitGateway } from './jit-executor';
import { RateLimiter, type RateLimitState } from './rate-limit';
import { sha256, TrustedDocuments } from './trusted-documents';
import type { Config } from '../config';
import type { Database } from '../db/data-source';
import { requestDataSource, type RequestStats } from '../db/request-stats';
import { createSchema } from '../graphql/schema';
import { Scope } from '../graphql/scope';
import type { Principal } from '../graphql/principal';
import { createLoaders, createServices, type Context, type ServiceOptions, type Services } from '../modules/context';
import { orphanedTypes, resolvers } from '../modules/registry';
import { Client } from 'pg';
import type { QueryRunner } from 'typeorm';
import { Authenticator } from './auth';
import { Housekeeping } from './housekeeping';
import type { Logger } from './logger';

/** A running Zhuli server: HTTP and WebSocket on one port, same path. */
export interface RunningServer {
  url: string;
  port: number;
  services: Services;
  auth: Authenticator;
  metrics: Metrics;
  housekeeping: Housekeeping;
  /** Stops accepting, closes subscriptions (1001 Going Away), waits for in-flight requests, then resolves. */
  stop(): Promise<void>;
}

/** What the HTTP middleware learnt about a request before Apollo runs it. */
interface RequestExtras {
  requestId: string;
  principal?: Principal;
  authError?: unknown;
  rateLimit?: RateLimitState;
  /** The SQL the request runs, counted from the start (a timed-out request cancels what still runs). */
  stats: RequestStats;
}

/** Per-operation facts reported in `extensions` (keyed by the operation's context). */
interface OperationExtras {
  rateLimit?: RateLimitState;
  cost?: CostReport;
}

const KNOWN_CODES = new Set([
  'BAD_USER_INPUT',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
  'QUERY_TOO_COMPLEX',
  'RATE_LIMITED',
  'OPERATION_NOT_TRUSTED',
  'PAYLOAD_TOO_LARGE',
  'TIMEOUT',
  'SERVICE_UNAVAILABLE',
  'CURSOR_EXPIRED',
  'TOO_MANY_SUBSCRIPTIONS',
]);

/**
 * What a client may see of an error (HTTP through Apollo's formatError, and graphql-ws): known codes pass
 * unchanged without stack traces; database faults become TIMEOUT / SERVICE_UNAVAILABLE; anything else becomes a
 * generic INTERNAL_SERVER_ERROR — never a stack trace, SQL or a driver message.
 */
export function maskError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const code = formatted.extensions?.code as string | undefined;
  if (code && KNOWN_CODES.has(code)) {
    const { stacktrace: _drop, ...ext } = formatted.extensions ?? {};
    return { ...formatted, extensions: ext };
  }
  const fault = databaseFault(unwrapResolverError(error));
  if (fault) return { message: fault.message, locations: formatted.locations, path: formatted.path, extensions: { code: fault.code } };
  return { message: 'Internal server error; quote the request id when reporting it', locations: formatted.locations, path: formatted.path, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
}

/**
 * Masks the errors graphql-ws would send as they are. Errors graphql-js raised itself (no originalError: variable
 * coercion, unknown operation) only describe the client's document and keep their message as BAD_USER_INPUT.
 */
function maskWsErrors(errors: readonly GraphQLError[]): GraphQLFormattedError[] {
  return errors.map((e) => {
    const formatted = e.toJSON();
    if (!e.originalError && !formatted.extensions?.code) return { ...formatted, extensions: { code: 'BAD_USER_INPUT' } };
    return maskError(formatted, e);
  });
}

/** Cancels the statements still running on these connections (a timed-out request); returns how many. */
async function cancelStatements(url: string, runners: Iterable<QueryRunner>): Promise<number> {
  const pids = [...runners]
    .filter((r) => !r.isReleased)
    .map((r) => (r as unknown as { databaseConnection?: { processID?: number } }).databaseConnection?.processID)
    .filter((p): p is number => typeof p === 'number');
  if (!pids.length) return 0;
  // A connection of its own: the pool may be exhausted by the very statements being cancelled.
  const c = new Client({ connectionString: url, application_name: 'zhuli-cancel', connectionTimeoutMillis: 5000 });
  await c.connect();
  try {
    const { rows } = await c.query<{ ok: boolean }>(`SELECT pg_cancel_backend(pid) AS ok FROM pg_stat_activity WHERE pid = ANY($1::int[]) AND state = 'active'`, [pids]);
    return rows.filter((r) => r.ok).length;
  } finally {
    await c.end().catch(() => undefined);
  }
}

/** Answers with a GraphQL-shaped error body outside Apollo (limits, rate limit, timeouts). */
function sendError(res: express.Response, status: number, code: string, message: string, headers: Record<string, string> = {}, extra: Record<string, unknown> = {}): void {
  if (res.headersSent) return;
  res.status(status).set(headers).json({ errors: [{ message, extensions: { code, ...extra } }] });
}

/** The pg pool behind TypeORM, for metrics. */
function poolOf(db: Database): { totalCount: number; idleCount: number; waitingCount: number } | null {
  return ((db.dataSource.driver as unknown as { master?: { totalCount: number; idleCount: number; waitingCount: number } }).master) ?? null;
}

/** A database driver error: statement timeouts and lost connections get their own codes, never SQL text. */
function databaseFault(err: unknown): { code: 'TIMEOUT' | 'SERVICE_UNAVAILABLE'; message: string } | null {
  const e = err as { code?: string; driverError?: { code?: string; message?: string }; message?: string } | null;
  if (!e || typeof e !== 'object') return null;
  const code = e.driverError?.code ?? e.code;
  const message = String(e.driverError?.message ?? e.message ?? '');
  if (code === '57014') return { code: 'TIMEOUT', message: 'The database took too long and the statement was cancelled; retry with a smaller request' };
  if (code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === '57P01' || code === '57P02' || code === '57P03' || code === '08006' || code === '08003' || code === '08001' || /ECONNREFUSED|ECONNRESET|Connection terminated|connection timeout|Client has encountered a connection error|the database system is (starting up|shutting down)/i.test(message)) {
    return { code: 'SERVICE_UNAVAILABLE', message: 'The database is unavailable; retry later' };
  }
  return null;
}

// Apollo shallow-clones the context per operation; a symbol-keyed object survives the clone and is shared.
const EXTRAS = Symbol('zhuli.operationExtras');
function extrasOf(ctx: unknown): OperationExtras {
  const c = ctx as { [EXTRAS]?: OperationExtras };
  return (c[EXTRAS] ??= {});
}

function requestIdOf(header: unknown): string {
  return typeof header === 'string' && /^[\w.-]{1,64}$/.test(header) ? header : randomUUID();
}

/** Starts the GraphQL server on an open database. */
export async function startServer(config: Config, db: Database, logger: Logger, options: ServiceOptions = {}): Promise<RunningServer> {
  const schema = await createSchema(resolvers, orphanedTypes);
  const services = createServices(db.dataSource, options);
  const auth = new Authenticator(config);
  // Service accounts: API keys are verified against the api_key table (hash only), revocation is immediate.
  auth.apiKeys = services.access;
  const limits: QueryLimits = { maxDepth: config.maxQueryDepth, maxAliases: config.maxAliases, maxRootFields: config.maxRootFields, maxCost: config.maxQueryCost };
  const metrics = new Metrics(() => {
    const p = poolOf(db);
    return p ? { total: p.totalCount, idle: p.idleCount, waiting: p.waitingCount } : null;
  });
  const rateLimiter = new RateLimiter(config.rateLimitPerSecond, config.rateLimitBurst);
  const admission = new Admission(config.maxConcurrentRequests);
  metrics.trackAdmission(admission);
  const trusted = config.trustedDocuments ? TrustedDocuments.load(config.trustedDocuments) : null;
  if (trusted) logger.info({ operations: trusted.byHash.size, file: config.trustedDocuments }, 'trusted-documents mode: only registered operations are accepted');
  let draining = false;
  const idempotency = new IdempotencyStore(db.dataSource);
  // Notification lag: cursor stamped after commit (database clock), and live events handed to local subscribers.
  services.notifications.hooks.onStamped = (lags) => lags.forEach((l) => metrics.notificationPublishLag.observe(Math.max(0, l)));
  services.notificationHub.onDelivered = (n) => {
    if (n.publishedAt) metrics.notificationDeliveryLag.observe(Math.max(0, (Date.now() - n.publishedAt.getTime()) / 1000));
  };
  const housekeeping = new Housekeeping(
    db.dataSource,
    idempotency,
    services.notifications,
    { idempotencyStuckMs: config.idempotencyStuckMs, notificationRetentionDays: config.notificationRetentionDays, singleProcess: db.mode === 'embedded' },
    logger,
    metrics,
  );

  // Each request (and each subscription) gets services and loaders over its own view of the data source, which
  // attributes the statements they run to `stats` (see requestDataSource).
  const buildContext = (principal: Principal, requestId: string, stats: RequestStats = { sqlStatements: 0 }): Context => {
    const scope = Scope.of(principal);
    const ds = requestDataSource(db.dataSource, stats);
    const requestServices = createServices(ds, options, services);
    return {
      requestId,
      principal,
      scope,
      actor: { principal, requestId },
      stats,
      idempotency: new IdempotencyStore(ds),
      services: requestServices,
      loaders: createLoaders(ds, requestServices, scope, principal),
      renewLoaders: () => createLoaders(ds, requestServices, scope, principal),
      logger: logger.child({ requestId, subject: principal.subject, principalKind: principal.kind }),
    };
  };

  const app = express();
  app.disable('x-powered-by');
  // Off by default: X-Forwarded-For is only believed behind proxies the operator named (ZHULI_TRUST_PROXY).
  app.set('trust proxy', config.trustProxy);
  const httpServer = http.createServer(app);
  // Slow-loris protection: the whole request must arrive within this time.
  httpServer.requestTimeout = Math.max(config.requestTimeoutMs, 10_000);
  httpServer.headersTimeout = 20_000;
  const wsServer = new WebSocketServer({ server: httpServer, path: '/graphql', maxPayload: config.maxBodyBytes });

  // Subscriptions of each connection, so the gauge stays right however a subscription ends.
  const openSubscriptions = new WeakMap<object, Set<string>>();
  const endSubscription = (extra: object, id?: string) => {
    const set = openSubscriptions.get(extra);
    if (!set) return;
    const ids = id === undefined ? [...set] : set.has(id) ? [id] : [];
    for (const i of ids) {
      set.delete(i);
      metrics.activeSubscriptions.dec();
    }
  };

  // A credential that expires closes the connection with 4401 (its subscriptions end too).
  const closeWhenExpired = ({ principal, socket }: { principal: Principal; socket: WebSocket }) => {
    if (!principal.expiresAt) return;
    const timer = setTimeout(() => socket.close(4401, 'Token expired'), Math.max(0, Math.min(principal.expiresAt * 1000 - Date.now(), 2 ** 31 - 1)));
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
  };
  // Filing notifications: LISTEN on a dedicated connection on PostgreSQL; in-process wake-ups on PGlite.
  await services.notificationHub.start(db.mode === 'postgres' ? db.url : null, logger);

  const wsCleanup = useServer<Record<string, unknown>, { principal?: Principal }>(
    {
      schema,
      onConnect: async (ctx) => {
        if (draining) return false;
        const params = ctx.connectionParams ?? {};
        const authorization = typeof params.authorization === 'string' ? params.authorization : typeof params.Authorization === 'string' ? params.Authorization : null;
        const apiKey = typeof params.apiKey === 'string' ? params.apiKey : null;
        try {
          ctx.extra.principal = await auth.authenticate(authorization, apiKey);
          closeWhenExpired(ctx.extra as { principal: Principal; socket: WebSocket });
          metrics.wsConnections.inc();
          openSubscriptions.set(ctx.extra, new Set());
          return true;
        } catch {
          return false;
        }
      },
      onSubscribe: (ctx, id, payload) => {
        const open = openSubscriptions.get(ctx.extra);
        if (open && open.size >= config.maxSubscriptionsPerConnection) {
          return [new GraphQLError(`At most ${config.maxSubscriptionsPerConnection} subscriptions may be open on one connection; complete some or open another connection`, { extensions: { code: 'TOO_MANY_SUBSCRIPTIONS' } })];
        }
        // The same limits as over HTTP, checked before anything runs.
        try {
          let document;
          try {
            document = parse(payload.query, { maxTokens: config.maxQueryTokens });
          } catch (err) {
            return [new GraphQLError((err as Error).message, { extensions: { code: 'GRAPHQL_PARSE_FAILED' } })];
          }
          const errors = validate(schema, document);
          if (errors.length) return errors.map((e) => new GraphQLError(e.message, { nodes: e.nodes, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }));
          checkOperation(schema, document, payload.operationName, payload.variables ?? undefined, limits);
        } catch (err) {
          return [err instanceof GraphQLError && err.extensions?.code ? err : new GraphQLError('Invalid operation', { extensions: { code: 'BAD_REQUEST' } })];
        }
        openSubscriptions.get(ctx.extra)?.add(id);
        metrics.activeSubscriptions.inc();
      },
      onComplete: (ctx, id) => endSubscription(ctx.extra, id),
      // Results and errors go out masked, as over HTTP: no driver messages, SQL or stack traces.
      onNext: (_ctx, _id, _payload, _args, result) => (result.errors?.length ? { ...result, errors: maskWsErrors(result.errors) } : undefined),
      onError: (_ctx, _id, _payload, errors) => maskWsErrors(errors),
      onClose: (ctx) => {
        if (openSubscriptions.has(ctx.extra)) metrics.wsConnections.dec();
        endSubscription(ctx.extra);
        openSubscriptions.delete(ctx.extra);
      },
      context: (ctx) => buildContext(ctx.extra.principal as Principal, randomUUID()),
    },
    wsServer,
  );

  const statsPlugin: ApolloServerPlugin<Context> = {
    async requestDidStart({ contextValue }) {
      const started = process.hrtime.bigint();
      return {
        async didResolveOperation({ document, operationName, request, contextValue: ctx }) {
          // Depth, aliases, root fields and cost: refused before execution, reported on success too.
          const cost = checkOperation(schema, document, operationName, request.variables, limits);
          extrasOf(ctx).cost = cost;
          metrics.cost.observe(cost.requestedQueryCost);
        },
        async willSendResponse({ response, request, operation }) {
          if (response.body.kind !== 'single') return;
          const result = response.body.singleResult;
          const stats = contextValue?.stats;
          const extras = contextValue ? extrasOf(contextValue) : undefined;
          result.extensions = {
            ...result.extensions,
            ...(stats ? { sqlStatements: stats.sqlStatements } : {}),
            ...(extras?.cost ? { cost: extras.cost } : {}),
            ...(extras?.rateLimit ? { rateLimit: { limit: extras.rateLimit.limit, remaining: extras.rateLimit.remaining, refillPerSecond: extras.rateLimit.refillPerSecond } } : {}),
          };
          const seconds = Number(process.hrtime.bigint() - started) / 1e9;
          const type = operation?.operation ?? 'unknown';
          metrics.requests.inc({ type, outcome: result.errors?.length ? 'error' : 'ok' });
          metrics.duration.observe({ type }, seconds);
          if (stats) metrics.sqlStatements.observe(stats.sqlStatements);
          for (const e of result.errors ?? []) metrics.errors.inc({ code: String(e.extensions?.code ?? 'UNKNOWN') });
          contextValue?.logger?.info(
            {
              op: request.operationName ?? operation?.name?.value ?? null,
              opType: type,
              ms: seconds * 1000,
              sql: stats?.sqlStatements,
              cost: extras?.cost?.requestedQueryCost,
              errors: result.errors?.length ?? 0,
              codes: result.errors?.length ? [...new Set(result.errors.map((e) => e.extensions?.code))] : undefined,
            },
            'graphql request',
          );
          // Unexpected errors carry the request id, so a report can be matched with the server log.
          for (const e of result.errors ?? []) {
            const code = e.extensions?.code;
            if (code === 'INTERNAL_SERVER_ERROR' || code === 'TIMEOUT' || code === 'SERVICE_UNAVAILABLE') (e.extensions as Record<string, unknown>).requestId = contextValue?.requestId;
          }
        },
        async didEncounterErrors({ errors, contextValue }) {
          for (const e of errors) {
            const code = e.extensions?.code as string | undefined;
            if (!code || !KNOWN_CODES.has(code)) (contextValue?.logger ?? logger).error({ err: e.originalError ?? e, path: e.path }, 'unexpected error');
          }
        },
      };
    },
  };

  const apollo = new ApolloServer<Context>({
    // Queries and mutations run through graphql-jit (compiled once per document); subscriptions use graphql-js.
    gateway: jitGateway(schema),
    introspection: config.introspection,
    includeStacktraceInErrorResponses: false,
    csrfPrevention: true,
    parseOptions: { maxTokens: config.maxQueryTokens },
    // Automatic persisted queries: Apollo's default in-memory LRU cache (bounded), keyed by sha256.
    persistedQueries: {},
    // main.ts owns SIGTERM/SIGINT (drain, close the database, exit); Apollo's own handler would race it.
    stopOnTerminationSignals: false,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: config.shutdownGraceMs }),
      config.landingPage ? ApolloServerPluginLandingPageLocalDefault({ embed: true, includeCookies: false }) : ApolloServerPluginLandingPageDisabled(),
      statsPlugin,
      // No @cacheControl hints and no HTTP caching of GraphQL responses (never across principals): without this,
      // Apollo's default cache-control plugin wraps every field resolver to compute a policy nobody reads.
      ApolloServerPluginCacheControlDisabled(),
    ],
    formatError: maskError,
  });
  await apollo.start();

  // Security headers on every response. The API itself needs no CSP allowances; the Sandbox landing page
  // (development only) loads Apollo's embeddable sandbox, so GET /graphql gets a CSP that permits it.
  const strictCsp = { directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"], baseUri: ["'none'"], formAction: ["'none'"] } };
  app.use(helmet({ contentSecurityPolicy: strictCsp, frameguard: { action: 'deny' }, referrerPolicy: { policy: 'no-referrer' }, crossOriginEmbedderPolicy: false }));
  if (config.landingPage) {
    app.get(
      '/graphql',
      helmet.contentSecurityPolicy({
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'", "'unsafe-inline'", 'https://embeddable-sandbox.cdn.apollographql.com'],
          styleSrc: ["'self'", "'unsafe-inline'", 'https://fonts.googleapis.com'],
          fontSrc: ["'self'", 'https://fonts.gstatic.com'],
          imgSrc: ["'self'", 'data:', 'https://apollo-server-landing-page.cdn.apollographql.com'],
          frameSrc: ['https://sandbox.embed.apollographql.com'],
          connectSrc: ["'self'"],
          frameAncestors: ["'none'"],
        },
      }),
    );
  }
  app.use((req, res, next) => {
    res.on('finish', () => metrics.httpResponses.inc({ status: String(res.statusCode) }));
    next();
  });

  // CORS: only the configured origins; no header at all for others (the browser then blocks the response).
  const corsOrigins = new Set(config.corsOrigins);
  app.use((req, res, next) => {
    const origin = req.headers.origin;
    if (origin && corsOrigins.has(origin)) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Expose-Headers', 'x-request-id, retry-after');
      if (req.method === 'OPTIONS') {
        res.setHeader('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
        res.setHeader('Access-Control-Allow-Headers', 'content-type, authorization, x-api-key, x-request-id, apollo-require-preflight, x-apollo-operation-name');
        res.setHeader('Access-Control-Max-Age', '600');
        res.status(204).end();
        return;
      }
    } else if (origin && req.method === 'OPTIONS') {
      res.status(403).end();
      return;
    }
    res.vary('Origin');
    next();
  });

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    if (draining) {
      metrics.ready.set(0);
      res.status(503).json({ status: 'shutting down', database: db.mode });
      return;
    }
    try {
      await Promise.race([db.dataSource.query('SELECT 1'), new Promise((_, reject) => setTimeout(() => reject(new Error('readiness check timed out')), 2000).unref())]);
      metrics.ready.set(1);
      res.json({ status: 'ready', database: db.mode });
    } catch (err) {
      metrics.ready.set(0);
      logger.warn({ err: (err as Error).message }, 'readiness check failed');
      res.status(503).json({ status: 'not ready', database: db.mode });
    }
  });
  if (config.metrics) {
    app.get('/metrics', async (_req, res) => {
      res.setHeader('content-type', metrics.registry.contentType);
      res.send(await metrics.registry.metrics());
    });
  }

  app.use(
    '/graphql',
    ((req, res, next) => {
      const requestId = requestIdOf(req.headers['x-request-id']);
      res.setHeader('x-request-id', requestId);
      (req as unknown as { zhuli: RequestExtras }).zhuli = { requestId, stats: { sqlStatements: 0, runners: new Set() } };
      next();
    }) as express.RequestHandler,
    ((req, res, next) => {
      // A request that takes too long is answered with 503 and its running statements are cancelled (PostgreSQL:
      // pg_cancel_backend on their connections; a transaction among them rolls back). The embedded database is one
      // session inside this process, so there its statements end by statement_timeout.
      if (config.requestTimeoutMs > 0) {
        const { stats } = (req as unknown as { zhuli: RequestExtras }).zhuli;
        const timer = setTimeout(() => {
          const requestId = (req as unknown as { zhuli: RequestExtras }).zhuli.requestId;
          logger.warn({ requestId, ms: config.requestTimeoutMs }, 'request timed out');
          sendError(res, 503, 'TIMEOUT', `The request took longer than ${config.requestTimeoutMs} ms and was abandoned; retry later or ask for less`, { 'retry-after': '1' });
          if (db.mode === 'postgres' && stats?.runners?.size) {
            cancelStatements(db.url, stats.runners).then(
              (n) => {
                metrics.cancelledStatements.inc(n);
                if (n) logger.warn({ requestId, statements: n }, 'cancelled the SQL of a timed-out request');
              },
              (err) => logger.warn({ requestId, err }, 'could not cancel the SQL of a timed-out request'),
            );
          }
        }, config.requestTimeoutMs);
        res.on('close', () => clearTimeout(timer));
      }
      next();
    }) as express.RequestHandler,
    express.json({ limit: config.maxBodyBytes }),
    (err: unknown, _req: express.Request, res: express.Response, next: express.NextFunction) => {
      const e = err as { status?: number; type?: string };
      if (e?.status === 413 || e?.type === 'entity.too.large') return sendError(res, 413, 'PAYLOAD_TOO_LARGE', `The request body is larger than ${config.maxBodyBytes} bytes`);
      next(err);
    },
    (async (req, _res, next) => {
      // Authenticate once, before rate limiting (which is keyed by principal); errors surface through Apollo.
      const extras = (req as unknown as { zhuli: RequestExtras }).zhuli;
      try {
        extras.principal = await auth.authenticate(req.headers.authorization, req.headers['x-api-key'] as string | undefined);
      } catch (err) {
        extras.authError = err;
      }
      next();
    }) as express.RequestHandler,
    ((req, res, next) => {
      if (!rateLimiter.enabled || req.method === 'OPTIONS') return next();
      const extras = (req as unknown as { zhuli: RequestExtras }).zhuli;
      const p = extras.principal;
      if (p && config.rateLimitExemptAdmins && hasRole(p, Role.NATIONAL_ADMIN)) return next();
      // req.ip is the socket address unless ZHULI_TRUST_PROXY names the proxies whose X-Forwarded-For is believed.
      const key = p && p.kind !== 'ANONYMOUS' ? `principal:${p.subject}` : `ip:${req.ip ?? req.socket.remoteAddress ?? 'unknown'}`;
      const state = rateLimiter.take(key);
      extras.rateLimit = state;
      if (state.allowed) return next();
      metrics.rateLimited.inc();
      metrics.errors.inc({ code: 'RATE_LIMITED' });
      sendError(res, 429, 'RATE_LIMITED', `Too many requests; retry after ${state.retryAfterSeconds} s`, { 'retry-after': String(state.retryAfterSeconds) }, {
        rateLimit: { limit: state.limit, remaining: 0, refillPerSecond: state.refillPerSecond, retryAfterSeconds: state.retryAfterSeconds },
      });
    }) as express.RequestHandler,
    ((req, res, next) => {
      if (!trusted) return next();
      const extras = (req as unknown as { zhuli: RequestExtras }).zhuli;
      if (extras.principal && hasRole(extras.principal, Role.NATIONAL_ADMIN)) return next();
      if (req.method !== 'GET' && req.method !== 'POST') return next();
      const params = (req.method === 'GET' ? req.query : req.body) as Record<string, unknown> | undefined;
      if (!params || typeof params !== 'object' || Array.isArray(params)) return next();
      let ext = params.extensions as { persistedQuery?: { sha256Hash?: unknown } } | string | undefined;
      if (typeof ext === 'string') {
        try {
          ext = JSON.parse(ext) as { persistedQuery?: { sha256Hash?: unknown } };
        } catch {
          ext = undefined;
        }
      }
      const hash = typeof ext === 'object' && typeof ext?.persistedQuery?.sha256Hash === 'string' ? ext.persistedQuery.sha256Hash.toLowerCase() : undefined;
      const query = typeof params.query === 'string' ? params.query : undefined;
      if (query !== undefined ? trusted.byHash.has(sha256(query)) : hash !== undefined && trusted.byHash.has(hash)) {
        // A client may send only the hash: the registered text is filled in.
        if (query === undefined && req.method === 'POST') (params as Record<string, unknown>).query = trusted.byHash.get(hash as string);
        return next();
      }
      sendError(res, 403, 'OPERATION_NOT_TRUSTED', 'Only registered operations are accepted by this server (trusted-documents mode); register it in the manifest');
    }) as express.RequestHandler,
    (async (req, res, next) => {
      const release = await admission.acquire();
      res.once('close', release);
      // Answered (timed out) or gone while it waited: give the slot back at once.
      if (res.headersSent || res.destroyed || req.socket.destroyed) return release();
      next();
    }) as express.RequestHandler,
    expressMiddleware(apollo, {
      context: async ({ req }) => {
        const extras = (req as unknown as { zhuli: RequestExtras }).zhuli;
        if (extras.authError) throw extras.authError;
        const ctx = buildContext(extras.principal as Principal, extras.requestId, extras.stats);
        extrasOf(ctx).rateLimit = extras.rateLimit;
        return ctx;
      },
    }),
  );

  await new Promise<void>((resolve) => httpServer.listen(config.port, config.host, resolve));
  housekeeping.start(config.housekeepingIntervalMs);
  const port = (httpServer.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}/graphql`;
  logger.info({ url, database: db.mode }, 'Zhuli is serving GraphQL over HTTP and WebSocket');

  return {
    url,
    port,
    services,
    auth,
    metrics,
    housekeeping,
    async stop() {
      draining = true;
      await housekeeping.stop();
      // Subscriptions first: clients get 1001 (Going Away) and resubscribe elsewhere; then Apollo's drain
      // closes the listener, lets in-flight requests (and their transactions) finish, and closes idle sockets.
      await wsCleanup.dispose();
      await apollo.stop();
      await services.notificationHub.stop();
    },
  };
}
