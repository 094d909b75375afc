import { NATIONAL_REGION, Role, startTestApp, type TestApp } from './harness';

let app: TestApp;
let jinzhai: string;
let zhouzhi: string;
let expertHere: string;
let analyst: string;
let village: string;
let household: string;
beforeAll(async () => {
  app = await startTestApp();
  jinzhai = await app.token([Role.COUNTY_COORDINATOR], '341524', { sub: 'wang-jinzhai' });
  zhouzhi = await app.token([Role.COUNTY_COORDINATOR], '610124');
  expertHere = await app.token([Role.EXPERT], '341524', { sub: 'expert-li', expert: '00000000-0000-4000-8000-000000000009' });
  analyst = await app.token([Role.ANALYST], NATIONAL_REGION);
  [{ code: village }] = await app.ds.query(`SELECT "regionCode" AS code FROM poor_village WHERE "regionCode" LIKE '341524%' ORDER BY 1 LIMIT 1 OFFSET 3`);
  const [{ id }] = await app.ds.query(`SELECT id FROM household WHERE "villageCode" LIKE '341524%' ORDER BY "registryNumber" LIMIT 1`);
  household = Buffer.from(`Household:${id}`).toString('base64url');
});
afterAll(async () => {
  await app?.stop();
});

const FIELDS = `id target villageCode category description urgency preferredModes status closeReason surveyedBy version household { id } village { code }`;
const CREATE = `mutation($i: CreateNeedInput!) { createNeed(input: $i) { need { ${FIELDS} } userErrors { field code message } } }`;
const MOVE = `mutation($i: TransitionNeedInput!) { transitionNeed(input: $i) { need { status version closeReason } userErrors { field code message } } }`;

async function create(over: Record<string, unknown> = {}, token = jinzhai): Promise<any> {
  const res = await app.gql(CREATE, { i: { villageCode: village, category: 'PLANTING', description: '茶园低产改造技术', urgency: 'HIGH', preferredModes: ['ON_SITE_GUIDANCE'], ...over } }, token);
  expect(res.errors).toBeUndefined();
  expect(res.data.createNeed.userErrors).toEqual([]);
  return res.data.createNeed.need;
}
async function move(id: string, version: number, to: string, reason?: string, token = jinzhai): Promise<any> {
  const res = await app.gql(MOVE, { i: { id, version, to, reason } }, token);
  expect(res.errors).toBeUndefined();
  return res.data.transitionNeed;
}
/** Sets a need's status directly (only to reach MATCHED, which the API reaches by accepting a match — see matching.spec.ts). */
async function force(id: string, status: string): Promise<number> {
  const key = Buffer.from(id, 'base64url').toString().split(':')[1];
  const [[row]] = await app.ds.query(`UPDATE need SET status = $2, version = version + 1 WHERE id = $1 RETURNING version`, [key, status]);
  return row.version;
}

describe('createNeed', () => {
  it('records village and household needs surveyed by coordinators and experts', async () => {
    const v = await create();
    expect(v).toMatchObject({ target: 'VILLAGE', villageCode: village, status: 'OPEN', surveyedBy: 'wang-jinzhai', version: 1, household: null, village: { code: village } });
    const h = await create({ villageCode: null, householdId: household, category: 'HEALTH', preferredModes: [] }, expertHere);
    expect(h).toMatchObject({ target: 'HOUSEHOLD', surveyedBy: 'expert-li', household: { id: household } });
    expect(h.villageCode.startsWith('341524')).toBe(true);
  });

  it('refuses both or neither target, non-poor villages, and other counties', async () => {
    const both = await app.gql(CREATE, { i: { villageCode: village, householdId: household, category: 'PLANTING', description: '两者都给', urgency: 'LOW' } }, jinzhai);
    expect(both.data.createNeed.userErrors[0].code).toBe('VALIDATION');
    const [{ code: plain }] = await app.ds.query(`SELECT code FROM region WHERE level = 'VILLAGE' AND code LIKE '341524%' AND code NOT IN (SELECT "regionCode" FROM poor_village) LIMIT 1`);
    const notPoor = await app.gql(CREATE, { i: { villageCode: plain, category: 'PLANTING', description: '非贫困村', urgency: 'LOW' } }, jinzhai);
    expect(notPoor.data.createNeed.userErrors[0].code).toBe('NOT_ELIGIBLE');
    const before = await app.ds.query(`SELECT count(*)::int n FROM need`);
    const away = await app.gql(CREATE, { i: { villageCode: village, category: 'PLANTING', description: '外县', urgency: 'LOW' } }, zhouzhi);
    expect(away.data.createNeed.userErrors[0].code).toBe('FORBIDDEN');
    const awayHousehold = await app.gql(CREATE, { i: { householdId: household, category: 'PLANTING', description: '外县', urgency: 'LOW' } }, zhouzhi);
    expect(awayHousehold.data.createNeed.userErrors[0].code).toBe('FORBIDDEN');
    expect(await app.ds.query(`SELECT count(*)::int n FROM need`)).toEqual(before);
  });
});

describe('the need state machine', () => {
  it('allows OPEN → CLOSED (with a reason) and refuses everything else from OPEN, naming the state', async () => {
    const n = await create();
    for (const to of ['MATCHED', 'IN_SERVICE', 'FULFILLED', 'OPEN']) {
      const r = await move(n.id, 1, to);
      expect(r.userErrors[0]).toMatchObject({ code: 'INVALID_STATE', field: ['input', 'to'] });
      expect(r.userErrors[0].message).toContain('The need is OPEN');
    }
    expect((await move(n.id, 1, 'CLOSED')).userErrors[0]).toMatchObject({ code: 'VALIDATION', field: ['input', 'reason'] });
    expect(await move(n.id, 1, 'CLOSED', '已由县农业局解决')).toEqual({ need: { status: 'CLOSED', version: 2, closeReason: '已由县农业局解决' }, userErrors: [] });
    // CLOSED is final.
    for (const to of ['OPEN', 'MATCHED', 'IN_SERVICE', 'FULFILLED', 'CLOSED']) {
      const r = await move(n.id, 2, to, '再试');
      expect(r.userErrors[0].code).toBe('INVALID_STATE');
      expect(r.userErrors[0].message).toContain('The need is CLOSED');
    }
  });

  it('MATCHED → IN_SERVICE → FULFILLED, MATCHED/IN_SERVICE → CLOSED, refusals in between, FULFILLED final', async () => {
    const n = await create();
    let version = await force(n.id, 'MATCHED');
    expect((await move(n.id, version, 'FULFILLED')).userErrors[0].message).toContain('The need is MATCHED');
    expect((await move(n.id, version, 'OPEN')).userErrors[0].code).toBe('INVALID_STATE');
    let r = await move(n.id, version, 'IN_SERVICE');
    expect(r).toEqual({ need: { status: 'IN_SERVICE', version: version + 1, closeReason: null }, userErrors: [] });
    version = r.need.version;
    expect((await move(n.id, version, 'MATCHED')).userErrors[0].message).toContain('The need is IN_SERVICE');
    r = await move(n.id, version, 'FULFILLED');
    expect(r.need.status).toBe('FULFILLED');
    for (const to of ['OPEN', 'MATCHED', 'IN_SERVICE', 'CLOSED']) expect((await move(n.id, r.need.version, to, '再试')).userErrors[0].message).toContain('The need is FULFILLED');

    const m = await create();
    const mv = await force(m.id, 'MATCHED');
    expect((await move(m.id, mv, 'CLOSED', '农户外出务工')).need.status).toBe('CLOSED');
    const s = await create();
    const sv = await force(s.id, 'IN_SERVICE');
    expect((await move(s.id, sv, 'CLOSED', '项目终止')).need.status).toBe('CLOSED');
  });

  it('checks the version, the scope and the role, and audits each transition', async () => {
    const n = await create();
    expect((await move(n.id, 7, 'CLOSED', '理由')).userErrors[0].code).toBe('VERSION_CONFLICT');
    expect((await move(n.id, 1, 'CLOSED', '理由', zhouzhi)).userErrors[0].code).toBe('FORBIDDEN');
    const expertTry = await app.gql(MOVE, { i: { id: n.id, version: 1, to: 'CLOSED', reason: '理由' } }, expertHere);
    expect(expertTry.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    await move(n.id, 1, 'CLOSED', '理由');
    const events = await app.gql(`query($id: String!) { auditEvents(filter: { entityId: $id }) { nodes { operation before after } } }`, { id: n.id }, await app.token([Role.NATIONAL_ADMIN], NATIONAL_REGION));
    expect(events.data.auditEvents.nodes.map((e: any) => e.operation)).toEqual(['transitionNeed', 'createNeed']);
    expect(events.data.auditEvents.nodes[0]).toMatchObject({ before: { status: 'OPEN', closeReason: null }, after: { status: 'CLOSED', closeReason: '理由' } });
  });
});

describe('listing needs and counting them', () => {
  it('filters by region subtree, category, status, urgency and age, within scope', async () => {
    const t0 = new Date();
    const a = await create({ category: 'DISASTER_PREVENTION', urgency: 'CRITICAL' });
    await create({ category: 'DISASTER_PREVENTION', urgency: 'LOW' });
    const L = `query($f: NeedFilter) { needs(filter: $f, first: 100) { totalCount nodes { id category urgency status } } }`;
    const r = (await app.gql(L, { f: { within: village.slice(0, 9), categories: ['DISASTER_PREVENTION'], urgency: ['CRITICAL'], status: ['OPEN'], createdAfter: t0.toISOString() } }, jinzhai)).data.needs;
    expect(r.nodes.map((n: any) => n.id)).toEqual([a.id]);
    const old = (await app.gql(L, { f: { within: '341524', createdBefore: t0.toISOString() } }, jinzhai)).data.needs;
    const [{ n }] = await app.ds.query(`SELECT count(*)::int n FROM need WHERE "villageCode" LIKE '341524%' AND "createdAt" < $1`, [t0]);
    expect(old.totalCount).toBe(n);
    expect((await app.gql(L, { f: { categories: ['DISASTER_PREVENTION'] } }, zhouzhi)).data.needs.nodes.some((x: any) => x.id === a.id)).toBe(false);
    expect((await app.gql(`query($id: ID!) { need(id: $id) { id } }`, { id: a.id }, analyst)).data.need).toEqual({ id: a.id });
  });

  it('needCounts aggregates per county and category, matching a hand count, and pages by keyset', async () => {
    const province = await app.token([Role.PROVINCIAL_COORDINATOR], '340000');
    const Q = `query($after: String) { needCounts(first: 5, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { countyCode county { name } category total open matched inService fulfilled closed } } }`;
    const all: any[] = [];
    let after: string | null = null;
    let total = 0;
    for (;;) {
      const page: any = (await app.gql(Q, { after }, province)).data.needCounts;
      total = page.totalCount;
      all.push(...page.nodes);
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    const rows: Array<{ villageCode: string; category: string; status: string }> = await app.ds.query(`SELECT "villageCode", category::text, status::text FROM need WHERE "villageCode" LIKE '34%'`);
    const hand = new Map<string, Record<string, number>>();
    for (const r of rows) {
      const k = `${r.villageCode.slice(0, 6)}:${r.category}`;
      const c = hand.get(k) ?? { total: 0, OPEN: 0, MATCHED: 0, IN_SERVICE: 0, FULFILLED: 0, CLOSED: 0 };
      c.total++;
      c[r.status]++;
      hand.set(k, c);
    }
    expect(total).toBe(hand.size);
    expect(all).toHaveLength(hand.size);
    for (const n of all) {
      const c = hand.get(`${n.countyCode}:${n.category}`) as Record<string, number>;
      expect([n.total, n.open, n.matched, n.inService, n.fulfilled, n.closed]).toEqual([c.total, c.OPEN, c.MATCHED, c.IN_SERVICE, c.FULFILLED, c.CLOSED]);
    }
    expect(all.find((n) => n.countyCode === '341524')?.county.name).toBe('金寨县');
    expect(all.every((n) => n.countyCode.startsWith('34'))).toBe(true);
  });
});
