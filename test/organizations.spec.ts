import { NATIONAL_REGION, Role, startTestApp, type TestApp } from './harness';
import { creditCodeCheckChar, isValidCreditCode, withCreditCheck } from '../src/modules/organizations/validators';

let app: TestApp;
let jinzhai: string; // COUNTY_COORDINATOR of 金寨县 341524
let huoqiu: string; // COUNTY_COORDINATOR of 霍邱县 341522
let province: string; // PROVINCIAL_COORDINATOR of Anhui
let analyst: string;
beforeAll(async () => {
  app = await startTestApp();
  jinzhai = await app.token([Role.COUNTY_COORDINATOR], '341524');
  huoqiu = await app.token([Role.COUNTY_COORDINATOR], '341522');
  province = await app.token([Role.PROVINCIAL_COORDINATOR], '340000');
  analyst = await app.token([Role.ANALYST], NATIONAL_REGION);
});
afterAll(async () => {
  await app?.stop();
});

const FIELDS = `id name type societyDiscipline regionCode level creditCode contactName contactPhone serviceCategories status archivedAt archiveReason version createdAt updatedAt region { code name }`;
const CREATE = `mutation($i: CreateOrganizationInput!){ createOrganization(input:$i) { organization { ${FIELDS} } userErrors { field message code } } }`;
const UPDATE = `mutation($i: UpdateOrganizationInput!){ updateOrganization(input:$i) { organization { ${FIELDS} } userErrors { field message code } } }`;
const ARCHIVE = `mutation($i: ArchiveOrganizationInput!){ archiveOrganization(input:$i) { organization { ${FIELDS} } userErrors { field message code } } }`;

let serial = 0;
/** A fresh valid credit code for a county. */
function creditCode(county: string): string {
  serial++;
  return withCreditCheck(`51${county}MJ${String(7000000 + serial).slice(0, 7)}`);
}
function input(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: '金寨县板栗专业技术协会',
    type: 'RURAL_TECH_ASSOCIATION',
    regionCode: '341524',
    creditCode: creditCode('341524'),
    contactName: '汪德明',
    contactPhone: '13905641234',
    serviceCategories: ['PLANTING', 'MARKETING_ECOMMERCE'],
    ...over,
  };
}
async function count(table: string): Promise<number> {
  const [{ n }] = await app.ds.query(`SELECT count(*)::int n FROM ${table}`);
  return n;
}
async function createOrg(token: string, over: Record<string, unknown> = {}): Promise<any> {
  const res = await app.gql(CREATE, { i: input(over) }, token);
  expect(res.errors).toBeUndefined();
  expect(res.data.createOrganization.userErrors).toEqual([]);
  return res.data.createOrganization.organization;
}

describe('unified social credit code (GB 32100-2015)', () => {
  it('accepts real codes and rejects any single changed character', () => {
    for (const code of ['91350100M000100Y43', '91110000600037341L', '91110108551385082Q']) {
      expect(isValidCreditCode(code)).toBe(true);
      expect(isValidCreditCode(code.slice(0, 17) + (code[17] === '0' ? '1' : '0'))).toBe(false);
    }
    expect(creditCodeCheckChar('91110000600037341')).toBe('L');
    expect(isValidCreditCode('91110000600037341')).toBe(false);
    expect(isValidCreditCode('9111000060003734IL')).toBe(false); // I is not in the charset
  });
});

describe('organization queries', () => {
  it('require authentication', async () => {
    const res = await app.gql(`{ organizations { totalCount } }`);
    expect(res.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('show a county coordinator only the organizations of their county', async () => {
    const res = await app.gql(`{ organizations(first: 100) { totalCount nodes { name regionCode region { name } } } }`, {}, jinzhai);
    expect(res.errors).toBeUndefined();
    const [{ n }] = await app.ds.query(`SELECT count(*)::int n FROM organization WHERE "regionCode" LIKE '341524%'`);
    expect(n).toBeGreaterThan(0);
    expect(res.data.organizations.totalCount).toBe(n);
    expect(res.data.organizations.nodes.every((o: any) => o.regionCode.startsWith('341524'))).toBe(true);
    expect(res.data.organizations.nodes[0].region.name).toBe('金寨县');
    const national = await app.gql(`{ organizations { totalCount } }`, {}, analyst);
    expect(national.data.organizations.totalCount).toBe(await count('organization'));
  });

  it('filter by type, subtree, level, category, discipline, status and name text', async () => {
    const q = `query($f: OrganizationFilter){ organizations(filter:$f, first: 100) { totalCount nodes { name type regionCode level serviceCategories societyDiscipline } } }`;
    const types = await app.gql(q, { f: { types: ['SOCIETY', 'UNIVERSITY'] } }, analyst);
    const [{ n: nTypes }] = await app.ds.query(`SELECT count(*)::int n FROM organization WHERE type IN ('SOCIETY','UNIVERSITY')`);
    expect(types.data.organizations.totalCount).toBe(nTypes);
    expect(types.data.organizations.nodes.every((o: any) => ['SOCIETY', 'UNIVERSITY'].includes(o.type))).toBe(true);

    const within = await app.gql(q, { f: { within: '341500' } }, analyst);
    const [{ n: nLuan }] = await app.ds.query(`SELECT count(*)::int n FROM organization WHERE "regionCode" LIKE '3415%'`);
    expect(within.data.organizations.totalCount).toBe(nLuan);
    expect(within.data.organizations.nodes.some((o: any) => o.level === 'TOWNSHIP')).toBe(true); // 霍邱县农技协联合会

    const level = await app.gql(q, { f: { level: 'PROVINCE' } }, analyst);
    expect(level.data.organizations.nodes.every((o: any) => o.level === 'PROVINCE' && o.regionCode.endsWith('0000'))).toBe(true);

    const cat = await app.gql(q, { f: { serviceCategories: ['HEALTH', 'FINANCE_INSURANCE'] } }, analyst);
    const [{ n: nCat }] = await app.ds.query(`SELECT count(*)::int n FROM organization WHERE "serviceCategories" && ARRAY['HEALTH','FINANCE_INSURANCE']::service_category[]`);
    expect(cat.data.organizations.totalCount).toBe(nCat);
    expect(cat.data.organizations.nodes.every((o: any) => o.serviceCategories.includes('HEALTH') || o.serviceCategories.includes('FINANCE_INSURANCE'))).toBe(true);

    const med = await app.gql(q, { f: { societyDiscipline: 'MEDICAL' } }, analyst);
    expect(med.data.organizations.nodes.map((o: any) => o.name).sort()).toEqual(['安徽省医学会', '西安市医学会'].sort());

    const text = await app.gql(q, { f: { nameContains: '专业技术协会', within: '340000' } }, analyst);
    const [{ n: nText }] = await app.ds.query(`SELECT count(*)::int n FROM organization WHERE name LIKE '%专业技术协会%' AND "regionCode" LIKE '34%'`);
    expect(text.data.organizations.totalCount).toBe(nText);
    expect(nText).toBeGreaterThan(1);
    const wildcard = await app.gql(q, { f: { nameContains: '%' } }, analyst);
    expect(wildcard.data.organizations.totalCount).toBe(0);

    const active = await app.gql(q, { f: { status: 'ACTIVE' } }, analyst);
    const [{ n: nActive }] = await app.ds.query(`SELECT count(*)::int n FROM organization WHERE status = 'ACTIVE'`);
    expect(active.data.organizations.totalCount).toBe(nActive);
  });

  it('use the pg_trgm GIN index for name search (the index exists)', async () => {
    const rows = await app.ds.query(`SELECT indexdef FROM pg_indexes WHERE indexname IN ('organization_name_trgm_idx', 'expert_name_trgm_idx') ORDER BY indexname`);
    expect(rows).toHaveLength(2);
    expect(rows[0].indexdef).toMatch(/gin.*gin_trgm_ops/i);
  });

  it('order by name (both directions) and by creation time', async () => {
    const desc = await app.gql(`{ organizations(first: 100, orderBy:{field: NAME, direction: DESC}) { nodes { name } } }`, {}, analyst);
    const [{ names }] = await app.ds.query(`SELECT array_agg(name ORDER BY name DESC, id DESC) names FROM organization`);
    expect(desc.data.organizations.nodes.map((o: any) => o.name)).toEqual(names);
    const created = await app.gql(`{ organizations(first: 100, orderBy:{field: CREATED_AT}) { nodes { id createdAt } } }`, {}, analyst);
    const times = created.data.organizations.nodes.map((o: any) => o.createdAt);
    expect([...times].sort()).toEqual(times);
  });

  it('pages with keyset cursors: first 0, over 100, continuation without gaps or duplicates, last page', async () => {
    const zero = await app.gql(`{ organizations(first: 0) { totalCount nodes { id } pageInfo { hasNextPage endCursor } } }`, {}, analyst);
    expect(zero.data.organizations.nodes).toEqual([]);
    expect(zero.data.organizations.totalCount).toBe(await count('organization'));
    const big = await app.gql(`{ organizations(first: 101) { totalCount } }`, {}, analyst);
    expect(big.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    const bad = await app.gql(`{ organizations(after: "nope") { totalCount } }`, {}, analyst);
    expect(bad.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');

    for (const field of ['NAME', 'CREATED_AT', 'UPDATED_AT']) {
      const seen: string[] = [];
      let after: string | null = null;
      let last: any;
      for (let pages = 0; pages < 50; pages++) {
        const res: any = await app.gql(
          `query($a: String, $o: OrganizationOrder){ organizations(first: 4, after: $a, orderBy: $o) { totalCount edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage endCursor } } }`,
          { a: after, o: { field } },
          analyst,
        );
        expect(res.errors).toBeUndefined();
        last = res.data.organizations;
        expect(last.pageInfo.hasPreviousPage).toBe(after !== null);
        seen.push(...last.edges.map((e: any) => e.node.id));
        if (!last.pageInfo.hasNextPage) break;
        after = last.pageInfo.endCursor;
      }
      expect(last.pageInfo.hasNextPage).toBe(false);
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen.length).toBe(last.totalCount);
      expect(seen.length).toBe(await count('organization'));
    }
  });

  it('resolve organization(id) and node(id:) within scope only', async () => {
    const { data } = await app.gql(`{ organizations(filter:{nameContains:"金寨县茶叶"}) { nodes { id name } } }`, {}, province);
    const id = data.organizations.nodes[0].id;
    const one = await app.gql(`query($id: ID!){ organization(id:$id) { name } node(id:$id) { id ... on Organization { name type } } nodes(ids:[$id, "garbage"]) { id } }`, { id }, jinzhai);
    expect(one.data.organization).toEqual({ name: '金寨县茶叶专业技术协会' });
    expect(one.data.node).toEqual({ id, name: '金寨县茶叶专业技术协会', type: 'RURAL_TECH_ASSOCIATION' });
    expect(one.data.nodes).toEqual([{ id }, null]);
    const other = await app.gql(`query($id: ID!){ organization(id:$id) { name } node(id:$id) { id } }`, { id }, huoqiu);
    expect(other.data).toEqual({ organization: null, node: null });
    const garbage = await app.gql(`{ organization(id:"garbage") { name } }`, {}, province);
    expect(garbage.data.organization).toBeNull();
  });

  it('lists the experts of each organization as a nested connection', async () => {
    const res = await app.gql(`{ organizations(first: 100) { nodes { id name experts(first: 2) { totalCount nodes { name } pageInfo { hasNextPage } } } } }`, {}, analyst);
    expect(res.errors).toBeUndefined();
    const rows = await app.ds.query(`SELECT "employerId", count(*)::int n FROM expert WHERE "employerId" IS NOT NULL GROUP BY 1`);
    const byId = new Map<string, number>(rows.map((r: any) => [r.employerId, r.n]));
    for (const o of res.data.organizations.nodes) {
      const { data } = await app.gql(`query($id:ID!){ node(id:$id) { id } }`, { id: o.id }, analyst);
      expect(data.node.id).toBe(o.id);
      const key = Buffer.from(o.id, 'base64url').toString('utf8').split(':')[1];
      const n = byId.get(key) ?? 0;
      expect(o.experts.totalCount).toBe(n);
      expect(o.experts.nodes.length).toBe(Math.min(n, 2));
      expect(o.experts.pageInfo.hasNextPage).toBe(n > 2);
    }
  });
});

describe('createOrganization', () => {
  it('registers an organization in scope, with its level, and audits it', async () => {
    const code = creditCode('341524').toLowerCase();
    const org = await createOrg(jinzhai, { creditCode: code });
    expect(org).toMatchObject({ name: '金寨县板栗专业技术协会', level: 'COUNTY', creditCode: code.toUpperCase(), status: 'ACTIVE', version: 1, region: { code: '341524', name: '金寨县' } });
    const [row] = await app.ds.query(`SELECT * FROM organization WHERE "creditCode" = $1`, [code.toUpperCase()]);
    expect(row).toMatchObject({ type: 'RURAL_TECH_ASSOCIATION', regionCode: '341524', level: 'COUNTY', contactPhone: '13905641234' });
    const [ev] = await app.ds.query(`SELECT * FROM audit_event WHERE operation = 'createOrganization' AND "entityId" = $1`, [row.id]);
    expect(ev).toMatchObject({ entityType: 'Organization', regionCode: '341524', actorSubject: 'test-county_coordinator-341524' });
    expect(ev.after).toMatchObject({ name: '金寨县板栗专业技术协会', creditCode: code.toUpperCase() });
  });

  it('a society needs a discipline; other kinds must not have one', async () => {
    const soc = await createOrg(province, { name: '安徽省畜牧兽医学会', type: 'SOCIETY', societyDiscipline: 'AGRICULTURE', regionCode: '340000', creditCode: creditCode('340000') });
    expect(soc).toMatchObject({ type: 'SOCIETY', societyDiscipline: 'AGRICULTURE', level: 'PROVINCE' });
    const none = await app.gql(CREATE, { i: input({ type: 'SOCIETY' }) }, jinzhai);
    expect(none.data.createOrganization.userErrors[0]).toMatchObject({ code: 'VALIDATION', field: ['input', 'societyDiscipline'] });
    const wrong = await app.gql(CREATE, { i: input({ societyDiscipline: 'MEDICAL' }) }, jinzhai);
    expect(wrong.data.createOrganization.userErrors[0]).toMatchObject({ code: 'VALIDATION', field: ['input', 'societyDiscipline'] });
  });

  it('refuses bad credit codes, phones, unknown regions and duplicates with userErrors, writing nothing', async () => {
    const before = await count('organization');
    const auditBefore = await count('audit_event');
    const good = creditCode('341524');
    const flipped = good.slice(0, 17) + (good[17] === 'A' ? 'B' : 'A');
    const [{ taken }] = await app.ds.query(`SELECT "creditCode" taken FROM organization ORDER BY "creditCode" LIMIT 1`);
    const cases: Array<[Record<string, unknown>, string, string[]]> = [
      [{ creditCode: flipped }, 'VALIDATION', ['input', 'creditCode']],
      [{ creditCode: '91110000600037341' }, 'VALIDATION', ['input', 'creditCode']],
      [{ creditCode: 'IOZSV0000600037341' }, 'VALIDATION', ['input', 'creditCode']],
      [{ contactPhone: '12345678901' }, 'VALIDATION', ['input', 'contactPhone']],
      [{ contactPhone: '0551 1234' }, 'VALIDATION', ['input', 'contactPhone']],
      [{ regionCode: '341599' }, 'NOT_FOUND', ['input', 'regionCode']],
      [{ regionCode: '3415' }, 'VALIDATION', ['input', 'regionCode']],
      [{ serviceCategories: [] }, 'VALIDATION', ['input', 'serviceCategories']],
      [{ name: 'x' }, 'VALIDATION', ['input', 'name']],
      [{ creditCode: taken }, 'DUPLICATE', ['input', 'creditCode']],
    ];
    for (const [over, code, field] of cases) {
      const res = await app.gql(CREATE, { i: input(over) }, jinzhai);
      expect(res.errors).toBeUndefined();
      expect(res.data.createOrganization.organization).toBeNull();
      expect(res.data.createOrganization.userErrors[0]).toMatchObject({ code, field });
    }
    expect(await count('organization')).toBe(before);
    expect(await count('audit_event')).toBe(auditBefore);
  });

  it('accepts landline numbers with area code', async () => {
    const org = await createOrg(jinzhai, { contactPhone: '0564-7071234' });
    expect(org.contactPhone).toBe('0564-7071234');
  });

  it('is for coordinators, inside their scope', async () => {
    const before = await count('organization');
    const out = await app.gql(CREATE, { i: input({ regionCode: '341522', creditCode: creditCode('341522') }) }, jinzhai);
    expect(out.data.createOrganization.userErrors[0]).toMatchObject({ code: 'FORBIDDEN', field: ['input', 'regionCode'] });
    const ro = await app.gql(CREATE, { i: input() }, analyst);
    expect(ro.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const anon = await app.gql(CREATE, { i: input() });
    expect(anon.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect(await count('organization')).toBe(before);
  });
});

describe('updateOrganization', () => {
  it('changes fields with the version read, audits only what changed, and refuses a stale version', async () => {
    const org = await createOrg(jinzhai);
    const ok = await app.gql(UPDATE, { i: { id: org.id, version: 1, contactName: '汪德华', serviceCategories: ['PLANTING'] } }, jinzhai);
    expect(ok.data.updateOrganization.userErrors).toEqual([]);
    expect(ok.data.updateOrganization.organization).toMatchObject({ contactName: '汪德华', serviceCategories: ['PLANTING'], version: 2, name: org.name });
    const key = Buffer.from(org.id, 'base64url').toString('utf8').split(':')[1];
    const [ev] = await app.ds.query(`SELECT before, after FROM audit_event WHERE operation = 'updateOrganization' AND "entityId" = $1`, [key]);
    expect(ev.before).toEqual({ contactName: '汪德明', serviceCategories: ['PLANTING', 'MARKETING_ECOMMERCE'] });
    expect(ev.after).toEqual({ contactName: '汪德华', serviceCategories: ['PLANTING'] });

    const stale = await app.gql(UPDATE, { i: { id: org.id, version: 1, contactName: '张三' } }, jinzhai);
    expect(stale.data.updateOrganization.organization).toBeNull();
    expect(stale.data.updateOrganization.userErrors[0]).toMatchObject({ code: 'VERSION_CONFLICT', field: ['input', 'version'] });
    const [row] = await app.ds.query(`SELECT "contactName", version FROM organization WHERE id = $1`, [key]);
    expect(row).toEqual({ contactName: '汪德华', version: 2 });
  });

  it('validates changed fields and moves regions only inside the scope', async () => {
    const org = await createOrg(province, { regionCode: '341500', creditCode: creditCode('341500') });
    const cases: Array<[Record<string, unknown>, string, string[]]> = [
      [{ creditCode: '91110000600037341X' }, 'VALIDATION', ['input', 'creditCode']],
      [{ contactPhone: '110' }, 'VALIDATION', ['input', 'contactPhone']],
      [{ name: null }, 'VALIDATION', ['input', 'name']],
      [{ regionCode: '349999' }, 'NOT_FOUND', ['input', 'regionCode']],
      [{ regionCode: '610124' }, 'FORBIDDEN', ['input', 'regionCode']],
    ];
    for (const [over, code, field] of cases) {
      const res = await app.gql(UPDATE, { i: { id: org.id, version: 1, ...over } }, province);
      expect(res.data.updateOrganization.userErrors[0]).toMatchObject({ code, field });
    }
    const moved = await app.gql(UPDATE, { i: { id: org.id, version: 1, regionCode: '341524' } }, province);
    expect(moved.data.updateOrganization.organization).toMatchObject({ regionCode: '341524', level: 'COUNTY', version: 2 });
    const unknown = await app.gql(UPDATE, { i: { id: Buffer.from('Organization:00000000-0000-4000-8000-000000000000').toString('base64url'), version: 1 } }, province);
    expect(unknown.data.updateOrganization.userErrors[0]).toMatchObject({ code: 'NOT_FOUND', field: ['input', 'id'] });
  });

  it('a county coordinator cannot see or change an organization in another county: FORBIDDEN and nothing changes', async () => {
    const org = await createOrg(huoqiu, { regionCode: '341522', creditCode: creditCode('341522') });
    const key = Buffer.from(org.id, 'base64url').toString('utf8').split(':')[1];
    const [before] = await app.ds.query(`SELECT * FROM organization WHERE id = $1`, [key]);
    const seen = await app.gql(`query($id:ID!){ organization(id:$id) { name } }`, { id: org.id }, jinzhai);
    expect(seen.data.organization).toBeNull();
    const listed = await app.gql(`{ organizations(first: 100, filter:{within:"341522"}) { totalCount } }`, {}, jinzhai);
    expect(listed.data.organizations.totalCount).toBe(0);
    const res = await app.gql(UPDATE, { i: { id: org.id, version: 1, name: '被篡改的名称' } }, jinzhai);
    expect(res.data.updateOrganization.organization).toBeNull();
    expect(res.data.updateOrganization.userErrors[0]).toMatchObject({ code: 'FORBIDDEN', field: ['input', 'id'] });
    const arch = await app.gql(ARCHIVE, { i: { id: org.id, reason: '测试归档' } }, jinzhai);
    expect(arch.data.archiveOrganization.userErrors[0]).toMatchObject({ code: 'FORBIDDEN' });
    const [after] = await app.ds.query(`SELECT * FROM organization WHERE id = $1`, [key]);
    expect(after).toEqual(before);
  });

  it('an organization manager updates only their own organization and cannot move it', async () => {
    const org = await createOrg(jinzhai);
    const key = Buffer.from(org.id, 'base64url').toString('utf8').split(':')[1];
    const other = await createOrg(jinzhai);
    const manager = await app.token([Role.ORGANIZATION_MANAGER], '341524', { org: key, sub: 'manager-1' });
    const own = await app.gql(UPDATE, { i: { id: org.id, version: 1, contactPhone: '13300001111' } }, manager);
    expect(own.data.updateOrganization.userErrors).toEqual([]);
    expect(own.data.updateOrganization.organization.contactPhone).toBe('13300001111');
    const notOwn = await app.gql(UPDATE, { i: { id: other.id, version: 1, contactPhone: '13300001111' } }, manager);
    expect(notOwn.data.updateOrganization.userErrors[0]).toMatchObject({ code: 'FORBIDDEN', field: ['input', 'id'] });
    const move = await app.gql(UPDATE, { i: { id: org.id, version: 2, regionCode: '341500' } }, manager);
    expect(move.data.updateOrganization.userErrors[0]).toMatchObject({ code: 'FORBIDDEN', field: ['input', 'regionCode'] });
    const archive = await app.gql(ARCHIVE, { i: { id: org.id, reason: '自行注销' } }, manager);
    expect(archive.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });
});

describe('archiveOrganization', () => {
  it('archives with a reason, never deletes, and then refuses changes', async () => {
    const org = await createOrg(jinzhai);
    const key = Buffer.from(org.id, 'base64url').toString('utf8').split(':')[1];
    const noReason = await app.gql(ARCHIVE, { i: { id: org.id, reason: '' } }, jinzhai);
    expect(noReason.data.archiveOrganization.userErrors[0]).toMatchObject({ code: 'VALIDATION', field: ['input', 'reason'] });
    const stale = await app.gql(ARCHIVE, { i: { id: org.id, version: 7, reason: '协会合并' } }, jinzhai);
    expect(stale.data.archiveOrganization.userErrors[0]).toMatchObject({ code: 'VERSION_CONFLICT' });
    const ok = await app.gql(ARCHIVE, { i: { id: org.id, version: 1, reason: '协会合并' } }, jinzhai);
    expect(ok.data.archiveOrganization.userErrors).toEqual([]);
    expect(ok.data.archiveOrganization.organization).toMatchObject({ status: 'ARCHIVED', archiveReason: '协会合并', version: 2 });
    expect(ok.data.archiveOrganization.organization.archivedAt).toBeTruthy();
    const [row] = await app.ds.query(`SELECT status, "archiveReason", "archivedAt" FROM organization WHERE id = $1`, [key]);
    expect(row.status).toBe('ARCHIVED');
    expect(row.archivedAt).toBeInstanceOf(Date);
    const again = await app.gql(ARCHIVE, { i: { id: org.id, reason: '再次归档' } }, jinzhai);
    expect(again.data.archiveOrganization.userErrors[0]).toMatchObject({ code: 'INVALID_STATE' });
    const upd = await app.gql(UPDATE, { i: { id: org.id, version: 2, name: '新名称协会' } }, jinzhai);
    expect(upd.data.updateOrganization.userErrors[0]).toMatchObject({ code: 'INVALID_STATE' });
    const listed = await app.gql(`{ organizations(first: 100, filter:{status: ARCHIVED}) { nodes { id } } }`, {}, jinzhai);
    expect(listed.data.organizations.nodes.map((n: any) => n.id)).toContain(org.id);
    const [{ n }] = await app.ds.query(`SELECT count(*)::int n FROM audit_event WHERE operation = 'archiveOrganization' AND "entityId" = $1`, [key]);
    expect(n).toBe(1);
  });
});
