import { NATIONAL_REGION, Role, startTestApp, type TestApp } from './harness';
import { rosterFilingCode } from '../src/modules/experts/expert.service';

let app: TestApp;
let jinzhai: string; // COUNTY_COORDINATOR of 金寨县 341524
let huoqiu: string; // COUNTY_COORDINATOR of 霍邱县 341522
let luan: string; // CITY_COORDINATOR of 六安市 341500
let province: string; // PROVINCIAL_COORDINATOR of Anhui
let analyst: string;
let employerId: string; // global ID of 金寨县茶叶专业技术协会
beforeAll(async () => {
  app = await startTestApp();
  jinzhai = await app.token([Role.COUNTY_COORDINATOR], '341524');
  huoqiu = await app.token([Role.COUNTY_COORDINATOR], '341522');
  luan = await app.token([Role.CITY_COORDINATOR], '341500');
  province = await app.token([Role.PROVINCIAL_COORDINATOR], '340000');
  analyst = await app.token([Role.ANALYST], NATIONAL_REGION);
  const { data } = await app.gql(`{ organizations(filter:{nameContains:"金寨县茶叶"}) { nodes { id } } }`, {}, province);
  employerId = data.organizations.nodes[0].id;
});
afterAll(async () => {
  await app?.stop();
});

const FIELDS = `id name title regionCode specialties specialtyNote serviceRegionCodes contactPhone email rosterStatus rosterFiledBy rosterFiledAt rosterFiledWithCode rosterRegisteredBy rosterRegisteredAt status archivedAt archiveReason version createdAt updatedAt
  employer { id name } region { code name } serviceRegions { code name }`;
const CREATE = `mutation($i: CreateExpertInput!){ createExpert(input:$i) { expert { ${FIELDS} } userErrors { field message code } } }`;
const UPDATE = `mutation($i: UpdateExpertInput!){ updateExpert(input:$i) { expert { ${FIELDS} } userErrors { field message code } } }`;
const ARCHIVE = `mutation($i: ArchiveExpertInput!){ archiveExpert(input:$i) { expert { ${FIELDS} } userErrors { field message code } } }`;
const FILE = `mutation($i: ExpertRosterInput!){ fileExpertRoster(input:$i) { expert { ${FIELDS} } userErrors { field message code } } }`;
const REGISTER = `mutation($i: ExpertRosterInput!){ registerExpertRoster(input:$i) { expert { ${FIELDS} } userErrors { field message code } } }`;

function input(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: '储德明',
    title: '高级农艺师',
    employerId,
    regionCode: '341524',
    specialties: ['PLANTING', 'AGRO_PROCESSING'],
    specialtyNote: '茶叶栽培与加工',
    serviceRegionCodes: ['341524', '341522'],
    contactPhone: '13805648888',
    email: 'chu@example.org',
    ...over,
  };
}
const keyOf = (id: string) => Buffer.from(id, 'base64url').toString('utf8').split(':')[1];
async function count(table: string): Promise<number> {
  const [{ n }] = await app.ds.query(`SELECT count(*)::int n FROM ${table}`);
  return n;
}
async function createExpert(token: string, over: Record<string, unknown> = {}): Promise<any> {
  const res = await app.gql(CREATE, { i: input(over) }, token);
  expect(res.errors).toBeUndefined();
  expect(res.data.createExpert.userErrors).toEqual([]);
  return res.data.createExpert.expert;
}

describe('createExpert', () => {
  it('enters an expert as DRAFT with employer, home and service regions, and audits it', async () => {
    const e = await createExpert(jinzhai);
    expect(e).toMatchObject({
      name: '储德明',
      title: '高级农艺师',
      rosterStatus: 'DRAFT',
      status: 'ACTIVE',
      version: 1,
      employer: { id: employerId, name: '金寨县茶叶专业技术协会' },
      region: { code: '341524', name: '金寨县' },
      serviceRegions: [{ code: '341524', name: '金寨县' }, { code: '341522', name: '霍邱县' }],
      contactPhone: '13805648888',
      rosterFiledAt: null,
    });
    const [row] = await app.ds.query(`SELECT id, "employerId", "regionCode", specialties::text[] AS specialties, "serviceRegionCodes", "rosterStatus" FROM expert WHERE id = $1`, [keyOf(e.id)]);
    expect(row).toMatchObject({ employerId: keyOf(employerId), regionCode: '341524', specialties: ['PLANTING', 'AGRO_PROCESSING'], serviceRegionCodes: ['341524', '341522'], rosterStatus: 'DRAFT' });
    const [ev] = await app.ds.query(`SELECT * FROM audit_event WHERE operation = 'createExpert' AND "entityId" = $1`, [row.id]);
    expect(ev.after).toMatchObject({ name: '储德明', regionCode: '341524' });
  });

  it('refuses bad phones, e-mails, unknown regions and employers, too many service regions, writing nothing', async () => {
    const before = await count('expert');
    const fifty = Array.from({ length: 51 }, () => '341524');
    const cases: Array<[Record<string, unknown>, string, string[]]> = [
      [{ contactPhone: '1380564888' }, 'VALIDATION', ['input', 'contactPhone']],
      [{ contactPhone: '+86 13805648888' }, 'VALIDATION', ['input', 'contactPhone']],
      [{ email: 'not-an-email' }, 'VALIDATION', ['input', 'email']],
      [{ regionCode: '341599' }, 'NOT_FOUND', ['input', 'regionCode']],
      [{ serviceRegionCodes: ['341524', '341599'] }, 'NOT_FOUND', ['input', 'serviceRegionCodes', '1']],
      [{ serviceRegionCodes: fifty }, 'VALIDATION', ['input', 'serviceRegionCodes']],
      [{ serviceRegionCodes: ['34'] }, 'VALIDATION', ['input', 'serviceRegionCodes']],
      [{ employerId: Buffer.from('Organization:00000000-0000-4000-8000-000000000000').toString('base64url') }, 'NOT_FOUND', ['input', 'employerId']],
      [{ specialties: [] }, 'VALIDATION', ['input', 'specialties']],
      [{ regionCode: '341522' }, 'FORBIDDEN', ['input', 'regionCode']],
    ];
    for (const [over, code, field] of cases) {
      const res = await app.gql(CREATE, { i: input(over) }, jinzhai);
      expect(res.errors).toBeUndefined();
      expect(res.data.createExpert.expert).toBeNull();
      expect(res.data.createExpert.userErrors[0]).toMatchObject({ code, field });
    }
    const ro = await app.gql(CREATE, { i: input() }, analyst);
    expect(ro.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect(await count('expert')).toBe(before);
  });
});

describe('updateExpert', () => {
  it('updates with the version read; a stale version is a VERSION_CONFLICT and changes nothing', async () => {
    const e = await createExpert(jinzhai);
    const ok = await app.gql(UPDATE, { i: { id: e.id, version: 1, title: '推广研究员', specialties: ['PLANTING'], email: null } }, jinzhai);
    expect(ok.data.updateExpert.userErrors).toEqual([]);
    expect(ok.data.updateExpert.expert).toMatchObject({ title: '推广研究员', specialties: ['PLANTING'], email: null, version: 2 });
    const [ev] = await app.ds.query(`SELECT before, after FROM audit_event WHERE operation = 'updateExpert' AND "entityId" = $1`, [keyOf(e.id)]);
    expect(ev.before).toEqual({ title: '高级农艺师', specialties: ['PLANTING', 'AGRO_PROCESSING'], email: 'chu@example.org' });
    expect(ev.after).toEqual({ title: '推广研究员', specialties: ['PLANTING'], email: null });
    const stale = await app.gql(UPDATE, { i: { id: e.id, version: 1, title: '研究员' } }, jinzhai);
    expect(stale.data.updateExpert.userErrors[0]).toMatchObject({ code: 'VERSION_CONFLICT', field: ['input', 'version'] });
    const [row] = await app.ds.query(`SELECT title, version FROM expert WHERE id = $1`, [keyOf(e.id)]);
    expect(row).toEqual({ title: '推广研究员', version: 2 });
    const bad = await app.gql(UPDATE, { i: { id: e.id, version: 2, contactPhone: '999' } }, jinzhai);
    expect(bad.data.updateExpert.userErrors[0]).toMatchObject({ code: 'VALIDATION', field: ['input', 'contactPhone'] });
  });

  it('an expert updates only themself, and not their home region or employer', async () => {
    const e = await createExpert(jinzhai);
    const other = await createExpert(jinzhai, { name: '汪海峰' });
    const self = await app.token([Role.EXPERT], '341524', { expert: keyOf(e.id), sub: 'expert-self' });
    const ok = await app.gql(UPDATE, { i: { id: e.id, version: 1, specialtyNote: '高山茶园管理', contactPhone: '0564-7071111' } }, self);
    expect(ok.data.updateExpert.userErrors).toEqual([]);
    expect(ok.data.updateExpert.expert).toMatchObject({ specialtyNote: '高山茶园管理', contactPhone: '0564-7071111' });
    const notSelf = await app.gql(UPDATE, { i: { id: other.id, version: 1, title: '教授' } }, self);
    expect(notSelf.data.updateExpert.userErrors[0]).toMatchObject({ code: 'FORBIDDEN', field: ['input', 'id'] });
    const move = await app.gql(UPDATE, { i: { id: e.id, version: 2, regionCode: '341500' } }, self);
    expect(move.data.updateExpert.userErrors[0]).toMatchObject({ code: 'FORBIDDEN', field: ['input', 'regionCode'] });
    const employ = await app.gql(UPDATE, { i: { id: e.id, version: 2, employerId: null } }, self);
    expect(employ.data.updateExpert.userErrors[0]).toMatchObject({ code: 'FORBIDDEN', field: ['input', 'employerId'] });
    const [row] = await app.ds.query(`SELECT "regionCode", "employerId", version FROM expert WHERE id = $1`, [keyOf(e.id)]);
    expect(row).toEqual({ regionCode: '341524', employerId: keyOf(employerId), version: 2 });
  });

  it('a county coordinator cannot see or change an expert of another county', async () => {
    const e = await createExpert(huoqiu, { regionCode: '341522', serviceRegionCodes: [] });
    const [before] = await app.ds.query(`SELECT * FROM expert WHERE id = $1`, [keyOf(e.id)]);
    const seen = await app.gql(`query($id:ID!){ expert(id:$id) { name } node(id:$id) { id } }`, { id: e.id }, jinzhai);
    expect(seen.data).toEqual({ expert: null, node: null });
    const res = await app.gql(UPDATE, { i: { id: e.id, version: 1, title: '教授' } }, jinzhai);
    expect(res.data.updateExpert.userErrors[0]).toMatchObject({ code: 'FORBIDDEN', field: ['input', 'id'] });
    const file = await app.gql(FILE, { i: { id: e.id } }, jinzhai);
    expect(file.data.fileExpertRoster.userErrors[0]).toMatchObject({ code: 'FORBIDDEN' });
    const arch = await app.gql(ARCHIVE, { i: { id: e.id, reason: '调离' } }, jinzhai);
    expect(arch.data.archiveExpert.userErrors[0]).toMatchObject({ code: 'FORBIDDEN' });
    const [after] = await app.ds.query(`SELECT * FROM expert WHERE id = $1`, [keyOf(e.id)]);
    expect(after).toEqual(before);
  });
});

describe('roster (名册): DRAFT → FILED → REGISTERED', () => {
  it('files with the next-higher association and is registered there', () => {
    expect(rosterFilingCode('341524')).toBe('341500');
    expect(rosterFilingCode('341524001001')).toBe('341500');
    expect(rosterFilingCode('341500')).toBe('340000');
    expect(rosterFilingCode('340000')).toBe('000000');
  });

  it('walks the allowed transitions and refuses the others with INVALID_STATE naming the state', async () => {
    const e = await createExpert(jinzhai);
    const regDraft = await app.gql(REGISTER, { i: { id: e.id } }, luan);
    expect(regDraft.data.registerExpertRoster.userErrors[0]).toMatchObject({ code: 'INVALID_STATE', field: ['input', 'id'] });
    expect(regDraft.data.registerExpertRoster.userErrors[0].message).toContain('DRAFT');

    const stale = await app.gql(FILE, { i: { id: e.id, version: 9 } }, jinzhai);
    expect(stale.data.fileExpertRoster.userErrors[0]).toMatchObject({ code: 'VERSION_CONFLICT' });
    const filed = await app.gql(FILE, { i: { id: e.id, version: 1 } }, jinzhai);
    expect(filed.data.fileExpertRoster.userErrors).toEqual([]);
    expect(filed.data.fileExpertRoster.expert).toMatchObject({ rosterStatus: 'FILED', rosterFiledBy: 'test-county_coordinator-341524', rosterFiledWithCode: '341500', version: 2 });
    expect(filed.data.fileExpertRoster.expert.rosterFiledAt).toBeTruthy();

    const again = await app.gql(FILE, { i: { id: e.id } }, jinzhai);
    expect(again.data.fileExpertRoster.userErrors[0]).toMatchObject({ code: 'INVALID_STATE' });
    expect(again.data.fileExpertRoster.userErrors[0].message).toContain('FILED');

    const byCounty = await app.gql(REGISTER, { i: { id: e.id } }, jinzhai);
    expect(byCounty.data.registerExpertRoster.userErrors[0]).toMatchObject({ code: 'FORBIDDEN' });
    const byOtherCounty = await app.gql(REGISTER, { i: { id: e.id } }, huoqiu);
    expect(byOtherCounty.data.registerExpertRoster.userErrors[0]).toMatchObject({ code: 'FORBIDDEN' });

    const registered = await app.gql(REGISTER, { i: { id: e.id, version: 2 } }, luan);
    expect(registered.data.registerExpertRoster.userErrors).toEqual([]);
    expect(registered.data.registerExpertRoster.expert).toMatchObject({ rosterStatus: 'REGISTERED', rosterRegisteredBy: 'test-city_coordinator-341500', version: 3 });

    const twice = await app.gql(REGISTER, { i: { id: e.id } }, luan);
    expect(twice.data.registerExpertRoster.userErrors[0].message).toContain('REGISTERED');
    const refile = await app.gql(FILE, { i: { id: e.id } }, jinzhai);
    expect(refile.data.fileExpertRoster.userErrors[0]).toMatchObject({ code: 'INVALID_STATE' });

    const [row] = await app.ds.query(`SELECT "rosterStatus", "rosterFiledWithCode", "rosterFiledBy", "rosterRegisteredAt" FROM expert WHERE id = $1`, [keyOf(e.id)]);
    expect(row).toMatchObject({ rosterStatus: 'REGISTERED', rosterFiledWithCode: '341500', rosterFiledBy: 'test-county_coordinator-341524' });
    expect(row.rosterRegisteredAt).toBeInstanceOf(Date);
    const ops = await app.ds.query(`SELECT operation, before, after FROM audit_event WHERE "entityId" = $1 AND operation IN ('fileExpertRoster','registerExpertRoster') ORDER BY seq`, [keyOf(e.id)]);
    expect(ops.map((o: any) => o.operation)).toEqual(['fileExpertRoster', 'registerExpertRoster']);
    expect(ops[0].before).toMatchObject({ rosterStatus: 'DRAFT' });
    expect(ops[0].after).toMatchObject({ rosterStatus: 'FILED', rosterFiledWithCode: '341500' });
  });

  it('requires a coordinator role', async () => {
    const e = await createExpert(jinzhai);
    const self = await app.token([Role.EXPERT], '341524', { expert: keyOf(e.id) });
    const res = await app.gql(FILE, { i: { id: e.id } }, self);
    expect(res.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });
});

describe('archiveExpert', () => {
  it('archives with a reason and then refuses changes and roster steps', async () => {
    const e = await createExpert(jinzhai);
    const noReason = await app.gql(ARCHIVE, { i: { id: e.id, reason: ' ' } }, jinzhai);
    expect(noReason.data.archiveExpert.userErrors[0]).toMatchObject({ code: 'VALIDATION', field: ['input', 'reason'] });
    const ok = await app.gql(ARCHIVE, { i: { id: e.id, reason: '退休' } }, jinzhai);
    expect(ok.data.archiveExpert.expert).toMatchObject({ status: 'ARCHIVED', archiveReason: '退休', version: 2 });
    const [row] = await app.ds.query(`SELECT status, "archiveReason" FROM expert WHERE id = $1`, [keyOf(e.id)]);
    expect(row).toEqual({ status: 'ARCHIVED', archiveReason: '退休' });
    const file = await app.gql(FILE, { i: { id: e.id } }, jinzhai);
    expect(file.data.fileExpertRoster.userErrors[0]).toMatchObject({ code: 'INVALID_STATE' });
    const upd = await app.gql(UPDATE, { i: { id: e.id, version: 2, title: '教授' } }, jinzhai);
    expect(upd.data.updateExpert.userErrors[0]).toMatchObject({ code: 'INVALID_STATE' });
    const again = await app.gql(ARCHIVE, { i: { id: e.id, reason: '再次' } }, jinzhai);
    expect(again.data.archiveExpert.userErrors[0]).toMatchObject({ code: 'INVALID_STATE' });
  });
});

describe('expert queries', () => {
  it('require authentication and are scoped to the caller region', async () => {
    const anon = await app.gql(`{ experts { totalCount } }`);
    expect(anon.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    const res = await app.gql(`{ experts(first: 100) { totalCount nodes { regionCode } } }`, {}, huoqiu);
    const [{ n }] = await app.ds.query(`SELECT count(*)::int n FROM expert WHERE "regionCode" LIKE '341522%'`);
    expect(n).toBeGreaterThan(0);
    expect(res.data.experts.totalCount).toBe(n);
    expect(res.data.experts.nodes.every((e: any) => e.regionCode.startsWith('341522'))).toBe(true);
  });

  it('filter by specialty, roster status, subtree, employer, status and name text', async () => {
    const q = `query($f: ExpertFilter){ experts(filter:$f, first: 100) { totalCount nodes { name specialties rosterStatus regionCode employer { id } } } }`;
    const spec = await app.gql(q, { f: { specialties: ['HEALTH'] } }, analyst);
    const [{ n: nSpec }] = await app.ds.query(`SELECT count(*)::int n FROM expert WHERE 'HEALTH' = ANY(specialties)`);
    expect(spec.data.experts.totalCount).toBe(nSpec);
    expect(spec.data.experts.nodes.every((e: any) => e.specialties.includes('HEALTH'))).toBe(true);

    const roster = await app.gql(q, { f: { rosterStatus: ['FILED', 'REGISTERED'], within: '340000' } }, analyst);
    const [{ n: nRoster }] = await app.ds.query(`SELECT count(*)::int n FROM expert WHERE "rosterStatus" IN ('FILED','REGISTERED') AND "regionCode" LIKE '34%'`);
    expect(roster.data.experts.totalCount).toBe(nRoster);
    expect(nRoster).toBeGreaterThan(0);

    const byEmployer = await app.gql(q, { f: { employerId } }, analyst);
    const [{ n: nEmp }] = await app.ds.query(`SELECT count(*)::int n FROM expert WHERE "employerId" = $1`, [keyOf(employerId)]);
    expect(byEmployer.data.experts.totalCount).toBe(nEmp);
    expect(byEmployer.data.experts.nodes.every((e: any) => e.employer.id === employerId)).toBe(true);
    const badEmployer = await app.gql(q, { f: { employerId: 'garbage' } }, analyst);
    expect(badEmployer.data.experts.totalCount).toBe(0);

    const text = await app.gql(q, { f: { nameContains: '王' } }, analyst);
    const [{ n: nText }] = await app.ds.query(`SELECT count(*)::int n FROM expert WHERE name LIKE '%王%'`);
    expect(text.data.experts.totalCount).toBe(nText);

    const archived = await app.gql(q, { f: { status: 'ARCHIVED' } }, analyst);
    const [{ n: nArch }] = await app.ds.query(`SELECT count(*)::int n FROM expert WHERE status = 'ARCHIVED'`);
    expect(archived.data.experts.totalCount).toBe(nArch);
  });

  it('orders and pages without gaps or duplicates; first 0 and 101', async () => {
    const zero = await app.gql(`{ experts(first: 0) { totalCount nodes { id } pageInfo { hasNextPage } } }`, {}, analyst);
    expect(zero.data.experts.nodes).toEqual([]);
    expect(zero.data.experts.totalCount).toBe(await count('expert'));
    const big = await app.gql(`{ experts(first: 101) { totalCount } }`, {}, analyst);
    expect(big.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');

    for (const orderBy of [{ field: 'NAME', direction: 'ASC' }, { field: 'CREATED_AT', direction: 'DESC' }, { field: 'UPDATED_AT', direction: 'ASC' }]) {
      const seen: string[] = [];
      let after: string | null = null;
      let last: any;
      for (let pages = 0; pages < 100; pages++) {
        const res: any = await app.gql(`query($a:String, $o: ExpertOrder){ experts(first: 7, after:$a, orderBy:$o) { totalCount edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }`, { a: after, o: orderBy }, analyst);
        expect(res.errors).toBeUndefined();
        last = res.data.experts;
        seen.push(...last.edges.map((e: any) => e.node.id));
        if (!last.pageInfo.hasNextPage) break;
        after = last.pageInfo.endCursor;
      }
      expect(last.pageInfo.hasNextPage).toBe(false);
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen.length).toBe(await count('expert'));
    }
    const byName = await app.gql(`{ experts(first: 100, orderBy:{field: NAME}) { nodes { name } } }`, {}, analyst);
    const [{ names }] = await app.ds.query(`SELECT array_agg(name ORDER BY name, id) names FROM (SELECT name, id FROM expert ORDER BY name, id LIMIT 100) x`);
    expect(byName.data.experts.nodes.map((e: any) => e.name)).toEqual(names);
  });

  it('resolves expert(id) and node(id:)', async () => {
    const { data } = await app.gql(`{ experts(first: 1, filter:{within:"341524"}) { nodes { id name } } }`, {}, jinzhai);
    const { id, name } = data.experts.nodes[0];
    const res = await app.gql(`query($id:ID!){ expert(id:$id) { name } node(id:$id) { id ... on Expert { name rosterStatus } } }`, { id }, jinzhai);
    expect(res.data.expert).toEqual({ name });
    expect(res.data.node).toMatchObject({ id, name });
  });

  it('costs the same number of SQL statements for 1 and 100 experts with employer, region and service regions', async () => {
    const orgs = await app.ds.query(`SELECT id FROM organization WHERE "regionCode" LIKE '34%' AND status = 'ACTIVE' ORDER BY "creditCode"`);
    const values: string[] = [];
    const params: unknown[] = [];
    for (let i = 0; i < 110; i++) {
      values.push(`($${params.length + 1}, $${params.length + 2}::uuid, '341522', ARRAY['PLANTING']::service_category[], ARRAY['341522','341524']::text[], '13800000000')`);
      params.push(`批量专家${String(i).padStart(3, '0')}`, orgs[i % orgs.length].id);
    }
    await app.ds.query(`INSERT INTO expert (name, "employerId", "regionCode", specialties, "serviceRegionCodes", "contactPhone") VALUES ${values.join(', ')}`, params);
    const q = `query($n:Int){ experts(filter:{nameContains:"批量专家"}, first:$n) { totalCount nodes { name contactPhone employer { name region { name } experts(first: 2) { nodes { name } } } region { name parent { name } } serviceRegions { name } } } }`;
    const one = await app.gql(q, { n: 1 }, province);
    const hundred = await app.gql(q, { n: 100 }, province);
    expect(hundred.errors).toBeUndefined();
    expect(hundred.data.experts.nodes).toHaveLength(100);
    expect(hundred.data.experts.nodes.every((e: any) => e.employer?.region?.name)).toBe(true);
    expect(one.extensions?.sqlStatements).toBeGreaterThan(0);
    expect(hundred.extensions?.sqlStatements).toBe(one.extensions?.sqlStatements);
  });
});
