import { toGlobalId } from '../src/graphql/node';
import { act, filed, ok, signed, T } from './agreement-fixtures';
import { NATIONAL_REGION, Role, startTestApp, type TestApp } from './harness';
import { openTracked, sleep, subscribe, wsClient, type Sub } from './ws-client';
import type { Client } from 'graphql-ws';

let app: TestApp;
let county: string; // 金寨县 341524
let otherCounty: string; // 霍邱县 341522
let city: string; // 六安市 341500
let province: string;
let national: string;
const clients: Client[] = [];
const subs: Sub[] = [];
beforeAll(async () => {
  app = await startTestApp();
  county = await app.token([Role.COUNTY_COORDINATOR], '341524', { sub: 'wang-county' });
  otherCounty = await app.token([Role.COUNTY_COORDINATOR], '341522', { sub: 'sun-huoqiu' });
  city = await app.token([Role.CITY_COORDINATOR], '341500', { sub: 'zhao-city' });
  province = await app.token([Role.PROVINCIAL_COORDINATOR], '340000', { sub: 'qian-province' });
  national = await app.token([Role.NATIONAL_ADMIN], NATIONAL_REGION, { sub: 'li-national' });
});
afterEach(async () => {
  app.server.services.agreements.hooks.failpoint = undefined;
  for (const s of subs.splice(0)) s.stop();
  for (const c of clients.splice(0)) await c.dispose();
});
afterAll(async () => {
  await app?.stop();
});

const FILED = `subscription($r: String!, $after: String) { agreementFiled(regionCode: $r, after: $after) { cursor agreement { id regionCode status } filer { subject } notification { id type regionCode targetLevel targetRegionCode } } }`;
const EVENTS = `subscription($r: String!, $types: [NotificationType!], $after: String) { filingEvents(regionCode: $r, types: $types, after: $after) { id cursor type regionCode targetLevel targetRegionCode status reason actor { subject } agreement { id status } } }`;

/** Opens a subscription and waits until the server has registered it. */
function open(token: string | null, query: string, variables: Record<string, unknown>): Promise<Sub> {
  return openTracked(app, token, query, variables, { clients, subs });
}

describe('agreementFiled', () => {
  it('a county coordinator receives filings in their county within a second; county X never receives county Y’s; the city sees both', async () => {
    const mine = await open(county, FILED, { r: '341524' });
    const theirs = await open(otherCounty, FILED, { r: '341522' });
    const cityWide = await open(city, FILED, { r: '341500' });
    const a = await filed(app, county, '341524');
    const committedAt = Date.now();
    const [e] = await mine.take(1, 1000);
    expect(Date.now() - committedAt).toBeLessThan(1000);
    expect(e.agreementFiled).toMatchObject({ agreement: { id: a.id, regionCode: '341524', status: 'COUNTY_REVIEW' }, filer: { subject: 'wang-county' }, notification: { type: 'FILED', targetLevel: 'COUNTY', targetRegionCode: '341524' } });
    const b = await filed(app, otherCounty, '341522');
    await theirs.take(1, 1000);
    await cityWide.take(2, 2000);
    await sleep(300);
    expect(mine.events.map((x) => x.agreementFiled.agreement.id)).toEqual([a.id]);
    expect(theirs.events.map((x) => x.agreementFiled.agreement.id)).toEqual([b.id]);
    expect(cityWide.events.map((x) => x.agreementFiled.agreement.id)).toEqual([a.id, b.id]);
  });

  it('scope is checked at subscribe time: another county is FORBIDDEN, anonymous UNAUTHENTICATED, an analyst FORBIDDEN', async () => {
    const away = await open(otherCounty, FILED, { r: '341524' });
    expect((await away.failed())[0].extensions.code).toBe('FORBIDDEN');
    const wide = await open(county, FILED, { r: '341500' });
    expect((await wide.failed())[0].extensions.code).toBe('FORBIDDEN');
    const anon = await open(null, FILED, { r: '341524' });
    expect((await anon.failed())[0].extensions.code).toBe('UNAUTHENTICATED');
    const analyst = await open(await app.token([Role.ANALYST], '340000'), FILED, { r: '341524' });
    expect((await analyst.failed())[0].extensions.code).toBe('FORBIDDEN');
    const bad = await open(county, FILED, { r: '341524', after: 'not-a-cursor' });
    expect((await bad.failed())[0].extensions.code).toBe('BAD_USER_INPUT');
  });

  it('an expired token ends the subscription (the socket closes with 4401)', async () => {
    const short = await app.token([Role.COUNTY_COORDINATOR], '341524', { ttl: 2 });
    let closed: number | null = null;
    const client = wsClient(app.url, short, (code) => (closed = code));
    clients.push(client);
    const sub = subscribe(client, FILED, { r: '341524' });
    subs.push(sub);
    await sub.ended(6000);
    await sleep(100);
    expect(closed).toBe(4401);
    // Events after expiry are not delivered.
    await filed(app, county, '341524');
    await sleep(300);
    expect(sub.events).toEqual([]);
  });
});

describe('filingEvents', () => {
  it('each review step notifies the next level: the city is told when the county approves, the province when the city does', async () => {
    const cityInbox = await open(city, EVENTS, { r: '341500', types: ['REVIEW_APPROVED'] });
    const provinceInbox = await open(province, EVENTS, { r: '340000', types: ['REVIEW_APPROVED', 'SUBMITTED', 'RETURNED'] });
    const nationalInbox = await open(national, EVENTS, { r: '000000', types: ['SUBMITTED'] });
    let a = await filed(app, county);
    a = await ok(app, county, 'approveAgreementReview', { id: a.id, version: a.version, note: '县级审核通过' }, T);
    const [c] = await cityInbox.take(1);
    expect(c.filingEvents).toMatchObject({ type: 'REVIEW_APPROVED', targetLevel: 'CITY', targetRegionCode: '341500', status: 'CITY_REVIEW', reason: '县级审核通过', actor: { subject: 'wang-county' }, agreement: { id: a.id, status: 'CITY_REVIEW' } });
    a = await ok(app, city, 'approveAgreementReview', { id: a.id, version: a.version }, T);
    a = (await act(app, province, 'submitAgreementsToRegistry', { ids: [a.id] }, 'SubmitAgreementsInput')).agreements[0];
    const p = await provinceInbox.take(2);
    expect(p.map((x) => [x.filingEvents.type, x.filingEvents.targetLevel])).toEqual([
      ['REVIEW_APPROVED', 'CITY'],
      ['REVIEW_APPROVED', 'PROVINCE'],
    ]);
    await provinceInbox.take(3);
    expect(provinceInbox.events[2].filingEvents).toMatchObject({ type: 'SUBMITTED', targetLevel: 'NATIONAL' });
    const [n] = await nationalInbox.take(1);
    expect(n.filingEvents).toMatchObject({ type: 'SUBMITTED', targetRegionCode: '000000', agreement: { id: a.id, status: 'SUBMITTED' } });
    expect(cityInbox.events).toHaveLength(2); // the county's and the city's own approval (both in its subtree)
  });

  it('resuming with `after` delivers exactly what was missed, in order, once each, then live events', async () => {
    const first = await open(county, EVENTS, { r: '341524', types: ['FILED'] });
    await filed(app, county);
    const [seen] = await first.take(1);
    const cursor = seen.filingEvents.cursor as string;
    first.stop();
    const missed = [await filed(app, county), await filed(app, county)];
    await filed(app, otherCounty, '341522'); // elsewhere: not for this subscriber
    const again = await open(county, EVENTS, { r: '341524', types: ['FILED'], after: cursor });
    const replay = await again.take(2);
    expect(replay.map((x) => x.filingEvents.agreement.id)).toEqual(missed.map((m) => m.id));
    const cursors = replay.map((x) => BigInt(x.filingEvents.cursor));
    expect(cursors[0] > BigInt(cursor) && cursors[1] > cursors[0]).toBe(true);
    const live = await filed(app, county);
    await again.take(3);
    await sleep(300);
    expect(again.events.map((x) => x.filingEvents.agreement.id)).toEqual([...missed.map((m) => m.id), live.id]);
  });
});

describe('transactions and the outbox', () => {
  it('a filing whose transaction fails after the state change produces no notification and no state change', async () => {
    const watcher = await open(county, FILED, { r: '341524' });
    const a = await signed(app, county);
    const key = Buffer.from(a.id, 'base64url').toString().split(':')[1];
    const before = (await app.ds.query(`SELECT COUNT(*)::int AS n FROM notification`))[0].n;
    app.server.services.agreements.hooks.failpoint = (stage, id) => {
      if (stage === 'fileAgreement:afterNotification' && id === key) throw new Error('failpoint: the filing transaction fails after its notification row was written');
    };
    const res = await app.gql(`mutation($i: AgreementTransitionInput!) { fileAgreement(input: $i) { agreement { id } userErrors { code } } }`, { i: { id: a.id, version: a.version } }, county);
    expect(res.errors?.[0].extensions?.code).toBe('INTERNAL_SERVER_ERROR');
    app.server.services.agreements.hooks.failpoint = undefined;
    expect((await app.ds.query(`SELECT status FROM agreement WHERE id = $1`, [key]))[0].status).toBe('SIGNED');
    expect((await app.ds.query(`SELECT COUNT(*)::int AS n FROM notification`))[0].n).toBe(before);
    expect(await app.ds.query(`SELECT 1 FROM agreement_filing_step WHERE "agreementId" = $1 AND decision = 'FILED'`, [key])).toEqual([]);
    // The retry succeeds and is the only event the subscriber ever sees for it.
    const retry = await ok(app, county, 'fileAgreement', { id: a.id, version: a.version }, T);
    await watcher.take(1);
    await sleep(1200); // a sweep passes
    expect(watcher.events.map((e) => e.agreementFiled.agreement.id)).toEqual([retry.id]);
  });

  const realDb = process.env.DATABASE_URL ? it : it.skip;
  realDb('commit order, not insertion order: a filing held open past a later one is delivered after it, never skipped (real PostgreSQL)', async () => {
    const live = await open(county, FILED, { r: '341524' });
    const slow = await signed(app, county);
    const fast = await signed(app, county);
    const slowKey = Buffer.from(slow.id, 'base64url').toString().split(':')[1];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let reached!: () => void;
    const held = new Promise<void>((r) => (reached = r));
    app.server.services.agreements.hooks.failpoint = async (stage, id) => {
      if (stage === 'fileAgreement:afterNotification' && id === slowKey) {
        reached();
        await gate; // the transaction stays open: its notification row exists but is not committed
      }
    };
    const slowFiling = ok(app, county, 'fileAgreement', { id: slow.id, version: slow.version }, T);
    await held;
    const fastDone = await ok(app, county, 'fileAgreement', { id: fast.id, version: fast.version }, T);
    const [first] = await live.take(1);
    expect(first.agreementFiled.agreement.id).toBe(fastDone.id);
    const passedCursor = first.agreementFiled.cursor as string;
    release();
    await slowFiling;
    const [, second] = await live.take(2);
    expect(second.agreementFiled.agreement.id).toBe(slow.id);
    // The slow row was inserted first (lower id) yet got the higher cursor, because it committed later.
    const rows = await app.ds.query(`SELECT "agreementId", id::bigint AS id, cursor::bigint AS cursor FROM notification WHERE "agreementId" IN ($1, $2) AND type = 'FILED'`, [slowKey, Buffer.from(fast.id, 'base64url').toString().split(':')[1]]);
    const bySlow = rows.find((r: any) => r.agreementId === slowKey);
    const byFast = rows.find((r: any) => r.agreementId !== slowKey);
    expect(BigInt(bySlow.id) < BigInt(byFast.id)).toBe(true);
    expect(BigInt(bySlow.cursor) > BigInt(byFast.cursor)).toBe(true);
    // A subscriber that had already passed the fast one's cursor still gets the slow one.
    const resumed = await open(county, FILED, { r: '341524', after: passedCursor });
    const [r] = await resumed.take(1);
    expect(r.agreementFiled.agreement.id).toBe(slow.id);
  });
});

describe('notifications (offline coordinators)', () => {
  it('lists notifications in scope in cursor order, acknowledges them per principal, and filters the unacknowledged', async () => {
    const a = await filed(app, county);
    const q = `query($f: NotificationFilter, $after: String) { notifications(filter: $f, first: 100, after: $after) { totalCount pageInfo { endCursor hasNextPage } nodes { id cursor type regionCode targetLevel acknowledged agreement { id } } } }`;
    const mine = (await app.gql(q, { f: { agreementId: a.id } }, county)).data.notifications;
    expect(mine.nodes).toEqual([expect.objectContaining({ type: 'FILED', regionCode: '341524', targetLevel: 'COUNTY', acknowledged: false, agreement: { id: a.id } })]);
    expect((await app.gql(q, { f: { agreementId: a.id } }, otherCounty)).data.notifications.nodes).toEqual([]);
    const all = (await app.gql(q, { f: { within: '341524' } }, county)).data.notifications.nodes;
    const cursors = all.map((n: any) => BigInt(n.cursor));
    expect(cursors).toEqual([...cursors].sort((x, y) => (x < y ? -1 : 1)));
    // Someone else's acknowledgement does not count for me; out-of-scope acknowledgements are refused.
    const refused = await app.gql(`mutation($i: AcknowledgeNotificationsInput!) { acknowledgeNotifications(input: $i) { count userErrors { code field } } }`, { i: { ids: [mine.nodes[0].id] } }, otherCounty);
    expect(refused.data.acknowledgeNotifications.userErrors[0].code).toBe('FORBIDDEN');
    const ack = await app.gql(`mutation($i: AcknowledgeNotificationsInput!) { acknowledgeNotifications(input: $i) { count notifications { id acknowledged } userErrors { code } } }`, { i: { ids: [mine.nodes[0].id, mine.nodes[0].id] } }, county);
    expect(ack.data.acknowledgeNotifications).toMatchObject({ count: 1, userErrors: [], notifications: [{ id: mine.nodes[0].id, acknowledged: true }] });
    expect((await app.gql(q, { f: { agreementId: a.id, unacknowledgedOnly: true } }, county)).data.notifications.nodes).toEqual([]);
    expect((await app.gql(q, { f: { agreementId: a.id, unacknowledgedOnly: true } }, city)).data.notifications.nodes).toHaveLength(1);
    expect((await app.gql(`query($id: ID!) { node(id: $id) { id ... on Notification { type } } }`, { id: mine.nodes[0].id }, city)).data.node).toEqual({ id: mine.nodes[0].id, type: 'FILED' });
    expect((await app.gql(`query($id: ID!) { node(id: $id) { id } }`, { id: mine.nodes[0].id }, otherCounty)).data.node).toBeNull();
    const unknown = await app.gql(`mutation($i: AcknowledgeNotificationsInput!) { acknowledgeNotifications(input: $i) { userErrors { code field } } }`, { i: { ids: [toGlobalId('Notification', '999999999')] } }, county);
    expect(unknown.data.acknowledgeNotifications.userErrors).toEqual([{ code: 'NOT_FOUND', field: ['ids', '0'] }]);
  });
});
