import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { spawnSync } from 'node:child_process';
import { GraphQLNonNull, GraphQLObjectType, GraphQLSchema, GraphQLString } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
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

    // Every mutation input has a key now: a transition sent through a variable gets one and is retried too.
    const h = await fake([{ status: 503 }, { status: 200, body: { data: { revokeApiKey: { userErrors: [] } } } }]);
    const e = new ZhuliClient({ url: h.url, token: 't', retry: { baseDelayMs: 10 } });
    await e.request('mutation($i: RevokeApiKeyInput!) { revokeApiKey(input: $i) { userErrors { code } } }', { i: { id: 'x', reason: 'y' } });
    expect(h.bodies).toHaveLength(2);
    expect(h.bodies[0].variables.i.idempotencyKey).toMatch(/^[0-9a-f-]{36}$/);
    expect(h.bodies[1].variables.i.idempotencyKey).toBe(h.bodies[0].variables.i.idempotencyKey);

    // An input written inline (no variable to put a key in) is not retried.
    const g = await fake([{ status: 503 }, ok]);
    const d = new ZhuliClient({ url: g.url, token: 't', retry: { baseDelayMs: 10 } });
    await expect(d.request('mutation { revokeApiKey(input: { id: "x", reason: "y" }) { userErrors { code } } }')).rejects.toBeInstanceOf(NetworkError);
    expect(g.bodies).toHaveLength(1);
    await Promise.all([f.close(), g.close(), h.close()]);
  });

  it('gives up after the attempts with NetworkError when nothing listens', async () => {
    const c = new ZhuliClient({ url: 'http://127.0.0.1:9/graphql', retry: { attempts: 2, baseDelayMs: 10 } });
    await expect(c.request('{ me { subject } }')).rejects.toBeInstanceOf(NetworkError);
  });
});

describe('subscriptions: resume and de-duplication by cursor', () => {
  /**
   * A tiny graphql-ws server: `events(after)` sends cursors 1, 2, 2 (a duplicate), 3 and then drops the socket
   * (close 1012, as a restarting server does); on the next subscription it re-sends the event after which it
   * was asked to resume (at-least-once delivery) and then the new one, and completes.
   */
  async function eventServer() {
    const subscriptions: Array<string | null> = [];
    const Event = new GraphQLObjectType({ name: 'Event', fields: { cursor: { type: new GraphQLNonNull(GraphQLString) } } });
    const schema = new GraphQLSchema({
      query: new GraphQLObjectType({ name: 'Query', fields: { ok: { type: GraphQLString, resolve: () => 'ok' } } }),
      subscription: new GraphQLObjectType({
        name: 'Subscription',
        fields: {
          events: {
            type: new GraphQLNonNull(Event),
            args: { after: { type: GraphQLString } },
            resolve: (e: unknown) => e,
            subscribe: async function* (_root: unknown, args: { after?: string | null }, ctx: { socket: WebSocket }) {
              subscriptions.push(args.after ?? null);
              if (subscriptions.length === 1) {
                for (const cursor of ['1', '2', '2', '3']) yield { cursor };
                await new Promise((r) => setTimeout(r, 50));
                ctx.socket.close(1012, 'restarting');
                return;
              }
              yield { cursor: args.after ?? '0' }; // the last event again
              yield { cursor: String(Number(args.after) + 1) };
            },
          },
        },
      }),
    });
    const server = http.createServer();
    const wss = new WebSocketServer({ server, path: '/graphql' });
    const cleanup = useServer({ schema, context: (ctx) => ({ socket: ctx.extra.socket }) }, wss);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
    return {
      url,
      subscriptions,
      close: async () => {
        await cleanup.dispose();
        await new Promise<void>((r) => server.close(() => r()));
      },
    };
  }

  it('yields each cursor once and, after the socket drops, resubscribes with after = the last cursor', async () => {
    const s = await eventServer();
    const c = new ZhuliClient({ url: s.url, token: 't', retry: { baseDelayMs: 10, maxDelayMs: 50 } });
    const reconnects: Array<string | null> = [];
    const got: string[] = [];
    const doc = 'subscription($after: String) { events(after: $after) { cursor } }';
    for await (const d of c.subscribe<{ events: { cursor: string } }, { after: string | null }>(doc, { after: null }, { cursor: (x) => x.events.cursor, onReconnect: (i) => reconnects.push(i.after) })) {
      got.push(d.events.cursor);
    }
    expect(got).toEqual(['1', '2', '3', '4']);
    expect(s.subscriptions).toEqual([null, '3']);
    expect(reconnects).toEqual(['3']);
    await c.close();
    await s.close();
  });
});
