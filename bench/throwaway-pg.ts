import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** Where Debian/Ubuntu install the PostgreSQL 15 server binaries (override with ZHULI_PG_BIN). */
export const PG_BIN = process.env.ZHULI_PG_BIN ?? '/usr/lib/postgresql/15/bin';

/** Whether initdb and pg_ctl are available, so a throwaway server can be started. */
export function throwawayPostgresAvailable(): boolean {
  return fs.existsSync(path.join(PG_BIN, 'initdb')) && fs.existsSync(path.join(PG_BIN, 'pg_ctl'));
}

/** A private PostgreSQL server in a temporary folder on a free loopback port: stop/start/destroy at will. */
export interface ThrowawayPostgres {
  url: string;
  port: number;
  dataDir: string;
  start(): void;
  /** Fast shutdown: running statements are cancelled, clients disconnected. */
  stop(): void;
  destroy(): void;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * initdb + pg_ctl start on 127.0.0.1:<free port>, never touching any other server. PostgreSQL refuses to
 * run as root, so as root the commands run as the `postgres` OS user (runuser).
 */
export async function startThrowawayPostgres(): Promise<ThrowawayPostgres> {
  const root = process.getuid?.() === 0;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zhuli-pg-'));
  const dataDir = path.join(dir, 'data');
  const sockDir = path.join(dir, 'sock');
  fs.mkdirSync(sockDir);
  if (root) execFileSync('chown', ['-R', 'postgres', dir]);
  const run = (bin: string, args: string[]) => {
    const cmd = path.join(PG_BIN, bin);
    const opts = { stdio: 'pipe' as const, timeout: 60_000 };
    if (root) execFileSync('runuser', ['-u', 'postgres', '--', cmd, ...args], opts);
    else execFileSync(cmd, args, opts);
  };
  run('initdb', ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
  const port = await freePort();
  const logFile = path.join(dir, 'postgres.log');
  const start = () => run('pg_ctl', ['-D', dataDir, '-l', logFile, '-w', '-t', '60', '-o', `-p ${port} -k ${sockDir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=60`, 'start']);
  const stop = () => run('pg_ctl', ['-D', dataDir, '-m', 'fast', '-w', '-t', '60', 'stop']);
  start();
  let running = true;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    dataDir,
    start() {
      start();
      running = true;
    },
    stop() {
      stop();
      running = false;
    },
    destroy() {
      try {
        if (running) stop();
      } catch {
        /* already down */
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
