import { toGlobalId } from '../src/graphql/node';
import { withIdCheck, isValidIdNumber } from '../src/modules/beneficiaries/id-number';
import { NATIONAL_REGION, Role, startTestApp, type TestApp } from './harness';

let app: TestApp;
let jinzhai: string; // COUNTY_COORDINATOR of 金寨县 341524
let zhouzhi: string; // COUNTY_COORDINATOR of 周至县 610124
let province: string; // PROVINCIAL_COORDINATOR of Anhui
let analyst: string; // ANALYST, national
let auditor: string;
let expert: string;
let villageA: string; // a poor village of 金寨县
let villageB: string; // a poor village of 周至县
beforeAll(async () => {
  app = await startTestApp();
  jinzhai = await app.token([Role.COUNTY_COORDINATOR], '341524');
  zhouzhi = await app.token([Role.COUNTY_COORDINATOR], '610124');
  province = await app.token([Role.PROVINCIAL_COORDINATOR], '340000');
  analyst = await app.token([Role.ANALYST], NATIONAL_REGION);
  auditor = await app.token([Role.AUDITOR], '340000');
  expert = await app.token([Role.EXPERT], '341524', { expert: '00000000-0000-4000-8000-000000000009' });
  [{ code: villageA }] = await app.ds.query(`SELECT "regionCode" AS code FROM poor_village WHERE "regionCode" LIKE '341524%' ORDER BY 1 DESC LIMIT 1`);
  [{ code: villageB }] = await app.ds.query(`SELECT "regionCode" AS code FROM poor_village WHERE "regionCode" LIKE '610124%' ORDER BY 1 DESC LIMIT 1`);
});
afterAll(async () => {
  await app?.stop();
});

const IMPORT = `mutation($i: ImportHouseholdsInput!) { importHouseholds(input: $i) {
  created updated unchanged failed results { index key outcome } failures { index key errors { field code message } } userErrors { field code message } } }`;
let serial = 0;
function row(over: Record<string, unknown> = {}): Record<string, any> {
  serial++;
  return {
    registryNumber: `T${String(5000000 + serial)}`,
    villageCode: villageA,
    headName: '汪德福',
    headIdNumber: withIdCheck(`3415241970010${String(1000 + serial).slice(-4)}`),
    size: 4,
    membersAbleToWork: 2,
    povertyCauses: ['ILLNESS', 'LACK_OF_SKILLS'],
    status: 'POOR',
    techniques: ['茶叶栽培'],
    incomeProjects: [],
    ...over,
  };
}
async function importRows(rows: unknown[], token = jinzhai): Promise<any> {
  const res = await app.gql(IMPORT, { i: { rows } }, token);
  expect(res.errors).toBeUndefined();
  return res.data.importHouseholds;
}
async function auditCount(): Promise<number> {
  const [{ n }] = await app.ds.query(`SELECT count(*)::int n FROM audit_event`);
  return n;
}

describe('resident ID numbers (GB 11643)', () => {
  it('accepts valid check characters (X included) and rejects a changed digit', () => {
    expect(isValidIdNumber('11010519491231002X')).toBe(true);
    expect(isValidIdNumber('110105194912310021')).toBe(false);
    const id = withIdCheck('34152419650312001');
    expect(isValidIdNumber(id)).toBe(true);
    expect(isValidIdNumber(id.slice(0, 16) + ((Number(id[16]) + 1) % 10) + id[17])).toBe(false);
  });
});

describe('importHouseholds', () => {
  it('keeps good rows, reports bad rows with their index, and a re-import is a no-op', async () => {
    const good = [row(), row(), row()];
    const bad = [
      row({ headIdNumber: '341524197001010000' }), // bad check character
      row({ size: 2, membersAbleToWork: 3 }),
      row({ villageCode: '341524999999' }), // no such village
      row({ status: 'EXITED' }), // exit year missing
      { ...good[0], headName: '重复' }, // same registry number twice in the batch
    ];
    const rows = [good[0], bad[0], good[1], bad[1], bad[2], good[2], bad[3], bad[4]];
    const before = await auditCount();
    const r = await importRows(rows);
    expect({ created: r.created, updated: r.updated, unchanged: r.unchanged, failed: r.failed }).toEqual({ created: 3, updated: 0, unchanged: 0, failed: 5 });
    expect(r.results.map((x: any) => x.outcome)).toEqual(['CREATED', 'FAILED', 'CREATED', 'FAILED', 'FAILED', 'CREATED', 'FAILED', 'FAILED']);
    expect(r.failures.map((f: any) => [f.index, f.errors[0].code, f.errors[0].field.join('.')])).toEqual([
      [1, 'VALIDATION', 'input.rows.1.headIdNumber'],
      [3, 'VALIDATION', 'input.rows.3.membersAbleToWork'],
      [4, 'NOT_FOUND', 'input.rows.4.villageCode'],
      [6, 'VALIDATION', 'input.rows.6.exitYear'],
      [7, 'DUPLICATE', 'input.rows.7.registryNumber'],
    ]);
    expect(r.userErrors).toHaveLength(5);
    expect(await auditCount()).toBe(before + 1);
    const stored = await app.ds.query(`SELECT "registryNumber", version FROM household WHERE "registryNumber" = ANY($1) ORDER BY 1`, [good.map((g) => g.registryNumber)]);
    expect(stored).toHaveLength(3);

    // The same rows again: nothing written, no audit event, versions unchanged.
    const again = await importRows(good);
    expect({ created: again.created, updated: again.updated, unchanged: again.unchanged, failed: again.failed }).toEqual({ created: 0, updated: 0, unchanged: 3, failed: 0 });
    expect(await auditCount()).toBe(before + 1);

    // One changed row: UPDATED, version 2, an audit event with masked personal data.
    const changed = await importRows([good[0], { ...good[1], techniques: ['茶叶栽培', '茶叶加工'], headName: '汪德贵' }]);
    expect(changed.results.map((x: any) => x.outcome)).toEqual(['UNCHANGED', 'UPDATED']);
    const [{ version }] = await app.ds.query(`SELECT version FROM household WHERE "registryNumber" = $1`, [good[1].registryNumber]);
    expect(version).toBe(2);
    const [event] = await app.ds.query(`SELECT operation, before, after FROM audit_event ORDER BY seq DESC LIMIT 1`);
    expect(event.operation).toBe('importHouseholds');
    expect(event.after.updated[good[1].registryNumber]).toEqual({ headName: '汪**', techniques: ['茶叶栽培', '茶叶加工'] });
    expect(event.before.updated[good[1].registryNumber]).toEqual({ headName: '汪**', techniques: ['茶叶栽培'] });
  });

  it('refuses more than 1,000 rows per call', async () => {
    const rows = Array.from({ length: 1001 }, () => row());
    const res = await app.gql(IMPORT, { i: { rows } }, jinzhai);
    expect(res.data.importHouseholds.userErrors[0]).toMatchObject({ code: 'VALIDATION', field: ['input', 'rows'] });
  });

  it('rows outside the scope are FORBIDDEN and change nothing, also for a household registered in another county', async () => {
    const mine = row();
    await importRows([mine]);
    const before = await app.ds.query(`SELECT count(*)::int n, sum(version)::int v FROM household`);
    const r = await importRows([row(), { ...mine, villageCode: villageB }, row({ villageCode: villageB })], zhouzhi);
    expect(r.failures.map((f: any) => [f.index, f.errors[0].code])).toEqual([
      [0, 'FORBIDDEN'],
      [1, 'FORBIDDEN'],
    ]);
    expect(r.created).toBe(1);
    const after = await app.ds.query(`SELECT count(*)::int n, sum(version)::int v FROM household`);
    expect(after).toEqual([{ n: before[0].n + 1, v: before[0].v + 1 }]);
    const [{ village }] = await app.ds.query(`SELECT "villageCode" AS village FROM household WHERE "registryNumber" = $1`, [mine.registryNumber]);
    expect(village).toBe(villageA);
  });
});

describe('reading households: scope and masking', () => {
  const Q = `query($r: String!) { households(filter: { registryNumber: $r }) { totalCount nodes { id registryNumber headName headIdNumber village { code } poorVillage { regionCode } } } }`;
  let h: Record<string, any>;
  beforeAll(async () => {
    h = row({ headName: '程家富', headIdNumber: withIdCheck('34152419580808123') });
    await importRows([h]);
  });

  it('coordinators in scope see the head unmasked; analysts, auditors and experts masked; other counties nothing', async () => {
    const seen = async (token: string) => (await app.gql(Q, { r: h.registryNumber }, token)).data.households;
    for (const t of [jinzhai, province]) expect((await seen(t)).nodes[0]).toMatchObject({ headName: '程家富', headIdNumber: h.headIdNumber, village: { code: villageA }, poorVillage: { regionCode: villageA } });
    const masked = { headName: '程**', headIdNumber: `3415**********${h.headIdNumber.slice(-4)}` };
    for (const t of [analyst, auditor, expert]) expect((await seen(t)).nodes[0]).toMatchObject(masked);
    expect(await seen(zhouzhi)).toEqual({ totalCount: 0, nodes: [] });
    const id = (await seen(jinzhai)).nodes[0].id;
    expect((await app.gql(`query($id: ID!) { node(id: $id) { id } household(id: $id) { id } }`, { id }, zhouzhi)).data).toEqual({ node: null, household: null });
    expect((await app.gql(`query($id: ID!) { node(id: $id) { ... on Household { headName } } }`, { id }, analyst)).data.node).toEqual({ headName: '程**' });
  });

  it('county X never sees county Y households in lists', async () => {
    const res = await app.gql(`query { households(first: 100) { totalCount nodes { villageCode } } }`, {}, zhouzhi);
    expect(res.data.households.totalCount).toBeGreaterThan(0);
    expect(res.data.households.nodes.every((n: any) => n.villageCode.startsWith('610124'))).toBe(true);
    const [{ n }] = await app.ds.query(`SELECT count(*)::int n FROM household WHERE "villageCode" LIKE '610124%'`);
    expect(res.data.households.totalCount).toBe(n);
  });

  it('filters by status, cause and labour without techniques, and pages by keyset', async () => {
    const F = `query($f: HouseholdFilter, $after: String) { households(filter: $f, first: 50, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { registryNumber status povertyCauses membersAbleToWork techniques } } }`;
    const f = { within: '341524', status: ['EXITED'], povertyCauses: ['ILLNESS'] };
    const first = (await app.gql(F, { f }, jinzhai)).data.households;
    const [{ n }] = await app.ds.query(`SELECT count(*)::int n FROM household WHERE "villageCode" LIKE '341524%' AND status = 'EXITED' AND 'ILLNESS' = ANY("povertyCauses")`);
    expect(first.totalCount).toBe(n);
    expect(first.nodes.every((x: any) => x.status === 'EXITED' && x.povertyCauses.includes('ILLNESS'))).toBe(true);
    const second = (await app.gql(F, { f, after: first.pageInfo.endCursor }, jinzhai)).data.households;
    expect(second.nodes[0].registryNumber > first.nodes[49].registryNumber).toBe(true);
    const lab = (await app.gql(F, { f: { within: '341524', withLabourWithoutTechnique: true } }, jinzhai)).data.households;
    expect(lab.nodes.every((x: any) => x.membersAbleToWork > 0 && x.techniques.length === 0)).toBe(true);
  });

  it('runs the same number of SQL statements for 1 and 100 households with village, registration and needs', async () => {
    const Q2 = `query($n: Int) { households(first: $n, filter: { within: "341524" }) { nodes { registryNumber headName village { name parent { name } } poorVillage { specialty } needs(first: 5) { totalCount nodes { category status } } } } }`;
    const one = await app.gql(Q2, { n: 1 }, jinzhai);
    const hundred = await app.gql(Q2, { n: 100 }, jinzhai);
    expect(one.errors).toBeUndefined();
    expect(hundred.data.households.nodes).toHaveLength(100);
    expect(hundred.data.households.nodes.some((x: any) => x.needs.totalCount > 0)).toBe(true);
    expect(one.extensions?.sqlStatements).toBeGreaterThan(0);
    expect(hundred.extensions?.sqlStatements).toBe(one.extensions?.sqlStatements);
  });
});

describe('updateHousehold and poor villages', () => {
  const UPDATE = `mutation($i: UpdateHouseholdInput!) { updateHousehold(input: $i) { household { version status exitYear techniques } userErrors { field code message } } }`;
  it('updates with the version, refuses a stale version and other counties', async () => {
    const h = row();
    await importRows([h]);
    const [{ id }] = await app.ds.query(`SELECT id FROM household WHERE "registryNumber" = $1`, [h.registryNumber]);
    const gid = toGlobalId('Household', id);
    const ok = await app.gql(UPDATE, { i: { id: gid, version: 1, status: 'EXITED', exitYear: 2019, techniques: ['猕猴桃嫁接'] } }, jinzhai);
    expect(ok.data.updateHousehold).toEqual({ household: { version: 2, status: 'EXITED', exitYear: 2019, techniques: ['猕猴桃嫁接'] }, userErrors: [] });
    const stale = await app.gql(UPDATE, { i: { id: gid, version: 1, status: 'RETURNED' } }, jinzhai);
    expect(stale.data.updateHousehold.userErrors[0].code).toBe('VERSION_CONFLICT');
    const away = await app.gql(UPDATE, { i: { id: gid, version: 2, status: 'RETURNED' } }, zhouzhi);
    expect(away.data.updateHousehold.userErrors[0].code).toBe('FORBIDDEN');
    const noYear = await app.gql(UPDATE, { i: { id: gid, version: 2, exitYear: null } }, jinzhai);
    expect(noYear.data.updateHousehold.userErrors[0]).toMatchObject({ code: 'VALIDATION', field: ['input', 'exitYear'] });
  });

  it('imports village registrations idempotently and keeps the region designation in step', async () => {
    const [{ code }] = await app.ds.query(`SELECT code FROM region WHERE level = 'VILLAGE' AND code LIKE '341524%' AND "povertyDesignation" = 'NONE' ORDER BY code LIMIT 1`);
    const M = `mutation($i: ImportPoorVillagesInput!) { importPoorVillages(input: $i) { created updated unchanged failed failures { index errors { code } } } }`;
    const rows = [{ villageCode: code, registeredYear: 2015, exitYear: 2019, specialty: '油茶', hasRuralTechAssociation: true, hasNewBusinessEntity: true, hasBrand: false, hasEStation: true }, { villageCode: villageB, registeredYear: 2014 }];
    const first = (await app.gql(M, { i: { rows } }, jinzhai)).data.importPoorVillages;
    expect(first).toEqual({ created: 1, updated: 0, unchanged: 0, failed: 1, failures: [{ index: 1, errors: [{ code: 'FORBIDDEN' }] }] });
    expect((await app.gql(M, { i: { rows: rows.slice(0, 1) } }, jinzhai)).data.importPoorVillages).toMatchObject({ created: 0, unchanged: 1 });
    const [region] = await app.ds.query(`SELECT "povertyDesignation", "designatedYear", "povertyExitYear" FROM region WHERE code = $1`, [code]);
    expect(region).toEqual({ povertyDesignation: 'POOR_VILLAGE', designatedYear: 2015, povertyExitYear: 2019 });
    const V = `query($v: String!) { poorVillage(villageCode: $v) { regionCode specialty hasEStation version region { name } households { totalCount } needs { totalCount } } }`;
    const v = (await app.gql(V, { v: code }, analyst)).data.poorVillage;
    expect(v).toMatchObject({ regionCode: code, specialty: '油茶', hasEStation: true, version: 1, households: { totalCount: 0 } });
    const U = `mutation($i: UpdatePoorVillageInput!) { updatePoorVillage(input: $i) { poorVillage { version hasBrand } userErrors { code } } }`;
    expect((await app.gql(U, { i: { villageCode: code, version: 1, hasBrand: true } }, jinzhai)).data.updatePoorVillage).toEqual({ poorVillage: { version: 2, hasBrand: true }, userErrors: [] });
    expect((await app.gql(U, { i: { villageCode: code, version: 1, hasBrand: false } }, jinzhai)).data.updatePoorVillage.userErrors[0].code).toBe('VERSION_CONFLICT');
    expect((await app.gql(V, { v: code }, zhouzhi)).data.poorVillage).toBeNull();
  });
});
