import http from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { WebSocketServer } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { Config } from '../config';
import type { Database } from '../db/data-source';
import { requestStats, type RequestStats } from '../db/request-stats';
import { createSchema } from '../graphql/schema';
import { Scope } from '../graphql/scope';
import type { Principal } from '../graphql/principal';
import { createLoaders, createServices, type Context, type Services } from '../modules/context';
import { orphanedTypes, resolvers } from '../modules/registry';
import { Authenticator } from './auth';
import type { Logger } from './logger';

/** A running Zhuli server: HTTP and WebSocket on one port, same path. */
export interface RunningServer {
  url: string;
  port: number;
  services: Services;
  auth: Authenticator;
  stop(): Promise<void>;
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
]);

function requestIdOf(header: unknown): string {
  return typeof header === 'string' && /^[\w.-]{1,64}$/.test(header) ? header : randomUUID();
}

/** Starts the GraphQL server on an open database. */
export async function startServer(config: Config, db: Database, logger: Logger): Promise<RunningServer> {
  const schema = await createSchema(resolvers, orphanedTypes);
  const services = createServices(db.dataSource);
  const auth = new Authenticator(config);
  // Service accounts: API keys are verified against the api_key table (hash only), revocation is immediate.
  auth.apiKeys = services.access;

  const buildContext = (principal: Principal, requestId: string): Context => {
    const scope = Scope.of(principal);
    return {
      requestId,
      principal,
      scope,
      actor: { principal, requestId },
      services,
      loaders: createLoaders(db.dataSource, services, scope),
      logger: logger.child({ requestId, subject: principal.subject }),
    };
  };

  const app = express();
  app.disable('x-powered-by');
  const httpServer = http.createServer(app);
  const wsServer = new WebSocketServer({ server: httpServer, path: '/graphql' });

  const wsCleanup = useServer<Record<string, unknown>, { principal?: Principal }>(
    {
      schema,
      onConnect: async (ctx) => {
        const params = ctx.connectionParams ?? {};
        const authorization = typeof params.authorization === 'string' ? params.authorization : typeof params.Authorization === 'string' ? params.Authorization : null;
        const apiKey = typeof params.apiKey === 'string' ? params.apiKey : null;
        try {
          ctx.extra.principal = await auth.authenticate(authorization, apiKey);
          return true;
        } catch {
          return false;
        }
      },
      context: (ctx) => buildContext(ctx.extra.principal as Principal, randomUUID()),
    },
    wsServer,
  );

  const statsPlugin: ApolloServerPlugin<Context> = {
    async requestDidStart({ contextValue }) {
      const started = process.hrtime.bigint();
      return {
        async willSendResponse({ response, request }) {
          if (response.body.kind !== 'single') return;
          const result = response.body.singleResult;
          const stats = requestStats.getStore();
          if (stats) result.extensions = { ...result.extensions, sqlStatements: stats.sqlStatements };
          contextValue?.logger?.info(
            { op: request.operationName ?? null, ms: Number(process.hrtime.bigint() - started) / 1e6, sql: stats?.sqlStatements, errors: result.errors?.length ?? 0 },
            'graphql request',
          );
          // Unexpected errors carry the request id, so a report can be matched with the server log.
          for (const e of result.errors ?? []) {
            if (e.extensions?.code === 'INTERNAL_SERVER_ERROR') (e.extensions as Record<string, unknown>).requestId = contextValue?.requestId;
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
    schema,
    introspection: config.introspection,
    includeStacktraceInErrorResponses: false,
    csrfPrevention: true,
    // main.ts owns SIGTERM/SIGINT (drain, close the database, exit); Apollo's own handler would race it.
    stopOnTerminationSignals: false,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      ApolloServerPluginLandingPageLocalDefault({ embed: true, includeCookies: false }),
      statsPlugin,
      { async serverWillStart() { return { async drainServer() { await wsCleanup.dispose(); } }; } },
    ],
    formatError: (formatted: GraphQLFormattedError): GraphQLFormattedError => {
      const code = formatted.extensions?.code as string | undefined;
      if (code && KNOWN_CODES.has(code)) {
        const { stacktrace: _drop, ...ext } = formatted.extensions ?? {};
        return { ...formatted, extensions: ext };
      }
      return { message: 'Internal server error; quote the request id when reporting it', locations: formatted.locations, path: formatted.path, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
    },
  });
  await apollo.start();

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    try {
      await db.dataSource.query('SELECT 1');
      res.json({ status: 'ready', database: db.mode });
    } catch (err) {
      logger.warn({ err }, 'readiness check failed');
      res.status(503).json({ status: 'not ready', database: db.mode });
    }
  });

  app.use(
    '/graphql',
    (req, res, next) => {
      const requestId = requestIdOf(req.headers['x-request-id']);
      res.setHeader('x-request-id', requestId);
      (req as unknown as { requestId: string }).requestId = requestId;
      const stats: RequestStats = { sqlStatements: 0 };
      requestStats.run(stats, next);
    },
    express.json({ limit: '1mb' }),
    expressMiddleware(apollo, {
      context: async ({ req }) => {
        const requestId = (req as unknown as { requestId: string }).requestId;
        let principal: Principal;
        try {
          principal = await auth.authenticate(req.headers.authorization, req.headers['x-api-key'] as string | undefined);
        } catch (err) {
          if (err instanceof GraphQLError) throw err;
          throw err;
        }
        return buildContext(principal, requestId);
      },
    }),
  );

  await new Promise<void>((resolve) => httpServer.listen(config.port, config.host, resolve));
  const port = (httpServer.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}/graphql`;
  logger.info({ url, database: db.mode }, 'Zhuli is serving GraphQL over HTTP and WebSocket');

  return {
    url,
    port,
    services,
    auth,
    async stop() {
      await apollo.stop();
    },
  };
}
