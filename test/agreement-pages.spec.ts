import { startTestApp, Role, type TestApp } from './harness';

/**
 * Issue 8: agreement pages filtered to a set of statuses are merged from one index scan per status (paginate's
 * splitBy) instead of walking the updatedAt index; they must list exactly the rows of the plain SQL ordering, across
 * pages, in both directions, with ties on updatedAt, inside the caller's scope.
 */
let app: TestApp;
let province: string;

beforeAll(async () => {
  app = await startTestApp();
  province = await app.token([Role.PROVINCIAL_COORDINATOR], '340000');
});
afterAll(async () => {
  await app?.stop();
});

describe('agreements filtered to several statuses (one merged index scan per status)', () => {
  const STATUSES = ['REGISTERED', 'IN_PROGRESS', 'COMPLETED', 'DRAFT', 'RETURNED'];

  beforeAll(async () => {
    // 90 copies of a demo agreement in 金寨县 with statuses and updatedAt drawn so that many rows tie on updatedAt.
    await app.ds.query(
      `INSERT INTO agreement (id, title, status, "regionCode", "filerLevel", "organizationId", signatories, "createdBy", "updatedAt")
       SELECT gen_random_uuid(), a.title || ' #' || g, ($1::text[])[1 + g % 5]::agreement_status, a."regionCode", a."filerLevel", a."organizationId",
              a.signatories, a."createdBy", timestamptz '2018-05-01' + ((g * 7) % 13) * interval '1 hour'
         FROM agreement a CROSS JOIN generate_series(1, 90) g
        WHERE a.id = (SELECT id FROM agreement WHERE "regionCode" LIKE '341524%' ORDER BY id LIMIT 1)`,
      [STATUSES],
    );
  });

  async function walk(status: string[], first: number, direction: 'ASC' | 'DESC', within: string | null = null): Promise<string[]> {
    const ids: string[] = [];
    let after: string | null = null;
    for (let guard = 0; guard < 200; guard++) {
      const r: any = await app.gql(
        `query($f: AgreementFilter, $first: Int, $after: String, $o: AgreementOrder) {
           agreements(first: $first, after: $after, filter: $f, orderBy: $o) { pageInfo { hasNextPage endCursor } edges { node { id } } }
         }`,
        { f: { status, within }, first, after, o: { field: 'UPDATED_AT', direction } },
        province,
      );
      expect(r.errors).toBeUndefined();
      const page = r.data.agreements;
      ids.push(...page.edges.map((e: any) => Buffer.from(e.node.id, 'base64url').toString().split(':')[1]));
      if (!page.pageInfo.hasNextPage) return ids;
      after = page.pageInfo.endCursor;
    }
    throw new Error('did not reach the last page');
  }

  async function oracle(status: string[], direction: 'ASC' | 'DESC', within = '34'): Promise<string[]> {
    const rows = await app.ds.query(
      `SELECT id FROM agreement WHERE status = ANY($1::agreement_status[]) AND "regionCode" LIKE $2 ORDER BY "updatedAt" ${direction}, id ${direction}`,
      [status, `${within}%`],
    );
    return rows.map((r: { id: string }) => r.id);
  }

  it.each([
    [['REGISTERED', 'IN_PROGRESS'], 7, 'DESC'],
    [['REGISTERED', 'IN_PROGRESS', 'COMPLETED'], 1, 'DESC'],
    [['REGISTERED', 'IN_PROGRESS', 'COMPLETED'], 10, 'ASC'],
    [['DRAFT', 'RETURNED', 'DRAFT'], 4, 'ASC'],
    [['COMPLETED'], 6, 'DESC'],
  ] as Array<[string[], number, 'ASC' | 'DESC']>)('%j, pages of %i, %s: every row once, in the plain SQL order', async (status, first, direction) => {
    const expected = await oracle([...new Set(status)], direction);
    expect(expected.length).toBeGreaterThan(15);
    expect(await walk(status, first, direction)).toEqual(expected);
  });

  it('keeps the within filter and the scope inside every branch', async () => {
    const expected = await oracle(['REGISTERED', 'IN_PROGRESS'], 'DESC', '341524');
    expect(await walk(['REGISTERED', 'IN_PROGRESS'], 9, 'DESC', '341524')).toEqual(expected);
    const county = await app.token([Role.COUNTY_COORDINATOR], '341522');
    const r: any = await app.gql(`{ agreements(first: 100, filter: { status: [REGISTERED, IN_PROGRESS, RETURNED] }) { edges { node { regionCode status } } } }`, {}, county);
    expect(r.errors).toBeUndefined();
    expect(r.data.agreements.edges.length).toBeGreaterThan(0);
    expect(r.data.agreements.edges.every((e: any) => e.node.regionCode.startsWith('341522'))).toBe(true);
  });
});
