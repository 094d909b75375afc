import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { withIdCheck } from '../src/modules/beneficiaries/id-number';
import { withCreditCheck } from '../src/modules/organizations/validators';
import { Role, startTestApp, type TestApp } from './harness';
import { buildOnce, ROOT } from './process';

/** `zhuli import households|villages|organizations|experts FILE`, spawned as the real binary against a test server. */
let app: TestApp;
let token: string;
let dir: string;
let villages: string[];
beforeAll(async () => {
  buildOnce();
  app = await startTestApp();
  token = await app.token([Role.COUNTY_COORDINATOR], '341524', { sub: 'cli-importer' });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zhuli-import-'));
  villages = (await app.ds.query(`SELECT "regionCode" AS c FROM poor_village WHERE "regionCode" LIKE '341524%' ORDER BY 1 LIMIT 3`)).map((r: { c: string }) => r.c);
}, 180_000);
afterAll(async () => {
  await app?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

function cli(...args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'zhuli.js'), ...args], { env: { PATH: process.env.PATH ?? '', ZHULI_URL: app.url, ZHULI_TOKEN: token } });
    let out = '';
    let err = '';
    child.stdout.on('data', (b) => (out += b));
    child.stderr.on('data', (b) => (err += b));
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

const HEADER = 'registryNumber,villageCode,headName,headIdNumber,size,membersAbleToWork,povertyCauses,status,exitYear,techniques,incomeProjects';
function line(n: number, over: Partial<Record<string, string>> = {}): string {
  const v = {
    registryNumber: `C${String(7000000 + n)}`,
    villageCode: villages[n % villages.length],
    headName: n % 2 ? '"余长福"' : '储桂芳',
    headIdNumber: withIdCheck(`3415241968020${String(1000 + n).slice(-4)}`),
    size: '3',
    membersAbleToWork: '2',
    povertyCauses: '因病;缺技术',
    status: n % 3 ? 'POOR' : 'EXITED',
    exitYear: n % 3 ? '' : '2018',
    techniques: '茶叶栽培;茶叶加工',
    incomeProjects: '茶园入股分红',
    ...over,
  };
  return [v.registryNumber, v.villageCode, v.headName, v.headIdNumber, v.size, v.membersAbleToWork, v.povertyCauses, v.status, v.exitYear, v.techniques, v.incomeProjects].join(',');
}

describe('zhuli import households', () => {
  it('imports a CSV in batches, reports bad lines with their numbers, exits 1, and a re-import is a no-op', async () => {
    const lines = [HEADER];
    for (let i = 1; i <= 25; i++) lines.push(line(i));
    lines.push(line(26, { headIdNumber: '341524196802011230' })); // line 27: bad check character
    lines.push(line(27, { size: 'three' })); // line 28: not a number (client side)
    lines.push(line(28, { povertyCauses: '因懒' })); // line 29: unknown cause (client side)
    lines.push(line(29, { villageCode: '610124100201' })); // line 30: outside the scope
    const file = path.join(dir, 'households.csv');
    fs.writeFileSync(file, `${lines.join('\n')}\n`);

    const first = await cli('import', 'households', file, '--batch', '10', '--json');
    expect(first.code).toBe(1);
    expect(JSON.parse(first.out)).toMatchObject({ rows: 29, created: 25, updated: 0, unchanged: 0, failed: 4, format: 'csv' });
    expect(first.err).toMatch(/line 27: VALIDATION headIdNumber: /);
    expect(first.err).toMatch(/line 28: PARSE: size must be a whole number/);
    expect(first.err).toMatch(/line 29: PARSE: unknown poverty cause 因懒/);
    expect(first.err).toMatch(/line 30: FORBIDDEN villageCode: /);
    expect(first.err).toMatch(/rows\/s/);
    const [{ n }] = await app.ds.query(`SELECT count(*)::int n FROM household WHERE "registryNumber" LIKE 'C70000%'`);
    expect(n).toBe(25);
    const [h] = await app.ds.query(`SELECT "headName", "povertyCauses"::text AS causes, techniques, status, "exitYear" FROM household WHERE "registryNumber" = 'C7000003'`);
    expect(h).toEqual({ headName: '余长福', causes: '{ILLNESS,LACK_OF_SKILLS}', techniques: ['茶叶栽培', '茶叶加工'], status: 'EXITED', exitYear: 2018 });

    const errors = path.join(dir, 'errors.txt');
    const again = await cli('import', 'households', file, '--json', '--quiet', '--errors', errors);
    expect(again.code).toBe(1);
    expect(JSON.parse(again.out)).toMatchObject({ rows: 29, created: 0, updated: 0, unchanged: 25, failed: 4 });
    expect(again.err).toBe('');
    expect(fs.readFileSync(errors, 'utf8').trim().split('\n').map((l) => l.split(':')[0])).toEqual(['line 27', 'line 28', 'line 29', 'line 30']);
  }, 120_000);

  it('imports NDJSON and exits 0 when every line is good; usage errors exit 2', async () => {
    const file = path.join(dir, 'households.ndjson');
    const rows = [1, 2, 3].map((i) => ({
      registryNumber: `N${String(8000000 + i)}`, villageCode: villages[0], headName: '方有才', headIdNumber: withIdCheck(`3415241975050${String(1000 + i).slice(-4)}`),
      size: 5, membersAbleToWork: 3, povertyCauses: ['LACK_OF_CAPITAL'], status: 'POOR', techniques: [], incomeProjects: ['光伏扶贫电站'],
    }));
    fs.writeFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const r = await cli('import', 'households', file, '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ rows: 3, created: 3, failed: 0, format: 'ndjson' });
    expect((await cli('import', 'households', path.join(dir, 'missing.csv'))).code).toBe(2);
    expect((await cli('import', 'households', file, '--batch', '5000')).code).toBe(2);
    const help = await cli('import', 'households', '--help');
    expect(help.code).toBe(0);
    expect(help.out).toContain('Examples:');
  }, 60_000);

  it('zhuli import villages registers poor villages from a CSV', async () => {
    const [{ code }] = await app.ds.query(`SELECT code FROM region WHERE level = 'VILLAGE' AND code LIKE '341524%' AND "povertyDesignation" = 'NONE' ORDER BY code DESC LIMIT 1`);
    const file = path.join(dir, 'villages.csv');
    fs.writeFileSync(file, `villageCode,registeredYear,exitYear,specialty,hasRuralTechAssociation,hasNewBusinessEntity,hasBrand,hasEStation\n${code},2014,2019,茶叶,是,否,true,1\n${code.slice(0, 11)}9,2014,,,,,,\n`);
    const r = await cli('import', 'villages', file, '--json');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out)).toMatchObject({ rows: 2, created: 1, failed: 1 });
    expect(r.err).toMatch(/line 3: NOT_FOUND villageCode/);
    const [v] = await app.ds.query(`SELECT specialty, "hasRuralTechAssociation", "hasNewBusinessEntity", "hasBrand", "hasEStation" FROM poor_village WHERE "regionCode" = $1`, [code]);
    expect(v).toEqual({ specialty: '茶叶', hasRuralTechAssociation: true, hasNewBusinessEntity: false, hasBrand: true, hasEStation: true });
  }, 60_000);

  it('refuses files over the size limit and stops at an overlong line, with clear errors (exit 2)', async () => {
    const lines = [HEADER];
    for (let i = 1; i <= 20; i++) lines.push(line(100 + i));
    const file = path.join(dir, 'limits.csv');
    fs.writeFileSync(file, `${lines.join('\n')}\n`);
    const tooBig = await cli('import', 'households', file, '--max-file-mb', '0.001');
    expect(tooBig.code).toBe(2);
    expect(tooBig.err).toMatch(/limits\.csv is \d+ bytes; at most 1048 bytes are imported at once \(--max-file-mb\): split it/);
    const [{ n: none }] = await app.ds.query(`SELECT count(*)::int n FROM household WHERE "registryNumber" LIKE 'C70001%'`);
    expect(none).toBe(0);

    // A line of 100 kB (e.g. a file without line breaks) is refused while reading, before it is buffered whole.
    const junk = path.join(dir, 'one-line.csv');
    fs.writeFileSync(junk, `${HEADER}\n${line(200)}\n${'x'.repeat(100 * 1024)}\n${line(201)}\n`);
    const long = await cli('import', 'households', junk, '--batch', '1');
    expect(long.code).toBe(2);
    expect(long.err).toMatch(/line 3 is longer than 65536 bytes \(the limit; --max-line-kb\)/);
    // With a higher limit the same line is read and refused as a row, not as a file.
    const raised = await cli('import', 'households', junk, '--batch', '1', '--max-line-kb', '200', '--json');
    expect(raised.code).toBe(1);
    expect(raised.err).toMatch(/line 3: PARSE: expected 11 columns, found 1/);
    expect((await cli('import', 'households', junk, '--max-line-kb', 'zero')).code).toBe(2);
  }, 60_000);
});

describe('zhuli import organizations|experts', () => {
  const code = (n: number) => withCreditCheck(`51341524MJ${String(6000000 + n)}`);

  it('imports organizations from a CSV in batches: bad lines reported by number, good ones kept, exit 1; a re-import is a no-op', async () => {
    const lines = ['creditCode,name,type,societyDiscipline,regionCode,contactName,contactPhone,serviceCategories'];
    for (let i = 1; i <= 12; i++) lines.push(`${code(i)},"金寨县第${i}茶叶农技协, 分会",${i % 2 ? '农技协' : 'FARMER_COOPERATIVE'},,341524,王明,13905641234,种植;加工`);
    lines.push(`${code(13).slice(0, 17)}${code(13)[17] === '0' ? '1' : '0'},金寨县坏代码协会,农技协,,341524,王明,13905641234,种植`); // line 14: check character (server)
    lines.push(`${code(14)},金寨县未知类型,俱乐部,,341524,王明,13905641234,种植`); // line 15: unknown type (client)
    lines.push(`${code(15)},周至县猕猴桃协会,农技协,,610124,王明,13905641234,种植`); // line 16: outside the scope (server)
    lines.push(`${code(16)},安徽省农学会金寨分会,学会,农业,341524,李华,0564-7654321,科普`);
    const file = path.join(dir, 'organizations.csv');
    fs.writeFileSync(file, `${lines.join('\n')}\n`);

    const first = await cli('import', 'organizations', file, '--batch', '5', '--json');
    expect(first.code).toBe(1);
    expect(JSON.parse(first.out)).toMatchObject({ rows: 16, created: 13, updated: 0, unchanged: 0, failed: 3, format: 'csv' });
    expect(first.err).toMatch(/line 14: VALIDATION creditCode: /);
    expect(first.err).toMatch(/line 15: PARSE: unknown type "俱乐部"/);
    expect(first.err).toMatch(/line 16: FORBIDDEN regionCode: /);
    const stored = await app.ds.query(`SELECT "creditCode", name, type, "societyDiscipline", "serviceCategories"::text AS cats FROM organization WHERE "creditCode" = ANY($1) ORDER BY "creditCode"`, [[1, 2, 16].map(code)]);
    expect(stored).toEqual([
      { creditCode: code(1), name: '金寨县第1茶叶农技协, 分会', type: 'RURAL_TECH_ASSOCIATION', societyDiscipline: null, cats: '{PLANTING,AGRO_PROCESSING}' },
      { creditCode: code(2), name: '金寨县第2茶叶农技协, 分会', type: 'FARMER_COOPERATIVE', societyDiscipline: null, cats: '{PLANTING,AGRO_PROCESSING}' },
      { creditCode: code(16), name: '安徽省农学会金寨分会', type: 'SOCIETY', societyDiscipline: 'AGRICULTURE', cats: '{SCIENCE_POPULARIZATION}' },
    ]);
    const [{ n }] = await app.ds.query(`SELECT count(*)::int n FROM organization WHERE "creditCode" LIKE '51341524MJ60000%'`);
    expect(n).toBe(13);

    const again = await cli('import', 'organizations', file, '--json', '--quiet');
    expect(again.code).toBe(1);
    expect(JSON.parse(again.out)).toMatchObject({ rows: 16, created: 0, updated: 0, unchanged: 13, failed: 3 });
  }, 120_000);

  it('imports experts from NDJSON with their employer; a malformed line and an unknown region are reported, the rest kept', async () => {
    const rows = [1, 2, 3].map((i) => JSON.stringify({ externalRef: `CLI-EXP-${i}`, name: `命令行专家${i}`, title: '农艺师', employerCreditCode: code(1), regionCode: '341524', specialties: ['种植', 'HEALTH'], serviceRegionCodes: ['341524'], contactPhone: '13905640000' }));
    rows.splice(1, 0, '{"externalRef": "CLI-EXP-broken",'); // line 2: not JSON
    rows.push(JSON.stringify({ externalRef: 'CLI-EXP-9', name: '命令行专家九', regionCode: '341524', specialties: ['PLANTING'], serviceRegionCodes: ['341599'], contactPhone: '13905640000' })); // line 5
    const file = path.join(dir, 'experts.ndjson');
    fs.writeFileSync(file, `${rows.join('\n')}\n`);
    const r = await cli('import', 'experts', file, '--json');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out)).toMatchObject({ rows: 5, created: 3, failed: 2, format: 'ndjson' });
    expect(r.err).toMatch(/line 2: PARSE: not a JSON object/);
    expect(r.err).toMatch(/line 5: NOT_FOUND serviceRegionCodes: No region with code 341599/);
    const stored = await app.ds.query(
      `SELECT e."externalRef", e."rosterStatus", e.specialties::text AS s, o."creditCode" AS employer FROM expert e JOIN organization o ON o.id = e."employerId" WHERE e."externalRef" LIKE 'CLI-EXP-%' ORDER BY 1`,
    );
    expect(stored).toEqual([1, 2, 3].map((i) => ({ externalRef: `CLI-EXP-${i}`, rosterStatus: 'DRAFT', s: '{PLANTING,HEALTH}', employer: code(1) })));
    for (const what of ['organizations', 'experts']) {
      const help = await cli('import', what, '--help');
      expect(help.code).toBe(0);
      expect(help.out).toContain('Examples:');
      expect(help.out).toContain(`zhuli import ${what} `);
    }
  }, 60_000);
});
