import os from 'node:os';
import path from 'node:path';

/** Every setting the service reads from the environment, parsed and typed in one place. */
export interface Config {
  /** HTTP/WebSocket port (0 = pick a free one). */
  port: number;
  host: string;
  /** PostgreSQL connection string; undefined = embedded PGlite. */
  databaseUrl?: string;
  /** Folder of the embedded database. */
  dataDir: string;
  logLevel: string;
  /** Load the demo dataset on first start of an empty database. */
  seedDemo: boolean;
  /** HS256 secret for bearer JWTs (embedded default is for development only). */
  jwtSecret: string;
  /** Optional JWKS URL for RS256 tokens issued by a provincial single sign-on. */
  jwksUrl?: string;
  jwtIssuer: string;
  jwtAudience: string;
  /** Maximum connections in the pool (embedded is always 1). */
  dbPoolSize: number;
  /** Whether introspection is enabled (default on; turn off in production if wanted). */
  introspection: boolean;
  /** Milliseconds a SQL statement may run before PostgreSQL cancels it. */
  statementTimeoutMs: number;
  /** Largest accepted request body in bytes (larger bodies get 413). */
  maxBodyBytes: number;
  /** Deepest field nesting of an operation. */
  maxQueryDepth: number;
  /** Highest estimated cost of an operation (reported in `extensions.cost`). */
  maxQueryCost: number;
  /** Most aliased fields in one operation. */
  maxAliases: number;
  /** Most root fields in one operation. */
  maxRootFields: number;
  /** Most lexical tokens in a document (the parser stops past it). */
  maxQueryTokens: number;
  /** Sustained requests per second per principal (or client IP for anonymous callers); 0 = no rate limit. */
  rateLimitPerSecond: number;
  /** Bucket size: how many requests a principal may send at once. */
  rateLimitBurst: number;
  /** Whether NATIONAL_ADMIN principals bypass the rate limit. */
  rateLimitExemptAdmins: boolean;
  /** Milliseconds a GraphQL HTTP request may take before it is answered with 503 (0 = no limit). */
  requestTimeoutMs: number;
  /** GraphQL HTTP requests executing at once; the rest wait in arrival order (default: the pool size, at least 4). */
  maxConcurrentRequests: number;
  /** Path of a trusted-documents manifest; when set only the operations it lists are accepted (admins exempt). */
  trustedDocuments?: string;
  /** Origins allowed by CORS (comma-separated in ZHULI_CORS_ORIGINS); empty = same-origin only. */
  corsOrigins: string[];
  /** Whether to serve the Apollo Sandbox landing page on GET /graphql (off in production by default). */
  landingPage: boolean;
  /** Whether GET /metrics (Prometheus) is served. */
  metrics: boolean;
  /** Milliseconds SIGTERM waits for in-flight requests before closing them. */
  shutdownGraceMs: number;
  /**
   * Express `trust proxy` (ZHULI_TRUST_PROXY): unset/false = the client IP is the socket address and
   * X-Forwarded-For is ignored; `true`, a hop count, or comma-separated addresses/subnets of the proxies
   * (e.g. `loopback, 10.0.0.0/8`) = the client IP is taken from X-Forwarded-For as far as those proxies go.
   */
  trustProxy: boolean | number | string;
  /** Most subscriptions one graphql-ws connection may have open at once. */
  maxSubscriptionsPerConnection: number;
  /** Milliseconds between housekeeping runs (one instance at a time, under an advisory lock); 0 = never. */
  housekeepingIntervalMs: number;
  /** Milliseconds after which an idempotency key still "running" is marked failed (the process died mid-way). */
  idempotencyStuckMs: number;
  /** Days filing notifications are kept; older rows are deleted by housekeeping (0 = keep forever). */
  notificationRetentionDays: number;
}

function int(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got "${value}"`);
  return n;
}

/** `trust proxy` as Express understands it: false, true, a hop count, or a list of addresses/subnets. */
function trustProxy(value: string | undefined): boolean | number | string {
  const v = (value ?? '').trim();
  if (v === '' || ['0', 'false', 'no', 'off'].includes(v.toLowerCase())) return false;
  if (['true', 'yes', 'on'].includes(v.toLowerCase())) return true;
  if (/^\d+$/.test(v)) return Number(v);
  return v;
}

function bool(value: string | undefined, fallback: boolean): boolean {
  if (value === undefined || value === '') return fallback;
  return ['1', 'true', 'yes', 'on'].includes(value.toLowerCase());
}

/** Reads the configuration from an environment (process.env by default). */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return {
    port: int(env.PORT, 4000, 'PORT'),
    host: env.HOST || '0.0.0.0',
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir: path.resolve(env.ZHULI_DATA_DIR || './.zhuli'),
    logLevel: env.LOG_LEVEL || 'info',
    seedDemo: bool(env.ZHULI_SEED_DEMO, true),
    jwtSecret: env.ZHULI_JWT_SECRET || 'zhuli-development-secret-change-me',
    jwksUrl: env.ZHULI_JWKS_URL || undefined,
    jwtIssuer: env.ZHULI_JWT_ISSUER || 'zhuli',
    jwtAudience: env.ZHULI_JWT_AUDIENCE || 'zhuli-api',
    dbPoolSize: int(env.ZHULI_DB_POOL_SIZE, 10, 'ZHULI_DB_POOL_SIZE'),
    introspection: bool(env.ZHULI_INTROSPECTION, true),
    statementTimeoutMs: int(env.ZHULI_STATEMENT_TIMEOUT_MS, 30000, 'ZHULI_STATEMENT_TIMEOUT_MS'),
    maxBodyBytes: int(env.ZHULI_MAX_BODY_BYTES, 1024 * 1024, 'ZHULI_MAX_BODY_BYTES'),
    maxQueryDepth: int(env.ZHULI_MAX_QUERY_DEPTH, 12, 'ZHULI_MAX_QUERY_DEPTH'),
    maxQueryCost: int(env.ZHULI_MAX_QUERY_COST, 5000, 'ZHULI_MAX_QUERY_COST'),
    maxAliases: int(env.ZHULI_MAX_ALIASES, 30, 'ZHULI_MAX_ALIASES'),
    maxRootFields: int(env.ZHULI_MAX_ROOT_FIELDS, 20, 'ZHULI_MAX_ROOT_FIELDS'),
    maxQueryTokens: int(env.ZHULI_MAX_QUERY_TOKENS, 5000, 'ZHULI_MAX_QUERY_TOKENS'),
    rateLimitPerSecond: int(env.ZHULI_RATE_LIMIT_PER_SECOND, 50, 'ZHULI_RATE_LIMIT_PER_SECOND'),
    rateLimitBurst: int(env.ZHULI_RATE_LIMIT_BURST, 500, 'ZHULI_RATE_LIMIT_BURST'),
    rateLimitExemptAdmins: bool(env.ZHULI_RATE_LIMIT_EXEMPT_ADMINS, true),
    requestTimeoutMs: int(env.ZHULI_REQUEST_TIMEOUT_MS, 60000, 'ZHULI_REQUEST_TIMEOUT_MS'),
    maxConcurrentRequests: int(env.ZHULI_MAX_CONCURRENT_REQUESTS, defaultConcurrentRequests(int(env.ZHULI_DB_POOL_SIZE, 10, 'ZHULI_DB_POOL_SIZE')), 'ZHULI_MAX_CONCURRENT_REQUESTS'),
    trustedDocuments: env.ZHULI_TRUSTED_DOCUMENTS || undefined,
    corsOrigins: (env.ZHULI_CORS_ORIGINS ?? '').split(',').map((o) => o.trim()).filter(Boolean),
    landingPage: bool(env.ZHULI_LANDING_PAGE, env.NODE_ENV !== 'production'),
    metrics: bool(env.ZHULI_METRICS, true),
    shutdownGraceMs: int(env.ZHULI_SHUTDOWN_GRACE_MS, 25000, 'ZHULI_SHUTDOWN_GRACE_MS'),
    trustProxy: trustProxy(env.ZHULI_TRUST_PROXY),
    maxSubscriptionsPerConnection: int(env.ZHULI_MAX_SUBSCRIPTIONS_PER_CONNECTION, 50, 'ZHULI_MAX_SUBSCRIPTIONS_PER_CONNECTION'),
    housekeepingIntervalMs: int(env.ZHULI_HOUSEKEEPING_INTERVAL_MS, 10 * 60_000, 'ZHULI_HOUSEKEEPING_INTERVAL_MS'),
    idempotencyStuckMs: int(env.ZHULI_IDEMPOTENCY_STUCK_MS, 10 * 60_000, 'ZHULI_IDEMPOTENCY_STUCK_MS'),
    notificationRetentionDays: int(env.ZHULI_NOTIFICATION_RETENTION_DAYS, 365, 'ZHULI_NOTIFICATION_RETENTION_DAYS'),
  };
}

/**
 * Default admission limit: two executing requests per CPU core, within the pool size, at least 4. A Node.js process
 * resolves one request at a time; executing more than the cores can serve only keeps more result graphs alive (on the
 * province benchmark, 64 clients: 10 at once peaked at 292–303 MB RSS, 4 at once at 277–284 MB, same throughput).
 */
export function defaultConcurrentRequests(poolSize: number, cores = os.availableParallelism()): number {
  return Math.max(4, Math.min(poolSize, 2 * cores));
}
