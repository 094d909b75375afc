import { entityFromJson, entityJsonSql } from '../src/db/entity-json';
import { entities } from '../src/modules/registry';
import { poorVillages } from './agreement-fixtures';
import { acceptAgreement } from './evaluation-fixtures';
import { startTestApp, Role, type TestApp } from './harness';
import { levelTokens, newExpert, newOrganization, registeredAgreement, type LevelTokens } from './nomination-fixtures';

/**
 * Relations read ahead for a page of agreements (src/graphql/preload.ts): the `agreements` list reads the selected
 * relations of its page in one statement and primes the loaders; `nodes(ids:)` reads the same agreements through the
 * loaders alone. Both must answer the same, for callers of every scope (an organization or expert outside the scope is
 * null or left out), with masking, aliases with other windows, a cursor past the first page, fragments and `nodes`.
 */
const FIELDS = /* GraphQL */ `
  fragment F on Agreement {
    id title status regionCode registeredAt
    organization { id name type regionCode contactName contactPhone serviceCategories status createdAt updatedAt version }
    experts { id name title regionCode contactPhone email specialties serviceRegionCodes rosterStatus createdAt updatedAt }
    beneficiaryVillages(first: 2) {
      totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor node { code name level povertyDesignation parent { code name level parent { code name parent { code name } } } } }
    }
    allVillages: beneficiaryVillages(first: 10) { edges { node { code parent { code } } } }
    latestEvaluation { id year level totalScore grade status acceptance createdAt updatedAt }
    filingHistory(first: 2) {
      totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor node { id level decision fromStatus toStatus actorName reason at } }
    }
    fullHistory: filingHistory { edges { node { id decision at } } }
  }`;

const LIST = /* GraphQL */ `
  query List($within: String!) {
    agreements(first: 30, filter: { within: $within }, orderBy: { field: CREATED_AT, direction: DESC }) { edges { node { ...F } } }
  }
  ${FIELDS}`;
const BY_ID = /* GraphQL */ `
  query ById($ids: [ID!]!) {
    nodes(ids: $ids) { ...F }
  }
  ${FIELDS}`;

let app: TestApp;
let t: LevelTokens;
let ids: string[];
let farOrg: string;
let farExpert: string;

beforeAll(async () => {
  app = await startTestApp();
  t = await levelTokens(app, 'preload');
  // An organization and an expert of 合肥 (3401): outside the scope of 六安 (3415) and of 金寨县 (341524).
  farOrg = await newOrganization(app, t.national, '合肥市预载测试农技协会', '340102');
  farExpert = await newExpert(app, t.national, '合肥预载专家', false, '340102');
  const nearExpert = await newExpert(app, t.national, '金寨预载专家', false, '341524');
  const villages = await poorVillages(app, '341524', 3);
  ids = [
    await registeredAgreement(app, t, { organizationId: farOrg, expertIds: [nearExpert, farExpert], villageCodes: villages }),
    await registeredAgreement(app, t, { expertIds: [nearExpert], villageCodes: villages.slice(0, 1) }),
  ];
  await acceptAgreement(app, ids[0]);
});
afterAll(async () => {
  await app?.stop();
});

describe('relations preloaded for the agreements list', () => {
  const callers: Array<[string, () => Promise<string> | string]> = [
    ['national admin', () => t.national],
    ['provincial coordinator', () => t.province],
    ['city coordinator', () => t.city],
    ['county coordinator', () => t.county],
    ['analyst of the province', () => app.token([Role.ANALYST], '340000')],
  ];

  it.each(callers)('the list answers what the loaders answer, for the %s', async (_who, tokenOf) => {
    const token = await tokenOf();
    const list = await app.gql(LIST, { within: '341524' }, token);
    expect(list.errors).toBeUndefined();
    const listed = list.data.agreements.edges.map((e: any) => e.node);
    expect(listed.length).toBeGreaterThanOrEqual(2);
    // The page, its relations read ahead, and the two nested totalCounts (counted only when asked, by their loaders).
    expect(list.extensions?.sqlStatements).toBe(4);
    const byId = await app.gql(BY_ID, { ids: listed.map((n: any) => n.id) }, token);
    expect(byId.errors).toBeUndefined();
    expect(listed).toEqual(byId.data.nodes);
  });

  it('leaves out what is outside the scope, as the loaders do (the comparison above is not vacuous)', async () => {
    const pick = async (token: string) => ((await app.gql(LIST, { within: '341524' }, token)).data.agreements.edges as any[]).map((e) => e.node).find((n) => n.id === ids[0]);
    const province = await pick(t.province);
    const county = await pick(t.county);
    expect(province.organization.id).toBe(farOrg);
    expect(province.experts.map((e: any) => e.id)).toContain(farExpert);
    expect(province.experts).toHaveLength(2);
    expect(county.organization).toBeNull();
    expect(county.experts).toHaveLength(1);
    for (const a of [province, county]) {
      expect(a.beneficiaryVillages.totalCount).toBe(3);
      expect(a.beneficiaryVillages.pageInfo.hasNextPage).toBe(true);
      expect(a.beneficiaryVillages.edges[0].node.parent.parent.code).toBe('341524');
      expect(a.allVillages.edges).toHaveLength(3);
      expect(a.filingHistory.pageInfo.hasNextPage).toBe(true);
      expect(a.fullHistory.edges.length).toBeGreaterThan(2);
      expect(a.latestEvaluation?.acceptance).toBe('ACCEPTED');
    }
  });

  it('reads a later page of a nested list (after a cursor) through its loader, with the same answer', async () => {
    const first = await app.gql(LIST, { within: '341524' }, t.province);
    const node = first.data.agreements.edges.map((e: any) => e.node).find((n: any) => n.id === ids[0]);
    const q = `query($within: String!, $after: String!) {
      agreements(first: 30, filter: { within: $within }, orderBy: { field: CREATED_AT, direction: DESC }) { nodes { id filingHistory(first: 2, after: $after) { edges { cursor node { id } } pageInfo { hasPreviousPage } } } }
    }`;
    const later = await app.gql(q, { within: '341524', after: node.filingHistory.pageInfo.endCursor }, t.province);
    expect(later.errors).toBeUndefined();
    const again = later.data.agreements.nodes.find((n: any) => n.id === ids[0]);
    expect(again.filingHistory.pageInfo.hasPreviousPage).toBe(true);
    expect(again.filingHistory.edges[0].node.id).toBe(node.fullHistory.edges[2].node.id);
    // The page plus the window query of filingHistory: nothing preloadable was selected.
    expect(later.extensions?.sqlStatements).toBe(2);
  });

  it('skips relations under @skip and reads nothing ahead when only plain fields are selected', async () => {
    const q = `query($within: String!, $no: Boolean!) {
      agreements(first: 30, filter: { within: $within }, orderBy: { field: CREATED_AT, direction: DESC }) { edges { node { id organization @skip(if: $no) { id } } } }
    }`;
    const plain = await app.gql(q, { within: '341524', no: true }, t.province);
    expect(plain.errors).toBeUndefined();
    expect(plain.extensions?.sqlStatements).toBe(1);
    const withOrg = await app.gql(q, { within: '341524', no: false }, t.province);
    expect(withOrg.data.agreements.edges.some((e: any) => e.node.organization?.id === farOrg)).toBe(true);
    expect(withOrg.extensions?.sqlStatements).toBe(2);
  });

  it('leaves nested arguments it cannot take to the loader, whose error stays on the nested field', async () => {
    const q = `query($within: String!, $first: Int!) {
      agreements(first: 30, filter: { within: $within }, orderBy: { field: CREATED_AT, direction: DESC }) {
        nodes { id organization { id } beneficiaryVillages(first: $first) { totalCount } }
      }
    }`;
    const res = await app.gql(q, { within: '341524', first: -1 }, t.province);
    expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(res.errors?.[0]?.path).toEqual(expect.arrayContaining(['agreements', 'nodes', 'beneficiaryVillages']));
  });

  it('reads ahead under `nodes` and through inline fragments as under `edges { node }`', async () => {
    const q = `query($within: String!) {
      agreements(first: 30, filter: { within: $within }, orderBy: { field: CREATED_AT, direction: DESC }) {
        nodes { id ... on Agreement { organization { id } latestEvaluation { grade } } experts { id } }
      }
    }`;
    const res = await app.gql(q, { within: '341524' }, t.province);
    expect(res.errors).toBeUndefined();
    const a = res.data.agreements.nodes.find((n: any) => n.id === ids[0]);
    expect(a.organization.id).toBe(farOrg);
    expect(a.experts).toHaveLength(2);
    expect(a.latestEvaluation.grade).not.toBeNull();
    expect(res.extensions?.sqlStatements).toBe(2);
  });
});

describe('entities read as JSON (src/db/entity-json.ts)', () => {
  it('hydrates every entity exactly as TypeORM does', async () => {
    let compared = 0;
    for (const target of entities) {
      const meta = app.ds.getMetadata(target);
      const loaded = await app.ds.getRepository(target).find({ take: 30 });
      if (!loaded.length) continue;
      const keyOf = (e: any) => JSON.stringify(meta.primaryColumns.map((c) => String(c.getEntityValue(e))));
      const where = meta.primaryColumns.map((c, i) => `t."${c.databaseName}"::text = ANY($${i + 1}::text[])`).join(' AND ');
      const rows: Array<{ j: unknown }> = await app.ds.query(
        `SELECT ${entityJsonSql(app.ds, target, 't')} AS j FROM "${meta.tableName}" t WHERE ${where}`,
        meta.primaryColumns.map((c) => loaded.map((e) => String(c.getEntityValue(e)))),
      );
      const fromJson = new Map(rows.map((r) => entityFromJson(app.ds, target, r.j)).map((e) => [keyOf(e), e]));
      for (const e of loaded) expect([meta.name, fromJson.get(keyOf(e))]).toStrictEqual([meta.name, e]);
      compared += loaded.length;
    }
    expect(compared).toBeGreaterThan(100);
    expect(entityFromJson(app.ds, entities[0], null)).toBeNull();
  });
});
