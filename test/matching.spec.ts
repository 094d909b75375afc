import { withCreditCheck } from '../src/modules/organizations/validators';
import { NATIONAL_REGION, Role, startTestApp, type TestApp } from './harness';

/**
 * Ranking fixture (金寨县 341524, category FINANCE_INSURANCE, which no demo offering provides; preferred mode TRAINING;
 * no provider has evaluated agreements, so the evaluation component is 0 — test/evaluations.spec.ts covers it):
 *   A  organization in 金寨县 341524, TRAINING, serves 341524, capacity 4   → 30 + 10 + 40 (same county) + 10 = 90
 *   B  expert in 庐阳区 340104 (paired with 金寨县), CONSULTING, serves 341524 → 30 +  0 + 30 (paired)      + 10 = 70
 *   C  expert in 霍邱县 341522 (六安市), CONSULTING, serves 六安市 341500        → 30 +  0 + 20 (same city)   + 10 = 60
 *   D  expert in 瑶海区 340102 (合肥市), CONSULTING, serves Anhui 340000       → 30 +  0 + 10 (same province) + 10 = 50
 *   E  expert in 周至县 610124, CONSULTING, serves the need's township          → 30 +  0 +  0 (elsewhere)  + 10 = 40
 * and offerings that are no candidates: F serves 霍邱县 only, G archived, H expired, I another category.
 */
let app: TestApp;
let admin: string;
let jinzhai: string;
let zhouzhi: string;
let village: string;
let serial = 0;
const fx: Record<string, { provider: string; key: string; offering: string; token?: string }> = {};

async function ok(doc: string, variables: Record<string, unknown>, token = admin): Promise<any> {
  const res = await app.gql(doc, variables, token);
  expect(res.errors).toBeUndefined();
  const payload = Object.values(res.data)[0] as { userErrors?: unknown[] };
  if (payload && 'userErrors' in payload) expect(payload.userErrors).toEqual([]);
  return Object.values(res.data)[0];
}
const keyOf = (id: string) => Buffer.from(id, 'base64url').toString().split(':')[1];
async function expert(region: string): Promise<string> {
  const r = await ok(`mutation($i: CreateExpertInput!) { createExpert(input: $i) { expert { id } userErrors { code message } } }`, { i: { name: `对接专家${++serial}`, regionCode: region, specialties: ['FINANCE_INSURANCE'], contactPhone: '13905640000' } });
  return r.expert.id;
}
async function org(region: string): Promise<string> {
  const r = await ok(`mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { organization { id } userErrors { code message } } }`, {
    i: { name: `金寨县农村金融服务协会${++serial}`, type: 'RURAL_TECH_ASSOCIATION', regionCode: region, creditCode: withCreditCheck(`51${region}MJ${String(6000000 + serial)}`), contactName: '汪德明', contactPhone: '13905641234', serviceCategories: ['FINANCE_INSURANCE'] },
  });
  return r.organization.id;
}
async function offering(provider: string, over: Record<string, unknown>): Promise<string> {
  const isOrg = Buffer.from(provider, 'base64url').toString().startsWith('Organization:');
  const r = await ok(`mutation($i: CreateServiceOfferingInput!) { createServiceOffering(input: $i) { serviceOffering { id } userErrors { code message } } }`, {
    i: { [isOrg ? 'organizationId' : 'expertId']: provider, title: `金融服务${++serial}`, categories: ['FINANCE_INSURANCE'], modes: ['CONSULTING'], regionCodes: ['341524'], capacity: 2, activeFrom: '2017-01-01', ...over },
  });
  return r.serviceOffering.id;
}
async function need(category = 'FINANCE_INSURANCE', where = village): Promise<string> {
  const r = await ok(`mutation($i: CreateNeedInput!) { createNeed(input: $i) { need { id } userErrors { code message } } }`, { i: { villageCode: where, category, description: '小额信贷与农业保险', urgency: 'HIGH', preferredModes: ['TRAINING'] } });
  return r.need.id;
}
const CANDIDATES = `query($n: ID!, $first: Int, $after: String) { matchCandidates(needId: $n, first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor }
  nodes { score regionFit spareCapacity offering { id title } reasons { kind points text } } } }`;
const PROPOSE = `mutation($n: ID!, $o: ID!) { proposeMatch(input: { needId: $n, offeringId: $o }) { match { id status score reasons { kind points } } userErrors { code message } } }`;
const ACCEPT = `mutation($id: ID!) { acceptMatch(input: { id: $id }) { match { id status decidedBy need { status version } } userErrors { code message } } }`;
const DECLINE = `mutation($id: ID!, $r: String!) { declineMatch(input: { id: $id, reason: $r }) { match { status declineReason need { status } } userErrors { code message } } }`;

beforeAll(async () => {
  app = await startTestApp();
  admin = await app.token([Role.NATIONAL_ADMIN], NATIONAL_REGION, { sub: 'admin' });
  jinzhai = await app.token([Role.COUNTY_COORDINATOR], '341524', { sub: 'coordinator-jinzhai' });
  zhouzhi = await app.token([Role.COUNTY_COORDINATOR], '610124');
  [{ code: village }] = await app.ds.query(`SELECT "regionCode" AS code FROM poor_village WHERE "regionCode" LIKE '341524%' ORDER BY 1 LIMIT 1 OFFSET 7`);
  const a = await org('341524');
  fx.A = { provider: a, key: keyOf(a), offering: await offering(a, { modes: ['TRAINING'], capacity: 4 }) };
  fx.A.token = await app.token([Role.ORGANIZATION_MANAGER], '341524', { sub: 'manager-a', org: fx.A.key });
  const specs: Array<[string, string, Record<string, unknown>]> = [
    ['B', '340104', { regionCodes: ['341524'], capacity: 2 }],
    ['C', '341522', { regionCodes: ['341500'], capacity: 10 }],
    ['D', '340102', { regionCodes: ['340000'], capacity: 5 }],
    ['E', '610124', { regionCodes: [village.slice(0, 9)], capacity: 3 }],
    ['F', '341522', { regionCodes: ['341522'] }],
    ['G', '341524', {}],
    ['H', '341524', { activeFrom: '2017-01-01', activeTo: '2018-12-31' }],
    ['I', '341524', { categories: ['AGRO_PROCESSING'] }],
  ];
  for (const [name, region, over] of specs) {
    const e = await expert(region);
    fx[name] = { provider: e, key: keyOf(e), offering: await offering(e, over) };
    fx[name].token = await app.token([Role.EXPERT], region, { sub: `expert-${name}`, expert: fx[name].key });
  }
  await ok(`mutation($i: UpdateServiceOfferingInput!) { updateServiceOffering(input: $i) { userErrors { code message } } }`, { i: { id: fx.G.offering, version: 1, status: 'ARCHIVED' } });
});
afterAll(async () => {
  await app?.stop();
});

describe('matchCandidates', () => {
  it('ranks the fixture in the expected order, explaining every point', async () => {
    const n = await need();
    const r = (await app.gql(CANDIDATES, { n, first: 20 }, jinzhai)).data.matchCandidates;
    const name = (id: string) => Object.keys(fx).find((k) => fx[k].offering === id);
    expect(r.nodes.map((c: any) => [name(c.offering.id), c.score, c.regionFit])).toEqual([
      ['A', 90, 'SAME_COUNTY'],
      ['B', 70, 'PAIRED_COUNTY'],
      ['C', 60, 'SAME_CITY'],
      ['D', 50, 'SAME_PROVINCE'],
      ['E', 40, 'ELSEWHERE'],
    ]);
    expect(r.totalCount).toBe(5);
    const points = (c: any) => Object.fromEntries(c.reasons.map((x: any) => [x.kind, x.points]));
    expect(points(r.nodes[0])).toEqual({ CATEGORY: 30, SERVICE_MODE: 10, REGION: 40, CAPACITY: 10, EVALUATION: 0 });
    expect(points(r.nodes[1])).toEqual({ CATEGORY: 30, SERVICE_MODE: 0, REGION: 30, CAPACITY: 10, EVALUATION: 0 });
    expect(points(r.nodes[2])).toEqual({ CATEGORY: 30, SERVICE_MODE: 0, REGION: 20, CAPACITY: 10, EVALUATION: 0 });
    expect(points(r.nodes[3])).toEqual({ CATEGORY: 30, SERVICE_MODE: 0, REGION: 10, CAPACITY: 10, EVALUATION: 0 });
    expect(points(r.nodes[4])).toEqual({ CATEGORY: 30, SERVICE_MODE: 0, REGION: 0, CAPACITY: 10, EVALUATION: 0 });
    for (const c of r.nodes) expect(c.reasons.reduce((s: number, x: any) => s + x.points, 0)).toBeCloseTo(c.score, 2);
    const text = (c: any, kind: string) => c.reasons.find((x: any) => x.kind === kind).text;
    expect(text(r.nodes[1], 'REGION')).toContain('340104 is paired with the need\'s county 341524');
    expect(text(r.nodes[2], 'CATEGORY')).toContain('through region 341500');
    expect(text(r.nodes[1], 'SERVICE_MODE')).toContain('none of the preferred');
    expect(text(r.nodes[0], 'CAPACITY')).toBe('Spare capacity 4 of 4 (剩余服务能力)');
    expect(text(r.nodes[0], 'EVALUATION')).toContain('No submitted or reviewed evaluation');

    // Keyset paging over the ranking.
    const p1 = (await app.gql(CANDIDATES, { n, first: 2 }, jinzhai)).data.matchCandidates;
    const p2 = (await app.gql(CANDIDATES, { n, first: 2, after: p1.pageInfo.endCursor }, jinzhai)).data.matchCandidates;
    const p3 = (await app.gql(CANDIDATES, { n, first: 2, after: p2.pageInfo.endCursor }, jinzhai)).data.matchCandidates;
    expect([...p1.nodes, ...p2.nodes, ...p3.nodes].map((c: any) => c.offering.id)).toEqual(r.nodes.map((c: any) => c.offering.id));
    expect([p1.pageInfo.hasNextPage, p2.pageInfo.hasNextPage, p3.pageInfo.hasNextPage]).toEqual([true, true, false]);

    // Another county's coordinator sees nothing for this need.
    expect((await app.gql(CANDIDATES, { n, first: 20 }, zhouzhi)).data.matchCandidates).toMatchObject({ totalCount: 0, nodes: [] });
  });
});

describe('propose, accept, decline', () => {
  it('runs the flow: the need becomes MATCHED with the acceptance, other proposals are withdrawn', async () => {
    const n = await need();
    const pa = (await ok(PROPOSE, { n, o: fx.A.offering }, jinzhai)).match;
    expect(pa).toMatchObject({ status: 'PROPOSED', score: 90 });
    expect(pa.reasons.map((x: any) => x.kind)).toEqual(['CATEGORY', 'SERVICE_MODE', 'REGION', 'CAPACITY', 'EVALUATION']);
    const pb = (await ok(PROPOSE, { n, o: fx.B.offering }, jinzhai)).match;
    const pc = (await ok(PROPOSE, { n, o: fx.C.offering }, jinzhai)).match;

    expect((await app.gql(PROPOSE, { n, o: fx.A.offering }, jinzhai)).data.proposeMatch.userErrors[0].code).toBe('DUPLICATE');
    for (const o of ['F', 'G', 'H', 'I']) expect((await app.gql(PROPOSE, { n, o: fx[o].offering }, jinzhai)).data.proposeMatch.userErrors[0].code).toBe('NOT_ELIGIBLE');
    expect((await app.gql(PROPOSE, { n, o: fx.D.offering }, zhouzhi)).data.proposeMatch.userErrors[0].code).toBe('FORBIDDEN');

    // The provider sees what is proposed to it.
    const mine = (await app.gql(`query { serviceMatches(filter: { mine: true }) { nodes { id status } } }`, {}, fx.B.token)).data.serviceMatches;
    expect(mine.nodes).toEqual([{ id: pb.id, status: 'PROPOSED' }]);

    // B declines; the need stays OPEN.
    expect((await app.gql(DECLINE, { id: pb.id, r: '本季度人手不足' }, fx.B.token)).data.declineMatch).toEqual({ match: { status: 'DECLINED', declineReason: '本季度人手不足', need: { status: 'OPEN' } }, userErrors: [] });
    // Someone else's provider may not accept A's match.
    expect((await app.gql(ACCEPT, { id: pa.id }, fx.C.token)).data.acceptMatch.userErrors[0].code).toBe('FORBIDDEN');
    // A's manager accepts.
    const acc = (await app.gql(ACCEPT, { id: pa.id }, fx.A.token)).data.acceptMatch;
    expect(acc).toEqual({ match: { id: pa.id, status: 'ACCEPTED', decidedBy: 'manager-a', need: { status: 'MATCHED', version: 2 } }, userErrors: [] });
    const statuses = (await app.gql(`query($n: ID!) { need(id: $n) { status matches { totalCount nodes { id status } } } }`, { n }, jinzhai)).data.need;
    expect(statuses.status).toBe('MATCHED');
    expect(Object.fromEntries(statuses.matches.nodes.map((m: any) => [m.id, m.status]))).toEqual({ [pa.id]: 'ACCEPTED', [pb.id]: 'DECLINED', [pc.id]: 'WITHDRAWN' });

    expect((await app.gql(ACCEPT, { id: pc.id }, jinzhai)).data.acceptMatch.userErrors[0]).toMatchObject({ code: 'INVALID_STATE' });
    expect((await app.gql(DECLINE, { id: pa.id, r: '反悔了' }, fx.A.token)).data.declineMatch.userErrors[0].message).toContain('The match is ACCEPTED');
    expect((await app.gql(PROPOSE, { n, o: fx.D.offering }, jinzhai)).data.proposeMatch.userErrors[0]).toMatchObject({ code: 'INVALID_STATE' });

    // A now has 3 of 4 engagements spare: 7.5 capacity points for the next need.
    const next = (await app.gql(CANDIDATES, { n: await need(), first: 1 }, jinzhai)).data.matchCandidates.nodes[0];
    expect(next).toMatchObject({ score: 87.5, spareCapacity: 3, offering: { id: fx.A.offering } });

    const audit = await app.ds.query(`SELECT operation, after FROM audit_event WHERE "entityType" IN ('ServiceMatch', 'Need') AND "entityId" IN ($1, $2) ORDER BY seq`, [keyOf(pa.id), keyOf(n)]);
    expect(audit.map((e: any) => e.operation)).toEqual(['createNeed', 'proposeMatch', 'acceptMatch', 'acceptMatch']);
  });

  it('refuses to accept beyond the capacity, and accepting a match of a need that is no longer OPEN', async () => {
    const one = await offering(fx.A.provider, { modes: ['TRAINING'], capacity: 1 });
    const [n1, n2] = [await need(), await need()];
    const m1 = (await ok(PROPOSE, { n: n1, o: one }, jinzhai)).match;
    const m2 = (await ok(PROPOSE, { n: n2, o: one }, jinzhai)).match;
    await ok(ACCEPT, { id: m1.id }, fx.A.token);
    const full = (await app.gql(ACCEPT, { id: m2.id }, fx.A.token)).data.acceptMatch;
    expect(full.userErrors[0]).toMatchObject({ code: 'LIMIT_EXCEEDED' });
    const [{ status }] = await app.ds.query(`SELECT status FROM need WHERE id = $1`, [keyOf(n2)]);
    expect(status).toBe('OPEN');

    const n3 = await need();
    const m3 = (await ok(PROPOSE, { n: n3, o: fx.B.offering }, jinzhai)).match;
    await ok(`mutation($i: TransitionNeedInput!) { transitionNeed(input: $i) { userErrors { code message } } }`, { i: { id: n3, version: 1, to: 'CLOSED', reason: '农户已自行解决' } }, jinzhai);
    const late = (await app.gql(ACCEPT, { id: m3.id }, fx.B.token)).data.acceptMatch;
    expect(late.userErrors[0].message).toContain('The need is CLOSED');
  });
});

describe('hostile input', () => {
  it('refuses forged cursors with BAD_USER_INPUT and impossible dates with a VALIDATION userError', async () => {
    const n = await need();
    const forged = Buffer.from(JSON.stringify(['abc', 'not-a-uuid'])).toString('base64url');
    const r = await app.gql(CANDIDATES, { n, first: 2, after: forged }, jinzhai);
    expect(r.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    const counts = await app.gql(`query($a: String) { needCounts(after: $a) { nodes { countyCode } } }`, { a: forged }, jinzhai);
    expect(counts.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    const bad = await app.gql(`mutation($i: CreateServiceOfferingInput!) { createServiceOffering(input: $i) { userErrors { code field } } }`, {
      i: { expertId: fx.B.provider, title: '日期不对', categories: ['FINANCE_INSURANCE'], modes: ['CONSULTING'], regionCodes: ['341524'], capacity: 1, activeFrom: '2017-02-30' },
    }, admin);
    expect(bad.data.createServiceOffering.userErrors).toEqual([{ code: 'VALIDATION', field: ['input', 'activeFrom'] }]);
  });
});

describe('coverage', () => {
  it('openNeedsWithoutCandidates equals a hand computation over needs and offerings', async () => {
    const shaanxi = await need('FINANCE_INSURANCE', (await app.ds.query(`SELECT "regionCode" AS c FROM poor_village WHERE "regionCode" LIKE '610124%' LIMIT 1`))[0].c);
    const province = await app.token([Role.PROVINCIAL_COORDINATOR], '340000');
    const Q = `query($after: String) { openNeedsWithoutCandidates(first: 100, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { id } } }`;
    const got: string[] = [];
    let after: string | null = null;
    let total = 0;
    for (;;) {
      const page: any = (await app.gql(Q, { after }, province)).data.openNeedsWithoutCandidates;
      total = page.totalCount;
      got.push(...page.nodes.map((n: any) => keyOf(n.id)));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    const needs: Array<{ id: string; villageCode: string; category: string }> = await app.ds.query(`SELECT id, "villageCode", category::text FROM need WHERE status = 'OPEN' AND "villageCode" LIKE '34%'`);
    const offers: Array<{ categories: string; servedPrefixes: string[]; status: string; activeFrom: string; activeTo: string | null }> = await app.ds.query(
      `SELECT categories::text, "servedPrefixes", status::text, "activeFrom"::text, "activeTo"::text FROM service_offering`,
    );
    const today = new Date().toISOString().slice(0, 10);
    const live = offers.filter((o) => o.status === 'ACTIVE' && o.activeFrom <= today && (o.activeTo === null || o.activeTo >= today));
    const uncovered = needs.filter((n) => !live.some((o) => o.categories.replace(/[{}]/g, '').split(',').includes(n.category) && o.servedPrefixes.some((p) => n.villageCode.startsWith(p))));
    expect(total).toBe(uncovered.length);
    expect(got.sort()).toEqual(uncovered.map((n) => n.id).sort());
    expect(got).not.toContain(keyOf(shaanxi));
    const z = (await app.gql(`query { openNeedsWithoutCandidates(filter: { categories: [FINANCE_INSURANCE] }) { nodes { id } } }`, {}, zhouzhi)).data.openNeedsWithoutCandidates;
    expect(z.nodes.map((n: any) => n.id)).toContain(shaanxi);
  });
});
