import { withCreditCheck } from '../src/modules/organizations/validators';
import { NATIONAL_REGION, Role, startTestApp, type TestApp } from './harness';

/** importOrganizations (by unified social credit code) and importExperts (by external reference) over HTTP. */
let app: TestApp;
let jinzhai: string; // COUNTY_COORDINATOR of 金寨县 341524
let zhouzhi: string; // COUNTY_COORDINATOR of 周至县 610124
let analyst: string;
beforeAll(async () => {
  app = await startTestApp();
  jinzhai = await app.token([Role.COUNTY_COORDINATOR], '341524', { sub: 'import-jinzhai' });
  zhouzhi = await app.token([Role.COUNTY_COORDINATOR], '610124', { sub: 'import-zhouzhi' });
  analyst = await app.token([Role.ANALYST], NATIONAL_REGION);
});
afterAll(async () => {
  await app?.stop();
});

const RESULT = `created updated unchanged failed results { index key outcome } failures { index key outcome errors { field code message } } userErrors { field code message }`;
const IMPORT_ORGS = `mutation($i: ImportOrganizationsInput!) { importOrganizations(input: $i) { ${RESULT} } }`;
const IMPORT_EXPERTS = `mutation($i: ImportExpertsInput!) { importExperts(input: $i) { ${RESULT} } }`;

let serial = 0;
function creditCode(): string {
  serial++;
  return withCreditCheck(`51341524MJ${String(3000000 + serial)}`);
}
function org(over: Record<string, unknown> = {}): Record<string, any> {
  return { creditCode: creditCode(), name: `金寨县导入测试农技协${serial}`, type: 'RURAL_TECH_ASSOCIATION', regionCode: '341524', contactName: '汪德明', contactPhone: '13905641234', serviceCategories: ['PLANTING'], ...over };
}
function expert(over: Record<string, unknown> = {}): Record<string, any> {
  serial++;
  return { externalRef: `AH-EXP-${serial}`, name: `导入专家${serial}`, title: '高级农艺师', regionCode: '341524', specialties: ['PLANTING', 'AGRO_PROCESSING'], serviceRegionCodes: ['341524'], contactPhone: '13905640000', ...over };
}
async function run(document: string, rows: unknown[], token = jinzhai, idempotencyKey?: string): Promise<any> {
  const res = await app.gql(document, { i: { rows, idempotencyKey } }, token);
  expect(res.errors).toBeUndefined();
  return Object.values(res.data)[0];
}
const counts = (r: any) => ({ created: r.created, updated: r.updated, unchanged: r.unchanged, failed: r.failed });
async function one(sql: string, params: unknown[] = []): Promise<any> {
  return (await app.ds.query(sql, params))[0];
}
/** Rows, version sum and newest change of a table plus the audit-event count: any write changes this. */
async function fingerprint(table: string): Promise<unknown> {
  return [await one(`SELECT count(*)::int n, coalesce(sum(version), 0)::int v, max("updatedAt")::text u FROM ${table}`), await one(`SELECT count(*)::int n FROM audit_event`)];
}

describe('importOrganizations', () => {
  it('creates, keeps bad rows apart with their index and field, re-imports as a no-op, and updates changed rows', async () => {
    const good = [org(), org({ type: 'SOCIETY', societyDiscipline: 'AGRICULTURE', name: '金寨县茶叶学会导入' }), org({ regionCode: '341524100', contactPhone: '0564-7654321' })];
    const valid = creditCode();
    const bad = [
      org({ creditCode: `${valid.slice(0, 17)}${valid[17] === '0' ? '1' : '0'}` }), // wrong check character
      org({ type: 'SOCIETY' }), // a society needs a discipline
      org({ regionCode: '341524999' }), // no such township
      org({ regionCode: '610124' }), // outside the caller's scope
      { ...good[0], name: '重复的信用代码' }, // same credit code twice in the batch
      org({ contactPhone: '12345', serviceCategories: [] }), // two errors in one row
    ];
    const [{ code: townshipExists }] = await app.ds.query(`SELECT count(*)::int code FROM region WHERE code = '341524100'`);
    expect(townshipExists).toBe(1);
    const auditBefore = (await one(`SELECT count(*)::int n FROM audit_event`)).n;
    const rows = [good[0], bad[0], bad[1], good[1], bad[2], bad[3], good[2], bad[4], bad[5]];
    const r = await run(IMPORT_ORGS, rows, jinzhai, 'orgs-batch-1');
    expect(counts(r)).toEqual({ created: 3, updated: 0, unchanged: 0, failed: 6 });
    expect(r.results.map((x: any) => x.outcome)).toEqual(['CREATED', 'FAILED', 'FAILED', 'CREATED', 'FAILED', 'FAILED', 'CREATED', 'FAILED', 'FAILED']);
    expect(r.failures.map((f: any) => [f.index, f.errors.map((e: any) => `${e.code} ${e.field.join('.')}`)])).toEqual([
      [1, ['VALIDATION input.rows.1.creditCode']],
      [2, ['VALIDATION input.rows.2.societyDiscipline']],
      [4, ['NOT_FOUND input.rows.4.regionCode']],
      [5, ['FORBIDDEN input.rows.5.regionCode']],
      [7, ['DUPLICATE input.rows.7.creditCode']],
      [8, ['VALIDATION input.rows.8.contactPhone', 'VALIDATION input.rows.8.serviceCategories']],
    ]);
    expect(r.userErrors).toHaveLength(7);
    expect(r.results[0].key).toBe(good[0].creditCode);

    const stored = await app.ds.query(`SELECT "creditCode", name, type, "societyDiscipline", "regionCode", level, "contactPhone", "serviceCategories"::text AS cats, version, status FROM organization WHERE "creditCode" = ANY($1) ORDER BY "creditCode"`, [rows.map((x: any) => x.creditCode)]);
    expect(stored).toHaveLength(3);
    expect(stored.find((o: any) => o.creditCode === good[1].creditCode)).toMatchObject({ type: 'SOCIETY', societyDiscipline: 'AGRICULTURE', level: 'COUNTY', version: 1, status: 'ACTIVE', cats: '{PLANTING}' });
    expect(stored.find((o: any) => o.creditCode === good[2].creditCode)).toMatchObject({ regionCode: '341524100', level: 'TOWNSHIP', contactPhone: '0564-7654321' });
    const [event] = await app.ds.query(`SELECT operation, "entityId", "regionCode", after FROM audit_event ORDER BY seq DESC LIMIT 1`);
    expect((await one(`SELECT count(*)::int n FROM audit_event`)).n).toBe(auditBefore + 1);
    expect(event).toMatchObject({ operation: 'importOrganizations', entityId: 'orgs-batch-1', regionCode: '341524' });
    expect([...event.after.created].sort()).toEqual(good.map((g) => g.creditCode).sort());

    // The same rows again (credit codes in lower case too): nothing written, every row UNCHANGED.
    const before = await fingerprint('organization');
    const again = await run(IMPORT_ORGS, [{ ...good[0], creditCode: good[0].creditCode.toLowerCase() }, good[1], good[2]]);
    expect(counts(again)).toEqual({ created: 0, updated: 0, unchanged: 3, failed: 0 });
    expect(await fingerprint('organization')).toEqual(before);

    // One changed row: UPDATED, version 2, an audit event with the changed fields only.
    const changed = await run(IMPORT_ORGS, [good[0], { ...good[1], contactName: '储桂芳', serviceCategories: ['PLANTING', 'HEALTH'] }, good[2]]);
    expect(changed.results.map((x: any) => x.outcome)).toEqual(['UNCHANGED', 'UPDATED', 'UNCHANGED']);
    expect(await one(`SELECT version, "contactName" FROM organization WHERE "creditCode" = $1`, [good[1].creditCode])).toEqual({ version: 2, contactName: '储桂芳' });
    const [upd] = await app.ds.query(`SELECT operation, before, after FROM audit_event ORDER BY seq DESC LIMIT 1`);
    expect(upd.operation).toBe('importOrganizations');
    expect(upd.after.updated[good[1].creditCode]).toEqual({ contactName: '储桂芳', serviceCategories: ['PLANTING', 'HEALTH'] });
    expect(upd.before.updated[good[1].creditCode]).toEqual({ contactName: '汪德明', serviceCategories: ['PLANTING'] });

    // What the import wrote reads back through the API like any organization.
    const read = await app.gql(`query($n: String!) { organizations(filter: { nameContains: $n }) { totalCount nodes { creditCode level region { name } } } }`, { n: '金寨县茶叶学会导入' }, jinzhai);
    expect(read.data.organizations).toEqual({ totalCount: 1, nodes: [{ creditCode: good[1].creditCode, level: 'COUNTY', region: { name: '金寨县' } }] });
  });

  it('a record registered outside the scope, or archived, is refused and left untouched; an all-bad batch writes nothing', async () => {
    const theirs = org({ regionCode: '610124', name: '周至县猕猴桃协会导入' });
    expect(counts(await run(IMPORT_ORGS, [theirs], zhouzhi))).toEqual({ created: 1, updated: 0, unchanged: 0, failed: 0 });
    const archived = org();
    await run(IMPORT_ORGS, [archived]);
    const [{ id }] = await app.ds.query(`SELECT id FROM organization WHERE "creditCode" = $1`, [archived.creditCode]);
    await app.ds.query(`UPDATE organization SET status = 'ARCHIVED', "archivedAt" = now(), "archiveReason" = '测试' WHERE id = $1`, [id]);

    const before = await fingerprint('organization');
    const r = await run(IMPORT_ORGS, [{ ...theirs, regionCode: '341524', name: '改名' }, { ...archived, name: '归档后改名' }, org({ contactPhone: 'x' })]);
    expect(counts(r)).toEqual({ created: 0, updated: 0, unchanged: 0, failed: 3 });
    expect(r.failures.map((f: any) => `${f.errors[0].code} ${f.errors[0].field.join('.')}`)).toEqual(['FORBIDDEN input.rows.0.creditCode', 'INVALID_STATE input.rows.1.creditCode', 'VALIDATION input.rows.2.contactPhone']);
    expect(await fingerprint('organization')).toEqual(before);
    expect(await one(`SELECT "regionCode", name, version FROM organization WHERE "creditCode" = $1`, [theirs.creditCode])).toEqual({ regionCode: '610124', name: '周至县猕猴桃协会导入', version: 1 });
  });

  it('a row with a NUL character (text PostgreSQL cannot store) fails on its own at its path; the other rows are written', async () => {
    const good = org();
    const bad = org({ contactName: '汪\u0000德明' });
    const r = await run(IMPORT_ORGS, [bad, good]);
    expect(counts(r)).toEqual({ created: 1, updated: 0, unchanged: 0, failed: 1 });
    expect(r.failures).toEqual([{ index: 0, key: bad.creditCode, outcome: 'FAILED', errors: [{ code: 'VALIDATION', field: ['input', 'rows', '0', 'contactName'], message: 'Text must not contain NUL characters' }] }]);
    expect(await app.ds.query(`SELECT "creditCode" FROM organization WHERE "creditCode" = ANY($1)`, [[bad.creditCode, good.creditCode]])).toEqual([{ creditCode: good.creditCode }]);
  });

  it('refuses more than 1,000 rows and callers that are not coordinators', async () => {
    const many = Array.from({ length: 1001 }, () => org());
    const res = await app.gql(IMPORT_ORGS, { i: { rows: many } }, jinzhai);
    expect(res.data.importOrganizations.userErrors[0]).toMatchObject({ code: 'VALIDATION', field: ['input', 'rows'] });
    expect(res.data.importOrganizations.created).toBe(0);
    const denied = await app.gql(IMPORT_ORGS, { i: { rows: [org()] } }, analyst);
    expect(denied.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });
});

describe('importExperts', () => {
  let employer: { creditCode: string; id: string };
  beforeAll(async () => {
    const e = org({ type: 'UNIVERSITY', name: '安徽农业大学导入测试' });
    await run(IMPORT_ORGS, [e]);
    employer = { creditCode: e.creditCode, id: (await one(`SELECT id FROM organization WHERE "creditCode" = $1`, [e.creditCode])).id };
  });

  it('creates DRAFT roster entries with their employer, keeps bad rows apart, re-imports as a no-op, updates without touching the roster', async () => {
    const good = [expert({ employerCreditCode: employer.creditCode }), expert({ title: null, serviceRegionCodes: ['341524', '341522'], email: 'li@example.cn' }), expert({ regionCode: '341524100' })];
    const unregistered = withCreditCheck('91340100MA2N00000');
    const bad = [
      expert({ employerCreditCode: unregistered }), // no such employer
      expert({ contactPhone: '555' }),
      expert({ serviceRegionCodes: ['341524', '341599'] }), // unknown service region
      expert({ regionCode: '610124' }), // outside the scope
      expert({ externalRef: 'has space' }),
      { ...good[1], name: '同号专家' }, // same external reference twice
    ];
    const rows = [good[0], bad[0], good[1], bad[1], bad[2], bad[3], bad[4], good[2], bad[5]];
    const r = await run(IMPORT_EXPERTS, rows, jinzhai);
    expect(counts(r)).toEqual({ created: 3, updated: 0, unchanged: 0, failed: 6 });
    expect(r.failures.map((f: any) => [f.index, `${f.errors[0].code} ${f.errors[0].field.join('.')}`])).toEqual([
      [1, 'NOT_FOUND input.rows.1.employerCreditCode'],
      [3, 'VALIDATION input.rows.3.contactPhone'],
      [4, 'NOT_FOUND input.rows.4.serviceRegionCodes'],
      [5, 'FORBIDDEN input.rows.5.regionCode'],
      [6, 'VALIDATION input.rows.6.externalRef'],
      [8, 'DUPLICATE input.rows.8.externalRef'],
    ]);
    const stored = await app.ds.query(`SELECT "externalRef", "employerId", "rosterStatus", "serviceRegionCodes", email, title, version FROM expert WHERE "externalRef" = ANY($1) ORDER BY "externalRef"`, [rows.map((x: any) => x.externalRef)]);
    expect(stored).toHaveLength(3);
    expect(stored.find((e: any) => e.externalRef === good[0].externalRef)).toMatchObject({ employerId: employer.id, rosterStatus: 'DRAFT', version: 1 });
    expect(stored.find((e: any) => e.externalRef === good[1].externalRef)).toMatchObject({ employerId: null, serviceRegionCodes: ['341524', '341522'], email: 'li@example.cn', title: null });

    // Readable through the API by its external reference, with the employer resolved.
    const read = await app.gql(`query($r: String!) { experts(filter: { externalRef: $r }) { totalCount nodes { id externalRef rosterStatus employer { name } } } }`, { r: good[0].externalRef }, jinzhai);
    expect(read.data.experts.totalCount).toBe(1);
    expect(read.data.experts.nodes[0]).toMatchObject({ externalRef: good[0].externalRef, rosterStatus: 'DRAFT', employer: { name: '安徽农业大学导入测试' } });

    const before = await fingerprint('expert');
    expect(counts(await run(IMPORT_EXPERTS, good))).toEqual({ created: 0, updated: 0, unchanged: 3, failed: 0 });
    expect(await fingerprint('expert')).toEqual(before);

    // File one roster entry, then re-import it with a new title: UPDATED, version up, still FILED.
    const id = read.data.experts.nodes[0].id;
    const filed = await app.gql(`mutation($id: ID!) { fileExpertRoster(input: { id: $id }) { expert { rosterStatus version } userErrors { code } } }`, { id }, jinzhai);
    expect(filed.data.fileExpertRoster.expert).toEqual({ rosterStatus: 'FILED', version: 2 });
    const changed = await run(IMPORT_EXPERTS, [{ ...good[0], title: '研究员' }, good[1]]);
    expect(changed.results.map((x: any) => x.outcome)).toEqual(['UPDATED', 'UNCHANGED']);
    expect(await one(`SELECT title, "rosterStatus", version FROM expert WHERE "externalRef" = $1`, [good[0].externalRef])).toEqual({ title: '研究员', rosterStatus: 'FILED', version: 3 });
    const [event] = await app.ds.query(`SELECT operation, before, after FROM audit_event ORDER BY seq DESC LIMIT 1`);
    expect(event).toMatchObject({ operation: 'importExperts', before: { updated: { [good[0].externalRef]: { title: '高级农艺师' } } }, after: { created: [], updated: { [good[0].externalRef]: { title: '研究员' } } } });
  });

  it("another county's expert is FORBIDDEN, an archived employer INVALID_STATE, and nothing is written for refused rows", async () => {
    const theirs = expert({ regionCode: '610124', serviceRegionCodes: [] });
    expect(counts(await run(IMPORT_EXPERTS, [theirs], zhouzhi))).toEqual({ created: 1, updated: 0, unchanged: 0, failed: 0 });
    const gone = org({ name: '已归档单位' });
    await run(IMPORT_ORGS, [gone]);
    await app.ds.query(`UPDATE organization SET status = 'ARCHIVED', "archivedAt" = now(), "archiveReason" = '测试' WHERE "creditCode" = $1`, [gone.creditCode]);
    const before = await fingerprint('expert');
    const r = await run(IMPORT_EXPERTS, [{ ...theirs, regionCode: '341524', name: '抢注' }, expert({ employerCreditCode: gone.creditCode })]);
    expect(r.failures.map((f: any) => `${f.errors[0].code} ${f.errors[0].field.join('.')}`)).toEqual(['FORBIDDEN input.rows.0.externalRef', 'INVALID_STATE input.rows.1.employerCreditCode']);
    expect(await fingerprint('expert')).toEqual(before);
    expect(await one(`SELECT "regionCode", name FROM expert WHERE "externalRef" = $1`, [theirs.externalRef])).toEqual({ regionCode: '610124', name: theirs.name });
  });
});
