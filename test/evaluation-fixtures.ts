import { toGlobalId } from '../src/graphql/node';
import { NATIONAL_REGION, Role, type TestApp } from './harness';

/** Fields of an evaluation the tests read back. */
export const EVALUATION_FIELDS = `id status version year level totalScore grade originalTotalScore originalGrade acceptance acceptanceConditions evidence
  evaluatorName evaluatorSubject evaluatorRegionCode reviewDecision reviewerSubject reviewComment recommended recommendationReason`;

/**
 * The indicator set the fixtures score against (national, 2018, COUNTY): hand-checkable weights.
 *   A1 任务完成情况 weight 40, max 100 · A2 群众满意度 weight 30, max 10 · A3 档案材料 weight 30, max 5
 */
export const FIXTURE_INDICATORS = [
  { code: 'A1', name: '任务完成情况', weight: 40, maxScore: 100 },
  { code: 'A2', name: '群众满意度', weight: 30, maxScore: 10 },
  { code: 'A3', name: '档案材料规范', weight: 30, maxScore: 5 },
];
export const FULL_MARKS = [
  { code: 'A1', score: 100 },
  { code: 'A2', score: 10 },
  { code: 'A3', score: 5 },
];

/** Runs one evaluation mutation and returns its payload (asserting no GraphQL errors). */
export async function evalAct(app: TestApp, token: string, name: string, inputType: string, input: Record<string, unknown>, fields = EVALUATION_FIELDS): Promise<any> {
  const selection = name.includes('IndicatorSet') ? `indicatorSet { id version year level regionCode name indicators { code weight maxScore } }` : `evaluation { ${fields} } currentStatus`;
  const res = await app.gql(`mutation($i: ${inputType}!) { ${name}(input: $i) { ${selection} userErrors { code message field } } }`, { i: input }, token);
  if (res.errors) throw new Error(`${name}: ${JSON.stringify(res.errors)}`);
  return res.data[name];
}

/** Like `evalAct` but requires success; returns the evaluation (or indicator set). */
export async function evalOk(app: TestApp, token: string, name: string, inputType: string, input: Record<string, unknown>): Promise<any> {
  const p = await evalAct(app, token, name, inputType, input);
  if (p.userErrors.length) throw new Error(`${name}: ${JSON.stringify(p.userErrors)}`);
  return p.evaluation ?? p.indicatorSet;
}

/** The national 2018 COUNTY indicator set of the fixtures (created through the API the first time). */
export async function fixtureSet(app: TestApp): Promise<string> {
  const [row] = await app.ds.query(`SELECT id FROM indicator_set WHERE "regionCode" = '000000' AND year = 2018 AND level = 'COUNTY'`);
  if (row) return toGlobalId('IndicatorSet', row.id);
  const admin = await app.token([Role.NATIONAL_ADMIN], NATIONAL_REGION, { sub: 'fixture-admin' });
  const set = await evalOk(app, admin, 'createIndicatorSet', 'CreateIndicatorSetInput', { regionCode: '000000', year: 2018, level: 'COUNTY', name: '2018年县级科技助力精准扶贫评估指标', indicators: FIXTURE_INDICATORS });
  return set.id;
}

/**
 * Accepts an agreement (验收) through the API: its county association evaluates 2018 with full marks and
 * ACCEPTED, submits, and the city association confirms. Returns the REVIEWED evaluation.
 */
export async function acceptAgreement(app: TestApp, agreementId: string, acceptance = 'ACCEPTED'): Promise<any> {
  const [{ regionCode }] = await app.ds.query(`SELECT "regionCode" FROM agreement WHERE id = $1`, [Buffer.from(agreementId, 'base64url').toString().split(':')[1]]);
  const county = await app.token([Role.COUNTY_COORDINATOR], regionCode.slice(0, 6), { sub: `fixture-county-${regionCode.slice(0, 6)}` });
  const city = await app.token([Role.CITY_COORDINATOR], `${regionCode.slice(0, 4)}00`, { sub: `fixture-city-${regionCode.slice(0, 4)}` });
  const e = await evalOk(app, county, 'createEvaluation', 'CreateEvaluationInput', {
    agreementId,
    year: 2018,
    level: 'COUNTY',
    indicatorSetId: await fixtureSet(app),
    scores: FULL_MARKS,
    acceptance,
    ...(acceptance === 'ACCEPTED_WITH_CONDITIONS' ? { acceptanceConditions: '补齐培训签到表' } : {}),
    evaluatorName: '县科协评估组',
  });
  const s = await evalOk(app, county, 'submitEvaluation', 'EvaluationTransitionInput', { id: e.id, version: e.version });
  return evalOk(app, city, 'reviewEvaluation', 'ReviewEvaluationInput', { id: s.id, version: s.version, decision: 'CONFIRMED', comment: '同意' });
}
