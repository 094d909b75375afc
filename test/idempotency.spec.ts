import { withCreditCheck } from '../src/modules/organizations/validators';
import { Role, startTestApp, type TestApp } from './harness';

/** Retries of mutations with an `idempotencyKey`: the first result comes back, nothing is written twice. */
let app: TestApp;
let token: string;
let otherToken: string;
beforeAll(async () => {
  app = await startTestApp({ rateLimitPerSecond: 0 });
  token = await app.token([Role.PROVINCIAL_COORDINATOR], '340000', { sub: 'idem-coordinator' });
  otherToken = await app.token([Role.PROVINCIAL_COORDINATOR], '340000', { sub: 'idem-other' });
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
