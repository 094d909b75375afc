import fs from 'node:fs';
import path from 'node:path';
import { serverArgs } from '../bench/support';
import { loadConfig } from '../src/config';
import { Role } from '../src/graphql/principal';
import { Authenticator } from '../src/server/auth';
import { buildOnce, emptyDatabase, ROOT, startProcess } from './process';

async function post(url: string, query: string, token?: string) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify({ query }) });
  return (await res.json()) as { data: any; errors?: unknown[] };
}

/**
 * What a new user does: start the compiled service on an empty database (it migrates and loads the demo
 * dataset), query it, write through the API, restart it, and find the write still there.
 */
describe('npm start on an empty database', () => {
  let env: Record<string, string>;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    buildOnce();
    ({ env, cleanup } = await emptyDatabase('start'));
  }, 120_000);
  afterAll(async () => cleanup?.());

  it('answers the acceptance query, and keeps API writes across a restart', async () => {
    const first = await startProcess(env);
    try {
      // Started as `npm start` starts it: with package.json's Node.js options, among them V8's old-space limit, which
      // keeps the heap near its live size under load (docs/benchmarks.md, issue 8).
      expect(serverArgs(ROOT).some((a) => /^--max-old-space-size=\d+$/.test(a))).toBe(true);
      if (fs.existsSync(`/proc/${first.child.pid}/cmdline`)) expect(fs.readFileSync(`/proc/${first.child.pid}/cmdline`, 'utf8').split('\0')).toEqual(expect.arrayContaining(serverArgs(ROOT)));
      const res = await post(first.url, '{ region(code:"341524") { name level povertyDesignation parent { name } } }');
      expect(res.data.region).toEqual({ name: '金寨县', level: 'COUNTY', povertyDesignation: 'NATIONAL', parent: { name: '六安市' } });
      const token = await new Authenticator(loadConfig({})).mint({ sub: 'start-test', roles: [Role.PROVINCIAL_COORDINATOR], region: '340000' });
      const created = await post(
        first.url,
        `mutation RestartPairing { createCountyPairing(input: { helperCode: "340103", helpedCode: "341226", basis: "restart test", startDate: "2019-05-01" }) { pairing { id } userErrors { code } } }`,
        token,
      );
      expect(created.data.createCountyPairing.userErrors).toEqual([]);
      // Structured JSON logs: one line per operation with its request id, the principal and the operation name.
      const logLine = () =>
        first.logs.join('').split('\n').filter((l) => l.startsWith('{') && l.endsWith('}')).map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'graphql request' && l.op === 'RestartPairing');
      for (let i = 0; i < 40 && !logLine(); i++) await new Promise((r) => setTimeout(r, 50)); // stdout may lag the answer
      const line = logLine();
      expect(line).toMatchObject({ requestId: expect.any(String), subject: 'start-test', principalKind: 'USER', op: 'RestartPairing', opType: 'mutation' });
    } finally {
      expect(await first.stop('SIGTERM')).toBe(0);
    }
    const second = await startProcess(env);
    try {
      const res = await post(second.url, '{ region(code:"341226") { pairings { nodes { basis helper { code } } } } }');
      expect(res.data.region.pairings.nodes).toContainEqual({ basis: 'restart test', helper: { code: '340103' } });
      // The demo dataset is loaded once, not again on restart.
      expect(second.logs.join('')).not.toContain('demo dataset loaded');
    } finally {
      await second.stop();
    }
  }, 240_000);
});
