import path from 'node:path';
import { spawn } from 'node:child_process';
import { CommendationsDocument, NominationCandidatesDocument, NominationRoundsDocument, ZhuliClient } from '../src/client';
import { toGlobalId } from '../src/graphql/node';
import { buildOnce, ROOT } from './process';
import { Role, startTestApp, type TestApp } from './harness';
import { acceptAgreement, evalOk } from './evaluation-fixtures';
import { CANDIDATE, keyOf, must, newExpert, newOrganization, registeredAgreement, ROUND, run, levelTokens, type LevelTokens } from './nomination-fixtures';

/**
 * A full nomination round (组织申报) in 金寨县 under 六安市, Anhui and a national round: quotas allotted level by
 * level, eligibility against the registry, panel scores ranked in SQL, selection within the quota, the 7-day public
 * notice (公示) on an injected clock, objections, submission upward, revocation (撤销评选资格) and commendations.
 */

const DAY = 24 * 3600 * 1000;
let offset = 0; // how far the injected server clock runs ahead of real time
let pinned: number | null = null; // when set, the injected server clock stands still at this instant (ms)
const clock = { now: () => new Date(pinned ?? Date.now() + offset) };

let app: TestApp;
let t: LevelTokens;
let zhouzhi: string; // COUNTY_COORDINATOR of 周至县 (Xi'an): outside every Anhui scope
let analyst: string;
let analystShaanxi: string;
let auditor: string;
const reviewers: Record<'a' | 'b' | 'c', string> = { a: '', b: '', c: '' };

/** Registry fixtures: organizations A–E and experts X, Y in 金寨县 (names are unique per run). */
const fx = {} as Record<'orgA' | 'orgB' | 'orgC' | 'orgD' | 'orgE' | 'expertX' | 'expertY', string>;
let agreementA: string; // A's registered agreement (expert Y takes part): evaluated in the evaluation-record test
const NAMES = { orgA: '金寨县茶叶技术协会（申报A）', orgB: '金寨县板栗合作社（申报B）', orgC: '金寨县中药材农技协（申报C）', orgD: '金寨县养蜂协会（未入库协议D）', orgE: '金寨县已归档协会（E）' };

beforeAll(async () => {
  app = await startTestApp({}, { clock });
  t = await levelTokens(app, 'nom');
  zhouzhi = await app.token([Role.COUNTY_COORDINATOR], '610124', { sub: 'nom-zhouzhi' });
  analyst = await app.token([Role.ANALYST], '340000', { sub: 'nom-analyst' });
  analystShaanxi = await app.token([Role.ANALYST], '610000', { sub: 'nom-analyst-sx' });
  auditor = await app.token([Role.AUDITOR], '340000', { sub: 'nom-auditor' });
  for (const r of ['a', 'b', 'c'] as const) reviewers[r] = await app.token([Role.EXPERT], '340000', { sub: `reviewer-${r}` });

  for (const k of ['orgA', 'orgB', 'orgC', 'orgD', 'orgE'] as const) fx[k] = await newOrganization(app, t.national, NAMES[k]);
  fx.expertX = await newExpert(app, t.national, '未备案专家X', false);
  fx.expertY = await newExpert(app, t.national, '入库专家Y', true);
  // Registered agreements (入库): A with expert Y, B, C, E. D has only a filed one (under county review).
  agreementA = await registeredAgreement(app, t, { organizationId: fx.orgA, expertIds: [fx.expertY] });
  await registeredAgreement(app, t, { organizationId: fx.orgB });
  await registeredAgreement(app, t, { organizationId: fx.orgC });
  await registeredAgreement(app, t, { organizationId: fx.orgE });
  await run(app, t.national, 'createAgreement', 'CreateAgreementInput', { title: 'D的草稿协议', regionCode: '341524', organizationId: fx.orgD });
  // E leaves the registry (归档).
  await must(app, t.national, 'archiveOrganization', 'ArchiveOrganizationInput', { id: fx.orgE, reason: '组织注销' }, 'organization { status }');
});
afterAll(async () => {
  await app?.stop();
});

/** Row counts of the nomination tables and the audit trail: any write changes them. */
async function counts(): Promise<Record<string, number>> {
  const [row] = await app.ds.query(
    `SELECT (SELECT COUNT(*) FROM nomination_round)::int AS rounds, (SELECT COUNT(*) FROM nomination_candidate)::int AS candidates,
            (SELECT COUNT(*) FROM nomination_candidate_step)::int AS steps, (SELECT COUNT(*) FROM nomination_score)::int AS scores,
            (SELECT COUNT(*) FROM nomination_reviewer)::int AS reviewers, (SELECT COUNT(*) FROM nomination_objection)::int AS objections,
            (SELECT COUNT(*) FROM commendation)::int AS commendations, (SELECT COUNT(*) FROM audit_event)::int AS audit,
            (SELECT COALESCE(SUM(version), 0) FROM nomination_round)::int AS round_versions, (SELECT COALESCE(SUM(version), 0) FROM nomination_candidate)::int AS candidate_versions`,
  );
  return row;
}

const RANKED = `candidates(first: 20) { totalCount nodes { id displayName status rank averageScore scoreCount } }`;
async function readRound(id: string, token = t.county, extra = ''): Promise<any> {
  const res = await app.gql(`query($id: ID!) { nominationRound(id: $id) { id version status quota allocatedQuota selectedCount openObjectionCount noticeStartedAt submittableFrom ${extra} } }`, { id }, token);
  expect(res.errors).toBeUndefined();
  return res.data.nominationRound;
}

const round = { national: '', province: '', city: '', county: '', countyVersion: 1 };
const cand = {} as Record<'A' | 'B' | 'C' | 'Y', string>;
const TITLE = '2019年度科技助力精准扶贫先进集体和先进个人';

describe('a nomination round from quota to submission', () => {
  it('quotas are allotted level by level: a national round sets its own, a child gets at most what its parent has left', async () => {
    const n = await must(app, t.national, 'createNominationRound', 'CreateNominationRoundInput', { title: TITLE, year: 2019, regionCode: '000000', quota: 5, idempotencyKey: 'nat-2019' }, ROUND);
    expect(n.round).toMatchObject({ level: 'NATIONAL', regionCode: '000000', quota: 5, status: 'OPEN' });
    round.national = n.round.id;
    // Retrying with the same idempotency key returns the same round and creates nothing.
    const again = await must(app, t.national, 'createNominationRound', 'CreateNominationRoundInput', { title: TITLE, year: 2019, regionCode: '000000', quota: 5, idempotencyKey: 'nat-2019' }, ROUND);
    expect(again.round.id).toBe(round.national);
    // Only the national association creates a national round; a province round needs a parent.
    expect((await run(app, t.province, 'createNominationRound', 'CreateNominationRoundInput', { title: TITLE, year: 2019, regionCode: '000000', quota: 5 })).userErrors[0].code).toBe('FORBIDDEN');
    expect((await run(app, t.province, 'createNominationRound', 'CreateNominationRoundInput', { regionCode: '340000', quota: 5 })).userErrors[0]).toMatchObject({ code: 'VALIDATION', field: ['input', 'parentRoundId'] });

    const p = await must(app, t.national, 'createNominationRound', 'CreateNominationRoundInput', { regionCode: '340000', parentRoundId: round.national, quota: 3 }, ROUND);
    expect(p.round).toMatchObject({ level: 'PROVINCE', quota: 3 });
    round.province = p.round.id;
    // 5 − 3 = 2 left: Shaanxi cannot get 3.
    const over = await run(app, t.national, 'createNominationRound', 'CreateNominationRoundInput', { regionCode: '610000', parentRoundId: round.national, quota: 3 });
    expect(over.userErrors[0]).toMatchObject({ code: 'LIMIT_EXCEEDED', field: ['input', 'quota'] });
    expect(over.userErrors[0].message).toContain('2 of its 5');
    const nat = await readRound(round.national, t.national, 'childRounds { totalCount nodes { regionCode quota } }');
    expect(nat).toMatchObject({ allocatedQuota: 3, childRounds: { totalCount: 1, nodes: [{ regionCode: '340000', quota: 3 }] } });

    // The province allots 3 to 六安市 (not more than it has); the city allots 2 to 金寨县.
    expect((await run(app, t.province, 'createNominationRound', 'CreateNominationRoundInput', { regionCode: '341500', parentRoundId: round.province, quota: 4 })).userErrors[0].code).toBe('LIMIT_EXCEEDED');
    round.city = (await must(app, t.province, 'createNominationRound', 'CreateNominationRoundInput', { regionCode: '341500', parentRoundId: round.province, quota: 3 }, ROUND)).round.id;
    // The county cannot allot itself a quota from the city's round; nor may a round sit outside its parent.
    expect((await run(app, t.county, 'createNominationRound', 'CreateNominationRoundInput', { regionCode: '341524', parentRoundId: round.city, quota: 2 })).userErrors[0].code).toBe('FORBIDDEN');
    expect((await run(app, t.city, 'createNominationRound', 'CreateNominationRoundInput', { regionCode: '340100', parentRoundId: round.city, quota: 1 })).userErrors[0]).toMatchObject({ code: 'VALIDATION', field: ['input', 'regionCode'] });
    const c = await must(app, t.city, 'createNominationRound', 'CreateNominationRoundInput', { regionCode: '341524', parentRoundId: round.city, quota: 2 }, ROUND);
    expect(c.round).toMatchObject({ level: 'COUNTY', quota: 2, status: 'OPEN' });
    round.county = c.round.id;
    round.countyVersion = c.round.version;

    // Each level sees its own rounds and those below: the county sees one 2019 round, the city two.
    const list = async (token: string) => (await app.gql(`{ nominationRounds(filter: { year: 2019, titleContains: "先进集体和先进个人" }, orderBy: { field: YEAR, direction: DESC }) { totalCount nodes { regionCode level title year } } }`, {}, token)).data.nominationRounds;
    expect((await list(t.county)).nodes.map((r: any) => r.regionCode)).toEqual(['341524']);
    expect((await list(t.city)).totalCount).toBe(2);
    expect((await list(t.national)).totalCount).toBe(4);
    expect((await list(zhouzhi)).totalCount).toBe(0);
    const byLevel = await app.gql(`{ nominationRounds(filter: { level: [CITY, COUNTY], within: "340000" }) { nodes { regionCode title year } } }`, {}, t.province);
    expect(byLevel.data.nominationRounds.nodes.map((r: any) => r.regionCode).sort()).toEqual(['341500', '341524']);
    expect(byLevel.data.nominationRounds.nodes.every((r: any) => r.title === TITLE && r.year === 2019)).toBe(true);
  });

  it('only organizations and experts in the registry with a registered agreement are eligible; each refusal says what is missing', async () => {
    const before = await counts();
    const add = (input: Record<string, unknown>, token = t.county) => run(app, token, 'addNominationCandidate', 'AddNominationCandidateInput', { roundId: round.county, ...input }, `${CANDIDATE} userErrors { code message field }`);
    // D is in the registry but provides no registered agreement (only a draft).
    const d = await add({ organizationId: fx.orgD });
    expect(d.candidate).toBeNull();
    expect(d.userErrors).toHaveLength(1);
    expect(d.userErrors[0]).toMatchObject({ code: 'NOT_ELIGIBLE', field: ['input', 'organizationId'] });
    expect(d.userErrors[0].message).toMatch(/no registered agreement.*in 341524/);
    // E has a registered agreement but left the registry (ARCHIVED).
    const e = await add({ organizationId: fx.orgE });
    expect(e.userErrors.map((x: any) => x.code)).toEqual(['NOT_ELIGIBLE']);
    expect(e.userErrors[0].message).toContain('ARCHIVED');
    // X: roster not registered and no agreement — both reasons.
    const x = await add({ expertId: fx.expertX });
    expect(x.userErrors.map((u: any) => u.code)).toEqual(['NOT_ELIGIBLE', 'NOT_ELIGIBLE']);
    expect(x.userErrors[0].message).toContain('roster status (名册) is DRAFT, not REGISTERED');
    expect(x.userErrors[1].message).toContain('no registered agreement');
    // Shape errors and out-of-scope callers.
    expect((await add({ organizationId: fx.orgA, expertId: fx.expertY })).userErrors[0].code).toBe('VALIDATION');
    expect((await add({ organizationId: fx.orgA }, zhouzhi)).userErrors[0].code).toBe('FORBIDDEN');
    expect(await counts()).toEqual(before);

    for (const [k, input] of [['A', { organizationId: fx.orgA }], ['B', { organizationId: fx.orgB }], ['C', { organizationId: fx.orgC }], ['Y', { expertId: fx.expertY }]] as const) {
      const p = await add({ ...input, citation: '开展技术培训，带动贫困户增收', evidence: ['金科协〔2019〕3号'] });
      expect(p.userErrors).toEqual([]);
      expect(p.candidate).toMatchObject({ status: 'NOMINATED', registeredAgreements: 1 });
      cand[k] = p.candidate.id;
    }
    const dup = await add({ organizationId: fx.orgA });
    expect(dup.userErrors[0]).toMatchObject({ code: 'DUPLICATE', field: ['input', 'organizationId'] });
    const [{ n }] = await app.ds.query(`SELECT COUNT(*)::int AS n FROM nomination_candidate WHERE "roundId" = $1`, [keyOf(round.county)]);
    expect(n).toBe(4);
  });

  it('each candidate shows its evaluation record (往期评估): the latest grades and upward recommendations of its agreements', async () => {
    const records = async () => {
      const r = await app.gql(`query($id: ID!) { node(id: $id) { ... on NominationRound { candidates(first: 10) { nodes { displayName evaluationRecord { evaluated excellent good pass fail recommended } } } } } }`, { id: round.county }, t.county);
      expect(r.errors).toBeUndefined();
      return Object.fromEntries(r.data.node.candidates.nodes.map((n: any) => [n.displayName, n.evaluationRecord]));
    };
    const none = { evaluated: 0, excellent: 0, good: 0, pass: 0, fail: 0, recommended: 0 };
    expect(await records()).toEqual({ [NAMES.orgA]: none, [NAMES.orgB]: none, [NAMES.orgC]: none, 入库专家Y: none });
    // A's agreement (with expert Y) is evaluated with full marks, confirmed by the city and recommended upward.
    const reviewed = await acceptAgreement(app, agreementA);
    expect(reviewed.grade).toBe('EXCELLENT');
    await evalOk(app, t.city, 'recommendEvaluation', 'RecommendEvaluationInput', { id: reviewed.id, version: reviewed.version, recommended: true, reason: '茶产业带贫成效突出' });
    const after = await records();
    const excellent = { ...none, evaluated: 1, excellent: 1, recommended: 1 };
    expect(after).toEqual({ [NAMES.orgA]: excellent, [NAMES.orgB]: none, [NAMES.orgC]: none, 入库专家Y: excellent });
  });

  it('panel members score 0–100 and may change a score until the panel closes; the ranking is RANK over the average, computed in SQL', async () => {
    await must(app, t.county, 'assignNominationReviewers', 'AssignNominationReviewersInput', { roundId: round.county, reviewers: [{ subject: 'reviewer-a', name: '张教授' }, { subject: 'reviewer-b', name: '李研究员' }, { subject: 'reviewer-c', name: '王高工' }] }, 'reviewers { subject name }');
    const score = (who: 'a' | 'b' | 'c', c: string, s: number) => run(app, reviewers[who], 'scoreNominationCandidate', 'ScoreNominationCandidateInput', { candidateId: c, score: s }, 'score { score } candidate { id } userErrors { code message field }');
    // Hand-counted: A (90, 80, 85), B (80, 85, 90) = 85, C (88, 86, 81) = 85, Y (60, 65) = 62.5.
    const table: Array<['a' | 'b' | 'c', 'A' | 'B' | 'C' | 'Y', number]> = [
      ['a', 'A', 90], ['b', 'A', 80], ['c', 'A', 85],
      ['a', 'B', 80], ['b', 'B', 85], ['c', 'B', 90],
      ['a', 'C', 88], ['b', 'C', 86], ['c', 'C', 81],
      ['a', 'Y', 60], ['b', 'Y', 65],
    ];
    for (const [who, c, s] of table) expect((await score(who, cand[c], s)).userErrors).toEqual([]);
    // Reviewer b changes A from 80 to 95: A = (90 + 95 + 85) / 3 = 90.
    expect((await score('b', cand.A, 95)).score.score).toBe(95);
    // Not on the panel, out of range.
    const before = await counts();
    expect((await run(app, t.county, 'scoreNominationCandidate', 'ScoreNominationCandidateInput', { candidateId: cand.A, score: 99 })).userErrors[0].code).toBe('FORBIDDEN');
    expect((await score('a', cand.A, 101)).userErrors[0]).toMatchObject({ code: 'VALIDATION', field: ['input', 'score'] });
    expect(await counts()).toEqual(before);

    const r = await readRound(round.county, t.county, RANKED);
    const nodes = r.candidates.nodes;
    expect(r.candidates.totalCount).toBe(4);
    expect(nodes.map((c: any) => [c.rank, c.averageScore, c.scoreCount])).toEqual([[1, 90, 3], [2, 85, 3], [2, 85, 3], [4, 62.5, 2]]);
    expect(nodes[0].id).toBe(cand.A);
    expect(new Set([nodes[1].id, nodes[2].id])).toEqual(new Set([cand.B, cand.C]));
    expect(nodes[3].id).toBe(cand.Y);
    // Pages of 2 continue the same order.
    const page1 = await app.gql(`query($id: ID!) { nominationRound(id: $id) { candidates(first: 2) { pageInfo { hasNextPage endCursor } nodes { id } } } }`, { id: round.county }, t.county);
    const { endCursor } = page1.data.nominationRound.candidates.pageInfo;
    const page2 = await app.gql(`query($id: ID!, $after: String) { nominationRound(id: $id) { candidates(first: 2, after: $after) { pageInfo { hasNextPage } nodes { id } } } }`, { id: round.county, after: endCursor }, t.county);
    expect([...page1.data.nominationRound.candidates.nodes, ...page2.data.nominationRound.candidates.nodes].map((c: any) => c.id)).toEqual(nodes.map((c: any) => c.id));
    expect(page2.data.nominationRound.candidates.pageInfo.hasNextPage).toBe(false);
    // The same figures through node(id) (the standing loader) and in the database.
    const node = await app.gql(`query($id: ID!) { node(id: $id) { ... on NominationCandidate { rank averageScore scores { reviewerSubject score } } } }`, { id: cand.C }, t.county);
    expect(node.data.node).toMatchObject({ rank: 2, averageScore: 85 });
    expect(node.data.node.scores.map((s: any) => s.score)).toEqual([88, 86, 81]);
    const [{ avg }] = await app.ds.query(`SELECT AVG(score)::float AS avg FROM nomination_score WHERE "candidateId" = $1`, [keyOf(cand.A)]);
    expect(avg).toBe(90);
  });

  it('closing the panel freezes the scores; selection stays within the quota', async () => {
    const closed = await must(app, t.county, 'closeNominationPanel', 'NominationRoundTransitionInput', { id: round.county, version: round.countyVersion }, ROUND);
    expect(closed.round.status).toBe('REVIEWED');
    round.countyVersion = closed.round.version;
    const late = await run(app, reviewers.a, 'scoreNominationCandidate', 'ScoreNominationCandidateInput', { candidateId: cand.Y, score: 99 });
    expect(late.userErrors[0]).toMatchObject({ code: 'INVALID_STATE' });
    expect(late.userErrors[0].message).toContain('panel has closed');

    // Three candidates for a quota of two: refused, nothing changes.
    const before = await counts();
    const over = await run(app, t.county, 'selectNominationCandidates', 'SelectNominationCandidatesInput', { roundId: round.county, version: round.countyVersion, candidateIds: [cand.A, cand.B, cand.C] });
    expect(over.userErrors[0]).toMatchObject({ code: 'LIMIT_EXCEEDED', field: ['input', 'candidateIds'] });
    expect(over.userErrors[0].message).toContain('quota (推荐指标) of 2');
    expect(await counts()).toEqual(before);

    const sel = await must(app, t.county, 'selectNominationCandidates', 'SelectNominationCandidatesInput', { roundId: round.county, version: round.countyVersion, candidateIds: [cand.A, cand.C] }, 'round { version selectedCount } selected { id status }');
    expect(sel.selected.map((c: any) => c.status)).toEqual(['SELECTED', 'SELECTED']);
    expect(sel.round.selectedCount).toBe(2);
    round.countyVersion = sel.round.version;
    const statuses = await app.ds.query(`SELECT id, status FROM nomination_candidate WHERE "roundId" = $1`, [keyOf(round.county)]);
    expect(Object.fromEntries(statuses.map((s: any) => [s.id, s.status]))).toEqual({ [keyOf(cand.A)]: 'SELECTED', [keyOf(cand.B)]: 'NOT_SELECTED', [keyOf(cand.C)]: 'SELECTED', [keyOf(cand.Y)]: 'NOT_SELECTED' });
  });

  it('the public notice runs 7 full days on server time: submission is refused on day 6 and after 7 × 24 h waits for open objections', async () => {
    const pub = await must(app, t.county, 'publishNominationNotice', 'NominationRoundTransitionInput', { id: round.county, version: round.countyVersion }, ROUND);
    expect(pub.round.status).toBe('PUBLICIZING');
    round.countyVersion = pub.round.version;
    const started = new Date(pub.round.noticeStartedAt).getTime();
    expect(Math.abs(started - clock.now().getTime())).toBeLessThan(5000);
    expect(new Date((await readRound(round.county)).submittableFrom).getTime()).toBe(started + 7 * DAY);

    const submit = () => run(app, t.county, 'submitNominationRound', 'NominationRoundTransitionInput', { id: round.county, version: round.countyVersion }, `${ROUND} userErrors { code message field }`);
    // Day 6: one day left.
    offset += 6 * DAY;
    const day6 = await submit();
    expect(day6.round).toBeNull();
    expect(day6.userErrors.map((e: any) => e.code)).toEqual(['NOT_ELIGIBLE']);
    expect(day6.userErrors[0].message).toMatch(/at least 7 full days \(7×24 h\).*(0 d 23 h \d+ min|1 d 0 h 0 min) remain/);
    expect(day6.currentStatus).toBe('PUBLICIZING');
    expect(day6.noticeRemainingSeconds).toBeGreaterThan(86400 - 120);
    expect(day6.noticeRemainingSeconds).toBeLessThanOrEqual(86400);

    // Objections: any authenticated principal in scope, during the notice; outside the scope FORBIDDEN.
    const lodge = (token: string, c: string, reason: string) => run(app, token, 'lodgeNominationObjection', 'LodgeNominationObjectionInput', { candidateId: c, reason }, 'objection { id version status lodgedBy lodgedAt } userErrors { code message field }');
    const before = await counts();
    expect((await lodge(analystShaanxi, cand.C, '材料不实，请核查')).userErrors[0].code).toBe('FORBIDDEN');
    expect((await lodge(analyst, cand.B, '该组织未入选，不应异议')).userErrors[0].code).toBe('INVALID_STATE'); // not on the notice
    expect(await counts()).toEqual(before);
    const o1 = await lodge(analyst, cand.C, '事迹材料中的培训人次与实际不符');
    expect(o1.objection).toMatchObject({ status: 'OPEN', lodgedBy: 'nom-analyst' });
    expect(Math.abs(new Date(o1.objection.lodgedAt).getTime() - clock.now().getTime())).toBeLessThan(5000);
    const o2 = await lodge(reviewers.a, cand.A, '对推荐理由有疑问');

    // Day 7 and one minute: the time is served, but two objections are open.
    offset += DAY + 60_000;
    const blocked = await submit();
    expect(blocked.userErrors.map((e: any) => e.code)).toEqual(['INVALID_STATE']);
    expect(blocked.userErrors[0].message).toContain('2 objection(s)');
    expect(blocked.noticeRemainingSeconds).toBeNull();
    expect((await readRound(round.county)).openObjectionCount).toBe(2);

    // The round's coordinator resolves them: upholding removes C (revoked), dismissing keeps A.
    const resolve = (token: string, o: any, decision: string, resolution: string) =>
      run(app, token, 'resolveNominationObjection', 'ResolveNominationObjectionInput', { id: o.id, version: o.version, decision, resolution }, 'objection { status resolution resolvedBy } userErrors { code message field }');
    expect((await resolve(zhouzhi, o1.objection, 'UPHOLD', '核实')).userErrors[0].code).toBe('FORBIDDEN');
    expect((await resolve(t.county, o1.objection, 'UPHOLD', '经核实，培训人次虚报')).objection).toMatchObject({ status: 'UPHELD', resolvedBy: 'nom-county' });
    expect((await resolve(t.county, o2.objection, 'DISMISS', '推荐理由属实')).objection.status).toBe('DISMISSED');
    expect((await resolve(t.county, o2.objection, 'DISMISS', '再次处理')).userErrors[0].code).toBe('VERSION_CONFLICT');
    const c = await app.gql(`query($id: ID!) { node(id: $id) { ... on NominationCandidate { status rank revocationReason revokedBy history(first: 10) { nodes { event fromStatus toStatus actorSubject reason } } } } }`, { id: cand.C }, t.county);
    expect(c.data.node).toMatchObject({ status: 'REVOKED', rank: null, revokedBy: 'nom-county' });
    expect(c.data.node.history.nodes.map((h: any) => [h.event, h.toStatus, h.actorSubject])).toEqual([
      ['NOMINATED', 'NOMINATED', 'nom-county'],
      ['SELECTED', 'SELECTED', 'nom-county'],
      ['OBJECTION_UPHELD', 'REVOKED', 'nom-county'],
    ]);
    const objections = await readRound(round.county, t.county, 'objections(first: 10) { totalCount nodes { status candidate { id } } }');
    expect(objections.objections.nodes.map((o: any) => o.status)).toEqual(['UPHELD', 'DISMISSED']);

    // The boundary on a clock that stands still, objections resolved: 7 d − 1 s is refused, 7 d + 1 s accepted.
    pinned = started + 7 * DAY - 1000;
    const early = await submit();
    expect(early.round).toBeNull();
    expect(early.userErrors.map((e: any) => e.code)).toEqual(['NOT_ELIGIBLE']);
    expect(early.noticeRemainingSeconds).toBeGreaterThanOrEqual(1);
    expect(early.noticeRemainingSeconds).toBeLessThanOrEqual(2); // 1 s, plus the sub-millisecond part the ISO string drops, rounded up
    pinned = started + 7 * DAY + 1000;
    const done = await submit();
    pinned = null;
    expect(done.userErrors).toEqual([]);
    expect(done.round.status).toBe('SUBMITTED');
    // A (the one selected candidate left) is now a candidate of the city round, forwarded from the county round.
    const city = await readRound(round.city, t.city, `candidates { nodes { displayName status sourceRound { regionCode } history { nodes { event actorSubject reason } } } }`);
    expect(city.candidates.nodes).toEqual([
      { displayName: NAMES.orgA, status: 'NOMINATED', sourceRound: { regionCode: '341524' }, history: { nodes: [{ event: 'FORWARDED', actorSubject: 'nom-county', reason: 'From the COUNTY round at 341524' }] } },
    ]);
    const audit = await app.ds.query(`SELECT operation, "actorSubject", after FROM audit_event WHERE "entityType" = 'NominationRound' AND "entityId" = $1 ORDER BY seq`, [keyOf(round.county)]);
    expect(audit.map((a: any) => a.operation)).toEqual(['createNominationRound', 'assignNominationReviewers', 'closeNominationPanel', 'selectNominationCandidates', 'publishNominationNotice', 'submitNominationRound']);
    expect(audit[5].after).toMatchObject({ status: 'SUBMITTED', forwarded: 1 });
  });

  it('revocation for fabricated material (撤销评选资格): reason and actor in the audit trail, history kept, out of the ranking and the selection', async () => {
    const [{ version }] = await app.ds.query(`SELECT version FROM nomination_candidate WHERE id = $1`, [keyOf(cand.B)]);
    // Out of scope: FORBIDDEN, nothing written.
    const before = await counts();
    expect((await run(app, zhouzhi, 'revokeNominationCandidate', 'RevokeNominationCandidateInput', { id: cand.B, version, reason: '虚构事迹材料' })).userErrors[0].code).toBe('FORBIDDEN');
    expect((await run(app, t.county, 'revokeNominationCandidate', 'RevokeNominationCandidateInput', { id: cand.B, version: version + 5, reason: '虚构事迹材料' })).userErrors[0].code).toBe('VERSION_CONFLICT');
    expect(await counts()).toEqual(before);

    const p = await must(app, t.county, 'revokeNominationCandidate', 'RevokeNominationCandidateInput', { id: cand.B, version, reason: '虚构事迹材料：培训照片系他处活动' }, 'candidate { id status revocationReason revokedBy revokedAt rank }');
    expect(p.candidate).toMatchObject({ status: 'REVOKED', revocationReason: '虚构事迹材料：培训照片系他处活动', revokedBy: 'nom-county', rank: null });
    expect((await run(app, t.county, 'revokeNominationCandidate', 'RevokeNominationCandidateInput', { id: cand.B, version: version + 1, reason: '再次撤销' })).userErrors[0].code).toBe('INVALID_STATE');

    // The audit trail, read through the API by an auditor, names the reason and the actor.
    const trail = await app.gql(`query($id: String!) { auditEvents(filter: { entityId: $id }) { nodes { operation actorSubject before after } } }`, { id: cand.B }, auditor);
    expect(trail.errors).toBeUndefined();
    const ops = trail.data.auditEvents.nodes.map((e: any) => e.operation);
    expect(ops).toContain('addNominationCandidate');
    const rev = trail.data.auditEvents.nodes.find((e: any) => e.operation === 'revokeNominationCandidate');
    expect(rev).toMatchObject({ actorSubject: 'nom-county', before: { status: 'NOT_SELECTED' }, after: { status: 'REVOKED', revocationReason: '虚构事迹材料：培训照片系他处活动', revokedBy: 'nom-county' } });
    // History rows are kept (never deleted); the ranking now leaves B and C out: A 1, Y 2.
    const steps = await app.ds.query(`SELECT event, "toStatus", reason FROM nomination_candidate_step WHERE "candidateId" = $1 ORDER BY id`, [keyOf(cand.B)]);
    expect(steps.map((s: any) => [s.event, s.toStatus])).toEqual([['NOMINATED', 'NOMINATED'], ['DESELECTED', 'NOT_SELECTED'], ['REVOKED', 'REVOKED']]);
    expect(steps[2].reason).toBe('虚构事迹材料：培训照片系他处活动');
    const r = await readRound(round.county, t.county, RANKED);
    expect(r.candidates.nodes.map((c: any) => [c.displayName, c.rank])).toEqual([[NAMES.orgA, 1], ['入库专家Y', 2], [expect.any(String), null], [expect.any(String), null]]);
    const revoked = await readRound(round.county, t.county, 'candidates(filter: { status: [REVOKED] }) { totalCount nodes { id } }');
    expect(revoked.candidates.totalCount).toBe(2);
    expect(new Set(revoked.candidates.nodes.map((c: any) => c.id))).toEqual(new Set([cand.B, cand.C]));
  });
});

describe('commendations (表彰)', () => {
  const record = (token: string, input: Record<string, unknown>) =>
    run(app, token, 'recordCommendation', 'RecordCommendationInput', input, 'commendation { id level regionCode title recipientKind recipientName recipientRegionCode organization { id } expert { id } } userErrors { code message field }');

  it('records organizations, teams and individuals commended by a level, and lists them with filters in scope', async () => {
    const before = await counts();
    // The county may not commend at national level; a recipient must be inside the commending region; kinds need their fields.
    expect((await record(t.county, { year: 2019, regionCode: '000000', title: '全国先进集体', recipientKind: 'ORGANIZATION', organizationId: fx.orgA })).userErrors[0].code).toBe('FORBIDDEN');
    expect((await record(t.national, { year: 2019, regionCode: '610000', title: '陕西先进集体', recipientKind: 'ORGANIZATION', organizationId: fx.orgA })).userErrors[0]).toMatchObject({ code: 'VALIDATION', field: ['input', 'organizationId'] });
    expect((await record(t.county, { year: 2019, regionCode: '341524', title: '先进团队', recipientKind: 'TEAM', organizationId: fx.orgA })).userErrors.map((e: any) => e.field[1])).toEqual(['organizationId', 'teamName', 'teamRegionCode']);
    expect(await counts()).toEqual(before);

    const org = await record(t.national, { year: 2019, regionCode: '000000', title: '全国科技助力精准扶贫先进集体', recipientKind: 'ORGANIZATION', organizationId: fx.orgA, documentNumber: '科协发组字〔2019〕12号', commendedOn: '2019-10-17', idempotencyKey: 'comm-a' });
    expect(org.commendation).toMatchObject({ level: 'NATIONAL', recipientName: NAMES.orgA, recipientRegionCode: '341524', organization: { id: fx.orgA } });
    const team = await record(t.city, { year: 2019, regionCode: '341500', title: '六安市科技助力精准扶贫先进团队', recipientKind: 'TEAM', teamName: '金寨县茶产业专家服务团', teamRegionCode: '341524' });
    expect(team.commendation).toMatchObject({ level: 'CITY', recipientKind: 'TEAM', recipientName: '金寨县茶产业专家服务团' });
    const person = await record(t.county, { year: 2020, regionCode: '341524', title: '金寨县科技助力精准扶贫先进个人', recipientKind: 'INDIVIDUAL', expertId: fx.expertY });
    expect(person.commendation).toMatchObject({ level: 'COUNTY', expert: { id: fx.expertY } });
    // An idempotent retry records nothing more.
    expect((await record(t.national, { year: 2019, regionCode: '000000', title: '全国科技助力精准扶贫先进集体', recipientKind: 'ORGANIZATION', organizationId: fx.orgA, documentNumber: '科协发组字〔2019〕12号', commendedOn: '2019-10-17', idempotencyKey: 'comm-a' })).commendation.id).toBe(org.commendation.id);
    expect((await counts()).commendations).toBe(before.commendations + 3);

    const list = async (token: string, filter: string) => (await app.gql(`{ commendations(filter: ${filter}, first: 50) { totalCount nodes { recipientName level year } } }`, {}, token)).data.commendations;
    expect((await list(t.county, '{ within: "341524" }')).totalCount).toBe(3);
    expect((await list(t.county, '{ year: 2019 }')).nodes.map((n: any) => n.level).sort()).toEqual(['CITY', 'NATIONAL']);
    expect((await list(analyst, '{ recipientKind: [INDIVIDUAL, TEAM] }')).totalCount).toBe(2);
    expect((await list(analyst, '{ level: [NATIONAL], titleContains: "先进集体" }')).nodes).toEqual([{ recipientName: NAMES.orgA, level: 'NATIONAL', year: 2019 }]);
    expect((await list(analyst, `{ organizationId: "${fx.orgA}" }`)).totalCount).toBe(1);
    expect((await list(zhouzhi, '{}')).totalCount).toBe(0);
    // node(id) in and out of scope.
    const node = async (token: string) => (await app.gql(`query($id: ID!) { node(id: $id) { id ... on Commendation { title } } }`, { id: org.commendation.id }, token)).data.node;
    expect(await node(analyst)).toMatchObject({ title: '全国科技助力精准扶贫先进集体' });
    expect(await node(zhouzhi)).toBeNull();
  });

  it('rounds, candidates and objections resolve through node(id) only within scope', async () => {
    const ids = [round.county, cand.A, toGlobalId('NominationRound', '00000000-0000-4000-8000-000000000000')];
    const q = `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`;
    expect((await app.gql(q, { ids }, t.county)).data.nodes.map((n: any) => n?.id ?? null)).toEqual([round.county, cand.A, null]);
    expect((await app.gql(q, { ids }, zhouzhi)).data.nodes).toEqual([null, null, null]);
    const obj = await readRound(round.county, t.county, 'objections { nodes { id } }');
    expect((await app.gql(`query($id: ID!) { node(id: $id) { ... on NominationObjection { status round { regionCode } } } }`, { id: obj.objections.nodes[0].id }, analyst)).data.node).toEqual({ status: 'UPHELD', round: { regionCode: '341524' } });
  });
});

describe('the SDK and `zhuli export` read rounds, ranked candidates and commendations', () => {
  /** Runs the real CLI binary (asynchronously: the server answers from this process). */
  const cli = (args: string[], token: string) =>
    new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
      const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'zhuli.js'), ...args], { env: { PATH: process.env.PATH ?? '', HOME: '/tmp', ZHULI_URL: app.url, ZHULI_TOKEN: token } });
      const r = { code: null as number | null, out: '', err: '' };
      child.stdout.on('data', (b) => (r.out += b));
      child.stderr.on('data', (b) => (r.err += b));
      child.on('close', (code) => resolve({ ...r, code }));
    });

  it('pages through a round’s ranked candidates with the typed client', async () => {
    const client = new ZhuliClient({ url: app.url, token: t.county });
    const rounds = await client.request(NominationRoundsDocument, { filter: { year: 2019 } });
    expect(rounds.nominationRounds.edges.map((e) => [e.node.regionCode, e.node.status, e.node.quota, e.node.selectedCount])).toEqual([['341524', 'SUBMITTED', 2, 1]]);
    const ranked: Array<[string, number | null]> = [];
    for await (const c of client.paginate(NominationCandidatesDocument, { id: round.county, first: 2 }, (d) => d.nominationRound!.candidates)) ranked.push([c.displayName, c.rank]);
    expect(ranked.slice(0, 2)).toEqual([[NAMES.orgA, 1], ['入库专家Y', 2]]);
    expect(ranked.slice(2).map((r) => r[1])).toEqual([null, null]);
    const commended = await client.request(CommendationsDocument, { filter: { within: '341524' }, orderBy: { field: 'YEAR', direction: 'ASC' } });
    expect(commended.commendations.edges.map((e) => e.node.year)).toEqual([2019, 2019, 2020]);
  });

  it('exports nomination rounds and commendations as CSV, every row the database holds in scope', async () => {
    buildOnce();
    const rounds = await cli(['export', 'nomination-rounds', '--filter', 'year=2019', '--filter', 'within=340000', '--format', 'csv', '--quiet'], t.province);
    expect(rounds.code).toBe(0);
    const lines = rounds.out.trimEnd().split('\n');
    const header = lines[0].split(',');
    const [{ n }] = await app.ds.query(`SELECT COUNT(*)::int AS n FROM nomination_round WHERE year = 2019 AND "regionCode" LIKE '34%'`);
    expect(lines.length - 1).toBe(n);
    expect(lines.slice(1).map((l) => l.split(',')[header.indexOf('regionCode')]).sort()).toEqual(['340000', '341500', '341524']);
    const comm = await cli(['export', 'commendations', '--filter', 'within=341524', '--format', 'ndjson', '--quiet'], analyst);
    expect(comm.code).toBe(0);
    expect(comm.out.trimEnd().split('\n').map((l) => JSON.parse(l).recipientKind).sort()).toEqual(['INDIVIDUAL', 'ORGANIZATION', 'TEAM']);
    expect((await cli(['export', 'commendations', '--filter', 'colour=red'], analyst)).code).toBe(2);
  }, 180_000);
});
