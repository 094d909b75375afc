import request from 'supertest';
import { canSeePersonalData, maskIdNumber, maskName, maskPhone, revealOrMask } from '../src/graphql/masking';
import { ANONYMOUS, type Principal } from '../src/graphql/principal';
import { NATIONAL_REGION, Role, startTestApp, type TestApp } from './harness';

let app: TestApp;
let admin: string; // NATIONAL_ADMIN
let anhui: string; // PROVINCIAL_COORDINATOR of Anhui
let shaanxi: string; // PROVINCIAL_COORDINATOR of Shaanxi
let county: string; // COUNTY_COORDINATOR of 金寨县
beforeAll(async () => {
  app = await startTestApp();
  admin = await app.token([Role.NATIONAL_ADMIN], NATIONAL_REGION, { sub: 'admin-1' });
  anhui = await app.token([Role.PROVINCIAL_COORDINATOR], '340000', { sub: 'ah-prov' });
  shaanxi = await app.token([Role.PROVINCIAL_COORDINATOR], '610000', { sub: 'sn-prov' });
  county = await app.token([Role.COUNTY_COORDINATOR], '341524', { sub: 'jz-county' });
});
afterAll(async () => {
  await app?.stop();
});

const CREATE = `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret apiKey { id keyId name roles regionCode prefix createdBy lastUsedAt revokedAt } userErrors { field message code } } }`;
const REVOKE = `mutation($id: ID!, $reason: String!) { revokeApiKey(input: { id: $id, reason: $reason }) { apiKey { keyId revokedAt revokedBy revokeReason } userErrors { field message code } } }`;
const count = async () => (await app.ds.query(`SELECT count(*)::int n FROM api_key`))[0].n as number;
const withKey = (key: string, query: string, variables?: Record<string, unknown>) =>
  request(app.origin).post('/graphql').set('content-type', 'application/json').set('x-api-key', key).send({ query, variables });

describe('me', () => {
  it('describes a user: subject, roles, scope and region', async () => {
    const t = await app.token([Role.EXPERT], '341524', { sub: 'exp-1', expert: '6f1c1f64-55d2-4f4e-9f1a-1e2d3c4b5a69' });
    const res = await app.gql(`{ me { subject kind name roles regionCode region { name } scopePrefix organizationId expertId apiKeyName expiresAt } }`, {}, t);
    expect(res.errors).toBeUndefined();
    expect(res.data.me).toMatchObject({ subject: 'exp-1', kind: 'USER', roles: ['EXPERT'], regionCode: '341524', region: { name: '金寨县' }, scopePrefix: '341524', organizationId: null, apiKeyName: null });
    expect(Buffer.from(res.data.me.expertId, 'base64url').toString()).toBe('Expert:6f1c1f64-55d2-4f4e-9f1a-1e2d3c4b5a69');
    expect(new Date(res.data.me.expiresAt).getTime()).toBeGreaterThan(Date.now());
  });

  it('national scope has prefix "" and no region', async () => {
    const res = await app.gql(`{ me { regionCode region { name } scopePrefix } }`, {}, admin);
    expect(res.data.me).toEqual({ regionCode: NATIONAL_REGION, region: null, scopePrefix: '' });
  });
});

describe('API keys (service accounts)', () => {
  let key: string;
  let keyId: string;

  it('a national admin creates a key; the secret is shown once and only its hash is stored', async () => {
    const res = await app.gql(CREATE, { input: { name: '安徽省科协 registry sync', roles: ['PROVINCIAL_COORDINATOR'], regionCode: '340000' } }, admin);
    expect(res.data.createApiKey.userErrors).toEqual([]);
    const { secret, apiKey } = res.data.createApiKey;
    expect(secret).toMatch(/^zk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    expect(secret.startsWith(`${apiKey.prefix}_`)).toBe(true);
    expect(apiKey).toMatchObject({ name: '安徽省科协 registry sync', roles: ['PROVINCIAL_COORDINATOR'], regionCode: '340000', createdBy: 'admin-1', lastUsedAt: null, revokedAt: null });
    key = secret;
    keyId = apiKey.keyId;
    const [row] = await app.ds.query(`SELECT * FROM api_key WHERE id = $1`, [keyId]);
    // The random part after the prefix (it may itself contain '_', so not split('_')[2], which is empty whenever the
    // random part begins with '_': about one run in 64).
    const randomPart = secret.slice(apiKey.prefix.length + 1);
    expect(randomPart).toHaveLength(43);
    expect(JSON.stringify(row)).not.toContain(randomPart);
    expect(row.secretHash).toMatch(/^[0-9a-f]{64}$/);
    // Never readable again through the API.
    const list = await app.gql(`{ apiKeys { nodes { keyId prefix } } }`, {}, admin);
    expect(JSON.stringify(list.data)).not.toContain(randomPart);
    const [event] = await app.ds.query(`SELECT * FROM audit_event WHERE operation = 'createApiKey' AND "entityId" = $1`, [keyId]);
    expect(event).toMatchObject({ entityType: 'ApiKey', regionCode: '340000', actorSubject: 'admin-1' });
    expect(JSON.stringify(event)).not.toContain(randomPart);
  });

  it('the key authenticates via X-API-Key and Authorization: Bearer, as a service account with its scope', async () => {
    const a = await withKey(key, `{ me { subject kind name roles regionCode scopePrefix apiKeyName } }`);
    expect(a.status).toBe(200);
    expect(a.body.data.me).toEqual({ subject: `apikey:${keyId}`, kind: 'SERVICE_ACCOUNT', name: '安徽省科协 registry sync', roles: ['PROVINCIAL_COORDINATOR'], regionCode: '340000', scopePrefix: '34', apiKeyName: '安徽省科协 registry sync' });
    const b = await request(app.origin).post('/graphql').set('content-type', 'application/json').set('authorization', `Bearer ${key}`).send({ query: '{ me { kind } }' });
    expect(b.body.data.me.kind).toBe('SERVICE_ACCOUNT');
  });

  it('records lastUsedAt, writing it at most once a minute', async () => {
    const [{ lastUsedAt: first }] = await app.ds.query(`SELECT "lastUsedAt" FROM api_key WHERE id = $1`, [keyId]);
    expect(first).not.toBeNull();
    await withKey(key, '{ me { kind } }');
    const [{ lastUsedAt: second }] = await app.ds.query(`SELECT "lastUsedAt" FROM api_key WHERE id = $1`, [keyId]);
    expect(second.getTime()).toBe(first.getTime());
  });

  it('writes through a key are audited with the key id, and the key\'s scope applies', async () => {
    const [{ code, version }] = await app.ds.query(`SELECT code, version FROM region WHERE code = '340822'`);
    const ok = await withKey(key, `mutation($i: UpdateRegionPovertyInput!) { updateRegionPoverty(input: $i) { userErrors { code } } }`, { i: { code, version, povertyDesignation: 'NONE' } });
    expect(ok.body.data.updateRegionPoverty.userErrors).toEqual([]);
    const [event] = await app.ds.query(`SELECT * FROM audit_event WHERE operation = 'updateRegionPoverty' AND "entityId" = $1 ORDER BY seq DESC LIMIT 1`, [code]);
    expect(event).toMatchObject({ actorSubject: `apikey:${keyId}`, apiKeyId: keyId });
    const [{ version: v2 }] = await app.ds.query(`SELECT version FROM region WHERE code = '610124'`);
    const out = await withKey(key, `mutation($i: UpdateRegionPovertyInput!) { updateRegionPoverty(input: $i) { userErrors { code } } }`, { i: { code: '610124', version: v2, povertyDesignation: 'NONE' } });
    expect(out.body.data.updateRegionPoverty.userErrors).toEqual([{ code: 'FORBIDDEN' }]);
  });

  it('a provincial coordinator creates keys within its scope only, never above its own role', async () => {
    const before = await count();
    const cases: Array<[Record<string, unknown>, string, string[]]> = [
      [{ name: 'Shaanxi sync', roles: ['CITY_COORDINATOR'], regionCode: '610100' }, 'FORBIDDEN', ['input', 'regionCode']],
      [{ name: 'Nationwide', roles: ['ANALYST'], regionCode: NATIONAL_REGION }, 'FORBIDDEN', ['input', 'regionCode']],
      [{ name: 'Escalation', roles: ['NATIONAL_ADMIN'], regionCode: '340000' }, 'FORBIDDEN', ['input', 'roles']],
      [{ name: 'Manager', roles: ['ORGANIZATION_MANAGER'], regionCode: '340000' }, 'VALIDATION', ['input', 'roles']],
      [{ name: 'Nowhere', roles: ['ANALYST'], regionCode: '349999' }, 'NOT_FOUND', ['input', 'regionCode']],
      [{ name: 'x', roles: ['ANALYST'], regionCode: '340000' }, 'VALIDATION', ['input', 'name']],
    ];
    for (const [input, code, field] of cases) {
      const res = await app.gql(CREATE, { input }, anhui);
      expect(res.data.createApiKey.apiKey).toBeNull();
      expect(res.data.createApiKey.secret).toBeNull();
      expect(res.data.createApiKey.userErrors[0]).toMatchObject({ code, field });
    }
    expect(await count()).toBe(before);
    const ok = await app.gql(CREATE, { input: { name: '六安市 statistics', roles: ['ANALYST', 'CITY_COORDINATOR'], regionCode: '341500' } }, anhui);
    expect(ok.data.createApiKey.userErrors).toEqual([]);
    expect(await count()).toBe(before + 1);
  });

  it('county coordinators and analysts may not manage keys at all (FORBIDDEN)', async () => {
    const analyst = await app.token([Role.ANALYST], NATIONAL_REGION);
    for (const t of [county, analyst]) {
      const res = await app.gql(CREATE, { input: { name: 'mine', roles: ['COUNTY_COORDINATOR'], regionCode: '341524' } }, t);
      expect(res.errors?.[0].extensions?.code).toBe('FORBIDDEN');
      expect(res.data).toBeNull();
      const list = await app.gql(`{ apiKeys { totalCount } }`, {}, t);
      expect(list.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    }
  });

  it('lists keys in scope only (nationwide keys for national scope only)', async () => {
    await app.gql(CREATE, { input: { name: 'National stats', roles: ['ANALYST'], regionCode: NATIONAL_REGION } }, admin);
    await app.gql(CREATE, { input: { name: '西安 sync', roles: ['CITY_COORDINATOR'], regionCode: '610100' } }, shaanxi);
    const names = async (t: string) => ((await app.gql(`{ apiKeys(first: 100) { totalCount nodes { name regionCode } } }`, {}, t)).data.apiKeys.nodes as Array<{ name: string; regionCode: string }>);
    const all = await names(admin);
    expect(all.map((k) => k.name)).toEqual(expect.arrayContaining(['National stats', '西安 sync', '六安市 statistics', '安徽省科协 registry sync']));
    const ah = await names(anhui);
    expect(ah.every((k) => k.regionCode.startsWith('34'))).toBe(true);
    expect(ah.map((k) => k.name)).toEqual(expect.arrayContaining(['六安市 statistics', '安徽省科协 registry sync']));
    const sn = await names(shaanxi);
    expect(sn.map((k) => k.name)).toEqual(['西安 sync']);
  });

  it('node(id:) resolves keys for key admins in scope only', async () => {
    const [{ id }] = ((await app.gql(`{ apiKeys(filter: { nameContains: "registry sync" }) { nodes { id } } }`, {}, admin)).data.apiKeys.nodes);
    const q = `query($id: ID!) { node(id: $id) { ... on ApiKey { name } } }`;
    expect((await app.gql(q, { id }, anhui)).data.node).toEqual({ name: '安徽省科协 registry sync' });
    expect((await app.gql(q, { id }, shaanxi)).data.node).toBeNull();
    expect((await app.gql(q, { id }, county)).data.node).toBeNull();
    expect((await app.gql(q, { id })).data.node).toBeNull();
  });

  it('revocation: out of scope FORBIDDEN, then revoked (audited), then refused with 401; twice is INVALID_STATE', async () => {
    const out = await app.gql(REVOKE, { id: keyId, reason: 'not yours' }, shaanxi);
    expect(out.data.revokeApiKey.userErrors).toEqual([expect.objectContaining({ code: 'FORBIDDEN', field: ['input', 'id'] })]);
    const [{ revokedAt }] = await app.ds.query(`SELECT "revokedAt" FROM api_key WHERE id = $1`, [keyId]);
    expect(revokedAt).toBeNull();
    const res = await app.gql(REVOKE, { id: keyId, reason: 'rotated after staff change' }, anhui);
    expect(res.data.revokeApiKey.userErrors).toEqual([]);
    expect(res.data.revokeApiKey.apiKey).toMatchObject({ keyId, revokedBy: 'ah-prov', revokeReason: 'rotated after staff change' });
    expect(res.data.revokeApiKey.apiKey.revokedAt).not.toBeNull();
    const refused = await withKey(key, '{ me { kind } }');
    expect(refused.status).toBe(401);
    expect(refused.body.data).toBeUndefined();
    const again = await app.gql(REVOKE, { id: keyId, reason: 'again' }, admin);
    expect(again.data.revokeApiKey.userErrors[0].code).toBe('INVALID_STATE');
    const [event] = await app.ds.query(`SELECT * FROM audit_event WHERE operation = 'revokeApiKey' AND "entityId" = $1`, [keyId]);
    expect(event.before).toEqual({ revokedAt: null, revokedBy: null, revokeReason: null });
    expect(event.after).toMatchObject({ revokedBy: 'ah-prov', revokeReason: 'rotated after staff change' });
    const listed = await app.gql(`{ a: apiKeys(filter: { nameContains: "registry sync" }) { totalCount } b: apiKeys(filter: { nameContains: "registry sync", includeRevoked: true }) { totalCount } }`, {}, admin);
    expect(listed.data).toEqual({ a: { totalCount: 0 }, b: { totalCount: 1 } });
  });

  it('unknown ids are NOT_FOUND', async () => {
    const res = await app.gql(REVOKE, { id: '00000000-0000-4000-8000-000000000000', reason: 'gone' }, admin);
    expect(res.data.revokeApiKey.userErrors[0].code).toBe('NOT_FOUND');
  });
});

describe('personal data masking helpers', () => {
  it('masks names, phones and ID numbers', () => {
    expect(maskName('张三丰')).toBe('张**');
    expect(maskName('李四')).toBe('李*');
    expect(maskName('王')).toBe('王*');
    expect(maskPhone('13812345678')).toBe('138****5678');
    expect(maskPhone('0564-5012345')).toBe('0564****2345');
    expect(maskIdNumber('340102199001011234')).toBe('3401**********1234');
    expect(maskIdNumber('34010219900101X')).toBe('3401*******101X');
    expect(maskName(null)).toBeNull();
  });

  const user = (roles: Role[], region: string, extra: Partial<Principal> = {}): Principal => ({
    kind: 'USER',
    subject: 's',
    roles,
    regionCode: region,
    scopePrefix: region === NATIONAL_REGION ? '' : region.endsWith('0000') ? region.slice(0, 2) : region.endsWith('00') ? region.slice(0, 4) : region,
    ...extra,
  });
  const person = { regionCode: '341524', expertId: 'e-1', organizationId: 'o-1' };

  it.each<[string, boolean, Principal]>([
    ['county coordinator in scope', true, user([Role.COUNTY_COORDINATOR], '341524')],
    ['county coordinator of another county', false, user([Role.COUNTY_COORDINATOR], '341522')],
    ['provincial coordinator in scope', true, user([Role.PROVINCIAL_COORDINATOR], '340000')],
    ['national admin', true, user([Role.NATIONAL_ADMIN], NATIONAL_REGION)],
    ['the expert themself', true, user([Role.EXPERT], '341524', { expertId: 'e-1' })],
    ['another expert', false, user([Role.EXPERT], '341524', { expertId: 'e-2' })],
    ['the manager of the organization', true, user([Role.ORGANIZATION_MANAGER], '341524', { organizationId: 'o-1' })],
    ['a manager of another organization', false, user([Role.ORGANIZATION_MANAGER], '341524', { organizationId: 'o-2' })],
    ['an analyst, even nationwide', false, user([Role.ANALYST], NATIONAL_REGION)],
    ['an analyst who is also a coordinator', false, user([Role.ANALYST, Role.NATIONAL_ADMIN], NATIONAL_REGION)],
    ['an auditor', false, user([Role.AUDITOR], NATIONAL_REGION)],
    ['anonymous', false, ANONYMOUS],
  ])('%s sees personal data: %s', (_name, sees, principal) => {
    expect(canSeePersonalData(principal, person)).toBe(sees);
    expect(revealOrMask(principal, person, '13812345678', 'phone')).toBe(sees ? '13812345678' : '138****5678');
  });
});
