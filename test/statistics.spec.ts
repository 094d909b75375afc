import { toGlobalId } from '../src/graphql/node';
import { withCreditCheck } from '../src/modules/organizations/validators';
import { ok, filed, T } from './agreement-fixtures';
import { NATIONAL_REGION, Role, startTestApp, type TestApp } from './harness';
import { householdRow, importHouseholds, mutateOk, villagesOf } from './statistics-fixtures';

/**
 * Statistics and county assessments against fixtures counted by hand: everything is created through the API in
 * 汉中市 (610700), where the demo dataset has no organizations, experts, poor villages or households. Counties A and B
 * are its first two counties; a1–a3 villages of A, b1 a village of B. The expected figures are written out below.
 */
let app: TestApp;
let national: string;
let province: string; // 陕西省 610000
let city: string; // 汉中市 610700
let countyA: string;
let analyst: string;
let A: string;
let B: string;
let a1: string, a2: string, a3: string, b1: string;
const YEAR = 2018;

const FIGURES = `regionCode regionName indicators { indicator actual target completionRate }
  villageCoverage { poorVillages byAgreement byRuralTechAssociation byEStation byAgreementRate byRuralTechAssociationRate byEStationRate }
  householdCoverage { households people withLabour withLabourAndTechnique withIncomeProject techniqueRate incomeProjectRate }`;
const STATS = `query($r: String!, $y: Int!) { statistics(regionCode: $r, year: $y) { year ${FIGURES} breakdown(first: 100) { totalCount nodes { ${FIGURES} } } } }`;

async function statistics(region: string, token = analyst, year = YEAR): Promise<any> {
  const res = await app.gql(STATS, { r: region, y: year }, token);
  expect(res.errors).toBeUndefined();
  return { ...res.data.statistics, sqlStatements: res.extensions?.sqlStatements };
}
/** indicator → actual (or [actual, target, rate] with `full`). */
const actuals = (f: any) => Object.fromEntries(f.indicators.filter((i: any) => i.actual !== 0).map((i: any) => [i.indicator, i.actual]));
const row = (s: any, code: string) => s.breakdown.nodes.find((n: any) => n.regionCode === code);

let serial = 0;
async function org(token: string, regionCode: string, type: string): Promise<string> {
  serial += 1;
  const p = await mutateOk(app, token, 'createOrganization', 'CreateOrganizationInput', {
    name: `汉中统计测试组织${serial}`, type, regionCode, creditCode: withCreditCheck(`51610700MJ${String(9000000 + serial)}`), contactName: '张明', contactPhone: '13909160000', serviceCategories: ['PLANTING'],
  }, 'organization { id }');
  return p.organization.id;
}

beforeAll(async () => {
  app = await startTestApp();
  national = await app.token([Role.NATIONAL_ADMIN], NATIONAL_REGION, { sub: 'stats-national' });
  province = await app.token([Role.PROVINCIAL_COORDINATOR], '610000', { sub: 'stats-province' });
  city = await app.token([Role.CITY_COORDINATOR], '610700', { sub: 'stats-city' });
  analyst = await app.token([Role.ANALYST], '610000', { sub: 'stats-analyst' });
  [A, B] = (await app.ds.query(`SELECT code FROM region WHERE "parentCode" = '610700' ORDER BY code LIMIT 2`)).map((r: any) => r.code);
  countyA = await app.token([Role.COUNTY_COORDINATOR], A, { sub: 'stats-county-a' });
  [a1, a2, a3] = await villagesOf(app, A, 3);
  [b1] = await villagesOf(app, B, 1);
});
afterAll(async () => {
  await app?.stop();
});

describe('statistics(regionCode, year) against hand-counted fixtures in 汉中市', () => {
  it('starts empty: every actual 0, no targets, no coverage', async () => {
    const s = await statistics('610700');
    expect(s.regionName).toBe('汉中市');
    expect(s.indicators).toHaveLength(14);
    expect(s.indicators.every((i: any) => i.actual === 0 && i.target === null && i.completionRate === null)).toBe(true);
    expect(s.villageCoverage).toMatchObject({ poorVillages: 0, byAgreementRate: null });
    expect(s.householdCoverage).toMatchObject({ households: 0, techniqueRate: null });
    expect(s.breakdown.totalCount).toBeGreaterThanOrEqual(2);
  });

  it('counts organizations, experts, facilities, activities, households, villages and agreements as written out here', async () => {
    // Poor villages: a2 says it has a 农技协, b1 an e-station.
    await mutateOk(app, city, 'importPoorVillages', 'ImportPoorVillagesInput', {
      rows: [
        { villageCode: a1, registeredYear: 2014 },
        { villageCode: a2, registeredYear: 2014, hasRuralTechAssociation: true },
        { villageCode: a3, registeredYear: 2014 },
        { villageCode: b1, registeredYear: 2015, hasEStation: true },
      ],
    }, 'created');
    // Organizations: A has a 农技协 in village a3 and one at county level, a township federation and a cooperative;
    // B a cooperative and an archived 农技协.
    await org(city, a3, 'RURAL_TECH_ASSOCIATION');
    await org(city, A, 'RURAL_TECH_ASSOCIATION');
    await org(city, a1.slice(0, 9), 'TOWNSHIP_TECH_FEDERATION');
    await org(city, A, 'FARMER_COOPERATIVE');
    await org(city, B, 'FARMER_COOPERATIVE');
    const archived = await org(city, B, 'RURAL_TECH_ASSOCIATION');
    await mutateOk(app, city, 'archiveOrganization', 'ArchiveOrganizationInput', { id: archived, reason: '停止活动' });
    // Experts: two in A (one filed on the roster), one in B (filed); only roster entries count.
    const expert = async (region: string, file: boolean) => {
      const e = (await mutateOk(app, city, 'createExpert', 'CreateExpertInput', { name: `汉中专家${++serial}`, regionCode: region, specialties: ['PLANTING'], contactPhone: '13909160001' }, 'expert { id }')).expert;
      if (file) await mutateOk(app, city, 'fileExpertRoster', 'ExpertRosterInput', { id: e.id });
    };
    await expert(A, true);
    await expert(A, false);
    await expert(B, true);
    // Facilities: in 2018 A has a station, an e-station in a1 and one museum tour visit (another is in 2019);
    // B's caravan served only in 2017, its middle-school science museum since 2016.
    const facility = (regionCode: string, kind: string, startDate: string, endDate: string | null = null) =>
      mutateOk(app, city, 'recordFacility', 'RecordFacilityInput', { kind, regionCode, name: `${kind} ${regionCode}`, startDate, endDate });
    await facility(A, 'EXPERT_SERVICE_STATION', '2018-03-01');
    await facility(a1, 'E_STATION', '2018-06-01');
    await facility(A, 'MOBILE_MUSEUM_TOUR_VISIT', '2018-05-10', '2018-05-12');
    await facility(A, 'MOBILE_MUSEUM_TOUR_VISIT', '2019-05-10', '2019-05-12');
    await facility(B, 'SCIENCE_CARAVAN', '2017-01-01', '2017-12-31');
    await facility(B, 'MIDDLE_SCHOOL_SCIENCE_MUSEUM', '2016-09-01');
    // Households: a1 h1 (4 people, labour, nothing yet), h2 (2, no labour), h3 (3, technique + project); a2 h4 (5, project);
    // b1 h5 (1, labour, exited), h6 (6, technique).
    const [h1, h2] = await importHouseholds(app, city, [
      householdRow(a1, { size: 4, labour: 2 }),
      householdRow(a1, { size: 2, labour: 0 }),
      householdRow(a1, { size: 3, labour: 1, techniques: ['茶叶栽培'], projects: ['光伏扶贫电站'] }),
      householdRow(a2, { size: 5, labour: 3, projects: ['电商销售'] }),
      householdRow(b1, { size: 1, labour: 1, status: 'EXITED' }),
      householdRow(b1, { size: 6, labour: 2, techniques: ['生猪养殖'] }),
    ]);
    // Activities: a 2018 training in a1 teaches h1 and h2 a technique; a 2018 science day in A; B trains on 31 Dec 2018 and in 2019.
    const activity = (regionCode: string, kind: string, date: string, attendingHouseholdIds: string[] = [], techniquesTaught: string[] = []) =>
      mutateOk(app, city, 'recordActivity', 'RecordActivityInput', { kind, date, regionCode, organizerName: '汉中市科协', topic: `${kind} ${date}`, attendees: 30, techniquesTaught, attendingHouseholdIds });
    await activity(a1, 'TRAINING', '2018-04-01', [h1, h2], ['食用菌栽培']);
    await activity(A, 'SCIENCE_POPULARIZATION', '2018-07-01');
    await activity(B, 'TRAINING', '2018-12-31');
    await activity(B, 'TRAINING', '2019-03-01');
    // A registered agreement (filed, reviewed by county, city and province, registered) for A's first poor village, a1.
    const countyTok = countyA;
    let ag = await filed(app, countyTok, A);
    ag = await ok(app, countyTok, 'approveAgreementReview', { id: ag.id, version: ag.version }, T);
    ag = await ok(app, city, 'approveAgreementReview', { id: ag.id, version: ag.version }, T);
    const sub = await app.gql(`mutation($i: SubmitAgreementsInput!) { submitAgreementsToRegistry(input: $i) { agreements { id version } userErrors { code message } } }`, { i: { ids: [ag.id] } }, province);
    expect(sub.data.submitAgreementsToRegistry.userErrors).toEqual([]);
    await ok(app, national, 'registerAgreement', { id: ag.id, version: sub.data.submitAgreementsToRegistry.agreements[0].version }, T);
    // An agreement in B still under county review: it covers nothing.
    await filed(app, await app.token([Role.COUNTY_COORDINATOR], B), B);

    const s = await statistics('610700');
    expect(actuals(s)).toEqual({
      TOWNSHIP_FEDERATIONS: 1,
      RURAL_TECH_ASSOCIATIONS: 2,
      EXPERTS_MOBILIZED: 2,
      EXPERT_SERVICE_STATIONS: 1,
      MOBILE_MUSEUM_TOURS: 1,
      MIDDLE_SCHOOL_SCIENCE_MUSEUMS: 1,
      E_STATIONS: 1,
      TRAININGS_HELD: 2,
      SCIENCE_POPULARIZATION_ACTIVITIES: 1,
      HOUSEHOLDS_WITH_TECHNIQUE: 3, // h1 (from the training), h3, h6 — h2 learnt one too but has no labour
      HOUSEHOLDS_WITH_INCOME_PROJECT: 2, // h3, h4
      POOR_VILLAGES_COVERED_BY_AGREEMENT: 1, // a1
      POOR_PEOPLE_HELPED: 20, // h1 4 + h2 2 + h3 3 + h4 5 + h6 6
    });
    expect(s.villageCoverage).toEqual({ poorVillages: 4, byAgreement: 1, byRuralTechAssociation: 2, byEStation: 2, byAgreementRate: 0.25, byRuralTechAssociationRate: 0.5, byEStationRate: 0.5 });
    expect(s.householdCoverage).toEqual({ households: 6, people: 21, withLabour: 5, withLabourAndTechnique: 3, withIncomeProject: 2, techniqueRate: 0.6, incomeProjectRate: 0.3333 });

    // Breakdown: one row per county of 汉中市; A and B as counted, every other county zero.
    const rowA = row(s, A);
    const rowB = row(s, B);
    expect(actuals(rowA)).toEqual({ TOWNSHIP_FEDERATIONS: 1, RURAL_TECH_ASSOCIATIONS: 2, EXPERTS_MOBILIZED: 1, EXPERT_SERVICE_STATIONS: 1, MOBILE_MUSEUM_TOURS: 1, E_STATIONS: 1, TRAININGS_HELD: 1, SCIENCE_POPULARIZATION_ACTIVITIES: 1, HOUSEHOLDS_WITH_TECHNIQUE: 2, HOUSEHOLDS_WITH_INCOME_PROJECT: 2, POOR_VILLAGES_COVERED_BY_AGREEMENT: 1, POOR_PEOPLE_HELPED: 14 });
    expect(actuals(rowB)).toEqual({ EXPERTS_MOBILIZED: 1, MIDDLE_SCHOOL_SCIENCE_MUSEUMS: 1, TRAININGS_HELD: 1, HOUSEHOLDS_WITH_TECHNIQUE: 1, POOR_PEOPLE_HELPED: 6 });
    expect(rowA.villageCoverage).toMatchObject({ poorVillages: 3, byAgreement: 1, byRuralTechAssociation: 2, byEStation: 1 });
    expect(rowB.villageCoverage).toMatchObject({ poorVillages: 1, byAgreement: 0, byRuralTechAssociation: 0, byEStation: 1 });
    expect(rowA.householdCoverage).toMatchObject({ households: 4, people: 14, withLabour: 3, withLabourAndTechnique: 2, withIncomeProject: 2 });
    expect(rowB.householdCoverage).toMatchObject({ households: 2, people: 7, withLabour: 2, withLabourAndTechnique: 1, withIncomeProject: 0 });
    const counties = (await app.ds.query(`SELECT code FROM region WHERE "parentCode" = '610700' ORDER BY code`)).map((r: any) => r.code);
    expect(s.breakdown.nodes.map((n: any) => n.regionCode)).toEqual(counties);
    for (const n of s.breakdown.nodes.filter((x: any) => x.regionCode !== A && x.regionCode !== B)) expect(actuals(n)).toEqual({});

    // Another year: 2019 counts the 2019 museum visit and training, not the 2018 ones; registry stocks are the same.
    const s2019 = await statistics('610700', analyst, 2019);
    expect(actuals(s2019)).toMatchObject({ MOBILE_MUSEUM_TOURS: 1, TRAININGS_HELD: 1, EXPERT_SERVICE_STATIONS: 1, MIDDLE_SCHOOL_SCIENCE_MUSEUMS: 1, RURAL_TECH_ASSOCIATIONS: 2 });
    expect(actuals(s2019).SCIENCE_POPULARIZATION_ACTIVITIES).toBeUndefined();
    const s2017 = await statistics('610700', analyst, 2017);
    expect(actuals(s2017)).toMatchObject({ SCIENCE_CARAVANS: 1, MIDDLE_SCHOOL_SCIENCE_MUSEUMS: 1 });
    expect(actuals(s2017).POOR_VILLAGES_COVERED_BY_AGREEMENT).toBeUndefined(); // the agreement runs from 2018-03
  });

  it("targets vs actuals: completion rates in the total and the breakdown; the province's row for 汉中市 equals the city's own figures", async () => {
    await mutateOk(app, province, 'setTarget', 'SetTargetInput', { regionCode: '610700', year: YEAR, indicator: 'TRAININGS_HELD', value: 6 });
    await mutateOk(app, city, 'splitTarget', 'SplitTargetInput', { regionCode: '610700', year: YEAR, indicator: 'TRAININGS_HELD', parts: [{ regionCode: A, value: 2 }, { regionCode: B, value: 4 }] });
    await mutateOk(app, city, 'setTarget', 'SetTargetInput', { regionCode: A, year: YEAR, indicator: 'EXPERT_SERVICE_STATIONS', value: 1 });
    const s = await statistics('610700');
    const fig = (f: any, i: string) => f.indicators.find((x: any) => x.indicator === i);
    expect(fig(s, 'TRAININGS_HELD')).toEqual({ indicator: 'TRAININGS_HELD', actual: 2, target: 6, completionRate: 0.3333 });
    expect(fig(row(s, A), 'TRAININGS_HELD')).toMatchObject({ actual: 1, target: 2, completionRate: 0.5 });
    expect(fig(row(s, B), 'TRAININGS_HELD')).toMatchObject({ actual: 1, target: 4, completionRate: 0.25 });
    expect(fig(row(s, A), 'EXPERT_SERVICE_STATIONS')).toMatchObject({ actual: 1, target: 1, completionRate: 1 });
    expect(fig(s, 'EXPERT_SERVICE_STATIONS')).toMatchObject({ actual: 1, target: null, completionRate: null });

    // Province → cities: the 汉中市 row is the city's total; the province total includes the demo data of 周至县.
    const p = await statistics('610000');
    const hz = row(p, '610700');
    expect(hz.indicators).toEqual(s.indicators);
    expect(hz.villageCoverage).toEqual(s.villageCoverage);
    expect(hz.householdCoverage).toEqual(s.householdCoverage);
    const [{ n }] = await app.ds.query(`SELECT count(*)::int AS n FROM household WHERE "villageCode" LIKE '61%'`);
    expect(p.householdCoverage.households).toBe(n);
    // County → townships: A's figures split over its townships, summing to A.
    const c = await statistics(A, countyA);
    expect(c.breakdown.nodes.reduce((sum: number, t: any) => sum + t.householdCoverage.households, 0)).toBe(4);
    expect(actuals(c)).toEqual(actuals(row(s, A)));
    // Nation → provinces (national scope only): the Shaanxi row is the province's total.
    const nat = await statistics('000000', national);
    expect(nat.regionName).toBe('全国');
    expect(row(nat, '610000').householdCoverage).toEqual(p.householdCoverage);
    // A constant, small number of SQL statements whatever the region: region, children, figures, targets.
    expect(s.sqlStatements).toBeLessThanOrEqual(5);
    expect(p.sqlStatements).toBe(s.sqlStatements);
  });

  it('scope and arguments: outside the scope null, bad codes and years BAD_USER_INPUT, anonymous UNAUTHENTICATED', async () => {
    expect((await app.gql(STATS, { r: '610700', y: YEAR }, await app.token([Role.COUNTY_COORDINATOR], '610124'))).data.statistics).toBeNull();
    const other = await app.gql(STATS, { r: '610700', y: YEAR }, await app.token([Role.ANALYST], '340000'));
    expect(other.data.statistics).toBeNull();
    expect((await app.gql(STATS, { r: '000000', y: YEAR }, province)).data.statistics).toBeNull();
    expect((await app.gql(STATS, { r: '999999', y: YEAR }, national)).data.statistics).toBeNull();
    const bad = await app.gql(STATS, { r: '6107', y: YEAR }, analyst);
    expect(bad.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect((await app.gql(STATS, { r: '610700', y: 1990 }, analyst)).errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect((await app.gql(STATS, { r: '610700', y: YEAR }, null)).errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });
});

describe('countyAssessments (考核): county associations against the targets split down to them', () => {
  const Q = `query($r: String!, $y: Int!, $a: String) { countyAssessments(regionCode: $r, year: $y, first: 1, after: $a) {
    totalCount pageInfo { hasNextPage endCursor } nodes { countyCode countyName year indicatorsAssessed indicatorsMet completionRate score grade indicators { indicator target actual completion } } } }`;
  it('scores each county with targets (A: 0.5 and 1 → 75 GOOD; B: 0.25 → 25 FAIL), one page at a time', async () => {
    const p1 = await app.gql(Q, { r: '610700', y: YEAR }, analyst);
    expect(p1.errors).toBeUndefined();
    expect(p1.data.countyAssessments.totalCount).toBe(2);
    expect(p1.data.countyAssessments.nodes).toEqual([
      {
        countyCode: A, countyName: expect.any(String), year: YEAR, indicatorsAssessed: 2, indicatorsMet: 1, completionRate: 0.75, score: 75, grade: 'GOOD',
        indicators: [{ indicator: 'EXPERT_SERVICE_STATIONS', target: 1, actual: 1, completion: 1 }, { indicator: 'TRAININGS_HELD', target: 2, actual: 1, completion: 0.5 }],
      },
    ]);
    expect(p1.data.countyAssessments.pageInfo.hasNextPage).toBe(true);
    const p2 = await app.gql(Q, { r: '610700', y: YEAR, a: p1.data.countyAssessments.pageInfo.endCursor }, analyst);
    expect(p2.data.countyAssessments.nodes).toEqual([
      expect.objectContaining({ countyCode: B, indicatorsAssessed: 1, indicatorsMet: 0, completionRate: 0.25, score: 25, grade: 'FAIL', indicators: [{ indicator: 'TRAININGS_HELD', target: 4, actual: 1, completion: 0.25 }] }),
    ]);
    expect(p2.data.countyAssessments.pageInfo.hasNextPage).toBe(false);
    // The province sees the same two (no other Shaanxi county has targets); A's coordinator only A; Anhui's analyst nothing.
    expect((await app.gql(Q.replace('first: 1', 'first: 10'), { r: '610000', y: YEAR }, province)).data.countyAssessments.nodes.map((n: any) => n.countyCode)).toEqual([A, B]);
    expect((await app.gql(Q.replace('first: 1', 'first: 10'), { r: '610700', y: YEAR }, countyA)).data.countyAssessments.nodes).toEqual([]);
    expect((await app.gql(Q.replace('first: 1', 'first: 10'), { r: A, y: YEAR }, countyA)).data.countyAssessments.nodes.map((n: any) => n.score)).toEqual([75]);
    expect((await app.gql(Q, { r: '610700', y: YEAR }, await app.token([Role.ANALYST], '340000'))).data.countyAssessments.totalCount).toBe(0);
  });
});

describe('household_village_stats follows the household table (statement-level triggers)', () => {
  it('updates, deletes and bulk upserts keep it equal to a full recount', async () => {
    const [h5] = (await app.ds.query(`SELECT id, version FROM household WHERE "villageCode" = $1 AND size = 1`, [b1]));
    await mutateOk(app, city, 'updateHousehold', 'UpdateHouseholdInput', { id: toGlobalId('Household', h5.id), version: h5.version, techniques: ['魔芋种植'], incomeProjects: ['扶贫车间务工'] });
    const b = (await statistics(B, city)).householdCoverage;
    expect(b).toMatchObject({ households: 2, withLabourAndTechnique: 2, withIncomeProject: 1 });
    // Moving a household to another village and deleting one, in plain SQL, also keep the aggregate right.
    await app.ds.query(`UPDATE household SET "villageCode" = $1 WHERE "villageCode" = $2 AND size = 6`, [a1, b1]);
    await app.ds.query(`DELETE FROM household WHERE "villageCode" = $1 AND size = 3`, [a1]);
    const recount = await app.ds.query(`
      SELECT "villageCode", count(*)::int AS households, sum(size)::int AS people, count(*) FILTER (WHERE "membersAbleToWork" > 0)::int AS "withLabour",
             count(*) FILTER (WHERE "membersAbleToWork" > 0 AND cardinality(techniques) > 0)::int AS "withLabourAndTechnique",
             count(*) FILTER (WHERE cardinality("incomeProjects") > 0)::int AS "withIncomeProject",
             count(*) FILTER (WHERE cardinality(techniques) > 0 OR cardinality("incomeProjects") > 0)::int AS "helpedHouseholds",
             COALESCE(sum(size) FILTER (WHERE cardinality(techniques) > 0 OR cardinality("incomeProjects") > 0), 0)::int AS "helpedPeople"
        FROM household GROUP BY 1 ORDER BY 1`);
    const table = await app.ds.query(`SELECT * FROM household_village_stats WHERE households <> 0 OR people <> 0 ORDER BY 1`);
    expect(table).toEqual(recount);
    expect(recount.length).toBeGreaterThan(50); // the demo households of 金寨县 and 周至县 too
  });
});
