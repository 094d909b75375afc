import { execFileSync, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import fs from 'node:fs';
import os from 'node:os';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { spawnServer } from '../bench/support';
import { withDatabase } from './global-setup';

export const ROOT = path.join(__dirname, '..');

/** Compiles the project with tsc once per run (the real binaries run compiled output, never ts sources). */
export function buildOnce(): void {
  const marker = path.join(ROOT, 'dist', '.built-by-tests');
  const stamp = process.env.ZHULI_TEST_BUILD_STAMP ?? String(process.ppid);
  if (fs.existsSync(marker) && fs.readFileSync(marker, 'utf8') === stamp) return;
  execFileSync(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', ROOT], { stdio: 'inherit' });
  fs.writeFileSync(marker, stamp);
}

/** A Zhuli server running as its own process (as `npm start` runs it: `node [options] dist/src/main.js`). */
export interface ServerProcess {
  child: ChildProcess;
  url: string;
  logs: string[];
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts the server as `npm start` does, with the given environment, and waits until it serves GraphQL. */
export async function startProcess(env: Record<string, string>, timeoutMs = 90_000): Promise<ServerProcess> {
  const { child, url, logs } = await spawnServer(env, { root: ROOT, timeoutMs });
  return {
    child,
    url,
    logs,
    stop(signal: NodeJS.Signals = 'SIGTERM') {
      return new Promise((resolve) => {
        if (child.exitCode !== null) return resolve(child.exitCode);
        child.once('exit', (code) => resolve(code));
        child.kill(signal);
      });
    },
  };
}

/**
 * An empty database for a server process or CLI run: a fresh database on DATABASE_URL's server, or a fresh
 * embedded data folder. Returns the environment that points Zhuli at it and a cleanup that removes it.
 */
export async function emptyDatabase(prefix: string): Promise<{ env: Record<string, string>; cleanup: () => Promise<void> }> {
  const base = process.env.DATABASE_URL;
  if (!base) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `zhuli-${prefix}-`));
    return { env: { ZHULI_DATA_DIR: dir }, cleanup: async () => fs.rmSync(dir, { recursive: true, force: true }) };
  }
  const name = `zhuli_${prefix}_${randomUUID().slice(0, 8)}`;
  const admin = async (sql: string) => {
    const c = new Client({ connectionString: base });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  return { env: { DATABASE_URL: withDatabase(base, name) }, cleanup: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}
