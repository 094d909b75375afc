import { getMetadataStorage } from 'type-graphql';
import { toGlobalId } from '../src/graphql/node';
import { createSchema } from '../src/graphql/schema';
import { PERMISSIONS, type Permission } from '../src/modules/access/permissions';
import { withCreditCheck } from '../src/modules/organizations/validators';
import { orphanedTypes, resolvers } from '../src/modules/registry';
import { NATIONAL_REGION, Role, startTestApp, type TestApp } from './harness';
import { completeInput, SIGNATORIES } from './agreement-fixtures';
import { acceptAgreement, evalOk, fixtureSet, FIXTURE_INDICATORS, FULL_MARKS } from './evaluation-fixtures';
import { sleep, subscribe, wsClient } from './ws-client';
import { countyRoundIn, must, type RoundFixture, type RoundState } from './nomination-fixtures';

/**
 * The authorization matrix. (a) every root field of the schema has a declared rule (src/modules/access/
 * permissions.ts) and a scenario below; (b) each rule agrees with the field's @Authorized metadata; (c) every
 * scenario runs end to end for anonymous and every role, in scope and out of scope, asserting allowed/denied
 * and that denied writes changed nothing in the database.
 *
 * Adding an operation: declare its rule in permissions.ts and add a scenario here (document + a variables
 * factory building a fresh target inside 金寨县 341524, the in-scope region of every caller below).
 */

let app: TestApp;
let admin: string;
let serial = 0;
const next = () => ++serial;

/** Where each role's in-scope and out-of-scope callers sit (the target of every scenario is in 金寨县). */
const IN_SCOPE: Record<Role, string> = {
  NATIONAL_ADMIN: NATIONAL_REGION,
  PROVINCIAL_COORDINATOR: '340000',
  CITY_COORDINATOR: '341500',
  COUNTY_COORDINATOR: '341524',
  ORGANIZATION_MANAGER: '341524',
  EXPERT: '341524',
  ANALYST: '340000',
  AUDITOR: '340000',
};
const OUT_OF_SCOPE: Partial<Record<Role, string>> = {
  PROVINCIAL_COORDINATOR: '610000',
  CITY_COORDINATOR: '610100',
  COUNTY_COORDINATOR: '610124',
  ORGANIZATION_MANAGER: '610124',
  EXPERT: '610124',
  ANALYST: '610000',
  AUDITOR: '610000',
};

interface Caller {
  label: string;
  role: Role | null;
  inScope: boolean;
  token: string | null;
}

/** Fixtures in 金寨县 every scenario can use (created once, through the API). */
interface Fixtures {
  village: string;
  helperCounty: string;
  org: { id: string; key: string; name: string };
  expert: { id: string; key: string; name: string };
  apiKeyId: string;
  poorVillage: string;
  household: { id: string; key: string; registryNumber: string };
  need: { id: string; key: string };
  offering: { id: string; key: string };
  match: { id: string; needId: string };
}
let fx: Fixtures;

interface Scenario {
  /** Root field, e.g. `Mutation.updateRegionPoverty`. */
  field: string;
  document: string;
  /** Fresh variables for one run (may create a new target through the API as the national admin). */
  variables(): Promise<Record<string, unknown>>;
  /** For queries: whether the in-scope target is visible in the result. */
  seen?(data: any): boolean;
  /** Roles that hold the rule's role and are in scope by region but which the business rule still refuses. */
  refusedInScope?: Role[];
}

async function gqlOk(document: string, variables: Record<string, unknown>, token = admin): Promise<any> {
  const res = await app.gql(document, variables, token);
  expect(res.errors).toBeUndefined();
  const payload = Object.values(res.data)[0] as { userErrors?: unknown[] };
  if (payload && 'userErrors' in payload) expect(payload.userErrors).toEqual([]);
  return res.data;
}

function creditCode(): string {
  return withCreditCheck(`51341524MJ${String(8000000 + next()).slice(0, 7)}`);
}
async function newOrg(): Promise<{ id: string; key: string; name: string }> {
  const name = `金寨县矩阵测试农技协${next()}`;
  const d = await gqlOk(`mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { organization { id } userErrors { code message } } }`, {
    i: { name, type: 'RURAL_TECH_ASSOCIATION', regionCode: '341524', creditCode: creditCode(), contactName: '汪德明', contactPhone: '13905641234', serviceCategories: ['PLANTING'] },
  });
  const id = d.createOrganization.organization.id as string;
  return { id, key: Buffer.from(id, 'base64url').toString().split(':')[1], name };
}
async function newExpert(): Promise<{ id: string; key: string; name: string }> {
  const name = `矩阵专家${next()}`;
  const d = await gqlOk(`mutation($i: CreateExpertInput!) { createExpert(input: $i) { expert { id } userErrors { code message } } }`, {
    i: { name, regionCode: '341524', specialties: ['PLANTING'], contactPhone: '13905640000' },
  });
  const id = d.createExpert.expert.id as string;
  return { id, key: Buffer.from(id, 'base64url').toString().split(':')[1], name };
}
async function newApiKey(): Promise<string> {
  const d = await gqlOk(`mutation { createApiKey(input: { name: "matrix key ${next()}", roles: [COUNTY_COORDINATOR], regionCode: "341524" }) { apiKey { keyId } userErrors { code } } }`, {});
  return d.createApiKey.apiKey.keyId;
}
async function versionOf(table: string, where: string, key: string): Promise<number> {
  const [{ version }] = await app.ds.query(`SELECT version FROM ${table} WHERE ${where} = $1`, [key]);
  return version;
}

/** Beneficiaries, needs, offerings and matches for the issue-4 scenarios (all in 金寨县, created as the national admin). */
const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
function idNumber(n: number): string {
  const first = `341524198${String(n % 10)}0101${String(100 + (n % 900)).padStart(3, '0')}`;
  const sum = [...first].reduce((a, d, i) => a + Number(d) * ID_WEIGHTS[i], 0);
  return first + '10X98765432'[sum % 11];
}
async function newHousehold(village: string): Promise<{ id: string; key: string; registryNumber: string }> {
  const registryNumber = `M${String(1000000 + next())}`;
  const d = await gqlOk(`mutation($i: ImportHouseholdsInput!) { importHouseholds(input: $i) { created userErrors { code message } } }`, {
    i: { rows: [householdRow(registryNumber, village)] },
  });
  expect(d.importHouseholds.created).toBe(1);
  const [{ id }] = await app.ds.query(`SELECT id FROM household WHERE "registryNumber" = $1`, [registryNumber]);
  return { id: toGlobalId('Household', id), key: id, registryNumber };
}
function householdRow(registryNumber: string, village: string): Record<string, unknown> {
  return { registryNumber, villageCode: village, headName: '汪德福', headIdNumber: idNumber(next()), size: 4, membersAbleToWork: 2, povertyCauses: ['LACK_OF_SKILLS'], status: 'POOR', techniques: ['茶叶栽培'] };
}
async function newNeed(village: string, category = 'PLANTING'): Promise<{ id: string; key: string }> {
  const d = await gqlOk(`mutation($i: CreateNeedInput!) { createNeed(input: $i) { need { id } userErrors { code message } } }`, {
    i: { villageCode: village, category, description: `矩阵测试需求${next()}`, urgency: 'HIGH', preferredModes: ['TRAINING'] },
  });
  const id = d.createNeed.need.id as string;
  return { id, key: Buffer.from(id, 'base64url').toString().split(':')[1] };
}
async function newOffering(orgId: string): Promise<{ id: string; key: string }> {
  const d = await gqlOk(`mutation($i: CreateServiceOfferingInput!) { createServiceOffering(input: $i) { serviceOffering { id } userErrors { code message } } }`, {
    i: { organizationId: orgId, title: `矩阵测试服务${next()}`, categories: ['PLANTING'], modes: ['TRAINING'], regionCodes: ['341524'], capacity: 10000, activeFrom: '2017-01-01' },
  });
  const id = d.createServiceOffering.serviceOffering.id as string;
  return { id, key: Buffer.from(id, 'base64url').toString().split(':')[1] };
}
async function newProposal(): Promise<{ id: string; needId: string }> {
  const need = await newNeed(fx.poorVillage);
  const d = await gqlOk(`mutation($n: ID!, $o: ID!) { proposeMatch(input: { needId: $n, offeringId: $o }) { match { id } userErrors { code message } } }`, { n: need.id, o: fx.offering.id });
  return { id: d.proposeMatch.match.id, needId: need.id };
}


// Agreements (帮扶协议书): fresh targets in 金寨县 in any state, driven through the API by the right level.
let countyTok: string;
let cityTok: string;
let provinceTok: string;
const AG = `agreement { id version status } userErrors { code message }`;
async function agreementIn(state: 'DRAFT' | 'SIGNED' | 'COUNTY_REVIEW' | 'PROVINCE_REVIEW' | 'SUBMITTED' | 'REGISTERED' | 'IN_PROGRESS'): Promise<{ id: string; version: number }> {
  const step = async (m: string, type: string, input: Record<string, unknown>, token = admin) => (await gqlOk(`mutation($i: ${type}!) { ${m}(input: $i) { ${m === 'submitAgreementsToRegistry' ? 'agreements { id version status } userErrors { code message }' : AG} } }`, { i: input }, token))[m];
  let a = (await step('createAgreement', 'CreateAgreementInput', await completeInput(app, '341524', { organizationId: fx.org.id, expertIds: [fx.expert.id] }))).agreement;
  if (state === 'DRAFT') return a;
  a = (await step('signAgreement', 'SignAgreementInput', { id: a.id, version: a.version, signingDate: '2018-02-28', signatories: SIGNATORIES })).agreement;
  if (state === 'SIGNED') return a;
  a = (await step('fileAgreement', 'AgreementTransitionInput', { id: a.id, version: a.version })).agreement;
  if (state === 'COUNTY_REVIEW') return a;
  a = (await step('approveAgreementReview', 'AgreementTransitionInput', { id: a.id, version: a.version }, countyTok)).agreement;
  a = (await step('approveAgreementReview', 'AgreementTransitionInput', { id: a.id, version: a.version }, cityTok)).agreement;
  if (state === 'PROVINCE_REVIEW') return a;
  a = (await step('submitAgreementsToRegistry', 'SubmitAgreementsInput', { ids: [a.id] }, provinceTok)).agreements[0];
  if (state === 'SUBMITTED') return a;
  a = (await step('registerAgreement', 'AgreementTransitionInput', { id: a.id, version: a.version })).agreement;
  if (state === 'REGISTERED') return a;
  return (await step('startAgreement', 'AgreementTransitionInput', { id: a.id, version: a.version })).agreement;
}
let fxAgreement: { id: string; title: string; notificationId: string };

// Evaluations (评估): the fixtures' national 2018 COUNTY set, an Anhui set, and evaluations in any state.
let fxEvaluation: { id: string; agreementId: string; anhuiSet: string };
let setYear = 1990;
async function newIndicatorSet(): Promise<{ id: string; version: number }> {
  return evalOk(app, admin, 'createIndicatorSet', 'CreateIndicatorSetInput', { regionCode: '340000', year: ++setYear, level: 'COUNTY', name: `矩阵指标${setYear}`, indicators: FIXTURE_INDICATORS });
}
async function evaluationIn(state: 'DRAFT' | 'SUBMITTED' | 'REVIEWED'): Promise<{ id: string; version: number; agreementId: string }> {
  const a = await agreementIn('REGISTERED');
  let e = await evalOk(app, countyTok, 'createEvaluation', 'CreateEvaluationInput', { agreementId: a.id, year: 2018, level: 'COUNTY', indicatorSetId: await fixtureSet(app), scores: FULL_MARKS, evaluatorName: '矩阵评估组' });
  if (state !== 'DRAFT') e = await evalOk(app, countyTok, 'submitEvaluation', 'EvaluationTransitionInput', { id: e.id, version: e.version });
  if (state === 'REVIEWED') e = await evalOk(app, cityTok, 'reviewEvaluation', 'ReviewEvaluationInput', { id: e.id, version: e.version, decision: 'CONFIRMED' });
  return { id: e.id, version: e.version, agreementId: a.id };
}
// Nominations (组织申报): fresh 金寨县 rounds in any state (fx.org is eligible: it provides a registered agreement).
// The server clock runs `clockOffset` ahead so a round's 7-day notice can be served.
let clockOffset = 0;
const MATRIX_ADMIN = 'matrix-admin';
let fxRound: RoundFixture;
let fxCommendationTitle: string;
/** Subjects of the in-scope callers: the panel of every scoring scenario. */
const inScopeSubjects = () => CALLERS.filter((c) => c.inScope).map((c) => `matrix-${c.label.replace(/\W+/g, '-')}`);
const roundIn = (state: RoundState, panel: string[] = []) => countyRoundIn(app, admin, MATRIX_ADMIN, state, fx.org.id, panel);

const scenarios: Scenario[] = [
  // Public reference data and identity.
  { field: 'Query.region', document: `query { region(code: "341524") { name } }`, variables: async () => ({}), seen: (d) => d.region?.name === '金寨县' },
  { field: 'Query.regions', document: `query { regions(filter: { parentCode: "341500" }) { nodes { code } } }`, variables: async () => ({}), seen: (d) => d.regions.nodes.some((n: any) => n.code === '341524') },
  { field: 'Query.me', document: `query { me { kind } }`, variables: async () => ({}), seen: (d) => typeof d.me.kind === 'string' },
  { field: 'Query.node', document: `query($id: ID!) { node(id: $id) { id } }`, variables: async () => ({ id: fx.org.id }), seen: (d) => d.node !== null },
  {
    field: 'Query.nodes',
    document: `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`,
    variables: async () => ({ ids: [toGlobalId('Region', '341524'), fx.expert.id] }),
    // The region is public for everybody; the expert only in scope.
    seen: (d) => {
      expect(d.nodes[0]).not.toBeNull();
      return d.nodes[1] !== null;
    },
  },
  // Access control and audit.
  { field: 'Query.apiKeys', document: `query { apiKeys(first: 100) { nodes { keyId } } }`, variables: async () => ({}), seen: (d) => d.apiKeys.nodes.some((k: any) => k.keyId === fx.apiKeyId) },
  { field: 'Query.auditEvents', document: `query($v: String!) { auditEvents(filter: { entityId: $v }) { nodes { entityId } } }`, variables: async () => ({ v: fx.village }), seen: (d) => d.auditEvents.nodes.length > 0 },
  {
    field: 'Mutation.createApiKey',
    document: `mutation($n: String!) { createApiKey(input: { name: $n, roles: [COUNTY_COORDINATOR], regionCode: "341524" }) { secret userErrors { code message } } }`,
    variables: async () => ({ n: `matrix created ${next()}` }),
  },
  { field: 'Mutation.revokeApiKey', document: `mutation($id: ID!) { revokeApiKey(input: { id: $id, reason: "matrix" }) { userErrors { code message } } }`, variables: async () => ({ id: await newApiKey() }) },
  // Regions.
  {
    field: 'Mutation.updateRegionPoverty',
    document: `mutation($i: UpdateRegionPovertyInput!) { updateRegionPoverty(input: $i) { userErrors { code message } } }`,
    variables: async () => ({ i: { code: fx.village, version: await versionOf('region', 'code', fx.village), povertyDesignation: 'POOR_VILLAGE', designatedYear: 2000 + (next() % 20) } }),
  },
  {
    field: 'Mutation.createCountyPairing',
    document: `mutation($i: CreateCountyPairingInput!) { createCountyPairing(input: $i) { userErrors { code message } } }`,
    variables: async () => ({ i: { helperCode: fx.helperCounty, helpedCode: '341524', basis: '矩阵测试文件', startDate: new Date(Date.UTC(2018, 0, 1) + next() * 86400000).toISOString().slice(0, 10) } }),
  },
  // Organizations and experts.
  { field: 'Query.organization', document: `query($id: ID!) { organization(id: $id) { id } }`, variables: async () => ({ id: fx.org.id }), seen: (d) => d.organization !== null },
  { field: 'Query.organizations', document: `query($n: String!) { organizations(filter: { nameContains: $n }) { nodes { id } } }`, variables: async () => ({ n: fx.org.name }), seen: (d) => d.organizations.nodes.length === 1 },
  { field: 'Query.expert', document: `query($id: ID!) { expert(id: $id) { id } }`, variables: async () => ({ id: fx.expert.id }), seen: (d) => d.expert !== null },
  { field: 'Query.experts', document: `query($n: String!) { experts(filter: { nameContains: $n }) { nodes { id } } }`, variables: async () => ({ n: fx.expert.name }), seen: (d) => d.experts.nodes.length === 1 },
  {
    field: 'Mutation.createOrganization',
    document: `mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { userErrors { code message } } }`,
    variables: async () => ({ i: { name: `矩阵新建协会${next()}`, type: 'RURAL_TECH_ASSOCIATION', regionCode: '341524', creditCode: creditCode(), contactName: '汪德明', contactPhone: '13905641234', serviceCategories: ['PLANTING'] } }),
  },
  {
    field: 'Mutation.updateOrganization',
    document: `mutation($i: UpdateOrganizationInput!) { updateOrganization(input: $i) { userErrors { code message } } }`,
    variables: async () => ({ i: { id: fx.org.id, version: await versionOf('organization', 'id', fx.org.key), contactName: `联系人${next()}` } }),
  },
  {
    field: 'Mutation.importOrganizations',
    document: `mutation($i: ImportOrganizationsInput!) { importOrganizations(input: $i) { created updated unchanged userErrors { code message } } }`,
    variables: async () => ({
      i: { rows: [{ creditCode: creditCode(), name: `矩阵导入农技协${next()}`, type: 'RURAL_TECH_ASSOCIATION', regionCode: '341524', contactName: '汪德明', contactPhone: '13905641234', serviceCategories: ['PLANTING'] }] },
    }),
  },
  { field: 'Mutation.archiveOrganization', document: `mutation($id: ID!) { archiveOrganization(input: { id: $id, reason: "矩阵测试归档" }) { userErrors { code message } } }`, variables: async () => ({ id: (await newOrg()).id }) },
  { field: 'Mutation.createExpert', document: `mutation($i: CreateExpertInput!) { createExpert(input: $i) { userErrors { code message } } }`, variables: async () => ({ i: { name: `新专家${next()}`, regionCode: '341524', specialties: ['PLANTING'], contactPhone: '13905640001' } }) },
  {
    field: 'Mutation.updateExpert',
    document: `mutation($i: UpdateExpertInput!) { updateExpert(input: $i) { userErrors { code message } } }`,
    variables: async () => ({ i: { id: fx.expert.id, version: await versionOf('expert', 'id', fx.expert.key), title: `研究员${next()}` } }),
  },
  {
    field: 'Mutation.importExperts',
    document: `mutation($i: ImportExpertsInput!) { importExperts(input: $i) { created updated unchanged userErrors { code message } } }`,
    variables: async () => ({ i: { rows: [{ externalRef: `matrix-${next()}`, name: `导入专家${next()}`, regionCode: '341524', specialties: ['PLANTING'], contactPhone: '13905640002' }] } }),
  },
  { field: 'Mutation.archiveExpert', document: `mutation($id: ID!) { archiveExpert(input: { id: $id, reason: "矩阵测试归档" }) { userErrors { code message } } }`, variables: async () => ({ id: (await newExpert()).id }) },
  { field: 'Mutation.fileExpertRoster', document: `mutation($id: ID!) { fileExpertRoster(input: { id: $id }) { userErrors { code message } } }`, variables: async () => ({ id: (await newExpert()).id }) },
  {
    field: 'Mutation.registerExpertRoster',
    document: `mutation($id: ID!) { registerExpertRoster(input: { id: $id }) { userErrors { code message } } }`,
    variables: async () => {
      const e = await newExpert();
      await gqlOk(`mutation($id: ID!) { fileExpertRoster(input: { id: $id }) { userErrors { code message } } }`, { id: e.id });
      return { id: e.id };
    },
    // Filed with 六安市 (the next-higher association): the county association cannot register it.
    refusedInScope: [Role.COUNTY_COORDINATOR],
  },
  // Beneficiaries (建档立卡贫困村/户).
  { field: 'Query.poorVillage', document: `query($v: String!) { poorVillage(villageCode: $v) { regionCode } }`, variables: async () => ({ v: fx.poorVillage }), seen: (d) => d.poorVillage !== null },
  { field: 'Query.poorVillages', document: `query($v: String!) { poorVillages(filter: { within: $v }) { nodes { regionCode } } }`, variables: async () => ({ v: fx.poorVillage }), seen: (d) => d.poorVillages.nodes.length === 1 },
  { field: 'Query.household', document: `query($id: ID!) { household(id: $id) { id headName } }`, variables: async () => ({ id: fx.household.id }), seen: (d) => d.household !== null },
  { field: 'Query.households', document: `query($r: String!) { households(filter: { registryNumber: $r }) { nodes { id } } }`, variables: async () => ({ r: fx.household.registryNumber }), seen: (d) => d.households.nodes.length === 1 },
  {
    field: 'Mutation.importPoorVillages',
    document: `mutation($i: ImportPoorVillagesInput!) { importPoorVillages(input: $i) { created updated unchanged userErrors { code message } } }`,
    variables: async () => ({ i: { rows: [{ villageCode: fx.poorVillage, registeredYear: 2014, specialty: `茶叶${next()}`, hasBrand: true }] } }),
  },
  {
    field: 'Mutation.updatePoorVillage',
    document: `mutation($i: UpdatePoorVillageInput!) { updatePoorVillage(input: $i) { userErrors { code message } } }`,
    variables: async () => ({ i: { villageCode: fx.poorVillage, version: await versionOf('poor_village', '"regionCode"', fx.poorVillage), specialty: `板栗${next()}` } }),
  },
  {
    field: 'Mutation.importHouseholds',
    document: `mutation($i: ImportHouseholdsInput!) { importHouseholds(input: $i) { created userErrors { code message } } }`,
    variables: async () => ({ i: { rows: [householdRow(`M${String(2000000 + next())}`, fx.poorVillage)] } }),
  },
  {
    field: 'Mutation.updateHousehold',
    document: `mutation($i: UpdateHouseholdInput!) { updateHousehold(input: $i) { userErrors { code message } } }`,
    variables: async () => ({ i: { id: fx.household.id, version: await versionOf('household', 'id', fx.household.key), techniques: [`技术${next()}`] } }),
  },
  // Needs (需求).
  { field: 'Query.need', document: `query($id: ID!) { need(id: $id) { id } }`, variables: async () => ({ id: fx.need.id }), seen: (d) => d.need !== null },
  { field: 'Query.needs', document: `query($v: String!) { needs(filter: { within: $v }, first: 100) { nodes { id } } }`, variables: async () => ({ v: fx.poorVillage }), seen: (d) => d.needs.nodes.some((n: any) => n.id === fx.need.id) },
  { field: 'Query.needCounts', document: `query { needCounts(filter: { within: "341524" }) { nodes { countyCode total } } }`, variables: async () => ({}), seen: (d) => d.needCounts.nodes.length > 0 },
  {
    field: 'Mutation.createNeed',
    document: `mutation($i: CreateNeedInput!) { createNeed(input: $i) { userErrors { code message } } }`,
    variables: async () => ({ i: { villageCode: fx.poorVillage, category: 'HEALTH', description: `矩阵需求${next()}`, urgency: 'LOW', preferredModes: [] } }),
  },
  {
    field: 'Mutation.transitionNeed',
    document: `mutation($i: TransitionNeedInput!) { transitionNeed(input: $i) { userErrors { code message } } }`,
    variables: async () => {
      const n = await newNeed(fx.poorVillage);
      return { i: { id: n.id, version: 1, to: 'CLOSED', reason: '矩阵测试关闭' } };
    },
  },
  // Service offerings (科技服务) and matching (精准对接).
  { field: 'Query.serviceOffering', document: `query($id: ID!) { serviceOffering(id: $id) { id } }`, variables: async () => ({ id: fx.offering.id }), seen: (d) => d.serviceOffering !== null },
  { field: 'Query.serviceOfferings', document: `query($o: ID!) { serviceOfferings(filter: { organizationId: $o }, first: 100) { nodes { id } } }`, variables: async () => ({ o: fx.org.id }), seen: (d) => d.serviceOfferings.nodes.some((n: any) => n.id === fx.offering.id) },
  {
    field: 'Mutation.createServiceOffering',
    document: `mutation($i: CreateServiceOfferingInput!) { createServiceOffering(input: $i) { userErrors { code message } } }`,
    variables: async () => ({ i: { organizationId: fx.org.id, title: `矩阵服务${next()}`, categories: ['PLANTING'], modes: ['TRAINING'], regionCodes: ['341524'], capacity: 5, activeFrom: '2017-01-01' } }),
    // The in-scope expert is not this organization's provider.
    refusedInScope: [Role.EXPERT],
  },
  {
    field: 'Mutation.updateServiceOffering',
    document: `mutation($i: UpdateServiceOfferingInput!) { updateServiceOffering(input: $i) { userErrors { code message } } }`,
    variables: async () => ({ i: { id: fx.offering.id, version: await versionOf('service_offering', 'id', fx.offering.key), title: `矩阵服务改名${next()}` } }),
    refusedInScope: [Role.EXPERT],
  },
  { field: 'Query.matchCandidates', document: `query($n: ID!) { matchCandidates(needId: $n, first: 100) { nodes { score offering { id } } } }`, variables: async () => ({ n: fx.need.id }), seen: (d) => d.matchCandidates.nodes.length > 0 },
  {
    field: 'Query.openNeedsWithoutCandidates',
    document: `query($v: String!) { openNeedsWithoutCandidates(filter: { within: $v, categories: [FINANCE_INSURANCE] }) { nodes { id } } }`,
    variables: async () => ({ v: fx.poorVillage }),
    seen: (d) => d.openNeedsWithoutCandidates.nodes.length > 0,
  },
  { field: 'Query.serviceMatches', document: `query($n: ID!) { serviceMatches(filter: { needId: $n }) { nodes { id } } }`, variables: async () => ({ n: fx.match.needId }), seen: (d) => d.serviceMatches.nodes.length > 0 },
  {
    field: 'Mutation.proposeMatch',
    document: `mutation($n: ID!, $o: ID!) { proposeMatch(input: { needId: $n, offeringId: $o }) { userErrors { code message } } }`,
    variables: async () => ({ n: (await newNeed(fx.poorVillage)).id, o: fx.offering.id }),
  },
  { field: 'Mutation.acceptMatch', document: `mutation($id: ID!) { acceptMatch(input: { id: $id }) { userErrors { code message } } }`, variables: async () => ({ id: (await newProposal()).id }), refusedInScope: [Role.EXPERT] },
  {
    field: 'Mutation.declineMatch',
    document: `mutation($id: ID!) { declineMatch(input: { id: $id, reason: "矩阵测试拒绝" }) { userErrors { code message } } }`,
    variables: async () => ({ id: (await newProposal()).id }),
    refusedInScope: [Role.EXPERT],
  },
  // Agreements (帮扶协议书) and filing (备案).
  { field: 'Query.agreement', document: `query($id: ID!) { agreement(id: $id) { id } }`, variables: async () => ({ id: fxAgreement.id }), seen: (d) => d.agreement !== null },
  { field: 'Query.agreements', document: `query($t: String!) { agreements(filter: { text: $t }) { nodes { id } } }`, variables: async () => ({ t: fxAgreement.title }), seen: (d) => d.agreements.nodes.length === 1 },
  {
    field: 'Mutation.createAgreement',
    document: `mutation($i: CreateAgreementInput!) { createAgreement(input: $i) { userErrors { code message } } }`,
    variables: async () => ({ i: await completeInput(app, '341524', { organizationId: fx.org.id, expertIds: [fx.expert.id] }) }),
  },
  {
    field: 'Mutation.updateAgreement',
    document: `mutation($i: UpdateAgreementInput!) { updateAgreement(input: $i) { userErrors { code message } } }`,
    variables: async () => {
      const a = await agreementIn('DRAFT');
      return { i: { id: a.id, version: a.version, goals: `矩阵目标${next()}` } };
    },
  },
  {
    field: 'Mutation.signAgreement',
    document: `mutation($i: SignAgreementInput!) { signAgreement(input: $i) { userErrors { code message } } }`,
    variables: async () => {
      const a = await agreementIn('DRAFT');
      return { i: { id: a.id, version: a.version, signingDate: '2018-02-28', signatories: SIGNATORIES } };
    },
  },
  ...(['fileAgreement', 'startAgreement'] as const).map((m) => ({
    field: `Mutation.${m}`,
    document: `mutation($i: AgreementTransitionInput!) { ${m}(input: $i) { userErrors { code message } } }`,
    variables: async () => {
      const a = await agreementIn(m === 'fileAgreement' ? 'SIGNED' : 'REGISTERED');
      return { i: { id: a.id, version: a.version } };
    },
  })),
  {
    field: 'Mutation.approveAgreementReview',
    document: `mutation($i: AgreementTransitionInput!) { approveAgreementReview(input: $i) { userErrors { code message } } }`,
    variables: async () => {
      const a = await agreementIn('COUNTY_REVIEW');
      return { i: { id: a.id, version: a.version } };
    },
    // Under county review: only the county association acts; the city and province are the wrong level.
    refusedInScope: [Role.CITY_COORDINATOR, Role.PROVINCIAL_COORDINATOR],
  },
  {
    field: 'Mutation.returnAgreement',
    document: `mutation($i: AgreementReasonInput!) { returnAgreement(input: $i) { userErrors { code message } } }`,
    variables: async () => {
      const a = await agreementIn('COUNTY_REVIEW');
      return { i: { id: a.id, version: a.version, reason: '矩阵测试退回' } };
    },
    refusedInScope: [Role.CITY_COORDINATOR, Role.PROVINCIAL_COORDINATOR],
  },
  {
    field: 'Mutation.submitAgreementsToRegistry',
    document: `mutation($i: SubmitAgreementsInput!) { submitAgreementsToRegistry(input: $i) { userErrors { code message } } }`,
    variables: async () => ({ i: { ids: [(await agreementIn('PROVINCE_REVIEW')).id] } }),
  },
  {
    field: 'Mutation.registerAgreement',
    document: `mutation($i: AgreementTransitionInput!) { registerAgreement(input: $i) { userErrors { code message } } }`,
    variables: async () => {
      const a = await agreementIn('SUBMITTED');
      return { i: { id: a.id, version: a.version } };
    },
  },
  {
    field: 'Mutation.reportAgreementProgress',
    document: `mutation($i: ReportAgreementProgressInput!) { reportAgreementProgress(input: $i) { userErrors { code message } } }`,
    variables: async () => {
      const a = await agreementIn('IN_PROGRESS');
      const [{ id: taskId }] = await app.ds.query(`SELECT id FROM agreement_task WHERE "agreementId" = $1 ORDER BY position LIMIT 1`, [Buffer.from(a.id, 'base64url').toString().split(':')[1]]);
      return { i: { agreementId: a.id, reportedOn: '2018-06-30', items: [{ taskId, deliveredQuantity: 1 }] } };
    },
  },
  {
    field: 'Mutation.completeAgreement',
    document: `mutation($i: AgreementReasonInput!) { completeAgreement(input: $i) { userErrors { code message } } }`,
    variables: async () => {
      const a = await agreementIn('IN_PROGRESS');
      await acceptAgreement(app, a.id); // completion needs an acceptance (验收)
      return { i: { id: a.id, version: a.version, reason: '矩阵测试完成' } };
    },
  },
  {
    field: 'Mutation.terminateAgreement',
    document: `mutation($i: AgreementReasonInput!) { terminateAgreement(input: $i) { userErrors { code message } } }`,
    variables: async () => {
      const a = await agreementIn('DRAFT');
      return { i: { id: a.id, version: a.version, reason: '矩阵测试终止' } };
    },
  },
  // Evaluations (评估考核, 评估验收) and indicator sets (考核指标体系).
  { field: 'Query.evaluation', document: `query($id: ID!) { evaluation(id: $id) { id } }`, variables: async () => ({ id: fxEvaluation.id }), seen: (d) => d.evaluation !== null },
  { field: 'Query.evaluations', document: `query($a: ID!) { evaluations(filter: { agreementId: $a }) { nodes { id } } }`, variables: async () => ({ a: fxEvaluation.agreementId }), seen: (d) => d.evaluations.nodes.length === 1 },
  {
    field: 'Query.indicatorSets',
    document: `query { indicatorSets(first: 100, filter: { year: 2018, level: [CITY] }) { nodes { id } } }`,
    variables: async () => ({}),
    // The Anhui set applies inside Anhui only.
    seen: (d) => d.indicatorSets.nodes.some((n: any) => n.id === fxEvaluation.anhuiSet),
  },
  {
    field: 'Mutation.createIndicatorSet',
    document: `mutation($i: CreateIndicatorSetInput!) { createIndicatorSet(input: $i) { userErrors { code message } } }`,
    variables: async () => ({ i: { regionCode: '340000', year: ++setYear, level: 'COUNTY', name: `矩阵新建指标${setYear}`, indicators: FIXTURE_INDICATORS } }),
  },
  {
    field: 'Mutation.updateIndicatorSet',
    document: `mutation($i: UpdateIndicatorSetInput!) { updateIndicatorSet(input: $i) { userErrors { code message } } }`,
    variables: async () => {
      const set = await newIndicatorSet();
      return { i: { id: set.id, version: set.version, name: `矩阵改名${next()}` } };
    },
  },
  {
    field: 'Mutation.createEvaluation',
    document: `mutation($i: CreateEvaluationInput!) { createEvaluation(input: $i) { userErrors { code message } } }`,
    variables: async () => ({ i: { agreementId: (await agreementIn('REGISTERED')).id, year: 2018, level: 'COUNTY', indicatorSetId: await fixtureSet(app), scores: FULL_MARKS, evaluatorName: '矩阵评估组' } }),
    // A COUNTY evaluation is made by the county association only.
    refusedInScope: [Role.CITY_COORDINATOR, Role.PROVINCIAL_COORDINATOR, Role.NATIONAL_ADMIN],
  },
  {
    field: 'Mutation.updateEvaluation',
    document: `mutation($i: UpdateEvaluationInput!) { updateEvaluation(input: $i) { userErrors { code message } } }`,
    variables: async () => {
      const e = await evaluationIn('DRAFT');
      return { i: { id: e.id, version: e.version, summary: `矩阵评估意见${next()}` } };
    },
    refusedInScope: [Role.CITY_COORDINATOR, Role.PROVINCIAL_COORDINATOR, Role.NATIONAL_ADMIN],
  },
  {
    field: 'Mutation.submitEvaluation',
    document: `mutation($i: EvaluationTransitionInput!) { submitEvaluation(input: $i) { userErrors { code message } } }`,
    variables: async () => {
      const e = await evaluationIn('DRAFT');
      return { i: { id: e.id, version: e.version } };
    },
    refusedInScope: [Role.CITY_COORDINATOR, Role.PROVINCIAL_COORDINATOR, Role.NATIONAL_ADMIN],
  },
  {
    field: 'Mutation.reviewEvaluation',
    document: `mutation($i: ReviewEvaluationInput!) { reviewEvaluation(input: $i) { userErrors { code message } } }`,
    variables: async () => {
      const e = await evaluationIn('SUBMITTED');
      return { i: { id: e.id, version: e.version, decision: 'CONFIRMED' } };
    },
    // A COUNTY evaluation is reviewed by the city association only.
    refusedInScope: [Role.PROVINCIAL_COORDINATOR, Role.NATIONAL_ADMIN],
  },
  {
    field: 'Mutation.recommendEvaluation',
    document: `mutation($i: RecommendEvaluationInput!) { recommendEvaluation(input: $i) { userErrors { code message } } }`,
    variables: async () => {
      const e = await evaluationIn('REVIEWED');
      return { i: { id: e.id, version: e.version, recommended: true, reason: '矩阵推荐' } };
    },
  },
  // Filing notifications (备案通知) and live filing events.
  { field: 'Query.notifications', document: `query($a: ID!) { notifications(filter: { agreementId: $a }) { nodes { id } } }`, variables: async () => ({ a: fxAgreement.id }), seen: (d) => d.notifications.nodes.length > 0 },
  {
    field: 'Mutation.acknowledgeNotifications',
    document: `mutation($ids: [ID!]!) { acknowledgeNotifications(input: { ids: $ids }) { userErrors { code message } } }`,
    variables: async () => ({ ids: [fxAgreement.notificationId] }),
  },
  { field: 'Subscription.agreementFiled', document: `subscription($r: String!) { agreementFiled(regionCode: $r) { cursor agreement { id } } }`, variables: async () => ({ r: '341524' }) },
  { field: 'Subscription.filingEvents', document: `subscription($r: String!) { filingEvents(regionCode: $r, types: [FILED]) { cursor agreement { id } } }`, variables: async () => ({ r: '341524' }) },
  // Targets (目标任务), facilities and activities, statistics and county assessments (考核).
  { field: 'Query.targets', document: `query { targets(filter: { within: "341524", year: 2030 }) { nodes { regionCode value childrenSum } } }`, variables: async () => ({}), seen: (d) => d.targets.nodes.length > 0 },
  {
    field: 'Mutation.setTarget',
    document: `mutation($i: SetTargetInput!) { setTarget(input: $i) { userErrors { code message } } }`,
    variables: async () => ({ i: { regionCode: '341524', year: 2030, indicator: 'TRAININGS_HELD', value: next() } }),
  },
  {
    field: 'Mutation.splitTarget',
    document: `mutation($i: SplitTargetInput!) { splitTarget(input: $i) { userErrors { code message } } }`,
    variables: async () => ({ i: { regionCode: '341500', year: 2030, indicator: 'E_STATIONS', parts: [{ regionCode: '341524', value: next() }] } }),
    // 六安市's target is split by the city association or above; 金寨县's own coordinator does not cover the city.
    refusedInScope: [Role.COUNTY_COORDINATOR],
  },
  { field: 'Query.facilities', document: `query { facilities(filter: { within: "341524" }) { nodes { id } } }`, variables: async () => ({}), seen: (d) => d.facilities.nodes.length > 0 },
  { field: 'Query.activities', document: `query { activities(filter: { within: "341524" }) { nodes { id } } }`, variables: async () => ({}), seen: (d) => d.activities.nodes.length > 0 },
  {
    field: 'Mutation.recordFacility',
    document: `mutation($i: RecordFacilityInput!) { recordFacility(input: $i) { userErrors { code message } } }`,
    variables: async () => ({ i: { kind: 'SCIENCE_CARAVAN', regionCode: '341524', name: `矩阵设施${next()}`, startDate: '2018-01-01' } }),
  },
  {
    field: 'Mutation.recordActivity',
    document: `mutation($i: RecordActivityInput!) { recordActivity(input: $i) { userErrors { code message } } }`,
    variables: async () => ({ i: { kind: 'TRAINING', date: '2018-05-01', regionCode: '341524', organizerName: '金寨县科协', topic: `矩阵培训${next()}`, attendees: 1, techniquesTaught: ['矩阵技术'], attendingHouseholdIds: [fx.household.id] } }),
  },
  { field: 'Query.statistics', document: `query { statistics(regionCode: "341524", year: 2018) { regionCode indicators { indicator actual } } }`, variables: async () => ({}), seen: (d) => d.statistics !== null },
  { field: 'Query.countyAssessments', document: `query { countyAssessments(regionCode: "341524", year: 2030) { nodes { countyCode score } } }`, variables: async () => ({}), seen: (d) => d.countyAssessments.nodes.length > 0 },
  { field: 'Subscription.heartbeat', document: `subscription { heartbeat(intervalSeconds: 1) { sequence } }`, variables: async () => ({}) },
  // Nominations (组织申报), public notice (公示) and commendations (表彰).
  { field: 'Query.nominationRound', document: `query($id: ID!) { nominationRound(id: $id) { id } }`, variables: async () => ({ id: fxRound.roundId }), seen: (d) => d.nominationRound !== null },
  {
    field: 'Query.nominationRounds',
    document: `query($t: String!) { nominationRounds(filter: { titleContains: $t }) { nodes { id } } }`,
    variables: async () => ({ t: fxRound.title }),
    seen: (d) => d.nominationRounds.nodes.some((n: any) => n.id === fxRound.roundId),
  },
  { field: 'Query.commendations', document: `query($t: String!) { commendations(filter: { titleContains: $t }) { nodes { id } } }`, variables: async () => ({ t: fxCommendationTitle }), seen: (d) => d.commendations.nodes.length === 1 },
  {
    field: 'Mutation.createNominationRound',
    document: `mutation($i: CreateNominationRoundInput!) { createNominationRound(input: $i) { userErrors { code message } } }`,
    variables: async () => {
      const national = await must(app, admin, 'createNominationRound', 'CreateNominationRoundInput', { title: `矩阵推荐${next()}`, year: 2019, regionCode: '000000', quota: 3 }, 'round { id }');
      const city = await must(app, admin, 'createNominationRound', 'CreateNominationRoundInput', { regionCode: '341500', parentRoundId: national.round.id, quota: 3 }, 'round { id }');
      return { i: { regionCode: '341524', parentRoundId: city.round.id, quota: 2 } };
    },
    // The city's round allots the county's quota: the county association cannot allot itself one.
    refusedInScope: [Role.COUNTY_COORDINATOR],
  },
  {
    field: 'Mutation.addNominationCandidate',
    document: `mutation($i: AddNominationCandidateInput!) { addNominationCandidate(input: $i) { userErrors { code message } } }`,
    variables: async () => ({ i: { roundId: (await roundIn('OPEN')).roundId, organizationId: fx.org.id } }),
  },
  {
    field: 'Mutation.assignNominationReviewers',
    document: `mutation($i: AssignNominationReviewersInput!) { assignNominationReviewers(input: $i) { userErrors { code message } } }`,
    variables: async () => ({ i: { roundId: (await roundIn('OPEN')).roundId, reviewers: [{ subject: `matrix-reviewer-${next()}`, name: '矩阵评审专家' }] } }),
  },
  {
    field: 'Mutation.scoreNominationCandidate',
    document: `mutation($i: ScoreNominationCandidateInput!) { scoreNominationCandidate(input: $i) { userErrors { code message } } }`,
    // Every in-scope caller sits on the panel; out-of-scope ones do not (FORBIDDEN).
    variables: async () => ({ i: { candidateId: (await roundIn('NOMINATED', inScopeSubjects())).candidateId, score: 80 } }),
  },
  ...(['closeNominationPanel', 'publishNominationNotice', 'submitNominationRound'] as const).map((m) => ({
    field: `Mutation.${m}`,
    document: `mutation($i: NominationRoundTransitionInput!) { ${m}(input: $i) { userErrors { code message } } }`,
    variables: async () => {
      const r = await roundIn(m === 'closeNominationPanel' ? 'SCORED' : m === 'publishNominationNotice' ? 'SELECTED' : 'PUBLICIZING');
      if (m === 'submitNominationRound') clockOffset += 8 * 24 * 3600 * 1000; // the 7-day notice is served
      return { i: { id: r.roundId, version: r.version } };
    },
  })),
  {
    field: 'Mutation.selectNominationCandidates',
    document: `mutation($i: SelectNominationCandidatesInput!) { selectNominationCandidates(input: $i) { userErrors { code message } } }`,
    variables: async () => {
      const r = await roundIn('REVIEWED');
      return { i: { roundId: r.roundId, version: r.version, candidateIds: [r.candidateId] } };
    },
  },
  {
    field: 'Mutation.revokeNominationCandidate',
    document: `mutation($i: RevokeNominationCandidateInput!) { revokeNominationCandidate(input: $i) { userErrors { code message } } }`,
    variables: async () => {
      const r = await roundIn('NOMINATED');
      return { i: { id: r.candidateId, version: r.candidateVersion, reason: '矩阵测试：虚构事迹材料' } };
    },
  },
  {
    field: 'Mutation.lodgeNominationObjection',
    document: `mutation($i: LodgeNominationObjectionInput!) { lodgeNominationObjection(input: $i) { userErrors { code message } } }`,
    variables: async () => ({ i: { candidateId: (await roundIn('PUBLICIZING')).candidateId, reason: '矩阵测试异议：材料不实' } }),
  },
  {
    field: 'Mutation.resolveNominationObjection',
    document: `mutation($i: ResolveNominationObjectionInput!) { resolveNominationObjection(input: $i) { userErrors { code message } } }`,
    variables: async () => {
      const r = await roundIn('PUBLICIZING');
      const o = await must(app, admin, 'lodgeNominationObjection', 'LodgeNominationObjectionInput', { candidateId: r.candidateId, reason: '矩阵测试异议：材料不实' }, 'objection { id version }');
      return { i: { id: o.objection.id, version: o.objection.version, decision: 'DISMISS', resolution: '矩阵测试：异议不成立' } };
    },
  },
  {
    field: 'Mutation.recordCommendation',
    document: `mutation($i: RecordCommendationInput!) { recordCommendation(input: $i) { userErrors { code message } } }`,
    variables: async () => ({ i: { year: 2019, regionCode: '341524', title: `矩阵表彰${next()}`, recipientKind: 'ORGANIZATION', organizationId: fx.org.id } }),
  },
];

/**
 * Subscriptions over graphql-ws: a role that may not subscribe gets UNAUTHENTICATED/FORBIDDEN; an allowed role
 * in scope receives the filing of a fresh agreement in 金寨县; an allowed role out of scope is FORBIDDEN for
 * 金寨县 and, subscribed to its own region instead, never receives 金寨县's events.
 */
async function checkSubscription(s: Scenario, c: Omit<Caller, 'token'> & { region: string | null }, token: string | null, roleAllowed: boolean, variables: Record<string, unknown>): Promise<void> {
  const hub = app.server.services.notificationHub;
  const client = wsClient(app.url, token);
  const opened: Array<ReturnType<typeof subscribe>> = [];
  if (PERMISSIONS[s.field] && 'public' in PERMISSIONS[s.field] && PERMISSIONS[s.field].public) {
    // A public, data-free subscription: every caller, anonymous included, receives its first event.
    const sub = subscribe(client, s.document, variables);
    try {
      const [first] = await sub.take(1, 3000);
      expect(sub.errors).toEqual([]);
      expect(first).toBeDefined();
    } finally {
      sub.stop();
      await client.dispose();
    }
    return;
  }
  try {
    const open = async (vars: Record<string, unknown>) => {
      const before = hub.subscriberCount;
      const sub = subscribe(client, s.document, vars);
      opened.push(sub);
      for (let i = 0; i < 100 && hub.subscriberCount === before && !sub.errors.length; i++) await sleep(20);
      return sub;
    };
    const sub = await open(variables);
    if (!roleAllowed) {
      expect((await sub.failed())[0].extensions?.code).toBe(c.role === null ? 'UNAUTHENTICATED' : 'FORBIDDEN');
      return;
    }
    if (!c.inScope) {
      expect((await sub.failed())[0].extensions?.code).toBe('FORBIDDEN');
      const own = await open({ ...variables, r: c.region });
      expect(own.errors).toEqual([]);
      await agreementIn('COUNTY_REVIEW');
      await sleep(400);
      expect(own.events).toEqual([]);
      return;
    }
    const a = await agreementIn('COUNTY_REVIEW');
    const [e] = await sub.take(1, 3000);
    expect((Object.values(e)[0] as { agreement: { id: string } }).agreement.id).toBe(a.id);
  } finally {
    opened.forEach((o) => o.stop());
    await client.dispose();
  }
}

/** The fingerprint statement, built once: the tables and their columns do not change during the run. */
let fingerprintSql: string | null = null;

/** Row counts, newest updatedAt and version sums of every table: any write changes this. */
async function fingerprint(): Promise<Record<string, unknown>> {
  if (!fingerprintSql) {
    const cols: Array<{ table_name: string; column_name: string }> = await app.ds.query(
      `SELECT c.table_name, c.column_name FROM information_schema.columns c JOIN information_schema.tables t USING (table_schema, table_name)
       WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE' ORDER BY 1, 2`,
    );
    const tables = new Map<string, string[]>();
    for (const c of cols) tables.set(c.table_name, [...(tables.get(c.table_name) ?? []), c.column_name]);
    const parts = [...tables].map(([t, cs]) => {
      const extra = [cs.includes('updatedAt') ? `max("updatedAt")::text` : `''`, cs.includes('version') ? `sum(version)::text` : `''`, cs.includes('revokedAt') ? `count("revokedAt")::text` : `''`];
      return `SELECT '${t}' AS t, count(*)::text || '/' || ${extra.join(` || '/' || `)} AS f FROM "${t}"`;
    });
    fingerprintSql = parts.join(' UNION ALL ');
  }
  const rows: Array<{ t: string; f: string }> = await app.ds.query(fingerprintSql);
  return Object.fromEntries(rows.map((r) => [r.t, r.f]));
}

function callersFor(): Array<Omit<Caller, 'token'> & { region: string | null }> {
  const out: Array<Omit<Caller, 'token'> & { region: string | null }> = [{ label: 'anonymous', role: null, inScope: false, region: null }];
  for (const role of Object.values(Role)) {
    out.push({ label: `${role} in scope (${IN_SCOPE[role]})`, role, inScope: true, region: IN_SCOPE[role] });
    const away = OUT_OF_SCOPE[role];
    if (away) out.push({ label: `${role} out of scope (${away})`, role, inScope: false, region: away });
  }
  return out;
}
const CALLERS = callersFor();
const callerTokens = new Map<string, string | null>();

beforeAll(async () => {
  app = await startTestApp({}, { clock: { now: () => new Date(Date.now() + clockOffset) } });
  admin = await app.token([Role.NATIONAL_ADMIN], NATIONAL_REGION, { sub: MATRIX_ADMIN });
  const [{ code: village }] = await app.ds.query(`SELECT code FROM region WHERE level = 'VILLAGE' AND code LIKE '341524%' ORDER BY code LIMIT 1`);
  const [{ code: helperCounty }] = await app.ds.query(`SELECT code FROM region WHERE level = 'COUNTY' AND code LIKE '3401%' ORDER BY code LIMIT 1`);
  const [{ code: poorVillage }] = await app.ds.query(`SELECT "regionCode" AS code FROM poor_village WHERE "regionCode" LIKE '341524%' ORDER BY 1 LIMIT 1`);
  fx = { village, helperCounty, org: await newOrg(), expert: await newExpert(), apiKeyId: await newApiKey(), poorVillage } as Fixtures;
  fx.household = await newHousehold(poorVillage);
  fx.need = await newNeed(poorVillage);
  await newNeed(poorVillage, 'FINANCE_INSURANCE');
  fx.offering = await newOffering(fx.org.id);
  fx.match = await newProposal();
  countyTok = await app.token([Role.COUNTY_COORDINATOR], '341524', { sub: 'matrix-county' });
  cityTok = await app.token([Role.CITY_COORDINATOR], '341500', { sub: 'matrix-city' });
  provinceTok = await app.token([Role.PROVINCIAL_COORDINATOR], '340000', { sub: 'matrix-province' });
  {
    const a = await agreementIn('COUNTY_REVIEW');
    const key = Buffer.from(a.id, 'base64url').toString().split(':')[1];
    const [{ title }] = await app.ds.query(`SELECT title FROM agreement WHERE id = $1`, [key]);
    const [{ id: nid }] = await app.ds.query(`SELECT id::text AS id FROM notification WHERE "agreementId" = $1 AND type = 'FILED'`, [key]);
    fxAgreement = { id: a.id, title, notificationId: toGlobalId('Notification', nid) };
  }
  {
    const anhui = await evalOk(app, admin, 'createIndicatorSet', 'CreateIndicatorSetInput', { regionCode: '340000', year: 2018, level: 'CITY', name: '矩阵安徽市级指标', indicators: FIXTURE_INDICATORS });
    const e = await evaluationIn('DRAFT');
    fxEvaluation = { id: e.id, agreementId: e.agreementId, anhuiSet: anhui.id };
  }
  // fx.org provides a registered agreement (eligible for nomination); a round and a commendation to read.
  await agreementIn('REGISTERED');
  fxRound = await roundIn('OPEN');
  fxCommendationTitle = `矩阵读取表彰${next()}`;
  await must(app, admin, 'recordCommendation', 'RecordCommendationInput', { year: 2019, regionCode: '341524', title: fxCommendationTitle, recipientKind: 'ORGANIZATION', organizationId: fx.org.id }, 'commendation { id }');
  // One audit event in 341524 for auditEvents to find.
  await gqlOk(`mutation($i: UpdateRegionPovertyInput!) { updateRegionPoverty(input: $i) { userErrors { code message } } }`, { i: { code: village, version: await versionOf('region', 'code', village), povertyDesignation: 'POOR_VILLAGE', designatedYear: 2014 } });
  // Targets in 2030 for 金寨县 and 六安市 (for the split), a facility and an activity in 金寨县.
  await gqlOk(`mutation { setTarget(input: { regionCode: "341524", year: 2030, indicator: TRAININGS_HELD, value: 1 }) { userErrors { code message } } }`, {});
  await gqlOk(`mutation { setTarget(input: { regionCode: "341500", year: 2030, indicator: E_STATIONS, value: 1000000 }) { userErrors { code message } } }`, {});
  await gqlOk(`mutation { recordFacility(input: { kind: E_STATION, regionCode: "341524", name: "矩阵e站", startDate: "2018-01-01" }) { userErrors { code message } } }`, {});
  await gqlOk(`mutation { recordActivity(input: { kind: TRAINING, date: "2018-03-01", regionCode: "341524", organizerName: "金寨县科协", topic: "矩阵培训", attendees: 10 }) { userErrors { code message } } }`, {});
  for (const c of CALLERS) {
    if (!c.role) {
      callerTokens.set(c.label, null);
      continue;
    }
    // The in-scope organization manager and expert act for the fixtures; out-of-scope ones for someone else.
    const extra = c.role === Role.ORGANIZATION_MANAGER ? { org: c.inScope ? fx.org.key : '00000000-0000-4000-8000-000000000001' } : c.role === Role.EXPERT ? { expert: c.inScope ? fx.expert.key : '00000000-0000-4000-8000-000000000002' } : {};
    callerTokens.set(c.label, await app.token([c.role], c.region as string, { sub: `matrix-${c.label.replace(/\W+/g, '-')}`, ...extra }));
  }
});
afterAll(async () => {
  await app?.stop();
});

let built: Promise<string[]> | undefined;
/** `Query.x`, `Mutation.y`, `Subscription.z` of the schema the code builds (built once). */
function rootFields(): Promise<string[]> {
  return (built ??= listRootFields());
}
async function listRootFields(): Promise<string[]> {
  const schema = await createSchema(resolvers, orphanedTypes);
  const out: string[] = [];
  for (const t of [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()]) {
    if (t) for (const name of Object.keys(t.getFields())) out.push(`${t.name}.${name}`);
  }
  return out.sort();
}

describe('declared rules', () => {
  it('(a) every root field of the schema has a declared rule and a matrix scenario, and no rule is stale', async () => {
    const fields = await rootFields();
    expect(fields.filter((f) => !PERMISSIONS[f])).toEqual([]);
    expect(fields.filter((f) => !scenarios.some((s) => s.field === f))).toEqual([]);
    expect(Object.keys(PERMISSIONS).filter((f) => !fields.includes(f))).toEqual([]);
  });

  it('(b) each rule agrees with the @Authorized roles in the type-graphql metadata', async () => {
    const meta = getMetadataStorage();
    const roots = [
      ...meta.queries.map((m) => ({ m, kind: 'Query' })),
      ...meta.mutations.map((m) => ({ m, kind: 'Mutation' })),
      ...meta.subscriptions.map((m) => ({ m, kind: 'Subscription' })),
    ];
    const fields = await rootFields();
    const mismatches: string[] = [];
    for (const { m, kind } of roots) {
      const field = `${kind}.${m.schemaName}`;
      if (!fields.includes(field) || !resolvers.includes(m.target)) continue;
      const onField = meta.authorizedFields.find((a) => a.target === m.target && a.fieldName === m.methodName);
      const onClass = meta.authorizedResolver.find((a) => a.target === m.target);
      const auth = onField ?? onClass;
      const rule: Permission | undefined = PERMISSIONS[field];
      if (!rule) continue; // reported by (a)
      const declared = rule.public ? 'public' : [...rule.roles].sort().join(',') || '(any authenticated)';
      const actual = auth ? [...(auth.roles as string[])].sort().join(',') || '(any authenticated)' : 'public';
      if (declared !== actual) mismatches.push(`${field}: declared ${declared}, @Authorized ${actual}`);
    }
    expect(mismatches).toEqual([]);
  });
});

describe('(c) every operation, every role, in scope and out of scope', () => {
  for (const s of scenarios) {
    describe(s.field, () => {
      const [kind, name] = s.field.split('.');
      it.each(CALLERS.map((c) => [c.label, c] as const))('%s', async (_label, c) => {
        const rule = PERMISSIONS[s.field];
        if (!rule) throw new Error(`no rule declared for ${s.field}`);
        const schemaHas = (await rootFields()).includes(s.field);
        if (!schemaHas) return; // an operation not (yet) in the schema
        const token = callerTokens.get(c.label) ?? null;
        const roleAllowed = rule.public || (c.role !== null && (rule.roles.length === 0 || rule.roles.includes(c.role)));
        const variables = await s.variables();
        if (kind === 'Subscription') return checkSubscription(s, c, token, roleAllowed, variables);
        const inScope = c.inScope && !(c.role && s.refusedInScope?.includes(c.role));
        // The database is compared only where nothing may be written: refused roles and out-of-scope callers.
        const before = kind === 'Mutation' && (!roleAllowed || !inScope) ? await fingerprint() : null;
        const res = await app.gql(s.document, variables, token);
        if (!roleAllowed) {
          expect(res.data?.[name] ?? null).toBeNull();
          expect(res.errors?.[0].extensions?.code).toBe(c.role === null ? 'UNAUTHENTICATED' : 'FORBIDDEN');
          if (before) expect(await fingerprint()).toEqual(before);
          return;
        }
        expect(res.errors).toBeUndefined();
        if (kind === 'Mutation') {
          const payload = res.data[name];
          if (inScope) {
            expect(payload.userErrors).toEqual([]);
          } else {
            expect(payload.userErrors.map((e: { code: string }) => e.code)).toContain('FORBIDDEN');
            expect(await fingerprint()).toEqual(before);
          }
        } else {
          const visible = s.seen ? s.seen(res.data) : true;
          expect(visible).toBe(rule.scoped ? inScope : true);
        }
      });
    });
  }
});
