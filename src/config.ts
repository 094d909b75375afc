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
}

function int(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got "${value}"`);
  return n;
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
  };
}
