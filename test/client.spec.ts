import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { spawnSync } from 'node:child_process';
import {
  assertNoUserErrors,
  CreateOrganizationDocument,
  GraphQLRequestError,
  MeDocument,
  NetworkError,
  RegionsDocument,
  RevokeApiKeyDocument,
  UserErrorsError,
  userErrorsResult,
  ZhuliClient,
} from '../src/client';
import { Role, startTestApp, type TestApp } from './harness';

/** The SDK: generated types in sync with the schema, requests, pagination, userErrors and the retry policy. */
const ROOT = path.join(__dirname, '..');

describe('generated SDK code', () => {
  it('matches what codegen produces from schema.graphql and src/client/operations (run `npm run codegen` after a schema change)', () => {
    // --check regenerates in memory and exits 1 listing the stale files; nothing is written. A child process,
    // because the codegen CLI loads ES modules that jest's CommonJS runtime cannot.
    const r = spawnSync(process.execPath, [path.join(ROOT, 'node_modules/@graphql-codegen/cli/esm/bin.js'), '--config', 'codegen.yml', '--check'], { cwd: ROOT, encoding: 'utf8' });
    expect(`${r.stdout}${r.stderr}`).not.toMatch(/stale files/);
    expect(r.status).toBe(0);
  }, 60_000);
});

describe('ZhuliClient against the server', () => {
  let app: TestApp;
  let client: ZhuliClient;
  beforeAll(async () => {
    app = await startTestApp();
    client = new ZhuliClient({ url: app.url, token: await app.token([Role.PROVINCIAL_COORDINATOR], '340000', { sub: 'sdk-test' }) });
  });
  afterAll(async () => app?.stop());

  it('runs typed queries and paginates a whole connection', async () => {
    const me = await client.request(MeDocument);
    expect(me.me).toMatchObject({ subject: 'sdk-test', regionCode: '340000' });
    const codes: string[] = [];
    for await (const r of client.paginate(RegionsDocument, { filter: { within: '341524' } }, (d) => d.regions, { pageSize: 50 })) codes.push(r.code);
    const rows = await app.ds.query(`SELECT code FROM region WHERE code LIKE '341524%' ORDER BY code`);
    expect(codes).toEqual(rows.map((r: { code: string }) => r.code));
  });

  it('userErrors: assertNoUserErrors throws them typed, userErrorsResult returns them; GraphQL errors throw GraphQLRequestError', async () => {
    const { revokeApiKey } = await client.request(RevokeApiKeyDocument, { input: { id: '00000000-0000-0000-0000-000000000000', reason: 'test' } });
    expect(() => assertNoUserErrors(revokeApiKey)).toThrow(UserErrorsError);
    const r = userErrorsResult(revokeApiKey);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.userErrors[0].code).toBe('NOT_FOUND');
    await expect(client.request('{ regions(first: 1000) { totalCount } }')).rejects.toBeInstanceOf(GraphQLRequestError);
  });
});

describe('retries', () => {
  /** A fake endpoint answering from a script of responses; records the bodies it received. */
  async function fake(script: Array<{ status: number; headers?: Record<string, string>; body?: unknown }>) {
    const bodies: any[] = [];
    const server = http.createServer((req, res) => {
      let raw = '';
      req.on('data', (c) => (raw += c));
      req.on('end', () => {
        bodies.push(JSON.parse(raw));
        const step = script[Math.min(bodies.length - 1, script.length - 1)];
        res.writeHead(step.status, { 'content-type': 'application/json', ...step.headers });
        res.end(JSON.stringify(step.body ?? { errors: [{ message: 'busy', extensions: { code: step.status === 429 ? 'RATE_LIMITED' : 'SERVICE_UNAVAILABLE' } }] }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
    return { url, bodies, close: () => new Promise<void>((r) => server.close(() => r())) };
  }
  const ok = { status: 200, body: { data: { me: { subject: 'x' } } } };

  it('honours Retry-After on 429 and backs off on 503 for queries', async () => {
    const f = await fake([{ status: 429, headers: { 'retry-after': '1' } }, { status: 503 }, ok]);
    const retries: number[] = [];
    const c = new ZhuliClient({ url: f.url, token: 't', retry: { baseDelayMs: 20 }, onRetry: ({ delayMs }) => retries.push(delayMs) });
    const t0 = Date.now();
    expect(await c.request('{ me { subject } }')).toEqual({ me: { subject: 'x' } });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1000);
    expect(f.bodies).toHaveLength(3);
    expect(retries[0]).toBeGreaterThanOrEqual(1000);
    expect(retries[1]).toBeLessThan(100);
    await f.close();
  });

  it('retries a mutation on 503 only with an idempotencyKey, which it adds itself and keeps across attempts', async () => {
    const f = await fake([{ status: 503 }, { status: 503 }, { status: 200, body: { data: { createOrganization: { organization: null, userErrors: [] } } } }]);
    const c = new ZhuliClient({ url: f.url, token: 't', retry: { baseDelayMs: 10 } });
    await c.request(CreateOrganizationDocument, { input: { name: 'n' } as never });
    expect(f.bodies).toHaveLength(3);
    const keys = f.bodies.map((b) => b.variables.input.idempotencyKey);
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Set(keys).size).toBe(1);

    const g = await fake([{ status: 503 }, ok]);
    const d = new ZhuliClient({ url: g.url, token: 't', retry: { baseDelayMs: 10 } });
    await expect(d.request('mutation($i: RevokeApiKeyInput!) { revokeApiKey(input: $i) { userErrors { code } } }', { i: { id: 'x', reason: 'y' } })).rejects.toBeInstanceOf(NetworkError);
    expect(g.bodies).toHaveLength(1);
    await Promise.all([f.close(), g.close()]);
  });

  it('gives up after the attempts with NetworkError when nothing listens', async () => {
    const c = new ZhuliClient({ url: 'http://127.0.0.1:9/graphql', retry: { attempts: 2, baseDelayMs: 10 } });
    await expect(c.request('{ me { subject } }')).rejects.toBeInstanceOf(NetworkError);
  });
});
