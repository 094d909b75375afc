import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { getIntrospectionQuery } from 'graphql';
import { sha256 } from '../src/server/trusted-documents';
import { loadConfig } from '../src/config';
import { NATIONAL_REGION, Role, startTestApp, type TestApp } from './harness';
import { sleep, subscribe, wsClient } from './ws-client';

/** Raw POST to the server (so tests control headers and body exactly). */
async function post(app: TestApp, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(app.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

describe('hostile queries are refused before execution', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ rateLimitPerSecond: 0 });
  });
  afterAll(async () => app?.stop());

  it('reports the cost of every response in extensions.cost (Shopify shape)', async () => {
    const r = await app.gql('{ regions(first: 10) { nodes { code name } } }');
    expect(r.errors).toBeUndefined();
    expect(r.extensions?.cost).toEqual({ requestedQueryCost: 11, maximum: 5000 });
    // Default page size is 20; objects cost 1, scalars 0, a connection multiplies its selection by `first`.
    const d = await app.gql('{ regions { nodes { code parent { name } } } }');
    expect(d.extensions?.cost.requestedQueryCost).toBe(1 + 20 * (1 + 1));
  });

  it('refuses a deeply nested query with QUERY_TOO_COMPLEX and runs no SQL', async () => {
    let q = 'code';
    for (let i = 0; i < 14; i++) q = `code parent { ${q} }`;
    const r = await app.gql(`{ region(code: "341524") { ${q} } }`);
    expect(r.status).toBe(400);
    expect(r.errors?.[0].extensions?.code).toBe('QUERY_TOO_COMPLEX');
    expect(r.errors?.[0].message).toMatch(/nested \d+ levels deep; at most 12/);
    expect(r.extensions?.sqlStatements ?? 0).toBe(0);
  });

  it('refuses alias bombs and too many root fields', async () => {
    const aliases = Array.from({ length: 31 }, (_, i) => `a${i}: region(code: "341524") { name }`).join(' ');
    const r = await app.gql(`{ ${aliases} }`);
    expect(r.errors?.[0].extensions?.code).toBe('QUERY_TOO_COMPLEX');
    expect(r.errors?.[0].message).toMatch(/31 aliases/);
    // The same field repeated through fragments counts once per spread, as executed.
    const frag = `fragment F on Query { ${Array.from({ length: 6 }, (_, i) => `x${i}: region(code: "341524") { name }`).join(' ')} }`;
    const spreads = `{ ...F ...F ...F ...F ...F ...F }`;
    const f = await app.gql(`${spreads} ${frag}`);
    expect(f.errors?.[0].extensions?.code).toBe('QUERY_TOO_COMPLEX');
    const roots = Array.from({ length: 21 }, () => 'regions(first: 1) { totalCount }').join(' ');
    const rr = await app.gql(`{ ${roots} }`);
    // Identical unaliased fields merge in GraphQL, but they are still counted as written.
    expect(rr.errors?.[0].extensions?.code).toBe('QUERY_TOO_COMPLEX');
    expect(rr.errors?.[0].message).toMatch(/21 root fields/);
  });

  it('refuses huge page sizes by cost before execution, and nested connections multiply', async () => {
    const r = await app.gql('{ regions(first: 100000) { nodes { code } } }');
    expect(r.errors?.[0].extensions?.code).toBe('QUERY_TOO_COMPLEX');
    expect(r.errors?.[0].extensions?.cost).toEqual({ requestedQueryCost: 100001, maximum: 5000 });
    expect(r.extensions?.sqlStatements ?? 0).toBe(0);
    const nested = await app.gql('{ regions(first: 100) { nodes { children(first: 100) { nodes { code } } } } }');
    expect(nested.errors?.[0].extensions?.code).toBe('QUERY_TOO_COMPLEX');
    // Page sizes are capped at 100 even when the cost would allow more.
    const capped = await app.gql('{ regions(first: 101) { nodes { code } } }');
    expect(capped.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('cost uses variables', async () => {
    const r = await app.gql('query Q($n: Int) { regions(first: $n) { nodes { code } } }', { n: 6000 });
    expect(r.errors?.[0].extensions?.code).toBe('QUERY_TOO_COMPLEX');
    const ok = await app.gql('query Q($n: Int) { regions(first: $n) { nodes { code } } }', { n: 3 });
    expect(ok.extensions?.cost.requestedQueryCost).toBe(4);
  });

  it('allows the standard introspection query but refuses nested __type abuse', async () => {
    const ok = await app.gql(getIntrospectionQuery());
    expect(ok.errors).toBeUndefined();
    expect(ok.data.__schema.types.length).toBeGreaterThan(10);
    const abuse = await app.gql('{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }');
    // Apollo's own introspection-depth rule or ours, whichever sees it first.
    expect(['QUERY_TOO_COMPLEX', 'GRAPHQL_VALIDATION_FAILED']).toContain(abuse.errors?.[0].extensions?.code);
    const deepType = await app.gql('{ __type(name: "Region") { fields { type { fields { type { fields { type { name } } } } } } } }');
    expect(['QUERY_TOO_COMPLEX', 'GRAPHQL_VALIDATION_FAILED']).toContain(deepType.errors?.[0].extensions?.code);
    // Deep __type nesting without lists is stopped by the depth limit.
    let chain = 'name';
    for (let i = 0; i < 14; i++) chain = `name fields { type { ${chain} } }`.replace('fields { type', i % 2 ? 'fields { type' : 'inputFields { type');
    const chained = await app.gql(`{ __type(name: "Region") { ${chain} } }`);
    expect(chained.errors?.length).toBeGreaterThan(0);
  });

  it('refuses documents with too many tokens at parse time', async () => {
    const junk = Array.from({ length: 6000 }, () => '__typename').join(' ');
    const r = await app.gql(`{ ${junk} }`);
    expect(r.status).toBe(400);
    expect(r.errors?.[0].extensions?.code).toBe('GRAPHQL_PARSE_FAILED');
    expect(r.errors?.[0].message).toMatch(/5000 tokens/);
  });

  it('refuses bodies over 1 MB with 413 and a JSON error', async () => {
    const big = JSON.stringify({ query: '{ __typename }', variables: { pad: 'x'.repeat(1024 * 1024 + 10) } });
    const r = await post(app, big);
    expect(r.status).toBe(413);
    expect(r.json.errors[0].extensions.code).toBe('PAYLOAD_TOO_LARGE');
  });
});

describe('production settings', () => {
  let app: TestApp;
  beforeAll(async () => {
    // Introspection off the way an operator turns it off: ZHULI_INTROSPECTION=false, parsed by loadConfig.
    const { introspection } = loadConfig({ ZHULI_INTROSPECTION: 'false' });
    app = await startTestApp({ rateLimitPerSecond: 0, corsOrigins: ['https://portal.example.org'], landingPage: false, introspection });
  });
  afterAll(async () => app?.stop());

  it('ZHULI_INTROSPECTION=false refuses introspection queries (and only them)', async () => {
    for (const query of ['{ __schema { queryType { name } } }', '{ __type(name: "Query") { name } }']) {
      const r = await post(app, { query });
      expect(r.status).toBe(400);
      const body = r.json as { data?: unknown; errors: Array<{ message: string; extensions?: { code?: string } }> };
      expect(body.data).toBeUndefined();
      expect(body.errors[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(body.errors[0].message).toMatch(/introspection/i);
    }
    const plain = await post(app, { query: '{ __typename }' });
    expect(plain.status).toBe(200);
  });

  it('sends security headers', async () => {
    const r = await post(app, { query: '{ __typename }' });
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    expect(r.headers.get('referrer-policy')).toBe('no-referrer');
    expect(r.headers.get('x-frame-options')).toBe('DENY');
    expect(r.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(r.headers.get('x-powered-by')).toBeNull();
  });

  it('keeps CSRF prevention on: a simple request without a preflight header is refused', async () => {
    const res = await fetch(`${app.url}?query=${encodeURIComponent('{ __typename }')}`);
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/CSRF/);
    const form = await fetch(app.url, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{"query":"{ __typename }"}' });
    expect(form.status).toBe(400);
  });

  it('answers CORS only for the allow-listed origins', async () => {
    const ok = await fetch(app.url, { method: 'OPTIONS', headers: { origin: 'https://portal.example.org', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } });
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://portal.example.org');
    const bad = await fetch(app.url, { method: 'OPTIONS', headers: { origin: 'https://evil.example.com', 'access-control-request-method': 'POST' } });
    expect(bad.status).toBe(403);
    expect(bad.headers.get('access-control-allow-origin')).toBeNull();
    const simple = await post(app, { query: '{ __typename }' }, { origin: 'https://evil.example.com' });
    expect(simple.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('shows no landing page when disabled', async () => {
    const res = await fetch(app.url, { headers: { accept: 'text/html' } });
    expect(await res.text()).not.toMatch(/sandbox/i);
  });

  it('never puts SQL or stack traces in a response when the database fails', async () => {
    await app.ds.query('ALTER TABLE organization RENAME TO organization_gone');
    try {
      const token = await app.token([Role.NATIONAL_ADMIN], NATIONAL_REGION);
      const r = await post(app, { query: '{ organizations(first: 5) { nodes { name } } }' }, { authorization: `Bearer ${token}` });
      expect(r.json.errors[0].extensions.code).toBe('INTERNAL_SERVER_ERROR');
      expect(r.json.errors[0].extensions.requestId).toBeTruthy();
      expect(r.text).not.toMatch(/SELECT|organization_gone|relation|stack|\.ts:|at \w+ \(/i);
    } finally {
      await app.ds.query('ALTER TABLE organization_gone RENAME TO organization');
    }
  });

  it('never puts SQL or driver messages in graphql-ws errors either; validation errors keep their message', async () => {
    const token = await app.token([Role.PROVINCIAL_COORDINATOR], '340000');
    const client = wsClient(app.url, token);
    try {
      const invalid = subscribe(client, 'subscription { noSuchField }');
      const [v] = await invalid.failed();
      expect(v).toMatchObject({ message: expect.stringMatching(/noSuchField/), extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
      await app.ds.query('ALTER TABLE notification RENAME TO notification_gone');
      try {
        // Resuming reads the notification table first: the driver's error must not reach the client.
        const broken = subscribe(client, 'subscription { filingEvents(regionCode: "341524", after: "1") { cursor } }');
        const [e] = await broken.failed();
        expect(e.extensions.code).toBe('INTERNAL_SERVER_ERROR');
        expect(JSON.stringify(broken.errors)).not.toMatch(/notification|relation|does not exist|SELECT|stack|\.ts:|at \w+ \(/i);
      } finally {
        await app.ds.query('ALTER TABLE notification_gone RENAME TO notification');
      }
    } finally {
      await client.dispose();
    }
  });

  it('serves Prometheus metrics', async () => {
    await app.gql('{ regions(first: 2) { nodes { code } } }');
    const res = await fetch(`${app.origin}/metrics`);
    const text = await res.text();
    for (const m of ['zhuli_graphql_requests_total', 'zhuli_graphql_request_duration_seconds_bucket', 'zhuli_graphql_errors_total', 'zhuli_sql_statements_per_request_bucket', 'zhuli_active_subscriptions', 'zhuli_db_pool_connections', 'zhuli_http_responses_total']) {
      expect(text).toContain(m);
    }
    expect(text).toMatch(/zhuli_graphql_requests_total\{type="query",outcome="ok"\} [1-9]/);
    expect(text).toMatch(/zhuli_graphql_errors_total\{code="INTERNAL_SERVER_ERROR"\} [1-9]/);
  });
});

describe('subscriptions per WebSocket connection', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ rateLimitPerSecond: 0, maxSubscriptionsPerConnection: 3 });
  });
  afterAll(async () => app?.stop());

  it('refuses the subscription past the limit with TOO_MANY_SUBSCRIPTIONS; the others keep running; a slot frees when one ends', async () => {
    const client = wsClient(app.url, null);
    try {
      const HEARTBEAT = 'subscription { heartbeat(intervalSeconds: 1) { sequence } }';
      const open = [subscribe(client, HEARTBEAT), subscribe(client, HEARTBEAT), subscribe(client, HEARTBEAT)];
      await Promise.all(open.map((s) => s.take(1, 5000)));
      const extra = subscribe(client, HEARTBEAT);
      const [err] = await extra.failed();
      expect(err).toMatchObject({ message: expect.stringMatching(/At most 3 subscriptions/), extensions: { code: 'TOO_MANY_SUBSCRIPTIONS' } });
      const ticks = open.map((s) => s.events.length);
      await sleep(1500);
      open.forEach((s, i) => expect(s.events.length).toBeGreaterThan(ticks[i]));
      // The server ends the stopped subscription at its generator's next step (at most one tick interval).
      open[0].stop();
      await sleep(1500);
      const again = subscribe(client, HEARTBEAT);
      await again.take(1, 5000);
      expect(again.errors).toEqual([]);
    } finally {
      await client.dispose();
    }
  });
});

describe('client IP behind a proxy (ZHULI_TRUST_PROXY)', () => {
  const anonymous = (app: TestApp, ip: string) => post(app, { query: '{ __typename }' }, { 'x-forwarded-for': ip });

  it('parses the setting: off by default, true, a hop count or a list of proxies', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ ZHULI_TRUST_PROXY: 'false' }).trustProxy).toBe(false);
    expect(loadConfig({ ZHULI_TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(loadConfig({ ZHULI_TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(loadConfig({ ZHULI_TRUST_PROXY: 'loopback, 10.0.0.0/8' }).trustProxy).toBe('loopback, 10.0.0.0/8');
  });

  it('by default X-Forwarded-For is ignored: anonymous callers are limited by the socket address', async () => {
    const app = await startTestApp({ rateLimitPerSecond: 1, rateLimitBurst: 2 });
    try {
      const statuses = [];
      for (const ip of ['203.0.113.1', '203.0.113.2', '203.0.113.3']) statuses.push((await anonymous(app, ip)).status);
      expect(statuses).toEqual([200, 200, 429]);
    } finally {
      await app.stop();
    }
  });

  it('behind a trusted proxy each forwarded client has its own bucket', async () => {
    const app = await startTestApp({ rateLimitPerSecond: 1, rateLimitBurst: 2, trustProxy: 'loopback' });
    try {
      const statuses = [];
      for (const ip of ['203.0.113.1', '203.0.113.2', '203.0.113.3', '203.0.113.1', '203.0.113.1']) statuses.push((await anonymous(app, ip)).status);
      expect(statuses).toEqual([200, 200, 200, 200, 429]);
    } finally {
      await app.stop();
    }
  });
});

describe('rate limiting per principal', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ rateLimitPerSecond: 1, rateLimitBurst: 5 });
  });
  afterAll(async () => app?.stop());

  it('reports the remaining budget and answers 429 with Retry-After past it; other principals and admins are unaffected', async () => {
    const token = await app.token([Role.ANALYST], '340000', { sub: 'rl-analyst' });
    const seen: number[] = [];
    let refused: Awaited<ReturnType<typeof post>> | undefined;
    for (let i = 0; i < 8 && !refused; i++) {
      const r = await post(app, { query: '{ __typename }' }, { authorization: `Bearer ${token}` });
      if (r.status === 429) refused = r;
      else seen.push(r.json.extensions.rateLimit.remaining);
    }
    expect(seen[0]).toBe(4);
    expect(seen).toEqual([...seen].sort((a, b) => b - a));
    expect(refused?.status).toBe(429);
    expect(Number(refused?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(refused?.json.errors[0].extensions.code).toBe('RATE_LIMITED');
    // Another principal has its own bucket; a national admin is exempt.
    const other = await app.token([Role.ANALYST], '340000', { sub: 'rl-other' });
    expect((await post(app, { query: '{ __typename }' }, { authorization: `Bearer ${other}` })).status).toBe(200);
    const admin = await app.token([Role.NATIONAL_ADMIN], NATIONAL_REGION, { sub: 'rl-admin' });
    for (let i = 0; i < 8; i++) expect((await post(app, { query: '{ __typename }' }, { authorization: `Bearer ${admin}` })).status).toBe(200);
    // The budget refills.
    await new Promise((r) => setTimeout(r, 1100));
    expect((await post(app, { query: '{ __typename }' }, { authorization: `Bearer ${token}` })).status).toBe(200);
    const metrics = await (await fetch(`${app.origin}/metrics`)).text();
    expect(metrics).toMatch(/zhuli_rate_limited_total [1-9]/);
  });
});

describe('persisted queries', () => {
  it('automatic persisted queries (APQ) work with the default cache', async () => {
    const app = await startTestApp({ rateLimitPerSecond: 0 });
    try {
      const query = '{ region(code: "341524") { name } }';
      const ext = { persistedQuery: { version: 1, sha256Hash: sha256(query) } };
      const miss = await post(app, { extensions: ext });
      expect(miss.json.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
      const reg = await post(app, { query, extensions: ext });
      expect(reg.json.data.region.name).toBe('金寨县');
      const hit = await post(app, { extensions: ext });
      expect(hit.json.data.region.name).toBe('金寨县');
      const wrong = await post(app, { query: '{ __typename }', extensions: ext });
      expect(wrong.status).toBe(400);
    } finally {
      await app.stop();
    }
  });

  it('trusted-documents mode accepts only registered operations (by text or hash); national admins are exempt', async () => {
    const allowed = 'query County { region(code: "341524") { name } }';
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zhuli-trusted-'));
    const manifest = path.join(dir, 'manifest.json');
    fs.writeFileSync(manifest, JSON.stringify({ format: 'apollo-persisted-query-manifest', version: 1, operations: [{ id: sha256(allowed), name: 'County', type: 'query', body: allowed }] }));
    const app = await startTestApp({ rateLimitPerSecond: 0, trustedDocuments: manifest });
    try {
      expect((await post(app, { query: allowed })).json.data.region.name).toBe('金寨县');
      const byHash = await post(app, { extensions: { persistedQuery: { version: 1, sha256Hash: sha256(allowed) } } });
      expect(byHash.json.data.region.name).toBe('金寨县');
      const other = await post(app, { query: '{ region(code: "341524") { name code } }' });
      expect(other.status).toBe(403);
      expect(other.json.errors[0].extensions.code).toBe('OPERATION_NOT_TRUSTED');
      const apq = '{ __typename }';
      const reg = await post(app, { query: apq, extensions: { persistedQuery: { version: 1, sha256Hash: sha256(apq) } } });
      expect(reg.json.errors[0].extensions.code).toBe('OPERATION_NOT_TRUSTED');
      const coordinator = await app.token([Role.PROVINCIAL_COORDINATOR], '340000');
      expect((await post(app, { query: '{ __typename }' }, { authorization: `Bearer ${coordinator}` })).status).toBe(403);
      const admin = await app.token([Role.NATIONAL_ADMIN], NATIONAL_REGION);
      expect((await post(app, { query: '{ __typename }' }, { authorization: `Bearer ${admin}` })).json.data.__typename).toBe('Query');
    } finally {
      await app.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a manifest whose ids do not match their bodies is refused at start', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zhuli-trusted-'));
    const manifest = path.join(dir, 'm.json');
    fs.writeFileSync(manifest, JSON.stringify({ ['0'.repeat(64)]: '{ __typename }' }));
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { TrustedDocuments } = require('../src/server/trusted-documents') as typeof import('../src/server/trusted-documents');
    expect(() => TrustedDocuments.load(manifest)).toThrow(/not the sha256/);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
