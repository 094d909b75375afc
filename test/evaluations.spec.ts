import { toGlobalId } from '../src/graphql/node';
import { withCreditCheck } from '../src/modules/organizations/validators';
import { act, completeInput, filed, ok, R, T, type Ref } from './agreement-fixtures';
import { acceptAgreement, EVALUATION_FIELDS, evalAct, evalOk, FULL_MARKS } from './evaluation-fixtures';
import { NATIONAL_REGION, Role, startTestApp, type TestApp } from './harness';

/**
 * Evaluations (评估考核, 评估验收) end to end. The indicator set of the round (Anhui, 2018, COUNTY):
 *   C1 任务完成情况 weight 40, max 100 · C2 群众满意度 weight 35, max 10 · C3 档案材料 weight 25, max 5
 * County scores C1 85.5, C2 9, C3 4.5 → 85.5/100×40 + 9/10×35 + 4.5/5×25 = 34.2 + 31.5 + 22.5 = 88.2 (GOOD);
 * the city adjusts C1 to 95 → 38 + 31.5 + 22.5 = 92 (EXCELLENT), the original 88.2 / GOOD kept.
 */
let app: TestApp;
let admin: string;
let province: string; // PROVINCIAL_COORDINATOR of Anhui
let shaanxi: string; // PROVINCIAL_COORDINATOR of Shaanxi
let city: string; // CITY_COORDINATOR of 六安市
let xian: string; // CITY_COORDINATOR of 西安市
let county: string; // COUNTY_COORDINATOR of 金寨县 341524
let otherCounty: string; // COUNTY_COORDINATOR of 霍邱县 341522
let analyst: string;
let roundSet: string;

const ROUND_INDICATORS = [
  { code: 'C1', name: '任务完成情况', weight: 40, maxScore: 100, description: '按计划任务完成比例计分' },
  { code: 'C2', name: '群众满意度', weight: 35, maxScore: 10 },
  { code: 'C3', name: '档案材料规范', weight: 25, maxScore: 5 },
];
const ROUND_SCORES = [
  { code: 'C1', score: 85.5 },
  { code: 'C2', score: 9 },
  { code: 'C3', score: 4.5 },
];
const CI = 'CreateEvaluationInput';
const UI = 'UpdateEvaluationInput';
const TI = 'EvaluationTransitionInput';
const RI = 'ReviewEvaluationInput';
const RCI = 'RecommendEvaluationInput';
const SI = 'CreateIndicatorSetInput';

beforeAll(async () => {
  app = await startTestApp();
  admin = await app.token([Role.NATIONAL_ADMIN], NATIONAL_REGION, { sub: 'li-national' });
  province = await app.token([Role.PROVINCIAL_COORDINATOR], '340000', { sub: 'qian-province' });
  shaanxi = await app.token([Role.PROVINCIAL_COORDINATOR], '610000', { sub: 'shaanxi-province' });
  city = await app.token([Role.CITY_COORDINATOR], '341500', { sub: 'zhao-city' });
  xian = await app.token([Role.CITY_COORDINATOR], '610100', { sub: 'xian-city' });
  county = await app.token([Role.COUNTY_COORDINATOR], '341524', { sub: 'wang-county' });
  otherCounty = await app.token([Role.COUNTY_COORDINATOR], '341522', { sub: 'sun-huoqiu' });
  analyst = await app.token([Role.ANALYST], '340000');
  roundSet = (await evalOk(app, province, 'createIndicatorSet', SI, { regionCode: '340000', year: 2018, level: 'COUNTY', name: '安徽省2018年县级科技助力精准扶贫评估指标', indicators: ROUND_INDICATORS })).id;
});
afterAll(async () => {
  await app?.stop();
});

/** A fresh agreement of 金寨县 (or `region`) driven to REGISTERED (or IN_PROGRESS) through the API. */
async function registered(extra: Record<string, unknown> = {}, start = false, region = '341524'): Promise<Ref> {
  const countyToken = region === '341524' ? county : otherCounty;
  let a = await filed(app, countyToken, region, extra);
  a = await ok(app, countyToken, 'approveAgreementReview', { id: a.id, version: a.version }, T);
  a = await ok(app, city, 'approveAgreementReview', { id: a.id, version: a.version }, T);
  a = (await act(app, province, 'submitAgreementsToRegistry', { ids: [a.id] }, 'SubmitAgreementsInput')).agreements[0];
  a = await ok(app, admin, 'registerAgreement', { id: a.id, version: a.version }, T);
  return start ? ok(app, countyToken, 'startAgreement', { id: a.id, version: a.version }, T) : a;
}

function draftInput(agreementId: string, over: Record<string, unknown> = {}): Record<string, unknown> {
  return { agreementId, year: 2018, level: 'COUNTY', indicatorSetId: roundSet, scores: ROUND_SCORES, evaluatorName: '金寨县科协评估组', ...over };
}

const keyOf = (id: string) => Buffer.from(id, 'base64url').toString().split(':')[1];

/** Row counts and version sums of the evaluation tables and the audit trail: any write changes this. */
async function fingerprint(): Promise<unknown> {
  return (
    await app.ds.query(`SELECT (SELECT count(*) FROM evaluation)::int AS e, (SELECT coalesce(sum(version), 0) FROM evaluation)::int AS v, (SELECT count(*) FROM evaluation_score)::int AS s,
      (SELECT count(*) FROM indicator_set)::int AS sets, (SELECT coalesce(sum(version), 0) FROM indicator_set)::int AS sv, (SELECT count(*) FROM evaluation_indicator)::int AS i,
      (SELECT count(*) FROM audit_event)::int AS audit`)
  )[0];
}

async function readEvaluation(id: string, token = admin): Promise<any> {
  const res = await app.gql(`query($id: ID!) { evaluation(id: $id) { ${EVALUATION_FIELDS} scores { score reviewedScore points indicator { code weight maxScore } } } }`, { id }, token);
  expect(res.errors).toBeUndefined();
  return res.data.evaluation;
}

describe('indicator sets (考核指标体系)', () => {
  const three = (w: number[]) => w.map((weight, i) => ({ code: `B${i + 1}`, name: `指标${i + 1}`, weight, maxScore: 10 }));

  it('weights sum to exactly 100 (checked in cents, so 0.1 + 0.2 style weights pass), at most two decimals, codes unique', async () => {
    const before = await fingerprint();
    const sum = await evalAct(app, province, 'createIndicatorSet', SI, { regionCode: '340000', year: 2019, level: 'COUNTY', name: '权重不足', indicators: three([50, 30, 19.99]) });
    expect(sum.userErrors).toEqual([expect.objectContaining({ code: 'VALIDATION', field: ['input', 'indicators'], message: expect.stringContaining('sum to 99.99') })]);
    const decimals = await evalAct(app, province, 'createIndicatorSet', SI, { regionCode: '340000', year: 2019, level: 'COUNTY', name: '三位小数', indicators: three([33.333, 33.333, 33.334]) });
    expect(decimals.userErrors.map((e: any) => e.field.join('.'))).toEqual(['input.indicators.0.weight', 'input.indicators.1.weight', 'input.indicators.2.weight']);
    const dup = await evalAct(app, province, 'createIndicatorSet', SI, { regionCode: '340000', year: 2019, level: 'COUNTY', name: '重复代码', indicators: [...three([50, 50]), { code: 'B1', name: '重复', weight: 0, maxScore: 1 }] });
    expect(dup.userErrors[0]).toMatchObject({ code: 'VALIDATION', field: ['input', 'indicators', '2', 'weight'] });
    const code = await evalAct(app, province, 'createIndicatorSet', SI, { regionCode: '340000', year: 2019, level: 'COUNTY', name: '重复代码', indicators: [...three([50, 40]), { code: 'B1', name: '重复', weight: 10, maxScore: 1 }] });
    expect(code.userErrors).toEqual([expect.objectContaining({ code: 'VALIDATION', field: ['input', 'indicators', '2', 'code'] })]);
    expect(await fingerprint()).toEqual(before);
    const fine = await evalOk(app, province, 'createIndicatorSet', SI, { regionCode: '340000', year: 2019, level: 'COUNTY', name: '安徽省2019年县级指标', indicators: three([0.1, 0.2, 99.7]) });
    expect(fine).toMatchObject({ year: 2019, level: 'COUNTY', regionCode: '340000', indicators: [{ code: 'B1', weight: 0.1 }, { code: 'B2', weight: 0.2 }, { code: 'B3', weight: 99.7 }] });
    // One set per defining association, year and level.
    const again = await evalAct(app, province, 'createIndicatorSet', SI, { regionCode: '340000', year: 2019, level: 'COUNTY', name: '第二套', indicators: three([50, 25, 25]) });
    expect(again.userErrors).toEqual([expect.objectContaining({ code: 'DUPLICATE', field: ['input', 'level'] })]);
  });

  it('who defines which sets: national admins 000000, a province its own; NATIONAL level only nationally; FORBIDDEN writes nothing', async () => {
    const before = await fingerprint();
    const input = (over: Record<string, unknown>) => ({ regionCode: '340000', year: 2021, level: 'CITY', name: '市级指标', indicators: three([40, 30, 30]), ...over });
    expect((await evalAct(app, province, 'createIndicatorSet', SI, input({ regionCode: '610000' }))).userErrors[0].code).toBe('FORBIDDEN');
    expect((await evalAct(app, province, 'createIndicatorSet', SI, input({ regionCode: '000000' }))).userErrors[0].code).toBe('FORBIDDEN');
    expect((await evalAct(app, province, 'createIndicatorSet', SI, input({ regionCode: '341500' }))).userErrors[0]).toMatchObject({ code: 'VALIDATION', field: ['input', 'regionCode'] });
    expect((await evalAct(app, province, 'createIndicatorSet', SI, input({ level: 'NATIONAL' }))).userErrors[0]).toMatchObject({ code: 'VALIDATION', field: ['input', 'level'] });
    const res = await app.gql(`mutation($i: CreateIndicatorSetInput!) { createIndicatorSet(input: $i) { userErrors { code } } }`, { i: input({}) }, city);
    expect(res.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect(await fingerprint()).toEqual(before);
    const national = await evalOk(app, admin, 'createIndicatorSet', SI, input({ regionCode: '000000', level: 'NATIONAL', name: '国家级指标' }));
    expect(national).toMatchObject({ regionCode: '000000', level: 'NATIONAL' });
    await evalOk(app, shaanxi, 'createIndicatorSet', SI, input({ regionCode: '610000', year: 2018, level: 'COUNTY', name: '陕西省县级指标' }));
  });

  it('indicatorSets lists the sets that apply to your region (national, your province) and those inside it', async () => {
    const q = async (token: string, filter: Record<string, unknown>) =>
      (await app.gql(`query($f: IndicatorSetFilter) { indicatorSets(first: 100, filter: $f) { totalCount nodes { regionCode year level name evaluationCount indicators { code } } } }`, { f: filter }, token)).data.indicatorSets;
    const jinzhai = await q(county, { year: 2018 });
    expect(jinzhai.nodes.map((n: any) => `${n.regionCode} ${n.level}`).sort()).toEqual(['340000 COUNTY']);
    expect(jinzhai.nodes[0].indicators.map((i: any) => i.code)).toEqual(['C1', 'C2', 'C3']);
    const shaanxiSets = await q(xian, { year: 2018 });
    expect(shaanxiSets.nodes.map((n: any) => n.regionCode)).toEqual(['610000']);
    expect((await q(analyst, { year: 2021 })).nodes.map((n: any) => n.regionCode)).toEqual(['000000']);
    expect((await q(admin, { year: 2018, level: ['COUNTY'], appliesTo: '610124' })).nodes.map((n: any) => n.regionCode)).toEqual(['610000']);
    const node = await app.gql(`query($id: ID!) { node(id: $id) { id ... on IndicatorSet { name } } }`, { id: roundSet }, xian);
    expect(node.data.node).toBeNull();
    expect((await app.gql(`query($id: ID!) { node(id: $id) { ... on IndicatorSet { name } } }`, { id: roundSet }, county)).data.node.name).toContain('安徽省2018年');
  });
});

describe('an evaluation round end to end', () => {
  it('county evaluates, submits; the city adjusts (originals kept) and recommends it upward; completion only after acceptance', async () => {
    const a = await registered({ title: '金寨县茶产业评估轮次协议' }, true);
    const before = await fingerprint();
    const draft = await evalOk(app, county, 'createEvaluation', CI, draftInput(a.id, { evidence: ['金科协〔2018〕31号'], summary: '培训任务基本完成' }));
    expect(draft).toMatchObject({ status: 'DRAFT', year: 2018, level: 'COUNTY', totalScore: 88.2, grade: 'GOOD', originalTotalScore: 88.2, originalGrade: 'GOOD', acceptance: 'PENDING', evaluatorRegionCode: '341524', evaluatorSubject: 'wang-county', evaluatorName: '金寨县科协评估组', recommended: false });
    expect(await fingerprint()).not.toEqual(before);

    // Completion is refused while nothing is accepted.
    const refuse = async (reason: RegExp) => {
      const p = await act(app, county, 'completeAgreement', { id: a.id, version: a.version, reason: '完成' }, R);
      expect(p.userErrors).toEqual([expect.objectContaining({ code: 'NOT_ELIGIBLE', message: expect.stringMatching(reason) })]);
      expect(p.currentStatus).toBe('IN_PROGRESS');
    };
    await refuse(/no reviewed evaluation/);

    const updated = await evalOk(app, county, 'updateEvaluation', UI, { id: draft.id, version: draft.version, acceptance: 'ACCEPTED', evidence: ['金科协〔2018〕31号', 'https://example.org/jinzhai/2018/photo-1.jpg'] });
    expect(updated).toMatchObject({ acceptance: 'ACCEPTED', version: draft.version + 1, evidence: ['金科协〔2018〕31号', 'https://example.org/jinzhai/2018/photo-1.jpg'], totalScore: 88.2 });
    const submitted = await evalOk(app, county, 'submitEvaluation', TI, { id: draft.id, version: updated.version });
    expect(submitted.status).toBe('SUBMITTED');
    await refuse(/no reviewed evaluation/);

    // Only the level directly above reviews: the county may not (role), the province is the wrong level.
    const byCounty = await app.gql(`mutation($i: ReviewEvaluationInput!) { reviewEvaluation(input: $i) { userErrors { code } } }`, { i: { id: draft.id, version: submitted.version, decision: 'CONFIRMED' } }, county);
    expect(byCounty.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const byProvince = await evalAct(app, province, 'reviewEvaluation', RI, { id: draft.id, version: submitted.version, decision: 'CONFIRMED' });
    expect(byProvince.userErrors[0]).toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('reviewed by the CITY level') });

    const reviewed = await evalOk(app, city, 'reviewEvaluation', RI, { id: draft.id, version: submitted.version, decision: 'ADJUSTED', scores: [{ code: 'C1', score: 95 }], comment: '培训记录齐全，C1上调' });
    expect(reviewed).toMatchObject({ status: 'REVIEWED', reviewDecision: 'ADJUSTED', reviewerSubject: 'zhao-city', reviewComment: '培训记录齐全，C1上调', totalScore: 92, grade: 'EXCELLENT', originalTotalScore: 88.2, originalGrade: 'GOOD', acceptance: 'ACCEPTED' });
    const full = await readEvaluation(draft.id);
    expect(full.scores).toEqual([
      { score: 85.5, reviewedScore: 95, points: 38, indicator: { code: 'C1', weight: 40, maxScore: 100 } },
      { score: 9, reviewedScore: 9, points: 31.5, indicator: { code: 'C2', weight: 35, maxScore: 10 } },
      { score: 4.5, reviewedScore: 4.5, points: 22.5, indicator: { code: 'C3', weight: 25, maxScore: 5 } },
    ]);
    const [row] = await app.ds.query(`SELECT "totalScore"::text AS t, "originalTotalScore"::text AS o, grade, "originalGrade" AS og FROM evaluation WHERE id = $1`, [keyOf(draft.id)]);
    expect(row).toEqual({ t: '92.00', o: '88.20', grade: 'EXCELLENT', og: 'GOOD' });

    // Recommended upward (择优推荐) by the city, as input to nominations.
    const rec = await evalOk(app, city, 'recommendEvaluation', RCI, { id: draft.id, version: reviewed.version, recommended: true, reason: '茶产业带贫成效突出，推荐省级' });
    expect(rec).toMatchObject({ recommended: true, recommendationReason: '茶产业带贫成效突出，推荐省级' });
    const listed = (await app.gql(`{ evaluations(filter: { recommended: true, within: "341524" }) { nodes { id grade } } }`, {}, province)).data.evaluations.nodes;
    expect(listed).toEqual([{ id: draft.id, grade: 'EXCELLENT' }]);

    // Accepted and reviewed: completion goes through.
    const done = await ok(app, county, 'completeAgreement', { id: a.id, version: a.version, reason: '已通过县级验收，市级审核确认' }, R);
    expect(done.status).toBe('COMPLETED');

    const read = (await app.gql(`query($id: ID!) { agreement(id: $id) { latestEvaluation { id grade status } evaluations(first: 5) { totalCount nodes { id year level } } } }`, { id: a.id }, county)).data.agreement;
    expect(read).toEqual({ latestEvaluation: { id: draft.id, grade: 'EXCELLENT', status: 'REVIEWED' }, evaluations: { totalCount: 1, nodes: [{ id: draft.id, year: 2018, level: 'COUNTY' }] } });
    const audits = await app.ds.query(`SELECT operation, "actorSubject" FROM audit_event WHERE "entityType" = 'Evaluation' AND "entityId" = $1 ORDER BY seq`, [keyOf(draft.id)]);
    expect(audits.map((x: any) => [x.operation, x.actorSubject])).toEqual([
      ['createEvaluation', 'wang-county'],
      ['updateEvaluation', 'wang-county'],
      ['submitEvaluation', 'wang-county'],
      ['reviewEvaluation', 'zhao-city'],
      ['recommendEvaluation', 'zhao-city'],
    ]);

    // The set is now in use: its indicators are frozen, its name is not.
    const [{ version: setVersion }] = await app.ds.query(`SELECT version FROM indicator_set WHERE id = $1`, [keyOf(roundSet)]);
    const frozen = await evalAct(app, province, 'updateIndicatorSet', 'UpdateIndicatorSetInput', { id: roundSet, version: setVersion, indicators: ROUND_INDICATORS.map((i) => ({ ...i, maxScore: 50 })) });
    expect(frozen.userErrors).toEqual([expect.objectContaining({ code: 'INVALID_STATE', field: ['input', 'indicators'] })]);
    expect((await evalAct(app, province, 'updateIndicatorSet', 'UpdateIndicatorSetInput', { id: roundSet, version: setVersion - 1, name: '旧版本' })).userErrors[0].code).toBe('VERSION_CONFLICT');
    const renamed = await evalOk(app, province, 'updateIndicatorSet', 'UpdateIndicatorSetInput', { id: roundSet, version: setVersion, name: '安徽省2018年县级科技助力精准扶贫评估指标（修订名称）' });
    expect(renamed.indicators.map((i: any) => i.maxScore)).toEqual([100, 10, 5]);
  });

  it('returned with a reason, amended and resubmitted; a REJECTED acceptance blocks completion, ACCEPTED_WITH_CONDITIONS allows it', async () => {
    const a = await registered({}, true);
    const e = await evalOk(app, county, 'createEvaluation', CI, draftInput(a.id, { acceptance: 'ACCEPTED' }));
    let s = await evalOk(app, county, 'submitEvaluation', TI, { id: e.id, version: e.version });
    const noReason = await evalAct(app, city, 'reviewEvaluation', RI, { id: e.id, version: s.version, decision: 'RETURNED' });
    expect(noReason.userErrors).toEqual([expect.objectContaining({ code: 'VALIDATION', field: ['input', 'comment'] })]);
    const returned = await evalOk(app, city, 'reviewEvaluation', RI, { id: e.id, version: s.version, decision: 'RETURNED', comment: '缺少满意度调查表' });
    expect(returned).toMatchObject({ status: 'RETURNED', reviewDecision: 'RETURNED', reviewComment: '缺少满意度调查表' });
    // Amended: C2 down to 6 → 34.2 + 21 + 22.5 = 77.7 (GOOD); the evaluator now rejects acceptance.
    const amended = await evalOk(app, county, 'updateEvaluation', UI, { id: e.id, version: returned.version, scores: [{ code: 'C1', score: 85.5 }, { code: 'C2', score: 6 }, { code: 'C3', score: 4.5 }], acceptance: 'REJECTED' });
    expect(amended).toMatchObject({ status: 'RETURNED', totalScore: 77.7, grade: 'GOOD', originalTotalScore: 77.7, acceptance: 'REJECTED' });
    s = await evalOk(app, county, 'submitEvaluation', TI, { id: e.id, version: amended.version });
    expect(s.status).toBe('SUBMITTED');
    const confirmed = await evalOk(app, city, 'reviewEvaluation', RI, { id: e.id, version: s.version, decision: 'CONFIRMED' });
    expect(confirmed).toMatchObject({ status: 'REVIEWED', reviewDecision: 'CONFIRMED', totalScore: 77.7, acceptance: 'REJECTED' });
    expect((await readEvaluation(e.id)).scores.map((x: any) => x.reviewedScore)).toEqual([null, null, null]);
    const p = await act(app, county, 'completeAgreement', { id: a.id, version: a.version, reason: '完成' }, R);
    expect(p.userErrors[0]).toMatchObject({ code: 'NOT_ELIGIBLE', message: expect.stringContaining('(2018, COUNTY) has acceptance REJECTED') });

    const b = await registered({}, true);
    const withConditions = await acceptAgreement(app, b.id, 'ACCEPTED_WITH_CONDITIONS');
    expect(withConditions).toMatchObject({ acceptance: 'ACCEPTED_WITH_CONDITIONS', acceptanceConditions: '补齐培训签到表', status: 'REVIEWED', totalScore: 100, grade: 'EXCELLENT' });
    expect((await ok(app, county, 'completeAgreement', { id: b.id, version: b.version, reason: '有条件通过验收' }, R)).status).toBe('COMPLETED');
  });
});

describe('refusals', () => {
  /** Brings a fresh evaluation of a fresh agreement into a state. */
  async function evaluationIn(state: 'DRAFT' | 'SUBMITTED' | 'REVIEWED' | 'RETURNED'): Promise<any> {
    const a = await registered();
    const e = await evalOk(app, county, 'createEvaluation', CI, draftInput(a.id));
    if (state === 'DRAFT') return e;
    const s = await evalOk(app, county, 'submitEvaluation', TI, { id: e.id, version: e.version });
    if (state === 'SUBMITTED') return s;
    if (state === 'RETURNED') return evalOk(app, city, 'reviewEvaluation', RI, { id: e.id, version: s.version, decision: 'RETURNED', comment: '退回补充' });
    return evalOk(app, city, 'reviewEvaluation', RI, { id: e.id, version: s.version, decision: 'CONFIRMED' });
  }
  const attempts: Array<[string, string, string, (e: any) => Record<string, unknown>]> = [
    ['updateEvaluation', UI, 'county', (e) => ({ id: e.id, version: e.version, summary: '改动' })],
    ['submitEvaluation', TI, 'county', (e) => ({ id: e.id, version: e.version })],
    ['reviewEvaluation', RI, 'city', (e) => ({ id: e.id, version: e.version, decision: 'CONFIRMED' })],
    ['recommendEvaluation', RCI, 'city', (e) => ({ id: e.id, version: e.version, recommended: true, reason: '推荐' })],
  ];
  const allowed: Record<string, string[]> = {
    updateEvaluation: ['DRAFT', 'RETURNED'],
    submitEvaluation: ['DRAFT', 'RETURNED'],
    reviewEvaluation: ['SUBMITTED'],
    recommendEvaluation: ['REVIEWED'],
  };
  for (const state of ['DRAFT', 'SUBMITTED', 'REVIEWED', 'RETURNED'] as const) {
    it(`in ${state}: every mutation not allowed there is INVALID_STATE carrying ${state}, and nothing changes`, async () => {
      const e = await evaluationIn(state);
      const tokens: Record<string, string> = { county, city };
      for (const [name, type, who, input] of attempts) {
        if (allowed[name].includes(state)) continue;
        const before = await fingerprint();
        const p = await evalAct(app, tokens[who], name, type, input(e));
        expect([name, p.userErrors.map((x: any) => x.code)]).toEqual([name, ['INVALID_STATE']]);
        expect(p.currentStatus).toBe(state);
        expect(p.userErrors[0].message).toContain(`current state: ${state}`);
        expect(await fingerprint()).toEqual(before);
      }
      // A stale version is VERSION_CONFLICT whatever the state.
      const stale = await evalAct(app, county, 'updateEvaluation', UI, { id: e.id, version: e.version - 1, summary: '旧版本' });
      expect(stale.userErrors[0].code).toBe('VERSION_CONFLICT');
      expect(stale.currentStatus).toBe(state);
    });
  }

  it('review and recommendation rules: CONFIRMED takes no scores, ADJUSTED needs them, only GOOD or better is recommended, with a reason', async () => {
    const s = await evaluationIn('SUBMITTED');
    const before = await fingerprint();
    expect((await evalAct(app, city, 'reviewEvaluation', RI, { id: s.id, version: s.version, decision: 'CONFIRMED', scores: [{ code: 'C1', score: 90 }] })).userErrors[0]).toMatchObject({ code: 'VALIDATION', field: ['input', 'scores'] });
    expect((await evalAct(app, city, 'reviewEvaluation', RI, { id: s.id, version: s.version, decision: 'ADJUSTED' })).userErrors[0]).toMatchObject({ code: 'VALIDATION', field: ['input', 'scores'] });
    expect((await evalAct(app, city, 'reviewEvaluation', RI, { id: s.id, version: s.version, decision: 'ADJUSTED', scores: [{ code: 'C9', score: 1 }] })).userErrors[0]).toMatchObject({ code: 'VALIDATION', field: ['input', 'scores', '0', 'code'] });
    expect((await evalAct(app, city, 'reviewEvaluation', RI, { id: s.id, version: s.version, decision: 'CONFIRMED', acceptance: 'ACCEPTED_WITH_CONDITIONS' })).userErrors[0]).toMatchObject({ code: 'VALIDATION', field: ['input', 'acceptanceConditions'] });
    expect(await fingerprint()).toEqual(before);
    // Adjusted down to C1 0, C2 0 → 22.5 (FAIL): not recommendable.
    const failed = await evalOk(app, city, 'reviewEvaluation', RI, { id: s.id, version: s.version, decision: 'ADJUSTED', scores: [{ code: 'C1', score: 0 }, { code: 'C2', score: 0 }] });
    expect(failed).toMatchObject({ totalScore: 22.5, grade: 'FAIL', originalTotalScore: 88.2, originalGrade: 'GOOD' });
    expect((await evalAct(app, city, 'recommendEvaluation', RCI, { id: s.id, version: failed.version, recommended: true, reason: '推荐' })).userErrors[0]).toMatchObject({ code: 'NOT_ELIGIBLE', field: ['input', 'recommended'] });
    const good = await evaluationIn('REVIEWED');
    expect((await evalAct(app, city, 'recommendEvaluation', RCI, { id: good.id, version: good.version, recommended: true })).userErrors[0]).toMatchObject({ code: 'VALIDATION', field: ['input', 'reason'] });
    const rec = await evalOk(app, county, 'recommendEvaluation', RCI, { id: good.id, version: good.version, recommended: true, reason: '县级推荐' });
    const withdrawn = await evalOk(app, city, 'recommendEvaluation', RCI, { id: good.id, version: rec.version, recommended: false });
    expect(withdrawn).toMatchObject({ recommended: false, recommendationReason: null });
  });

  it('only REGISTERED, IN_PROGRESS or COMPLETED agreements, inside their period, one per agreement, year and level, with a matching set', async () => {
    const signed = await filed(app, county);
    const terminatedLater = await filed(app, county);
    const terminated = await ok(app, county, 'terminateAgreement', { id: terminatedLater.id, version: terminatedLater.version, reason: '受援村合并' }, R);
    const a = await registered();
    const before = await fingerprint();
    const p = await evalAct(app, county, 'createEvaluation', CI, draftInput(signed.id));
    expect(p.userErrors).toEqual([expect.objectContaining({ code: 'NOT_ELIGIBLE', field: ['input', 'agreementId'], message: expect.stringContaining('this one is COUNTY_REVIEW') })]);
    expect((await evalAct(app, county, 'createEvaluation', CI, draftInput(terminated.id))).userErrors[0]).toMatchObject({ code: 'NOT_ELIGIBLE', message: expect.stringContaining('TERMINATED') });
    expect((await evalAct(app, county, 'createEvaluation', CI, draftInput(toGlobalId('Agreement', '00000000-0000-4000-8000-000000000000')))).userErrors[0].code).toBe('NOT_FOUND');

    expect((await evalAct(app, county, 'createEvaluation', CI, draftInput(a.id, { year: 2017 }))).userErrors[0]).toMatchObject({ code: 'VALIDATION', field: ['input', 'year'], message: expect.stringContaining('2018–2020') });
    expect((await evalAct(app, county, 'createEvaluation', CI, draftInput(a.id, { year: 2019 }))).userErrors[0]).toMatchObject({ code: 'VALIDATION', field: ['input', 'indicatorSetId'], message: expect.stringContaining('2018 COUNTY') });
    const [{ id: shaanxiSet }] = await app.ds.query(`SELECT id FROM indicator_set WHERE "regionCode" = '610000' AND year = 2018 AND level = 'COUNTY'`);
    expect((await evalAct(app, county, 'createEvaluation', CI, draftInput(a.id, { indicatorSetId: toGlobalId('IndicatorSet', shaanxiSet) }))).userErrors[0]).toMatchObject({ code: 'NOT_ELIGIBLE', field: ['input', 'indicatorSetId'] });
    expect((await evalAct(app, county, 'createEvaluation', CI, draftInput(a.id, { acceptance: 'ACCEPTED_WITH_CONDITIONS' }))).userErrors[0]).toMatchObject({ code: 'VALIDATION', field: ['input', 'acceptanceConditions'] });
    // The wrong level for your role.
    expect((await evalAct(app, city, 'createEvaluation', CI, draftInput(a.id))).userErrors[0]).toMatchObject({ code: 'FORBIDDEN', field: ['input', 'level'] });
    expect((await evalAct(app, county, 'createEvaluation', CI, draftInput(a.id, { level: 'CITY' }))).userErrors[0]).toMatchObject({ code: 'FORBIDDEN', field: ['input', 'level'] });
    const tooMany = await evalAct(app, county, 'createEvaluation', CI, draftInput(a.id, { evidence: Array.from({ length: 21 }, (_, i) => `证据${i}`) }));
    expect(tooMany.userErrors[0]).toMatchObject({ code: 'VALIDATION', field: ['input', 'evidence'] });
    expect(await fingerprint()).toEqual(before);

    await evalOk(app, county, 'createEvaluation', CI, draftInput(a.id));
    const dup = await evalAct(app, county, 'createEvaluation', CI, draftInput(a.id, { scores: FULL_MARKS.map((s) => ({ ...s, code: s.code.replace('A', 'C') })) }));
    expect(dup.userErrors).toEqual([expect.objectContaining({ code: 'DUPLICATE', field: ['input', 'level'], message: expect.stringContaining('already has a COUNTY evaluation for 2018') })]);
  });

  it('bad scores are VALIDATION userErrors with the field path, and nothing is written', async () => {
    const a = await registered();
    const cases: Array<[Array<{ code: string; score: number }>, string]> = [
      [[{ code: 'C1', score: 100.01 }, ROUND_SCORES[1], ROUND_SCORES[2]], 'input.scores.0.score'],
      [[ROUND_SCORES[0], { code: 'C2', score: -0.5 }, ROUND_SCORES[2]], 'input.scores.1.score'],
      [[ROUND_SCORES[0], ROUND_SCORES[1], { code: 'C3', score: 4.555 }], 'input.scores.2.score'],
      [[{ code: 'C1', score: 1e308 }, ROUND_SCORES[1], ROUND_SCORES[2]], 'input.scores.0.score'],
      [[ROUND_SCORES[0], ROUND_SCORES[1], { code: 'X9', score: 1 }], 'input.scores.2.code'],
      [[ROUND_SCORES[0], ROUND_SCORES[1], ROUND_SCORES[1]], 'input.scores.2.code'],
      [[ROUND_SCORES[0], ROUND_SCORES[1]], 'input.scores'],
    ];
    const before = await fingerprint();
    for (const [scores, field] of cases) {
      const p = await evalAct(app, county, 'createEvaluation', CI, draftInput(a.id, { scores }));
      expect([field, p.userErrors.map((e: any) => `${e.code} ${e.field.join('.')}`)]).toEqual([field, [`VALIDATION ${field}`]]);
    }
    expect(await fingerprint()).toEqual(before);
    // Two decimals are checked arithmetically, within an epsilon: values binary floating point cannot represent
    // exactly pass, and 1.1 + 2.2 (= 3.3000000000000003) is stored as 3.3.
    const e = await evalOk(app, county, 'createEvaluation', CI, draftInput(a.id, { scores: [{ code: 'C1', score: 0.29 }, { code: 'C2', score: 1.1 + 2.2 }, { code: 'C3', score: 0.07 }] }));
    // 0.29/100×40 + 3.3/10×35 + 0.07/5×25 = 0.116 + 11.55 + 0.35 = 12.016 → 12.02
    expect(e).toMatchObject({ totalScore: 12.02, grade: 'FAIL' });
    expect((await readEvaluation(e.id)).scores.map((x: any) => x.score)).toEqual([0.29, 3.3, 0.07]);
  });

  it('outside your region scope: FORBIDDEN and nothing written; reads leave the rows out', async () => {
    const a = await registered();
    const before = await fingerprint();
    expect((await evalAct(app, otherCounty, 'createEvaluation', CI, draftInput(a.id))).userErrors[0]).toMatchObject({ code: 'FORBIDDEN' });
    expect(await fingerprint()).toEqual(before);
    const e = await evalOk(app, county, 'createEvaluation', CI, draftInput(a.id));
    const afterCreate = await fingerprint();
    expect((await evalAct(app, otherCounty, 'updateEvaluation', UI, { id: e.id, version: e.version, summary: '越权修改' })).userErrors[0].code).toBe('FORBIDDEN');
    expect((await evalAct(app, otherCounty, 'submitEvaluation', TI, { id: e.id, version: e.version })).userErrors[0].code).toBe('FORBIDDEN');
    const s = await evalOk(app, county, 'submitEvaluation', TI, { id: e.id, version: e.version });
    const afterSubmit = await fingerprint();
    expect((await evalAct(app, xian, 'reviewEvaluation', RI, { id: e.id, version: s.version, decision: 'CONFIRMED' })).userErrors[0].code).toBe('FORBIDDEN');
    expect((await evalAct(app, shaanxi, 'recommendEvaluation', RCI, { id: e.id, version: s.version, recommended: true, reason: '越权推荐' })).userErrors[0].code).toBe('FORBIDDEN');
    expect(await fingerprint()).toEqual(afterSubmit);
    expect(afterCreate).not.toEqual(afterSubmit);
    expect((await app.gql(`query($id: ID!) { evaluation(id: $id) { id } }`, { id: e.id }, otherCounty)).data.evaluation).toBeNull();
    expect((await app.gql(`query($id: ID!) { node(id: $id) { id } }`, { id: e.id }, otherCounty)).data.node).toBeNull();
    expect((await app.gql(`{ evaluations(first: 100) { totalCount } }`, {}, otherCounty)).data.evaluations.totalCount).toBe(0);
    expect((await app.gql(`query($id: ID!) { node(id: $id) { ... on Evaluation { status } } }`, { id: e.id }, analyst)).data.node).toEqual({ status: 'SUBMITTED' });
  });
});

describe('queries', () => {
  it('filters by agreement, region, year, level, grade, status and acceptance; ranks by total score', async () => {
    // Three fresh evaluations in 霍邱县 (341522): 100 / EXCELLENT / ACCEPTED, 88.2 / GOOD / PENDING, 22.5 / FAIL / REJECTED.
    const made: any[] = [];
    const scores = [FULL_MARKS.map((s) => ({ ...s, code: s.code.replace('A', 'C') })), ROUND_SCORES, [{ code: 'C1', score: 0 }, { code: 'C2', score: 0 }, { code: 'C3', score: 4.5 }]];
    const acceptance = ['ACCEPTED', 'PENDING', 'REJECTED'];
    for (let i = 0; i < 3; i++) {
      const a = await registered({}, false, '341522');
      made.push(await evalOk(app, otherCounty, 'createEvaluation', CI, draftInput(a.id, { scores: scores[i], acceptance: acceptance[i] })));
    }
    await evalOk(app, otherCounty, 'submitEvaluation', TI, { id: made[0].id, version: made[0].version });
    const q = async (filter: Record<string, unknown>, orderBy?: Record<string, unknown>) =>
      (await app.gql(`query($f: EvaluationFilter, $o: EvaluationOrder) { evaluations(first: 100, filter: $f, orderBy: $o) { totalCount nodes { id totalScore } } }`, { f: { within: '341522', ...filter }, o: orderBy }, province)).data.evaluations;
    expect((await q({})).totalCount).toBe(3);
    expect((await q({}, { field: 'TOTAL_SCORE', direction: 'DESC' })).nodes.map((n: any) => n.totalScore)).toEqual([100, 88.2, 22.5]);
    expect((await q({ grade: ['EXCELLENT', 'GOOD'] })).totalCount).toBe(2);
    expect((await q({ status: ['SUBMITTED'] })).nodes.map((n: any) => n.id)).toEqual([made[0].id]);
    expect((await q({ acceptance: ['PENDING', 'REJECTED'] })).totalCount).toBe(2);
    expect((await q({ year: 2018, level: ['COUNTY'] })).totalCount).toBe(3);
    expect((await q({ year: 2019 })).totalCount).toBe(0);
    expect((await q({ year: 99999 })).totalCount).toBe(0);
    expect((await q({ level: ['CITY'] })).totalCount).toBe(0);
    const [{ agreementId }] = await app.ds.query(`SELECT "agreementId" FROM evaluation WHERE id = $1`, [keyOf(made[1].id)]);
    expect((await q({ agreementId: toGlobalId('Agreement', agreementId) })).nodes.map((n: any) => n.id)).toEqual([made[1].id]);
    // Paging by total score walks each row once.
    const p1 = (await app.gql(`{ evaluations(first: 2, filter: { within: "341522" }, orderBy: { field: TOTAL_SCORE, direction: ASC }) { pageInfo { endCursor hasNextPage } nodes { totalScore } } }`, {}, province)).data.evaluations;
    const p2 = (await app.gql(`query($a: String) { evaluations(first: 2, after: $a, filter: { within: "341522" }, orderBy: { field: TOTAL_SCORE, direction: ASC }) { pageInfo { hasNextPage } nodes { totalScore } } }`, { a: p1.pageInfo.endCursor }, province)).data.evaluations;
    expect([...p1.nodes, ...p2.nodes].map((n: any) => n.totalScore)).toEqual([22.5, 88.2, 100]);
    expect([p1.pageInfo.hasNextPage, p2.pageInfo.hasNextPage]).toEqual([true, false]);
  });

  it('SQL statements do not grow with the page: agreements with evaluations, latestEvaluation, scores and indicator sets', async () => {
    for (let i = 0; i < 6; i++) {
      const a = await registered({ title: `常数语句评估协议 ${i}` });
      await evalOk(app, county, 'createEvaluation', CI, draftInput(a.id));
    }
    const query = `query($n: Int) { agreements(first: $n, filter: { text: "常数语句评估协议" }) { nodes { id
      latestEvaluation { totalScore grade evaluatorRegion { name } indicatorSet { name evaluationCount indicators { code } } scores { score points indicator { code } } agreement { id } }
      evaluations(first: 5) { totalCount nodes { id scores { score } } } } } }`;
    const one = await app.gql(query, { n: 1 }, province);
    const six = await app.gql(query, { n: 6 }, province);
    expect(one.errors).toBeUndefined();
    expect(six.errors).toBeUndefined();
    expect(six.data.agreements.nodes).toHaveLength(6);
    expect(six.data.agreements.nodes.every((n: any) => n.latestEvaluation.totalScore === 88.2 && n.latestEvaluation.scores.length === 3 && n.evaluations.totalCount === 1 && n.latestEvaluation.evaluatorRegion.name === '金寨县')).toBe(true);
    expect(six.extensions?.sqlStatements).toBe(one.extensions?.sqlStatements);
  });
});

describe('matching uses past grades', () => {
  let serial = 0;
  async function provider(name: string): Promise<{ org: string; offering: string }> {
    const o = await app.gql(`mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { organization { id } userErrors { code message } } }`, {
      i: { name, type: 'RURAL_TECH_ASSOCIATION', regionCode: '341524', creditCode: withCreditCheck(`51341524MJ${String(7100000 + ++serial)}`), contactName: '汪德明', contactPhone: '13905641234', serviceCategories: ['FINANCE_INSURANCE'] },
    }, admin);
    expect(o.data.createOrganization.userErrors).toEqual([]);
    const org = o.data.createOrganization.organization.id;
    const f = await app.gql(`mutation($i: CreateServiceOfferingInput!) { createServiceOffering(input: $i) { serviceOffering { id } userErrors { code message } } }`, {
      i: { organizationId: org, title: `${name}金融服务`, categories: ['FINANCE_INSURANCE'], modes: ['TRAINING'], regionCodes: ['341524'], capacity: 4, activeFrom: '2017-01-01' },
    }, admin);
    expect(f.data.createServiceOffering.userErrors).toEqual([]);
    return { org, offering: f.data.createServiceOffering.serviceOffering.id };
  }

  it('a provider with an EXCELLENT past evaluation outranks an otherwise equal one; drafts do not count', async () => {
    const graded = await provider('金寨县评估优秀金融服务协会');
    const plain = await provider('金寨县未评估金融服务协会');
    const [{ code: village }] = await app.ds.query(`SELECT "regionCode" AS code FROM poor_village WHERE "regionCode" LIKE '341524%' ORDER BY 1 LIMIT 1 OFFSET 3`);
    const need = await app.gql(`mutation($i: CreateNeedInput!) { createNeed(input: $i) { need { id } userErrors { code } } }`, { i: { villageCode: village, category: 'FINANCE_INSURANCE', description: '小额信贷', urgency: 'HIGH', preferredModes: ['TRAINING'] } }, county);
    const needId = need.data.createNeed.need.id;
    const rank = async () =>
      (await app.gql(`query($n: ID!) { matchCandidates(needId: $n, first: 20) { nodes { score offering { id } reasons { kind points text } } } }`, { n: needId }, county)).data.matchCandidates.nodes.filter((c: any) =>
        [graded.offering, plain.offering].includes(c.offering.id),
      );
    const a = await registered({ organizationId: graded.org });
    const e = await evalOk(app, county, 'createEvaluation', CI, draftInput(a.id, { scores: FULL_MARKS.map((s) => ({ ...s, code: s.code.replace('A', 'C') })) }));
    expect(e.grade).toBe('EXCELLENT');
    // A draft does not count: both 30 + 10 + 40 + 10 + 0 = 90, ties broken by id.
    const before = await rank();
    expect(before.map((c: any) => c.score)).toEqual([90, 90]);
    await evalOk(app, county, 'submitEvaluation', TI, { id: e.id, version: e.version });
    const after = await rank();
    expect(after.map((c: any) => [c.offering.id, c.score])).toEqual([
      [graded.offering, 100],
      [plain.offering, 90],
    ]);
    const points = (c: any) => Object.fromEntries(c.reasons.map((x: any) => [x.kind, x.points]));
    expect(points(after[0])).toEqual({ CATEGORY: 30, SERVICE_MODE: 10, REGION: 40, CAPACITY: 10, EVALUATION: 10 });
    expect(points(after[1])).toEqual({ CATEGORY: 30, SERVICE_MODE: 10, REGION: 40, CAPACITY: 10, EVALUATION: 0 });
    expect(after[0].reasons.find((x: any) => x.kind === 'EVALUATION').text).toContain('Average latest grade of 1 evaluated agreement(s) of the provider: 10 of 10');
    expect(after[1].reasons.find((x: any) => x.kind === 'EVALUATION').text).toContain('No submitted or reviewed evaluation');
  });
});
