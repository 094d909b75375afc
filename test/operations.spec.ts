import { Client } from 'pg';
import type { Client as WsClient } from 'graphql-ws';
import { fingerprint } from '../src/graphql/idempotency';
import { withCreditCheck } from '../src/modules/organizations/validators';
import { HOUSEKEEPING_LOCK } from '../src/server/housekeeping';
import { filed } from './agreement-fixtures';
import { Role, startTestApp, type TestApp } from './harness';
import { openTracked, sleep, type Sub } from './ws-client';

/**
 * Operations: housekeeping (idempotency keys expired or stuck, notification retention and resuming from a pruned
 * cursor) and the notification lag metrics.
 */
let app: TestApp;
let county: string;
const clients: WsClient[] = [];
const subs: Sub[] = [];
beforeAll(async () => {
  // Housekeeping is run by hand here (interval 0): each test knows exactly which round changed what.
  app = await startTestApp({ rateLimitPerSecond: 0, housekeepingIntervalMs: 0, idempotencyStuckMs: 5 * 60_000, notificationRetentionDays: 365 });
  county = await app.token([Role.COUNTY_COORDINATOR], '341524', { sub: 'ops-county' });
});
afterEach(async () => {
  for (const s of subs.splice(0)) s.stop();
  for (const c of clients.splice(0)) await c.dispose();
});
afterAll(async () => app?.stop());

const count = async (sql: string, params: unknown[] = []) => Number((await app.ds.query(sql, params))[0].n);

function open(token: string | null, query: string, variables: Record<string, unknown>): Promise<Sub> {
  return openTracked(app, token, query, variables, { clients, subs });
}

const EVENTS = `subscription($r: String!, $after: String) { filingEvents(regionCode: $r, after: $after) { cursor type agreement { id } } }`;
const CREATE_ORG = `mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { organization { id } userErrors { field code message } } }`;

describe('housekeeping: idempotency keys', () => {
  it('deletes keys past the 24 h TTL and keeps younger ones', async () => {
    await app.ds.query(
      `INSERT INTO idempotency_key (subject, operation, key, request_hash, response, created_at, completed_at) VALUES
         ('ops-a', 'createOrganization', 'old-1', repeat('a', 64), '{}', now() - interval '25 hours', now() - interval '25 hours'),
         ('ops-a', 'createOrganization', 'old-2', repeat('a', 64), NULL, now() - interval '30 hours', NULL),
         ('ops-a', 'createOrganization', 'young', repeat('a', 64), '{}', now() - interval '23 hours', now() - interval '23 hours')`,
    );
    const result = await app.server.housekeeping.run();
    expect(result?.expiredIdempotencyKeys).toBe(2);
    const left = await app.ds.query(`SELECT key FROM idempotency_key WHERE subject = 'ops-a' ORDER BY key`);
    expect(left.map((r: { key: string }) => r.key)).toEqual(['young']);
    // A second round finds nothing more to do.
    expect((await app.server.housekeeping.run())?.expiredIdempotencyKeys).toBe(0);
    const metrics = await (await fetch(`${app.origin}/metrics`)).text();
    expect(metrics).toMatch(/zhuli_housekeeping_rows_total\{task="expired_idempotency_keys"\} 2\b/);
  });

  it('a key stuck "running" past the timeout (its process died) is marked failed: a retry gets a clear INVALID_STATE at once', async () => {
    const input = {
      name: '金寨县运维测试农技协',
      type: 'RURAL_TECH_ASSOCIATION',
      regionCode: '341524',
      creditCode: withCreditCheck('51341524MJ7200001'),
      contactName: '汪德明',
      contactPhone: '13905641234',
      serviceCategories: ['PLANTING'],
    };
    // What a process leaves behind when it dies after claiming the key (and perhaps committing) but before storing
    // the result: a claim without a response. One is 10 minutes old, one was claimed just now.
    const insert = (key: string, age: string) =>
      app.ds.query(`INSERT INTO idempotency_key (subject, operation, key, request_hash, created_at) VALUES ('ops-county', 'createOrganization', $1, $2, now() - $3::interval)`, [
        key,
        fingerprint({ ...input, idempotencyKey: key }),
        age,
      ]);
    await insert('died-mid-way', '10 minutes');
    await insert('still-running', '5 seconds');
    const orgs = await count(`SELECT count(*)::int AS n FROM organization`);

    const before = await app.gql(CREATE_ORG, { i: { ...input, idempotencyKey: 'died-mid-way' } }, county);
    expect(before.data.createOrganization.userErrors[0]).toMatchObject({ code: 'INVALID_STATE', message: expect.stringMatching(/still running/) });

    const result = await app.server.housekeeping.run();
    expect(result?.stuckIdempotencyKeys).toBe(1);
    const stuck = await app.gql(CREATE_ORG, { i: { ...input, idempotencyKey: 'died-mid-way' } }, county);
    expect(stuck.data.createOrganization.organization).toBeNull();
    expect(stuck.data.createOrganization.userErrors).toEqual([
      { field: ['input', 'idempotencyKey'], code: 'INVALID_STATE', message: expect.stringMatching(/never finished .* outcome is unknown; check whether createOrganization took effect, then retry with a new key/) },
    ]);
    // The young claim is left alone: its request may still be running.
    const young = await app.gql(CREATE_ORG, { i: { ...input, idempotencyKey: 'still-running' } }, county);
    expect(young.data.createOrganization.userErrors[0].message).toMatch(/still running/);
    expect(await count(`SELECT count(*)::int AS n FROM organization`)).toBe(orgs);
    // A new key works.
    const fresh = await app.gql(CREATE_ORG, { i: { ...input, idempotencyKey: 'after-the-crash' } }, county);
    expect(fresh.data.createOrganization.userErrors).toEqual([]);
    expect(await count(`SELECT count(*)::int AS n FROM organization`)).toBe(orgs + 1);
  });

  it('only one instance runs a round: while another holds the housekeeping lock, a round does nothing', async () => {
    if (app.db.mode !== 'postgres') return; // the embedded database is one process: no lock is taken there
    await app.ds.query(`INSERT INTO idempotency_key (subject, operation, key, request_hash, created_at) VALUES ('ops-b', 'x', 'locked-out', repeat('b', 64), now() - interval '2 days')`);
    const other = new Client({ connectionString: app.db.url });
    await other.connect();
    try {
      await other.query('SELECT pg_advisory_lock($1)', [HOUSEKEEPING_LOCK]);
      expect(await app.server.housekeeping.run()).toBeNull();
      expect(await count(`SELECT count(*)::int AS n FROM idempotency_key WHERE key = 'locked-out'`)).toBe(1);
    } finally {
      await other.end();
    }
    expect((await app.server.housekeeping.run())?.expiredIdempotencyKeys).toBe(1);
  });
});

describe('housekeeping: notification retention', () => {
  it('deletes notifications past the retention period (and their acknowledgements), keeps the rest, and refuses a resume from a pruned cursor', async () => {
    const agreements = [await filed(app, county), await filed(app, county), await filed(app, county), await filed(app, county)];
    const keys = agreements.map((a) => Buffer.from(a.id, 'base64url').toString().split(':')[1]);
    await until('the four filings to be published', async () => (await count(`SELECT count(*)::int AS n FROM notification WHERE "agreementId" = ANY($1::uuid[]) AND cursor IS NOT NULL`, [keys])) === 4);
    const rows: Array<{ id: string; cursor: string }> = await app.ds.query(`SELECT id::text AS id, cursor::text AS cursor FROM notification WHERE "agreementId" = ANY($1::uuid[]) ORDER BY cursor`, [keys]);
    // Age every notification up to the second of our four past the 365 days; acknowledge the first.
    await app.ds.query(`UPDATE notification SET at = now() - interval '400 days' WHERE cursor <= $1`, [rows[1].cursor]);
    await app.ds.query(`INSERT INTO notification_ack (subject, "notificationId") VALUES ('ops-county', $1)`, [rows[0].id]);
    const olderThanOurs = await count(`SELECT count(*)::int AS n FROM notification WHERE cursor < $1`, [rows[0].cursor]);

    const result = await app.server.housekeeping.run();
    expect(result?.prunedNotifications).toBe(olderThanOurs + 2);
    const left: Array<{ cursor: string }> = await app.ds.query(`SELECT cursor::text AS cursor FROM notification WHERE "agreementId" = ANY($1::uuid[]) ORDER BY cursor`, [keys]);
    expect(left.map((r) => r.cursor)).toEqual([rows[2].cursor, rows[3].cursor]);
    expect(await count(`SELECT count(*)::int AS n FROM notification_ack WHERE "notificationId" = $1`, [rows[0].id])).toBe(0);
    expect(await app.server.services.notifications.oldestRetainedCursor()).toBe(rows[2].cursor);

    // Resuming after a pruned cursor would silently skip events: refused with CURSOR_EXPIRED.
    const stale = await open(county, EVENTS, { r: '341524', after: rows[0].cursor });
    const [err] = await stale.failed();
    expect(err.extensions).toMatchObject({ code: 'CURSOR_EXPIRED', oldestRetainedCursor: rows[2].cursor });
    expect(err.message).toMatch(/older than the retained notifications/);
    // Resuming right before the oldest kept cursor loses nothing, so it works and replays both.
    const fine = await open(county, EVENTS, { r: '341524', after: rows[1].cursor });
    const replay = await fine.take(2);
    expect(replay.map((e) => e.filingEvents.cursor)).toEqual([rows[2].cursor, rows[3].cursor]);
  });

  it('never deletes the newest notification, so new cursors continue after it', async () => {
    await app.ds.query(`UPDATE notification SET at = now() - interval '500 days'`);
    const newest = await app.server.services.notifications.latestCursor();
    await app.server.housekeeping.run();
    expect(await count(`SELECT count(*)::int AS n FROM notification`)).toBe(1);
    expect(await app.server.services.notifications.latestCursor()).toBe(newest);
    await filed(app, county);
    await until('the next filing to be published', async () => BigInt(await app.server.services.notifications.latestCursor()) === BigInt(newest) + 1n);
  });
});

describe('notification lag metrics', () => {
  it('/metrics exposes commit → publish and publish → delivery histograms after a filing', async () => {
    const histogramCount = async (name: string) => {
      const text = await (await fetch(`${app.origin}/metrics`)).text();
      const m = new RegExp(`^${name}_count (\\d+)$`, 'm').exec(text);
      return m ? Number(m[1]) : -1;
    };
    const published = await histogramCount('zhuli_notification_publish_lag_seconds');
    const delivered = await histogramCount('zhuli_notification_delivery_lag_seconds');
    expect(published).toBeGreaterThanOrEqual(0);
    const live = await open(county, EVENTS, { r: '341524' });
    await filed(app, county);
    await live.take(1, 3000);
    expect(await histogramCount('zhuli_notification_publish_lag_seconds')).toBe(published + 1);
    expect(await histogramCount('zhuli_notification_delivery_lag_seconds')).toBe(delivered + 1);
    const text = await (await fetch(`${app.origin}/metrics`)).text();
    expect(text).toMatch(/# HELP zhuli_notification_publish_lag_seconds .*cursor being stamped/);
    expect(text).toMatch(/zhuli_notification_delivery_lag_seconds_bucket\{le="1"\} [1-9]/);
  });
});

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}
