import { toGlobalId } from '../src/graphql/node';
import { NATIONAL_REGION, Role, startTestApp, type TestApp } from './harness';
import { householdRow, importHouseholds, mutate, mutateOk, TARGET_FIELDS } from './statistics-fixtures';

let app: TestApp;
let national: string;
let province: string; // Anhui 340000
let city: string; // 六安市 341500
let county: string; // 金寨县 341524
let otherCounty: string; // 霍邱县 341522
let analyst: string;
const YEAR = 2019;

beforeAll(async () => {
  app = await startTestApp();
  national = await app.token([Role.NATIONAL_ADMIN], NATIONAL_REGION, { sub: 'targets-national' });
  province = await app.token([Role.PROVINCIAL_COORDINATOR], '340000', { sub: 'targets-province' });
  city = await app.token([Role.CITY_COORDINATOR], '341500', { sub: 'targets-city' });
  county = await app.token([Role.COUNTY_COORDINATOR], '341524', { sub: 'targets-county' });
  otherCounty = await app.token([Role.COUNTY_COORDINATOR], '341522', { sub: 'targets-huoqiu' });
  analyst = await app.token([Role.ANALYST], '340000');
});
afterAll(async () => {
  await app?.stop();
});

const set = (token: string, input: Record<string, unknown>) => mutate(app, token, 'setTarget', 'SetTargetInput', input, `target { ${TARGET_FIELDS} }`);
const split = (token: string, input: Record<string, unknown>) => mutate(app, token, 'splitTarget', 'SplitTargetInput', input, `parent { ${TARGET_FIELDS} } targets { ${TARGET_FIELDS} }`);
async function targetOf(region: string, indicator: string, token = national): Promise<any> {
  const res = await app.gql(`query($r: String!, $y: Int!, $i: Indicator!) { targets(filter: { within: $r, year: $y, indicators: [$i] }, first: 100) { nodes { ${TARGET_FIELDS} region { name } } } }`, { r: region, y: YEAR, i: indicator }, token);
  expect(res.errors).toBeUndefined();
  return res.data.targets.nodes.find((t: any) => t.regionCode === region) ?? null;
}
const counties = async (parent: string): Promise<string[]> => (await app.ds.query(`SELECT code FROM region WHERE "parentCode" = $1 ORDER BY code`, [parent])).map((r: { code: string }) => r.code);

describe('targets (目标任务): set by the level owning the region, split down, children summed in SQL', () => {
  it('the province sets its target, splits it to cities, a city splits its share to counties; each shows the children sum and the difference', async () => {
    const p = await set(province, { regionCode: '340000', year: YEAR, indicator: 'RURAL_TECH_ASSOCIATIONS', value: 350 });
    expect(p.userErrors).toEqual([]);
    expect(p.target).toMatchObject({ regionCode: '340000', value: 350, version: 1, childrenSum: 0, childrenWithTargets: 0, difference: 350, overAllocated: false });

    const s1 = await split(province, { regionCode: '340000', year: YEAR, indicator: 'RURAL_TECH_ASSOCIATIONS', parts: [{ regionCode: '341500', value: 40 }, { regionCode: '340100', value: 30 }] });
    expect(s1.userErrors).toEqual([]);
    expect(s1.parent).toMatchObject({ regionCode: '340000', value: 350, childrenSum: 70, childrenWithTargets: 2, difference: 280 });
    expect(s1.targets.map((t: any) => [t.regionCode, t.value])).toEqual([['341500', 40], ['340100', 30]]);

    const [a, b, c] = await counties('341500');
    const s2 = await split(city, { regionCode: '341500', year: YEAR, indicator: 'RURAL_TECH_ASSOCIATIONS', parts: [{ regionCode: a, value: 10 }, { regionCode: b, value: 15 }, { regionCode: c, value: 5 }] });
    expect(s2.userErrors).toEqual([]);
    expect(s2.parent).toMatchObject({ value: 40, childrenSum: 30, difference: 10, overAllocated: false });
    // In the database: exactly the parts, set by the city coordinator, and one audit event per written target.
    const rows = await app.ds.query(`SELECT "regionCode", value, "setBy" FROM target WHERE year = $1 AND indicator = 'RURAL_TECH_ASSOCIATIONS' AND "regionCode" LIKE '3415%' AND "regionCode" <> '341500' ORDER BY 1`, [YEAR]);
    expect(rows).toEqual([{ regionCode: a, value: 10, setBy: 'targets-city' }, { regionCode: b, value: 15, setBy: 'targets-city' }, { regionCode: c, value: 5, setBy: 'targets-city' }]);
    const audits = await app.ds.query(`SELECT count(*)::int AS n FROM audit_event WHERE operation = 'splitTarget' AND "entityType" = 'Target'`);
    expect(audits[0].n).toBe(5);

    // The same split again changes nothing (idempotent by nature): no new version, no new audit event.
    const again = await split(city, { regionCode: '341500', year: YEAR, indicator: 'RURAL_TECH_ASSOCIATIONS', parts: [{ regionCode: a, value: 10 }, { regionCode: b, value: 15 }, { regionCode: c, value: 5 }] });
    expect(again.targets.map((t: any) => t.version)).toEqual([1, 1, 1]);
    expect((await app.ds.query(`SELECT count(*)::int AS n FROM audit_event WHERE operation = 'splitTarget'`))[0].n).toBe(5);

    // Listing the split-down targets of 六安市: the three counties, read by an analyst.
    const listed = await app.gql(`{ targets(filter: { parentCode: "341500", year: ${YEAR} }) { totalCount nodes { regionCode value region { name } } } }`, {}, analyst);
    expect(listed.data.targets.totalCount).toBe(3);
    expect(listed.data.targets.nodes.map((n: any) => n.regionCode)).toEqual([a, b, c]);
  });

  it('a split that would give the children more than the parent is refused (LIMIT_EXCEEDED), all or none', async () => {
    const [a, b] = await counties('341500');
    const before = await app.ds.query(`SELECT "regionCode", value, version FROM target WHERE year = $1 AND indicator = 'RURAL_TECH_ASSOCIATIONS' ORDER BY 1`, [YEAR]);
    // 六安市 has 40; its third county keeps 5 → a + b may add up to 35 at most.
    const over = await split(city, { regionCode: '341500', year: YEAR, indicator: 'RURAL_TECH_ASSOCIATIONS', parts: [{ regionCode: a, value: 20 }, { regionCode: b, value: 16 }] });
    expect(over.userErrors).toEqual([expect.objectContaining({ code: 'LIMIT_EXCEEDED', field: ['input', 'parts'] })]);
    expect(over.userErrors[0].message).toContain('41');
    expect(await app.ds.query(`SELECT "regionCode", value, version FROM target WHERE year = $1 AND indicator = 'RURAL_TECH_ASSOCIATIONS' ORDER BY 1`, [YEAR])).toEqual(before);
    // Exactly the parent's value is fine.
    const exact = await split(city, { regionCode: '341500', year: YEAR, indicator: 'RURAL_TECH_ASSOCIATIONS', parts: [{ regionCode: a, value: 20 }, { regionCode: b, value: 15 }] });
    expect(exact.userErrors).toEqual([]);
    expect(exact.parent).toMatchObject({ childrenSum: 40, difference: 0, overAllocated: false });
  });

  it('setTarget on a child is not refused but the parent is flagged overAllocated with a negative difference', async () => {
    const [a] = await counties('341500');
    const cur = await targetOf(a, 'RURAL_TECH_ASSOCIATIONS');
    const r = await set(city, { regionCode: a, year: YEAR, indicator: 'RURAL_TECH_ASSOCIATIONS', value: 25, version: cur.version });
    expect(r.userErrors).toEqual([]);
    expect(r.target).toMatchObject({ value: 25, version: cur.version + 1 });
    expect(await targetOf('341500', 'RURAL_TECH_ASSOCIATIONS')).toMatchObject({ value: 40, childrenSum: 45, difference: -5, overAllocated: true });
    // A stale version is VERSION_CONFLICT and changes nothing.
    const stale = await set(city, { regionCode: a, year: YEAR, indicator: 'RURAL_TECH_ASSOCIATIONS', value: 20, version: cur.version });
    expect(stale.userErrors.map((e: any) => [e.code, e.field])).toEqual([['VERSION_CONFLICT', ['input', 'version']]]);
    expect((await targetOf(a, 'RURAL_TECH_ASSOCIATIONS')).value).toBe(25);
  });

  it('refusals: out of scope FORBIDDEN, not a child VALIDATION, no parent target INVALID_STATE, village level VALIDATION, unknown region NOT_FOUND', async () => {
    const count = async () => (await app.ds.query(`SELECT count(*)::int AS n FROM target`))[0].n;
    const n0 = await count();
    // 霍邱县's coordinator cannot set 金寨县's target; a county cannot split the city's target.
    expect((await set(otherCounty, { regionCode: '341524', year: YEAR, indicator: 'TRAININGS_HELD', value: 3 })).userErrors.map((e: any) => [e.code, e.field])).toEqual([['FORBIDDEN', ['input', 'regionCode']]]);
    expect((await split(county, { regionCode: '341500', year: YEAR, indicator: 'RURAL_TECH_ASSOCIATIONS', parts: [{ regionCode: '341524', value: 1 }] })).userErrors[0].code).toBe('FORBIDDEN');
    // A Shaanxi city is no child of 六安市.
    const notChild = await split(city, { regionCode: '341500', year: YEAR, indicator: 'RURAL_TECH_ASSOCIATIONS', parts: [{ regionCode: '341524', value: 1 }, { regionCode: '610124', value: 1 }] });
    expect(notChild.userErrors.map((e: any) => [e.code, e.field])).toEqual([['VALIDATION', ['input', 'parts', '1', 'regionCode']]]);
    expect((await split(city, { regionCode: '341500', year: YEAR, indicator: 'SCIENCE_CARAVANS', parts: [{ regionCode: '341524', value: 1 }] })).userErrors[0].code).toBe('INVALID_STATE');
    expect((await set(province, { regionCode: '999999', year: YEAR, indicator: 'TRAININGS_HELD', value: 3 })).userErrors[0].code).toBe('NOT_FOUND');
    expect((await set(province, { regionCode: '34152410', year: YEAR, indicator: 'TRAININGS_HELD', value: 3 })).userErrors[0]).toMatchObject({ code: 'VALIDATION', field: ['input', 'regionCode'] });
    expect((await set(province, { regionCode: '341524', year: 1999, indicator: 'TRAININGS_HELD', value: -1 })).userErrors.map((e: any) => e.field[1]).sort()).toEqual(['value', 'year']);
    expect(await count()).toBe(n0);
    // Analysts read but never write: a GraphQL FORBIDDEN error.
    const res = await app.gql(`mutation { setTarget(input: { regionCode: "341524", year: ${YEAR}, indicator: TRAININGS_HELD, value: 3 }) { userErrors { code } } }`, {}, analyst);
    expect(res.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    // Reads are scoped: 霍邱县's coordinator does not see 金寨县's targets.
    const [a] = await counties('341500');
    expect(await targetOf(a, 'RURAL_TECH_ASSOCIATIONS', a === '341522' ? county : otherCounty)).toBeNull();
  });
});

describe('facilities and activities (设施, 培训/科普活动)', () => {
  let village: string;
  let org: string;
  beforeAll(async () => {
    [{ code: village }] = await app.ds.query(`SELECT "regionCode" AS code FROM poor_village WHERE "regionCode" LIKE '341524%' ORDER BY 1 LIMIT 1`);
    const [{ id }] = await app.ds.query(`SELECT id FROM organization WHERE "regionCode" LIKE '341524%' AND status = 'ACTIVE' ORDER BY name LIMIT 1`);
    org = toGlobalId('Organization', id);
  });

  it('records facilities of every kind, lists them by kind, region and year (paginated), and refuses bad input', async () => {
    const kinds = ['EXPERT_SERVICE_STATION', 'SCIENCE_CARAVAN', 'MOBILE_MUSEUM_TOUR_VISIT', 'MIDDLE_SCHOOL_SCIENCE_MUSEUM', 'E_STATION'];
    for (const [i, kind] of kinds.entries()) {
      const p = await mutateOk(app, county, 'recordFacility', 'RecordFacilityInput', {
        kind, regionCode: kind === 'E_STATION' ? village : '341524', name: `金寨县测试设施${i}`, startDate: `2018-0${i + 1}-01`, endDate: kind === 'MOBILE_MUSEUM_TOUR_VISIT' ? '2018-03-05' : null, operatorOrganizationId: org,
      }, 'facility { id kind regionCode startDate endDate recordedBy operatorOrganization { id } region { code } }');
      expect(p.facility).toMatchObject({ kind, startDate: `2018-0${i + 1}-01`, recordedBy: 'targets-county', operatorOrganization: { id: org } });
    }
    const page1 = await app.gql(`{ facilities(filter: { within: "341524", operatingIn: 2018 }, first: 3) { totalCount pageInfo { hasNextPage endCursor } nodes { kind startDate } } }`, {}, analyst);
    expect(page1.data.facilities.totalCount).toBe(5);
    expect(page1.data.facilities.nodes.map((n: any) => n.startDate)).toEqual(['2018-05-01', '2018-04-01', '2018-03-01']);
    const page2 = await app.gql(`query($a: String) { facilities(filter: { within: "341524", operatingIn: 2018 }, first: 3, after: $a) { pageInfo { hasNextPage } nodes { startDate } } }`, { a: page1.data.facilities.pageInfo.endCursor }, analyst);
    expect(page2.data.facilities.nodes.map((n: any) => n.startDate)).toEqual(['2018-02-01', '2018-01-01']);
    expect(page2.data.facilities.pageInfo.hasNextPage).toBe(false);
    // The museum tour visit ended in 2018: not operating in 2019; the others still are.
    const y2019 = await app.gql(`{ facilities(filter: { within: "341524", operatingIn: 2019, kinds: [MOBILE_MUSEUM_TOUR_VISIT, E_STATION] }) { nodes { kind } } }`, {}, analyst);
    expect(y2019.data.facilities.nodes.map((n: any) => n.kind)).toEqual(['E_STATION']);
    // Out of scope, out of order and unknown references change nothing.
    const n0 = (await app.ds.query(`SELECT count(*)::int AS n FROM facility`))[0].n;
    expect((await mutate(app, otherCounty, 'recordFacility', 'RecordFacilityInput', { kind: 'SCIENCE_CARAVAN', regionCode: '341524', name: '越权设施', startDate: '2018-01-01' })).userErrors[0]).toMatchObject({ code: 'FORBIDDEN', field: ['input', 'regionCode'] });
    expect((await mutate(app, county, 'recordFacility', 'RecordFacilityInput', { kind: 'SCIENCE_CARAVAN', regionCode: '341524', name: '倒序设施', startDate: '2018-05-01', endDate: '2018-04-30' })).userErrors[0]).toMatchObject({ code: 'VALIDATION', field: ['input', 'endDate'] });
    expect((await mutate(app, county, 'recordFacility', 'RecordFacilityInput', { kind: 'SCIENCE_CARAVAN', regionCode: '341524', name: '日期错误', startDate: '2018-02-30' })).userErrors[0]).toMatchObject({ code: 'VALIDATION', field: ['input', 'startDate'] });
    expect((await mutate(app, county, 'recordFacility', 'RecordFacilityInput', { kind: 'SCIENCE_CARAVAN', regionCode: '341524', name: '无此单位', startDate: '2018-02-01', operatorOrganizationId: toGlobalId('Organization', '00000000-0000-4000-8000-000000000009') })).userErrors[0]).toMatchObject({ code: 'NOT_FOUND', field: ['input', 'operatorOrganizationId'] });
    expect((await mutate(app, province, 'recordFacility', 'RecordFacilityInput', { kind: 'SCIENCE_CARAVAN', regionCode: '341500', name: '市级设施', startDate: '2018-02-01' })).userErrors[0]).toMatchObject({ code: 'VALIDATION', field: ['input', 'regionCode'] });
    expect((await app.ds.query(`SELECT count(*)::int AS n FROM facility`))[0].n).toBe(n0);
    expect((await app.ds.query(`SELECT count(*)::int AS n FROM audit_event WHERE operation = 'recordFacility'`))[0].n).toBe(5);
  });

  it("a training's techniques reach the attending households (appended, deduplicated, at most 10 each), through the beneficiaries service", async () => {
    const nine = ['技术1', '技术2', '技术3', '技术4', '技术5', '技术6', '技术7', '技术8', '技术9'];
    const [none, hasTea, full] = await importHouseholds(app, county, [
      householdRow(village, { size: 4, labour: 2 }),
      householdRow(village, { size: 3, labour: 1, techniques: ['茶叶栽培'] }),
      householdRow(village, { size: 2, labour: 1, techniques: nine }),
    ]);
    const stats0 = (await app.ds.query(`SELECT * FROM household_village_stats WHERE "villageCode" = $1`, [village]))[0];
    const p = await mutateOk(app, county, 'recordActivity', 'RecordActivityInput', {
      kind: 'TRAINING', date: '2018-04-12', regionCode: '341524', organizerOrganizationId: org, organizerName: '金寨县科协', topic: '茶叶栽培与病虫害绿色防控', attendees: 35,
      techniquesTaught: ['茶叶栽培', '病虫害绿色防控'], attendingHouseholdIds: [none, hasTea, full], idempotencyKey: 'training-2018-04-12',
    }, 'activity { id kind date attendees techniquesTaught organizerName organizerOrganization { id } attendingHouseholds { id techniques } } householdsUpdated householdsAtTechniqueLimit');
    expect(p.householdsUpdated).toBe(3);
    expect(p.householdsAtTechniqueLimit).toEqual([full]);
    const techniques = Object.fromEntries(p.activity.attendingHouseholds.map((h: any) => [h.id, h.techniques]));
    expect(techniques[none]).toEqual(['茶叶栽培', '病虫害绿色防控']);
    expect(techniques[hasTea]).toEqual(['茶叶栽培', '病虫害绿色防控']);
    expect(techniques[full]).toEqual([...nine, '茶叶栽培']);
    // In the database: versions went up, the per-village aggregate followed (the first household now has labour and a technique).
    const rows = await app.ds.query(`SELECT version, cardinality(techniques) AS n FROM household WHERE "registryNumber" LIKE 'T%' AND "villageCode" = $1 ORDER BY "registryNumber"`, [village]);
    expect(rows).toEqual([{ version: 2, n: 2 }, { version: 2, n: 2 }, { version: 2, n: 10 }]);
    const stats1 = (await app.ds.query(`SELECT * FROM household_village_stats WHERE "villageCode" = $1`, [village]))[0];
    expect(stats1.withLabourAndTechnique - stats0.withLabourAndTechnique).toBe(1);
    expect(stats1.helpedPeople - stats0.helpedPeople).toBe(4);
    expect(stats1.households).toBe(stats0.households);
    const audit = await app.ds.query(`SELECT operation FROM audit_event WHERE "entityType" = 'Activity' ORDER BY seq`);
    expect(audit.map((a: any) => a.operation)).toEqual(['recordActivity', 'learnTechniques']);

    // Retrying with the same idempotency key returns the first result and writes nothing more.
    const retry = await mutateOk(app, county, 'recordActivity', 'RecordActivityInput', {
      kind: 'TRAINING', date: '2018-04-12', regionCode: '341524', organizerOrganizationId: org, organizerName: '金寨县科协', topic: '茶叶栽培与病虫害绿色防控', attendees: 35,
      techniquesTaught: ['茶叶栽培', '病虫害绿色防控'], attendingHouseholdIds: [none, hasTea, full], idempotencyKey: 'training-2018-04-12',
    }, 'activity { id }');
    expect(retry.activity.id).toBe(p.activity.id);
    expect((await app.ds.query(`SELECT count(*)::int AS n FROM activity`))[0].n).toBe(1);

    // A second training teaching one more technique: the full household stays at 10.
    const p2 = await mutateOk(app, county, 'recordActivity', 'RecordActivityInput', {
      kind: 'TRAINING', date: '2019-03-01', regionCode: village, organizerName: '金寨县科协', topic: '农村电商', attendees: 2, techniquesTaught: ['农村电商'], attendingHouseholdIds: [none, full],
    }, 'householdsUpdated householdsAtTechniqueLimit');
    expect(p2).toMatchObject({ householdsUpdated: 1, householdsAtTechniqueLimit: [full] });

    // Lists: by household, technique, year and kind.
    const byHousehold = await app.gql(`query($h: ID!) { activities(filter: { householdId: $h }) { totalCount nodes { date topic } } }`, { h: none }, analyst);
    expect(byHousehold.data.activities.nodes.map((n: any) => n.date)).toEqual(['2019-03-01', '2018-04-12']);
    const byYear = await app.gql(`{ activities(filter: { year: 2018, kinds: [TRAINING], technique: "茶叶栽培" }) { totalCount nodes { topic } } }`, {}, analyst);
    expect(byYear.data.activities.totalCount).toBe(1);
    expect((await app.gql(`{ activities(filter: { within: "341524" }) { totalCount } }`, {}, otherCounty)).data.activities.totalCount).toBe(0);
  });

  it('refuses households outside the activity region or scope, listed twice, or more than the attendees — and writes nothing', async () => {
    const [{ code: otherVillage }] = await app.ds.query(`SELECT "regionCode" AS code FROM poor_village WHERE "regionCode" LIKE '341524%' AND "regionCode" <> $1 ORDER BY 1 LIMIT 1`, [village]);
    const [h] = await importHouseholds(app, county, [householdRow(otherVillage, { size: 1, labour: 1 })]);
    const [zhouzhi] = (await app.ds.query(`SELECT id FROM household WHERE "villageCode" LIKE '610124%' ORDER BY id LIMIT 1`)).map((r: any) => toGlobalId('Household', r.id));
    const before = await app.ds.query(`SELECT (SELECT count(*) FROM activity)::int AS a, (SELECT sum(version) FROM household)::int AS v`);
    const base = { kind: 'TRAINING', date: '2018-06-01', organizerName: '金寨县科协', topic: '测试', techniquesTaught: ['测试技术'] };
    const outside = await mutate(app, county, 'recordActivity', 'RecordActivityInput', { ...base, regionCode: village, attendees: 5, attendingHouseholdIds: [h, zhouzhi, 'bogus'] });
    expect(outside.userErrors.map((e: any) => [e.code, e.field.join('.')])).toEqual([
      ['VALIDATION', 'input.attendingHouseholdIds.0'],
      ['NOT_FOUND', 'input.attendingHouseholdIds.1'],
      ['NOT_FOUND', 'input.attendingHouseholdIds.2'],
    ]);
    const twice = await mutate(app, county, 'recordActivity', 'RecordActivityInput', { ...base, regionCode: '341524', attendees: 1, attendingHouseholdIds: [h, h] });
    expect(twice.userErrors.map((e: any) => [e.code, e.field.join('.')])).toEqual([['VALIDATION', 'input.attendingHouseholdIds.1']]);
    const few = await mutate(app, county, 'recordActivity', 'RecordActivityInput', { ...base, regionCode: '341524', attendees: 0, attendingHouseholdIds: [h] });
    expect(few.userErrors.map((e: any) => [e.code, e.field.join('.')])).toEqual([['VALIDATION', 'input.attendees']]);
    expect((await mutate(app, otherCounty, 'recordActivity', 'RecordActivityInput', { ...base, regionCode: '341524', attendees: 1, attendingHouseholdIds: [] })).userErrors[0].code).toBe('FORBIDDEN');
    expect(await app.ds.query(`SELECT (SELECT count(*) FROM activity)::int AS a, (SELECT sum(version) FROM household)::int AS v`)).toEqual(before);
  });
});
