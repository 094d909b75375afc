import { toGlobalId } from '../src/graphql/node';
import { poorVillages } from './agreement-fixtures';
import { acceptAgreement, evalOk, fixtureSet } from './evaluation-fixtures';
import { startTestApp, type TestApp } from './harness';
import { levelTokens, registeredAgreement, type LevelTokens } from './nomination-fixtures';

/**
 * provider_grade (matching's evaluation component, kept by triggers on evaluation) always equals the grades counted
 * from the evaluations themselves: the rule matching applied per request before (latest SUBMITTED or REVIEWED
 * evaluation of each agreement of the provider, averaged in points EXCELLENT 10, GOOD 7, PASS 4, FAIL 0).
 */
const RECOUNT = `WITH prov AS (
    SELECT 'ORGANIZATION' AS kind, a."organizationId" AS pid, a.id AS aid FROM agreement a WHERE a."organizationId" IS NOT NULL
    UNION SELECT 'EXPERT', ae."expertId", ae."agreementId" FROM agreement_expert ae
  ), latest AS (
    SELECT DISTINCT ON (p.kind, p.pid, p.aid) p.kind, p.pid, CASE ev.grade WHEN 'EXCELLENT' THEN 10 WHEN 'GOOD' THEN 7 WHEN 'PASS' THEN 4 ELSE 0 END AS pts
      FROM prov p JOIN evaluation ev ON ev."agreementId" = p.aid AND ev.status IN ('SUBMITTED', 'REVIEWED')
     ORDER BY p.kind, p.pid, p.aid, ev.year DESC, ev.level DESC, ev."updatedAt" DESC, ev.id DESC
  )
  SELECT kind, pid::text AS "providerId", round(avg(pts), 2)::text AS points, count(*)::int AS evaluated FROM latest GROUP BY 1, 2 ORDER BY 1, 2`;
const STORED = `SELECT kind, "providerId"::text AS "providerId", points::text AS points, evaluated FROM provider_grade ORDER BY 1, 2`;

let app: TestApp;
let t: LevelTokens;

beforeAll(async () => {
  app = await startTestApp();
  t = await levelTokens(app, 'grade');
});
afterAll(async () => {
  await app?.stop();
});

it('follows submissions and reviews that change the grade (drafts do not count), and always equals a recount', async () => {
  const [{ id: orgKey }] = await app.ds.query(`SELECT id FROM organization WHERE "regionCode" LIKE '341524%' AND status = 'ACTIVE' ORDER BY name LIMIT 1`);
  const [{ id: expertKey }] = await app.ds.query(`SELECT id FROM expert WHERE "regionCode" LIKE '3415%' AND status = 'ACTIVE' ORDER BY name LIMIT 1`);
  const extra = { organizationId: toGlobalId('Organization', orgKey), expertIds: [toGlobalId('Expert', expertKey)], villageCodes: await poorVillages(app, '341524', 1) };
  const grade = async (kind: string, id: string) =>
    (await app.ds.query(`SELECT points::text AS points, evaluated FROM provider_grade WHERE kind = $1 AND "providerId" = $2`, [kind, id]))[0] ?? null;
  const before = await grade('ORGANIZATION', orgKey);

  // Full marks, submitted and confirmed by the city: EXCELLENT (10 points).
  const a1 = await registeredAgreement(app, t, extra);
  await acceptAgreement(app, a1);
  // A second agreement: a draft does not count, a submitted GOOD does, a city adjustment to PASS replaces it.
  const a2 = await registeredAgreement(app, t, extra);
  const set = await fixtureSet(app);
  const draft = await evalOk(app, t.county, 'createEvaluation', 'CreateEvaluationInput', {
    agreementId: a2, year: 2018, level: 'COUNTY', indicatorSetId: set, scores: [{ code: 'A1', score: 80 }, { code: 'A2', score: 8 }, { code: 'A3', score: 4 }], acceptance: 'ACCEPTED', evaluatorName: '县科协评估组',
  });
  const counted = (await app.ds.query(RECOUNT)).length;
  expect(await app.ds.query(STORED)).toEqual(await app.ds.query(RECOUNT));
  const submitted = await evalOk(app, t.county, 'submitEvaluation', 'EvaluationTransitionInput', { id: draft.id, version: draft.version });
  expect(submitted.grade).toBe('GOOD');
  const afterSubmit = await grade('EXPERT', expertKey);
  expect(afterSubmit.evaluated).toBeGreaterThanOrEqual(2);
  const adjusted = await evalOk(app, t.city, 'reviewEvaluation', 'ReviewEvaluationInput', {
    id: submitted.id, version: submitted.version, decision: 'ADJUSTED', scores: [{ code: 'A1', score: 60 }, { code: 'A2', score: 6 }, { code: 'A3', score: 3 }], comment: '档案不全，下调',
  });
  expect(adjusted.grade).toBe('PASS');
  const stored = await app.ds.query(STORED);
  expect(stored).toEqual(await app.ds.query(RECOUNT));
  expect(stored.length).toBeGreaterThanOrEqual(counted);
  // The organization gained two agreements graded 10 and 4 beside what it had.
  const org = await grade('ORGANIZATION', orgKey);
  expect(org.evaluated).toBe((before?.evaluated ?? 0) + 2);
  expect(Number(org.points) * org.evaluated).toBeCloseTo(Number(before?.points ?? 0) * (before?.evaluated ?? 0) + 10 + 4, 1);
});
