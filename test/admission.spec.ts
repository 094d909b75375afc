import os from 'node:os';
import { defaultConcurrentRequests, loadConfig } from '../src/config';
import { Admission } from '../src/server/admission';
import { startTestApp, Role, type TestApp } from './harness';

/** Admission control (src/server/admission.ts): at most N GraphQL requests execute at once, the rest queue. */
describe('Admission', () => {
  it('admits up to the limit, queues the rest in arrival order, and passes each released slot on', async () => {
    const a = new Admission(2);
    const order: number[] = [];
    const r1 = await a.acquire();
    const r2 = await a.acquire();
    const waiting = [3, 4, 5].map((n) => a.acquire().then((release) => (order.push(n), release)));
    expect([a.running, a.queued]).toEqual([2, 3]);
    r1();
    r1(); // twice is harmless: only one slot is given back
    const r3 = await waiting[0];
    expect([a.running, a.queued]).toEqual([2, 2]);
    r2();
    r3();
    const rest = await Promise.all(waiting.slice(1));
    expect(order).toEqual([3, 4, 5]);
    rest.forEach((release) => release());
    expect([a.running, a.queued]).toEqual([0, 0]);
  });

  it('limit 0 admits everything', async () => {
    const a = new Admission(0);
    const releases = await Promise.all(Array.from({ length: 50 }, () => a.acquire()));
    expect([a.running, a.queued]).toEqual([50, 0]);
    releases.forEach((r) => r());
    expect(a.running).toBe(0);
  });
});

describe('the default limit', () => {
  it('is two executing requests per CPU core, within the pool size, at least 4; ZHULI_MAX_CONCURRENT_REQUESTS overrides it', () => {
    expect(defaultConcurrentRequests(10, 2)).toBe(4); // the benchmark machine: 2 cores, pool of 10
    expect(defaultConcurrentRequests(10, 4)).toBe(8);
    expect(defaultConcurrentRequests(10, 16)).toBe(10);
    expect(defaultConcurrentRequests(1, 2)).toBe(4); // the embedded database's pool of 1
    expect(loadConfig({ ZHULI_DB_POOL_SIZE: '10' }).maxConcurrentRequests).toBe(defaultConcurrentRequests(10, os.availableParallelism()));
    expect(loadConfig({ ZHULI_DB_POOL_SIZE: '10', ZHULI_MAX_CONCURRENT_REQUESTS: '10' }).maxConcurrentRequests).toBe(10);
    expect(loadConfig({ ZHULI_MAX_CONCURRENT_REQUESTS: '0' }).maxConcurrentRequests).toBe(0);
  });
});

describe('a server admitting one request at a time', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ maxConcurrentRequests: 1 });
  });
  afterAll(async () => {
    await app?.stop();
  });

  const gauge = async (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(await (await fetch(`${app.origin}/metrics`)).text())?.[1]);

  it('answers every one of 30 concurrent requests, frees the slots of clients that gave up while queued, and ends with nothing running or queued', async () => {
    const token = await app.token([Role.PROVINCIAL_COORDINATOR], '340000');
    const query = `{ regions(first: 100, filter: { within: "340000" }) { totalCount nodes { code name parent { name } } } }`;
    const post = (signal?: AbortSignal) =>
      fetch(`${app.origin}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query }), signal });
    const aborted = Array.from({ length: 5 }, () => new AbortController());
    const pending = [...Array.from({ length: 25 }, () => post()), ...aborted.map((c) => post(c.signal).catch(() => null))];
    aborted.forEach((c) => c.abort());
    const answers = await Promise.all(pending);
    const ok = answers.filter((r): r is Response => r !== null);
    expect(ok.length).toBeGreaterThanOrEqual(25);
    for (const r of ok) {
      expect(r.status).toBe(200);
      expect(((await r.json()) as { data: { regions: { nodes: unknown[] } } }).data.regions.nodes).toHaveLength(100);
    }
    expect(await gauge('zhuli_requests_running')).toBe(0);
    expect(await gauge('zhuli_requests_queued')).toBe(0);
    // Nothing was left holding the one slot: a new request goes straight through.
    expect((await post()).status).toBe(200);
  });
});
