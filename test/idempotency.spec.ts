import { getNamedType, isInputObjectType, isNonNullType, type GraphQLResolveInfo } from 'graphql';
import { IDEMPOTENCY_KEY_DESCRIPTION, type IdempotencyStore } from '../src/graphql/idempotency';
import { createSchema } from '../src/graphql/schema';
import { withCreditCheck } from '../src/modules/organizations/validators';
import { orphanedTypes, resolvers } from '../src/modules/registry';
import { ok, signed, T } from './agreement-fixtures';
import { FIXTURE_INDICATORS, FULL_MARKS, fixtureSet } from './evaluation-fixtures';
import { Role, startTestApp, type TestApp } from './harness';
import { levelTokens, must, registeredAgreement, type LevelTokens } from './nomination-fixtures';

/** Retries of mutations with an `idempotencyKey`: the first result comes back, nothing is written twice. */
let app: TestApp;
let token: string;
let otherToken: string;
let levels: LevelTokens;
beforeAll(async () => {
  app = await startTestApp({ rateLimitPerSecond: 0 });
  token = await app.token([Role.PROVINCIAL_COORDINATOR], '340000', { sub: 'idem-coordinator' });
  otherToken = await app.token([Role.PROVINCIAL_COORDINATOR], '340000', { sub: 'idem-other' });
  levels = await levelTokens(app, 'idem');
});
afterAll(async () => app?.stop());

const CREATE_ORG = `mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { organization { id name version } userErrors { field code message } } }`;
const count = async (table: string) => Number((await app.ds.query(`SELECT count(*)::int AS n FROM ${table}`))[0].n);
let n = 0;
const orgInput = (extra: Record<string, unknown> = {}) => ({
  name: `金寨县幂等测试农技协${++n}`,
  type: 'RURAL_TECH_ASSOCIATION',
  regionCode: '341524',
  creditCode: withCreditCheck(`51341524MJ${String(7100000 + n).slice(0, 7)}`),
  contactName: '汪德明',
  contactPhone: '13905641234',
  serviceCategories: ['PLANTING'],
  ...extra,
});

describe('idempotencyKey', () => {
  it('createOrganization: a retry returns the first result and writes nothing more (row and audit event)', async () => {
    const input = orgInput({ idempotencyKey: 'retry-org-1' });
    const [orgs, audits] = [await count('organization'), await count('audit_event')];
    const first = await app.gql(CREATE_ORG, { i: input }, token);
    expect(first.data.createOrganization.userErrors).toEqual([]);
    for (let i = 0; i < 3; i++) {
      const again = await app.gql(CREATE_ORG, { i: input }, token);
      expect(again.data.createOrganization).toEqual(first.data.createOrganization);
    }
    expect(await count('organization')).toBe(orgs + 1);
    expect(await count('audit_event')).toBe(audits + 1);
  });

  it('concurrent retries create one organization', async () => {
    const input = orgInput({ idempotencyKey: 'retry-org-concurrent' });
    const before = await count('organization');
    const results = await Promise.all([1, 2, 3, 4].map(() => app.gql(CREATE_ORG, { i: input }, token)));
    const created = results.filter((r) => r.data.createOrganization.organization).map((r) => r.data.createOrganization.organization.id);
    expect(new Set(created).size).toBe(1);
    // The rest either replayed the result or were told the first is still running.
    for (const r of results) if (!r.data.createOrganization.organization) expect(r.data.createOrganization.userErrors[0].code).toBe('INVALID_STATE');
    expect(await count('organization')).toBe(before + 1);
  });

  it('the same key with different input is a userError and changes nothing', async () => {
    const input = orgInput({ idempotencyKey: 'retry-org-2' });
    expect((await app.gql(CREATE_ORG, { i: input }, token)).data.createOrganization.userErrors).toEqual([]);
    const before = await count('organization');
    const changed = await app.gql(CREATE_ORG, { i: { ...input, name: `${input.name}改` } }, token);
    expect(changed.data.createOrganization.organization).toBeNull();
    expect(changed.data.createOrganization.userErrors).toEqual([{ field: ['input', 'idempotencyKey'], code: 'VALIDATION', message: expect.stringMatching(/already used for createOrganization with different input/) }]);
    expect(await count('organization')).toBe(before);
  });

  it('keys are per principal, and a failed attempt is not remembered', async () => {
    const bad = orgInput({ idempotencyKey: 'retry-org-3', contactPhone: '123' });
    const failed = await app.gql(CREATE_ORG, { i: bad }, token);
    expect(failed.data.createOrganization.userErrors[0].code).toBe('VALIDATION');
    const fixed = await app.gql(CREATE_ORG, { i: { ...bad, contactPhone: '13905641234' } }, token);
    expect(fixed.data.createOrganization.userErrors).toEqual([]);
    // Another principal using the same key string gets its own run (a different organization).
    const theirs = await app.gql(CREATE_ORG, { i: orgInput({ idempotencyKey: 'retry-org-3' }) }, otherToken);
    expect(theirs.data.createOrganization.userErrors).toEqual([]);
    expect(theirs.data.createOrganization.organization.id).not.toBe(fixed.data.createOrganization.organization.id);
    const malformed = await app.gql(CREATE_ORG, { i: orgInput({ idempotencyKey: '' }) }, token);
    expect(malformed.data.createOrganization.userErrors[0]).toMatchObject({ code: 'VALIDATION', field: ['input', 'idempotencyKey'] });
  });

  it('createExpert and createCountyPairing honour the key too', async () => {
    const expert = { name: '幂等专家', regionCode: '341524', specialties: ['PLANTING'], contactPhone: '13905640000', idempotencyKey: 'retry-expert-1' };
    const E = `mutation($i: CreateExpertInput!) { createExpert(input: $i) { expert { id } userErrors { code } } }`;
    const before = await count('expert');
    const a = await app.gql(E, { i: expert }, token);
    const b = await app.gql(E, { i: expert }, token);
    expect(a.data.createExpert.userErrors).toEqual([]);
    expect(b.data.createExpert).toEqual(a.data.createExpert);
    expect(await count('expert')).toBe(before + 1);

    const P = `mutation($i: CreateCountyPairingInput!) { createCountyPairing(input: $i) { pairing { id basis } userErrors { code message } } }`;
    const pairing = { helperCode: '340104', helpedCode: '341523', basis: '幂等测试', startDate: '2018-03-01', idempotencyKey: 'retry-pairing-1' };
    const pairs = await count('county_pairing');
    const p1 = await app.gql(P, { i: pairing }, token);
    expect(p1.data.createCountyPairing.userErrors).toEqual([]);
    const p2 = await app.gql(P, { i: pairing }, token);
    // Without the key this retry would be a DUPLICATE (unique helper, helped, start date); with it, the first result.
    expect(p2.data.createCountyPairing).toEqual(p1.data.createCountyPairing);
    expect(await count('county_pairing')).toBe(pairs + 1);
  });
});

describe('every mutation takes an idempotencyKey and goes through idempotent()', () => {
  it('the input of every field of the Mutation type has the optional idempotencyKey (one shared definition)', async () => {
    const schema = await createSchema(resolvers, orphanedTypes);
    const fields = Object.values(schema.getMutationType()!.getFields());
    expect(fields.length).toBeGreaterThan(50);
    const lacking = fields
      .filter((f) => {
        const arg = f.args.find((a) => a.name === 'input');
        const type = arg && getNamedType(arg.type);
        const key = type && isInputObjectType(type) ? type.getFields().idempotencyKey : undefined;
        return !key || isNonNullType(key.type) || String(key.type) !== 'String' || key.description !== IDEMPOTENCY_KEY_DESCRIPTION;
      })
      .map((f) => f.name);
    expect(lacking).toEqual([]);
  });

  it('every mutation resolver answers a remembered key from the store without running (so none bypasses idempotent())', async () => {
    const schema = await createSchema(resolvers, orphanedTypes);
    const claims: string[] = [];
    const store = {
      claim: async (subject: string, operation: string, key: string) => {
        claims.push(`${subject}/${operation}/${key}`);
        return { state: 'done', response: { userErrors: { value: [] }, replayedFrom: { value: operation } } };
      },
    } as unknown as IdempotencyStore;
    const ctx = { principal: { kind: 'USER', subject: 'probe', roles: [], regionCode: null, scopePrefix: null }, idempotency: store };
    const fields = Object.values(schema.getMutationType()!.getFields());
    for (const f of fields) {
      const out = await f.resolve!(undefined, { input: { idempotencyKey: 'probe-key' } }, ctx, {} as GraphQLResolveInfo);
      expect({ name: f.name, out }).toEqual({ name: f.name, out: { userErrors: [], replayedFrom: f.name } });
    }
    expect(claims).toEqual(fields.map((f) => `probe/${f.name}/probe-key`));
  });
});

describe('idempotencyKey on updates, transitions, imports and lists', () => {
  const UPDATE_ORG = `mutation($i: UpdateOrganizationInput!) { updateOrganization(input: $i) { organization { id name version updatedAt } userErrors { field code message } } }`;

  it('updateOrganization with the version read: a retry returns the first result (not VERSION_CONFLICT) and the version went up once', async () => {
    const created = await app.gql(CREATE_ORG, { i: orgInput() }, token);
    const org = created.data.createOrganization.organization;
    const input = { id: org.id, version: org.version, name: `${org.name}（更名）`, idempotencyKey: 'retry-update-org-1' };
    const audits = await count('audit_event');
    const first = await app.gql(UPDATE_ORG, { i: input }, token);
    expect(first.data.updateOrganization.userErrors).toEqual([]);
    expect(first.data.updateOrganization.organization.version).toBe(org.version + 1);
    const again = await app.gql(UPDATE_ORG, { i: input }, token);
    expect(again.data.updateOrganization).toEqual(first.data.updateOrganization);
    // Without the key the same request is refused: the version it carries is stale now.
    const { idempotencyKey: _k, ...plain } = input;
    expect((await app.gql(UPDATE_ORG, { i: plain }, token)).data.updateOrganization.userErrors[0].code).toBe('VERSION_CONFLICT');
    const [row] = await app.ds.query(`SELECT version FROM organization WHERE id = $1`, [Buffer.from(org.id, 'base64url').toString().split(':')[1]]);
    expect(row.version).toBe(org.version + 1);
    expect(await count('audit_event')).toBe(audits + 1);
  });

  it('fileAgreement: the same key twice gives the same payload, one filing-history row and one notification', async () => {
    const a = await signed(app, levels.national);
    const key = Buffer.from(a.id, 'base64url').toString().split(':')[1];
    const FILE = `mutation($i: AgreementTransitionInput!) { fileAgreement(input: $i) { agreement { id status version reviewLevel } currentStatus userErrors { code message field } } }`;
    const input = { id: a.id, version: a.version, idempotencyKey: `file-${key}` };
    const notes = async () => (await app.ds.query(`SELECT count(*)::int AS n FROM notification WHERE "agreementId" = $1`, [key]))[0].n;
    const notesBefore = await notes();
    const first = await app.gql(FILE, { i: input }, levels.national);
    expect(first.data.fileAgreement.userErrors).toEqual([]);
    expect(first.data.fileAgreement.agreement.status).toMatch(/_REVIEW$/);
    const again = await app.gql(FILE, { i: input }, levels.national);
    expect(again.data.fileAgreement).toEqual(first.data.fileAgreement);
    expect((await app.ds.query(`SELECT count(*)::int AS n FROM agreement_filing_step WHERE "agreementId" = $1 AND "toStatus" = $2`, [key, first.data.fileAgreement.agreement.status]))[0].n).toBe(1);
    expect(await notes()).toBe(notesBefore + 1);
  });

  it('importOrganizations with a refused row: a retry returns the first counts and row results (CREATED, not UNCHANGED) and writes nothing', async () => {
    const IMPORT = `mutation($i: ImportOrganizationsInput!) { importOrganizations(input: $i) { created updated unchanged failed results { index key outcome errors { code field } } failures { index } userErrors { code field } } }`;
    const rows = [orgInput(), orgInput(), orgInput({ contactPhone: '123' })];
    const input = { rows, idempotencyKey: 'retry-import-orgs-1' };
    const first = await app.gql(IMPORT, { i: input }, token);
    expect(first.errors).toBeUndefined();
    expect(first.data.importOrganizations).toMatchObject({ created: 2, updated: 0, unchanged: 0, failed: 1 });
    expect(first.data.importOrganizations.results.map((r: any) => r.outcome)).toEqual(['CREATED', 'CREATED', 'FAILED']);
    const [orgs, audits] = [await count('organization'), await count('audit_event')];
    const again = await app.gql(IMPORT, { i: input }, token);
    expect(again.data.importOrganizations).toEqual(first.data.importOrganizations);
    expect([await count('organization'), await count('audit_event')]).toEqual([orgs, audits]);
    // A new key is a new request: the rows are now as stored.
    const fresh = await app.gql(IMPORT, { i: { ...input, idempotencyKey: 'retry-import-orgs-2' } }, token);
    expect(fresh.data.importOrganizations).toMatchObject({ created: 0, unchanged: 2, failed: 1 });
  });

  it('splitTarget (a list of entities) replays with the same list, and nothing more is audited', async () => {
    const SPLIT = `mutation($i: SplitTargetInput!) { splitTarget(input: $i) { parent { id value version } targets { id regionCode value version } userErrors { code message } } }`;
    const set = await app.gql(`mutation { setTarget(input: { regionCode: "340000", year: 2020, indicator: TRAININGS_HELD, value: 90 }) { userErrors { code message } } }`, {}, token);
    expect(set.data.setTarget.userErrors).toEqual([]);
    const input = { regionCode: '340000', year: 2020, indicator: 'TRAININGS_HELD', parts: [{ regionCode: '341500', value: 20 }, { regionCode: '340100', value: 30 }], idempotencyKey: 'retry-split-1' };
    const first = await app.gql(SPLIT, { i: input }, token);
    expect(first.data.splitTarget.userErrors).toEqual([]);
    expect(first.data.splitTarget.targets.map((t: any) => t.regionCode)).toEqual(['341500', '340100']);
    const audits = await count('audit_event');
    const again = await app.gql(SPLIT, { i: input }, token);
    expect(again.errors).toBeUndefined();
    expect(again.data.splitTarget).toEqual(first.data.splitTarget);
    expect(await count('audit_event')).toBe(audits);
  });

  it('createApiKey: a replay returns the same key but never the secret (secrets are not stored)', async () => {
    const admin = levels.national;
    const CREATE = `mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { apiKey { id name } secret userErrors { code message } } }`;
    const input = { name: 'idem-sync', roles: ['ANALYST'], regionCode: '340000', idempotencyKey: 'retry-apikey-1' };
    const first = await app.gql(CREATE, { i: input }, admin);
    expect(first.data.createApiKey.userErrors).toEqual([]);
    expect(first.data.createApiKey.secret).toMatch(/^zk_/);
    const again = await app.gql(CREATE, { i: input }, admin);
    expect(again.data.createApiKey).toEqual({ ...first.data.createApiKey, secret: null });
    const [stored] = await app.ds.query(`SELECT response::text AS r FROM idempotency_key WHERE key = 'retry-apikey-1'`);
    expect(stored.r).not.toContain(first.data.createApiKey.secret);
  });
});

describe('idempotencyKey on the issue-6 creates', () => {
  it('createIndicatorSet: a retry returns the first set instead of DUPLICATE', async () => {
    const input = { regionCode: '340000', year: 2017, level: 'COUNTY', name: '2017年安徽省县级评估指标（幂等）', indicators: FIXTURE_INDICATORS, idempotencyKey: 'retry-set-1' };
    const CREATE = `mutation($i: CreateIndicatorSetInput!) { createIndicatorSet(input: $i) { indicatorSet { id version name } userErrors { code message } } }`;
    const first = await app.gql(CREATE, { i: input }, token);
    expect(first.data.createIndicatorSet.userErrors).toEqual([]);
    const sets = await count('indicator_set');
    expect((await app.gql(CREATE, { i: input }, token)).data.createIndicatorSet).toEqual(first.data.createIndicatorSet);
    expect(await count('indicator_set')).toBe(sets);
  });

  it('createEvaluation: a retry returns the first evaluation (one row, one audit event)', async () => {
    const agreementId = await registeredAgreement(app, levels, {});
    const input = { agreementId, year: 2018, level: 'COUNTY', indicatorSetId: await fixtureSet(app), scores: FULL_MARKS, acceptance: 'ACCEPTED', evaluatorName: '县科协评估组', idempotencyKey: 'retry-eval-1' };
    const CREATE = `mutation($i: CreateEvaluationInput!) { createEvaluation(input: $i) { evaluation { id status version totalScore grade } currentStatus userErrors { code message } } }`;
    const first = await app.gql(CREATE, { i: input }, levels.county);
    expect(first.data.createEvaluation.userErrors).toEqual([]);
    const [evals, audits] = [await count('evaluation'), await count('audit_event')];
    expect((await app.gql(CREATE, { i: input }, levels.county)).data.createEvaluation).toEqual(first.data.createEvaluation);
    expect([await count('evaluation'), await count('audit_event')]).toEqual([evals, audits]);
  });

  it('recordFacility: a retry returns the first facility (one row)', async () => {
    const input = { kind: 'SCIENCE_CARAVAN', regionCode: '341524', name: '金寨县科普大篷车（幂等）', startDate: '2018-03-01', idempotencyKey: 'retry-facility-1' };
    const first = await must(app, levels.county, 'recordFacility', 'RecordFacilityInput', input, 'facility { id name kind startDate }');
    const facilities = await count('facility');
    const again = await must(app, levels.county, 'recordFacility', 'RecordFacilityInput', input, 'facility { id name kind startDate }');
    expect(again).toEqual(first);
    expect(await count('facility')).toBe(facilities);
  });
});
