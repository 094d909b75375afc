import { NATIONAL_REGION, Role, startTestApp, type TestApp } from './harness';

let app: TestApp;
let county: string; // COUNTY_COORDINATOR of 金寨县
let province: string; // PROVINCIAL_COORDINATOR of Anhui
let analyst: string;
beforeAll(async () => {
  app = await startTestApp();
  county = await app.token([Role.COUNTY_COORDINATOR], '341524');
  province = await app.token([Role.PROVINCIAL_COORDINATOR], '340000');
  analyst = await app.token([Role.ANALYST], NATIONAL_REGION);
});
afterAll(async () => {
  await app?.stop();
});

describe('region queries (public)', () => {
  it('answers the acceptance query for 金寨县', async () => {
    const res = await app.gql(`{ region(code:"341524") { name level povertyDesignation parent { name } } }`);
    expect(res.errors).toBeUndefined();
    expect(res.data.region).toEqual({ name: '金寨县', level: 'COUNTY', povertyDesignation: 'NATIONAL', parent: { name: '六安市' } });
  });

  it('has the 2017 codes the issue names', async () => {
    const res = await app.gql(`{ a: region(code:"340824") { name } b: region(code:"341504") { name povertyDesignation } c: region(code:"610118") { name } d: region(code:"610124") { povertyDesignation } }`);
    expect(res.data).toEqual({ a: { name: '潜山县' }, b: { name: '叶集区', povertyDesignation: 'PROVINCIAL' }, c: { name: '鄠邑区' }, d: { povertyDesignation: 'NATIONAL' } });
  });

  it('counts Anhui poor counties from the documents: 20 national, 12 provincial (incl. 叶集区)', async () => {
    const res = await app.gql(`{ n: regions(filter:{within:"340000", level: COUNTY, povertyDesignation:[NATIONAL]}) { totalCount }
      p: regions(filter:{within:"340000", level: COUNTY, povertyDesignation:[PROVINCIAL]}) { totalCount } }`);
    expect(res.data).toEqual({ n: { totalCount: 20 }, p: { totalCount: 12 } });
  });

  it('returns null for an unknown code', async () => {
    const res = await app.gql(`{ region(code:"999999") { name } }`);
    expect(res.data.region).toBeNull();
  });

  it('lists ancestors province first, and village children under a township', async () => {
    const [{ code }] = await app.ds.query(`SELECT code FROM region WHERE level = 'VILLAGE' AND code LIKE '341524%' ORDER BY code LIMIT 1`);
    const res = await app.gql(`query($c:String!){ region(code:$c) { level ancestors { code level } parent { code children(first: 100) { totalCount nodes { code } } } } }`, { c: code });
    expect(res.data.region.level).toBe('VILLAGE');
    expect(res.data.region.ancestors.map((a: any) => a.level)).toEqual(['PROVINCE', 'CITY', 'COUNTY', 'TOWNSHIP']);
    expect(res.data.region.ancestors.map((a: any) => a.code)).toEqual(['340000', '341500', '341524', code.slice(0, 9)]);
    const [{ n }] = await app.ds.query(`SELECT count(*)::int n FROM region WHERE "parentCode" = $1`, [code.slice(0, 9)]);
    expect(res.data.region.parent.children.totalCount).toBe(n);
    expect(res.data.region.parent.children.nodes.map((c: any) => c.code)).toContain(code);
  });

  it('filters by name text and level, and orders by name', async () => {
    const res = await app.gql(`{ regions(filter:{nameContains:"金寨", level: COUNTY}) { nodes { code name } } }`);
    expect(res.data.regions.nodes).toEqual([{ code: '341524', name: '金寨县' }]);
    const byName = await app.gql(`{ regions(filter:{parentCode:"341500"}, orderBy:{field: NAME, direction: DESC}, first: 100) { nodes { name } } }`);
    const names = byName.data.regions.nodes.map((n: any) => n.name);
    const [{ sorted }] = await app.ds.query(`SELECT array_agg(name ORDER BY name DESC, code DESC) sorted FROM region WHERE "parentCode" = '341500'`);
    expect(names).toEqual(sorted);
  });

  it('pages with keyset cursors: no gaps, no duplicates, correct edges', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const res: any = await app.gql(`query($a:String){ regions(filter:{parentCode:"340000"}, first: 5, after: $a) { totalCount edges { cursor node { code } } pageInfo { hasNextPage hasPreviousPage endCursor startCursor } } }`, { a: after });
      const c = res.data.regions;
      seen.push(...c.edges.map((e: any) => e.node.code));
      expect(c.pageInfo.hasPreviousPage).toBe(after !== null);
      pages++;
      if (!c.pageInfo.hasNextPage) break;
      after = c.pageInfo.endCursor;
    }
    const [{ codes }] = await app.ds.query(`SELECT array_agg(code ORDER BY code) codes FROM region WHERE "parentCode" = '340000'`);
    expect(seen).toEqual(codes);
    expect(pages).toBe(Math.ceil(codes.length / 5));
  });

  it('rejects page sizes over 100 and bad cursors; first: 0 gives an empty page', async () => {
    const big = await app.gql(`{ regions(first: 101) { totalCount } }`);
    expect(big.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    const neg = await app.gql(`{ regions(first: -1) { totalCount } }`);
    expect(neg.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    const bad = await app.gql(`{ regions(after: "not-a-cursor") { totalCount } }`);
    expect(bad.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    const zero = await app.gql(`{ regions(first: 0, filter:{parentCode:"340000"}) { totalCount nodes { code } pageInfo { hasNextPage } } }`);
    expect(zero.data.regions.nodes).toEqual([]);
    expect(zero.data.regions.totalCount).toBeGreaterThan(0);
  });

  it('resolves node and nodes by global ID, null for garbage', async () => {
    const one = await app.gql(`{ region(code:"341524") { id } }`);
    const id = one.data.region.id;
    const res = await app.gql(`query($id:ID!, $ids:[ID!]!){ node(id:$id) { id ... on Region { code } } nodes(ids:$ids) { ... on Region { code } } }`, { id, ids: [id, 'garbage', id] });
    expect(res.data.node).toEqual({ id, code: '341524' });
    expect(res.data.nodes).toEqual([{ code: '341524' }, null, { code: '341524' }]);
  });

  it('shows county pairings on both sides', async () => {
    const res = await app.gql(`{ zz: region(code:"610124") { pairings { totalCount nodes { helper { name } basis startDate } } }
      xc: region(code:"610102") { pairings(side: HELPER) { nodes { helped { name } } } } }`);
    expect(res.data.zz.pairings.totalCount).toBe(1);
    expect(res.data.zz.pairings.nodes[0].helper.name).toBe('新城区');
    expect(res.data.xc.pairings.nodes).toEqual([{ helped: { name: '周至县' } }]);
  });

  it('costs the same number of SQL statements for 1 and 100 counties with parent, children and pairings', async () => {
    // Shaanxi's first county (新城区 610102) helps 周至县, so both page sizes exercise every nested loader.
    const q = `query($n:Int){ regions(filter:{level: COUNTY, within:"610000"}, first:$n) { nodes { name parent { name } ancestors { name } children(first: 3) { totalCount nodes { name } } pairings(side: HELPER) { totalCount nodes { helped { name } } } } } }`;
    const one = await app.gql(q, { n: 1 });
    const hundred = await app.gql(q, { n: 100 });
    expect(hundred.data.regions.nodes).toHaveLength(100);
    expect(one.extensions?.sqlStatements).toBeGreaterThan(0);
    expect(hundred.extensions?.sqlStatements).toBe(one.extensions?.sqlStatements);
  });
});

describe('county pairing mutation', () => {
  const create = `mutation($i: CreateCountyPairingInput!){ createCountyPairing(input:$i) { pairing { id helper { name } helped { name } } userErrors { field message code } } }`;

  it('a provincial coordinator records a pairing within scope (and it is audited)', async () => {
    const res = await app.gql(create, { i: { helperCode: '340103', helpedCode: '340828', basis: '皖办发〔2017〕3号', startDate: '2018-01-01' } }, province);
    expect(res.data.createCountyPairing.userErrors).toEqual([]);
    expect(res.data.createCountyPairing.pairing.helped.name).toBe('岳西县');
    const [{ n }] = await app.ds.query(`SELECT count(*)::int n FROM audit_event WHERE operation = 'createCountyPairing'`);
    expect(n).toBe(1);
  });

  it('refuses bad input with typed userErrors and writes nothing', async () => {
    const [{ before }] = await app.ds.query(`SELECT count(*)::int before FROM county_pairing`);
    const cases: Array<[Record<string, unknown>, string, string[]]> = [
      [{ helperCode: '34010', helpedCode: '340828', basis: 'x doc', startDate: '2018-01-01' }, 'VALIDATION', ['input', 'helperCode']],
      [{ helperCode: '340103', helpedCode: '340828', basis: 'x doc', startDate: '2018/01/01' }, 'VALIDATION', ['input', 'startDate']],
      [{ helperCode: '340828', helpedCode: '340828', basis: 'x doc', startDate: '2018-01-01' }, 'VALIDATION', ['input', 'helpedCode']],
      [{ helperCode: '349999', helpedCode: '340828', basis: 'x doc', startDate: '2018-01-01' }, 'NOT_FOUND', ['input', 'helperCode']],
      [{ helperCode: '340103', helpedCode: '610124', basis: 'x doc', startDate: '2018-01-01' }, 'FORBIDDEN', ['input', 'helpedCode']],
      [{ helperCode: '340103', helpedCode: '340828', basis: 'x doc', startDate: '2018-01-01', endDate: '2017-01-01' }, 'VALIDATION', ['input', 'endDate']],
    ];
    for (const [i, code, field] of cases) {
      const res = await app.gql(create, { i }, province);
      expect(res.data.createCountyPairing.pairing).toBeNull();
      expect(res.data.createCountyPairing.userErrors[0]).toMatchObject({ code, field });
    }
    const [{ after }] = await app.ds.query(`SELECT count(*)::int after FROM county_pairing`);
    expect(after).toBe(before);
  });

  it('requires authentication and a coordinator role', async () => {
    const anon = await app.gql(create, { i: { helperCode: '340103', helpedCode: '340828', basis: 'x doc', startDate: '2019-01-01' } });
    expect(anon.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    const ro = await app.gql(create, { i: { helperCode: '340103', helpedCode: '340828', basis: 'x doc', startDate: '2019-01-01' } }, analyst);
    expect(ro.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });
});

describe('poverty designation mutation', () => {
  const update = `mutation($i: UpdateRegionPovertyInput!){ updateRegionPoverty(input:$i) { region { code povertyDesignation povertyExitYear version } userErrors { field code message } } }`;

  it('the province marks a county exited, with optimistic locking', async () => {
    const { data } = await app.gql(`{ region(code:"341524") { version } }`);
    const ok = await app.gql(update, { i: { code: '341524', version: data.region.version, povertyDesignation: 'NATIONAL', designatedYear: 2012, povertyExitYear: 2019 } }, province);
    expect(ok.data.updateRegionPoverty.userErrors).toEqual([]);
    expect(ok.data.updateRegionPoverty.region).toMatchObject({ povertyExitYear: 2019, version: data.region.version + 1 });
    const stale = await app.gql(update, { i: { code: '341524', version: data.region.version, povertyDesignation: 'NONE' } }, province);
    expect(stale.data.updateRegionPoverty.userErrors[0]).toMatchObject({ code: 'VERSION_CONFLICT', field: ['input', 'version'] });
    const [row] = await app.ds.query(`SELECT "povertyDesignation" FROM region WHERE code = '341524'`);
    expect(row.povertyDesignation).toBe('NATIONAL');
  });

  it('a county coordinator cannot designate its own county, nor another county, but can mark its villages', async () => {
    const own = await app.gql(update, { i: { code: '341524', version: 2, povertyDesignation: 'NONE' } }, county);
    expect(own.data.updateRegionPoverty.userErrors[0].code).toBe('FORBIDDEN');
    const other = await app.gql(update, { i: { code: '341522', version: 1, povertyDesignation: 'NONE' } }, county);
    expect(other.data.updateRegionPoverty.userErrors[0].code).toBe('FORBIDDEN');
    const [v] = await app.ds.query(`SELECT code, version FROM region WHERE level = 'VILLAGE' AND code LIKE '341524%' AND "povertyDesignation" = 'NONE' ORDER BY code LIMIT 1`);
    const ok = await app.gql(update, { i: { code: v.code, version: v.version, povertyDesignation: 'POOR_VILLAGE', designatedYear: 2014 } }, county);
    expect(ok.data.updateRegionPoverty.userErrors).toEqual([]);
    const wrongLevel = await app.gql(update, { i: { code: v.code, version: v.version + 1, povertyDesignation: 'NATIONAL' } }, county);
    expect(wrongLevel.data.updateRegionPoverty.userErrors[0]).toMatchObject({ code: 'VALIDATION', field: ['input', 'povertyDesignation'] });
  });
});
