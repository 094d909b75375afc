import { toGlobalId } from '../src/graphql/node';
import { withCreditCheck } from '../src/modules/organizations/validators';
import { NATIONAL_REGION, Role, startTestApp, type TestApp } from './harness';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await app?.stop();
});

const EVENTS = `query($f: AuditEventFilter, $first: Int, $after: String, $order: OrderDirection) {
  auditEvents(filter: $f, first: $first, after: $after, order: $order) {
    totalCount pageInfo { hasNextPage endCursor }
    nodes { id seq operation entityType entityId regionCode actorSubject apiKeyId requestId before after at }
  } }`;

/**
 * An entity the audit acceptance test edits three times through the API. Add one descriptor per audited
 * entity (e.g. Organization with updateOrganization once it exists): `prepare` returns the entity's key,
 * `edit` performs the i-th edit as `token`, `expected` the changed fields before/after of the i-th event.
 */
interface Editable {
  entityType: string;
  operation: string;
  prepare(): Promise<{ key: string; globalId: string }>;
  edit(key: string, i: number, token: string): Promise<void>;
  expected: Array<{ before: Record<string, unknown>; after: Record<string, unknown> }>;
}

const regionEdits = [
  { povertyDesignation: 'POOR_VILLAGE', designatedYear: 2014, povertyExitYear: null },
  { povertyDesignation: 'POOR_VILLAGE', designatedYear: 2014, povertyExitYear: 2017 },
  { povertyDesignation: 'NONE', designatedYear: null, povertyExitYear: null },
];
const editables: Editable[] = [
  {
    entityType: 'Region',
    operation: 'updateRegionPoverty',
    async prepare() {
      const [{ code }] = await app.ds.query(`SELECT code FROM region WHERE level = 'VILLAGE' AND code LIKE '341524%' AND "povertyDesignation" = 'NONE' AND "designatedYear" IS NULL ORDER BY code LIMIT 1`);
      return { key: code, globalId: toGlobalId('Region', code) };
    },
    async edit(code, i, token) {
      const [{ version }] = await app.ds.query(`SELECT version FROM region WHERE code = $1`, [code]);
      const res = await app.gql(`mutation($i: UpdateRegionPovertyInput!) { updateRegionPoverty(input: $i) { userErrors { code message } } }`, { i: { code, version, ...regionEdits[i] } }, token);
      expect(res.data.updateRegionPoverty.userErrors).toEqual([]);
    },
    expected: [
      { before: { povertyDesignation: 'NONE', designatedYear: null }, after: { povertyDesignation: 'POOR_VILLAGE', designatedYear: 2014 } },
      { before: { povertyExitYear: null }, after: { povertyExitYear: 2017 } },
      { before: { povertyDesignation: 'POOR_VILLAGE', designatedYear: 2014, povertyExitYear: 2017 }, after: { povertyDesignation: 'NONE', designatedYear: null, povertyExitYear: null } },
    ],
  },
  {
    entityType: 'Organization',
    operation: 'updateOrganization',
    async prepare() {
      const admin = await app.token([Role.NATIONAL_ADMIN], NATIONAL_REGION);
      const res = await app.gql(`mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { organization { id } userErrors { code message } } }`, {
        i: { name: '金寨县茶叶专业技术协会', type: 'RURAL_TECH_ASSOCIATION', regionCode: '341524', creditCode: withCreditCheck('51341524MJ9000001'), contactName: '汪德明', contactPhone: '13905641234', serviceCategories: ['PLANTING'] },
      }, admin);
      expect(res.data.createOrganization.userErrors).toEqual([]);
      const globalId = res.data.createOrganization.organization.id as string;
      return { key: Buffer.from(globalId, 'base64url').toString().split(':')[1], globalId };
    },
    async edit(key, i, token) {
      const [{ version }] = await app.ds.query(`SELECT version FROM organization WHERE id = $1`, [key]);
      const changes = [{ contactName: '陈立新' }, { contactPhone: '0564-5012345' }, { contactName: '汪德明', serviceCategories: ['PLANTING', 'LIVESTOCK_AQUACULTURE'] }][i];
      const res = await app.gql(`mutation($i: UpdateOrganizationInput!) { updateOrganization(input: $i) { userErrors { code message } } }`, { i: { id: toGlobalId('Organization', key), version, ...changes } }, token);
      expect(res.data.updateOrganization.userErrors).toEqual([]);
    },
    expected: [
      { before: { contactName: '汪德明' }, after: { contactName: '陈立新' } },
      { before: { contactPhone: '13905641234' }, after: { contactPhone: '0564-5012345' } },
      { before: { contactName: '陈立新', serviceCategories: ['PLANTING'] }, after: { contactName: '汪德明', serviceCategories: ['PLANTING', 'LIVESTOCK_AQUACULTURE'] } },
    ],
  },
];

describe.each(editables)('audit trail of a $entityType edited three times', (e) => {
  let key: string;
  let globalId: string;
  let auditor: string;
  beforeAll(async () => {
    ({ key, globalId } = await e.prepare());
    // A provincial coordinator reads the trail here: it may see personal data in scope, so before/after compare
    // unmasked (an AUDITOR sees personal fields masked — test/masking.spec.ts).
    auditor = await app.token([Role.PROVINCIAL_COORDINATOR], '340000', { sub: 'province-ah' });
    const coordinator = await app.token([Role.COUNTY_COORDINATOR], '341524', { sub: 'jz-coordinator' });
    for (let i = 0; i < 3; i++) await e.edit(key, i, coordinator);
  });

  it('shows three events, oldest first, with the correct before/after, actor and request ids', async () => {
    const res = await app.gql(EVENTS, { f: { entityType: e.entityType, entityId: key, operation: e.operation }, order: 'ASC' }, auditor);
    expect(res.errors).toBeUndefined();
    const nodes = res.data.auditEvents.nodes;
    expect(res.data.auditEvents.totalCount).toBe(3);
    expect(nodes.map((n: any) => ({ before: n.before, after: n.after }))).toEqual(e.expected);
    for (const n of nodes) expect(n).toMatchObject({ operation: e.operation, entityType: e.entityType, entityId: key, actorSubject: 'jz-coordinator', apiKeyId: null });
    expect(new Set(nodes.map((n: any) => n.requestId)).size).toBe(3);
    const seqs = nodes.map((n: any) => Number(n.seq));
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
  });

  it('finds the same events by the entity\'s global ID, newest first by default', async () => {
    const res = await app.gql(EVENTS, { f: { entityId: globalId, operation: e.operation } }, auditor);
    expect(res.data.auditEvents.nodes.map((n: any) => n.after)).toEqual(e.expected.map((x) => x.after).reverse());
  });
});

describe('reading the audit trail', () => {
  let village: string;
  beforeAll(async () => {
    // Seed events in Anhui (a village of 金寨县), Shaanxi (周至县) and one without a region (a nationwide API key).
    [{ code: village }] = await app.ds.query(`SELECT code FROM region WHERE level = 'VILLAGE' AND code LIKE '341524%' ORDER BY code DESC LIMIT 1`);
    const admin = await app.token([Role.NATIONAL_ADMIN], NATIONAL_REGION, { sub: 'admin-a' });
    for (const code of [village, '610124']) {
      const [{ version }] = await app.ds.query(`SELECT version FROM region WHERE code = $1`, [code]);
      const designation = code === village ? 'POOR_VILLAGE' : 'PROVINCIAL';
      const r = await app.gql(`mutation($i: UpdateRegionPovertyInput!) { updateRegionPoverty(input: $i) { userErrors { code message } } }`, { i: { code, version, povertyDesignation: designation, designatedYear: 2015 } }, admin);
      expect(r.data.updateRegionPoverty.userErrors).toEqual([]);
    }
    const k = await app.gql(`mutation { createApiKey(input: { name: "National statistics", roles: [ANALYST], regionCode: "000000" }) { userErrors { code } } }`, {}, admin);
    expect(k.data.createApiKey.userErrors).toEqual([]);
  });

  const regionsSeen = async (token: string) => {
    const res = await app.gql(EVENTS, { first: 100 }, token);
    expect(res.errors).toBeUndefined();
    return new Set((res.data.auditEvents.nodes as Array<{ regionCode: string | null }>).map((n) => (n.regionCode === null ? 'null' : n.regionCode.slice(0, 2))));
  };

  it('is scoped by region prefix in SQL; events without a region only for national scope', async () => {
    expect(await regionsSeen(await app.token([Role.AUDITOR], NATIONAL_REGION))).toEqual(new Set(['34', '61', 'null']));
    expect(await regionsSeen(await app.token([Role.AUDITOR], '340000'))).toEqual(new Set(['34']));
    expect(await regionsSeen(await app.token([Role.PROVINCIAL_COORDINATOR], '610000'))).toEqual(new Set(['61']));
    const county = await app.gql(EVENTS, { first: 100 }, await app.token([Role.AUDITOR], '341524'));
    expect(county.data.auditEvents.nodes.length).toBeGreaterThan(0);
    expect(county.data.auditEvents.nodes.every((n: any) => n.regionCode.startsWith('341524'))).toBe(true);
    const other = await app.gql(EVENTS, { f: { entityId: village } }, await app.token([Role.AUDITOR], '341522'));
    expect(other.data.auditEvents.totalCount).toBe(0);
  });

  it('is refused to other roles (FORBIDDEN) and to anonymous callers (UNAUTHENTICATED)', async () => {
    for (const role of [Role.CITY_COORDINATOR, Role.COUNTY_COORDINATOR, Role.ANALYST, Role.EXPERT, Role.ORGANIZATION_MANAGER]) {
      const res = await app.gql(EVENTS, {}, await app.token([role], '340000'));
      expect(res.data).toBeNull();
      expect(res.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    }
    const anon = await app.gql(EVENTS, {});
    expect(anon.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('filters by actor, operation and time range, and pages by sequence', async () => {
    const auditor = await app.token([Role.AUDITOR], NATIONAL_REGION);
    const byActor = await app.gql(EVENTS, { f: { actor: 'admin-a' }, first: 100 }, auditor);
    expect(byActor.data.auditEvents.totalCount).toBe(3);
    const byOp = await app.gql(EVENTS, { f: { actor: 'admin-a', operation: 'createApiKey' } }, auditor);
    expect(byOp.data.auditEvents.nodes.map((n: any) => [n.entityType, n.regionCode])).toEqual([['ApiKey', null]]);
    const at = new Date(byOp.data.auditEvents.nodes[0].at);
    const future = await app.gql(EVENTS, { f: { actor: 'admin-a', from: new Date(at.getTime() + 1000).toISOString() } }, auditor);
    expect(future.data.auditEvents.totalCount).toBe(0);
    const past = await app.gql(EVENTS, { f: { actor: 'admin-a', to: new Date(at.getTime() - 3600_000).toISOString() } }, auditor);
    expect(past.data.auditEvents.totalCount).toBe(0);
    const window = await app.gql(EVENTS, { f: { actor: 'admin-a', from: new Date(at.getTime() - 3600_000).toISOString(), to: new Date(at.getTime() + 1000).toISOString() } }, auditor);
    expect(window.data.auditEvents.totalCount).toBe(3);
    // Pages of two, newest first, no gaps or repeats.
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page: any = await app.gql(EVENTS, { f: { actor: 'admin-a' }, first: 2, after }, auditor);
      seen.push(...page.data.auditEvents.nodes.map((n: any) => n.seq));
      if (!page.data.auditEvents.pageInfo.hasNextPage) break;
      after = page.data.auditEvents.pageInfo.endCursor;
    }
    expect(seen).toEqual(byActor.data.auditEvents.nodes.map((n: any) => n.seq));
    expect(seen.map(Number)).toEqual(seen.map(Number).sort((a, b) => b - a));
  });

  it('resolves events through node(id:) for readers in scope only', async () => {
    const auditor = await app.token([Role.AUDITOR], '340000');
    const [first] = (await app.gql(EVENTS, { f: { entityId: village }, first: 1 }, auditor)).data.auditEvents.nodes;
    const q = `query($id: ID!) { node(id: $id) { id ... on AuditEvent { entityId operation } } }`;
    expect((await app.gql(q, { id: first.id }, auditor)).data.node).toMatchObject({ id: first.id, entityId: village });
    expect((await app.gql(q, { id: first.id }, await app.token([Role.AUDITOR], '610000'))).data.node).toBeNull();
    expect((await app.gql(q, { id: first.id }, await app.token([Role.ANALYST], NATIONAL_REGION))).data.node).toBeNull();
    expect((await app.gql(q, { id: first.id }, await app.token([Role.COUNTY_COORDINATOR], '341524'))).data.node).toBeNull();
    expect((await app.gql(q, { id: first.id })).data.node).toBeNull();
  });
});

describe('append-only in the database', () => {
  it('refuses UPDATE, DELETE and TRUNCATE of audit_event even for the service\'s own (owner/superuser) connection', async () => {
    const [{ n: before }] = await app.ds.query(`SELECT count(*)::int n FROM audit_event`);
    expect(before).toBeGreaterThan(0);
    await expect(app.ds.query(`UPDATE audit_event SET operation = 'forged'`)).rejects.toThrow(/append-only/);
    await expect(app.ds.query(`DELETE FROM audit_event`)).rejects.toThrow(/append-only/);
    await expect(app.ds.query(`TRUNCATE audit_event`)).rejects.toThrow(/append-only/);
    const [{ n: after, forged }] = await app.ds.query(`SELECT count(*)::int n, count(*) FILTER (WHERE operation = 'forged')::int forged FROM audit_event`);
    expect(after).toBe(before);
    expect(forged).toBe(0);
  });

  it('offers no mutation that changes or deletes audit events', async () => {
    const res = await app.gql(`{ __schema { mutationType { fields { name } } } }`);
    const names = res.data.__schema.mutationType.fields.map((f: any) => f.name as string);
    expect(names.filter((n: string) => /audit/i.test(n))).toEqual([]);
  });
});
