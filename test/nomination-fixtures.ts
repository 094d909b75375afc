import { withCreditCheck } from '../src/modules/organizations/validators';
import { filed, ok, T } from './agreement-fixtures';
import { NATIONAL_REGION, Role, type TestApp } from './harness';

/** Tokens of the levels that drive an agreement through filing to registration (入库). */
export interface LevelTokens {
  national: string;
  province: string;
  city: string;
  county: string;
}

/** One coordinator token per filing level along 金寨县's chain (national, 安徽省, 六安市, 金寨县), subjects `<prefix>-<level>`. */
export async function levelTokens(app: TestApp, prefix: string): Promise<LevelTokens> {
  return {
    national: await app.token([Role.NATIONAL_ADMIN], NATIONAL_REGION, { sub: `${prefix}-national` }),
    province: await app.token([Role.PROVINCIAL_COORDINATOR], '340000', { sub: `${prefix}-province` }),
    city: await app.token([Role.CITY_COORDINATOR], '341500', { sub: `${prefix}-city` }),
    county: await app.token([Role.COUNTY_COORDINATOR], '341524', { sub: `${prefix}-county` }),
  };
}

let serial = 0;

/** Runs a mutation (`name(input: $i) { selection }`); throws on GraphQL errors, returns the payload. */
export async function run(app: TestApp, token: string, name: string, inputType: string, input: Record<string, unknown>, selection = 'userErrors { code message field }'): Promise<any> {
  const res = await app.gql(`mutation($i: ${inputType}!) { ${name}(input: $i) { ${selection} } }`, { i: input }, token);
  if (res.errors) throw new Error(`${name}: ${JSON.stringify(res.errors)}`);
  return res.data[name];
}

/** Like `run` but requires no userErrors. */
export async function must(app: TestApp, token: string, name: string, inputType: string, input: Record<string, unknown>, selection: string): Promise<any> {
  const p = await run(app, token, name, inputType, input, `${selection} userErrors { code message field }`);
  if (p.userErrors.length) throw new Error(`${name}: ${JSON.stringify(p.userErrors)}`);
  return p;
}

export function keyOf(globalId: string): string {
  return Buffer.from(globalId, 'base64url').toString().split(':')[1];
}

/** A new organization in a county (ACTIVE, in the registry), created through the API. */
export async function newOrganization(app: TestApp, token: string, name: string, county = '341524'): Promise<string> {
  const n = ++serial;
  const p = await must(app, token, 'createOrganization', 'CreateOrganizationInput', {
    name,
    type: 'RURAL_TECH_ASSOCIATION',
    regionCode: county,
    creditCode: withCreditCheck(`51${county}MJ${String(7000000 + ((process.pid * 97 + n) % 999999)).slice(0, 7)}`),
    contactName: '汪德明',
    contactPhone: '13905641234',
    serviceCategories: ['PLANTING'],
  }, 'organization { id }');
  return p.organization.id;
}

/** A new expert in a county; `registered` files and registers the roster entry (名册备案入册). */
export async function newExpert(app: TestApp, token: string, name: string, registered: boolean, county = '341524'): Promise<string> {
  const p = await must(app, token, 'createExpert', 'CreateExpertInput', { name, regionCode: county, specialties: ['PLANTING'], contactPhone: '13905640000' }, 'expert { id }');
  const id = p.expert.id as string;
  if (registered) {
    await must(app, token, 'fileExpertRoster', 'ExpertRosterInput', { id }, 'expert { rosterStatus }');
    await must(app, token, 'registerExpertRoster', 'ExpertRosterInput', { id }, 'expert { rosterStatus }');
  }
  return id;
}

/** Drafts, files and drives an agreement in 金寨县 through county → city → province → national registration (REGISTERED). */
export async function registeredAgreement(app: TestApp, t: LevelTokens, extra: Record<string, unknown>): Promise<string> {
  let a = await filed(app, t.national, '341524', extra);
  a = await ok(app, t.county, 'approveAgreementReview', { id: a.id, version: a.version }, T);
  a = await ok(app, t.city, 'approveAgreementReview', { id: a.id, version: a.version }, T);
  a = await ok(app, t.province, 'approveAgreementReview', { id: a.id, version: a.version }, T); // submits it
  a = await ok(app, t.national, 'registerAgreement', { id: a.id, version: a.version }, T);
  return a.id;
}

export const ROUND = 'round { id version status quota level regionCode noticeStartedAt } currentStatus noticeRemainingSeconds';
export const CANDIDATE = 'candidate { id version status kind displayName registeredAgreements }';

/** Round states a test may ask for: each includes the steps before it. */
export type RoundState = 'OPEN' | 'NOMINATED' | 'SCORED' | 'REVIEWED' | 'SELECTED' | 'PUBLICIZING';

export interface RoundFixture {
  title: string;
  nationalId: string;
  roundId: string;
  version: number;
  candidateId?: string;
  candidateVersion?: number;
}

/**
 * A fresh 金寨县 round in the given state under a fresh national round (quota 3 → 2), created by the national
 * admin (`adminSubject` sits on the panel). `organizationId` must be eligible (a registered agreement in 341524).
 */
export async function countyRoundIn(app: TestApp, admin: string, adminSubject: string, state: RoundState, organizationId: string, panel: string[] = []): Promise<RoundFixture> {
  const title = `科技助力精准扶贫先进集体推荐 ${++serial}-${process.pid}`;
  const national = (await must(app, admin, 'createNominationRound', 'CreateNominationRoundInput', { title, year: 2019, regionCode: '000000', quota: 3 }, ROUND)).round;
  const county = (await must(app, admin, 'createNominationRound', 'CreateNominationRoundInput', { regionCode: '341524', parentRoundId: national.id, quota: 2 }, ROUND)).round;
  const out: RoundFixture = { title, nationalId: national.id, roundId: county.id, version: county.version };
  if (state === 'OPEN') return out;
  const c = (await must(app, admin, 'addNominationCandidate', 'AddNominationCandidateInput', { roundId: county.id, organizationId, citation: '组织开展茶叶种植技术培训' }, CANDIDATE)).candidate;
  out.candidateId = c.id;
  out.candidateVersion = c.version;
  await must(app, admin, 'assignNominationReviewers', 'AssignNominationReviewersInput', { roundId: county.id, reviewers: [adminSubject, ...panel].map((subject) => ({ subject, name: subject })) }, 'reviewers { subject }');
  if (state === 'NOMINATED') return out;
  await must(app, admin, 'scoreNominationCandidate', 'ScoreNominationCandidateInput', { candidateId: c.id, score: 88 }, 'score { score }');
  if (state === 'SCORED') return out;
  let r = (await must(app, admin, 'closeNominationPanel', 'NominationRoundTransitionInput', { id: county.id, version: out.version }, ROUND)).round;
  out.version = r.version;
  if (state === 'REVIEWED') return out;
  r = (await must(app, admin, 'selectNominationCandidates', 'SelectNominationCandidatesInput', { roundId: county.id, version: out.version, candidateIds: [c.id] }, 'round { id version }')).round;
  out.version = r.version;
  if (state === 'SELECTED') return out;
  r = (await must(app, admin, 'publishNominationNotice', 'NominationRoundTransitionInput', { id: county.id, version: out.version }, ROUND)).round;
  out.version = r.version;
  return out;
}
