import { NATIONAL_REGION, Role, startTestApp, type TestApp } from './harness';

/** Personal data of people (contact names, phones, e-mails) is masked for everyone who does not need it. */
let app: TestApp;
let org: { id: string; key: string; phone: string; name: string };
let expert: { id: string; key: string; phone: string; email: string | null };
beforeAll(async () => {
  app = await startTestApp();
  const [o] = await app.ds.query(`SELECT id, "contactPhone", "contactName" FROM organization WHERE "regionCode" LIKE '341524%' ORDER BY name LIMIT 1`);
  org = { id: Buffer.from(`Organization:${o.id}`).toString('base64url'), key: o.id, phone: o.contactPhone, name: o.contactName };
  const [e] = await app.ds.query(`SELECT id, "contactPhone", email FROM expert WHERE "regionCode" LIKE '341524%' ORDER BY name LIMIT 1`);
  expert = { id: Buffer.from(`Expert:${e.id}`).toString('base64url'), key: e.id, phone: e.contactPhone, email: e.email };
});
afterAll(async () => {
  await app?.stop();
});

const ORG = `query($id:ID!){ node(id:$id) { ... on Organization { contactName contactPhone } } }`;
const EXPERT = `query($id:ID!){ node(id:$id) { ... on Expert { contactPhone email } } }`;

describe('masking of personal data', () => {
  it('an analyst (national scope) never sees contact names or phones unmasked', async () => {
    const analyst = await app.token([Role.ANALYST], NATIONAL_REGION);
    const res = await app.gql(ORG, { id: org.id }, analyst);
    expect(res.data.node.contactPhone).not.toBe(org.phone);
    expect(res.data.node.contactPhone).toContain('****');
    expect(res.data.node.contactName).not.toBe(org.name);
    expect(res.data.node.contactName.startsWith(Array.from(org.name)[0])).toBe(true);
    const e = await app.gql(EXPERT, { id: expert.id }, analyst);
    expect(e.data.node.contactPhone).toContain('****');
    expect(JSON.stringify(res.data) + JSON.stringify(e.data)).not.toContain(org.phone);
  });

  it('an analyst holding a coordinator role too still sees masked data', async () => {
    const both = await app.token([Role.ANALYST, Role.COUNTY_COORDINATOR], '341524');
    const res = await app.gql(ORG, { id: org.id }, both);
    expect(res.data.node.contactPhone).not.toBe(org.phone);
  });

  it('the coordinator whose scope covers the record sees it unmasked', async () => {
    const county = await app.token([Role.COUNTY_COORDINATOR], '341524');
    const res = await app.gql(ORG, { id: org.id }, county);
    expect(res.data.node).toEqual({ contactName: org.name, contactPhone: org.phone });
    const e = await app.gql(EXPERT, { id: expert.id }, county);
    expect(e.data.node.contactPhone).toBe(expert.phone);
  });

  it('the expert themself and the organization manager see their own data; another expert does not', async () => {
    const self = await app.token([Role.EXPERT], '341524', { expert: expert.key, sub: 'expert-self' });
    const mine = await app.gql(EXPERT, { id: expert.id }, self);
    expect(mine.data.node.contactPhone).toBe(expert.phone);
    const other = await app.token([Role.EXPERT], '341524', { expert: '00000000-0000-4000-8000-000000000000', sub: 'expert-other' });
    const theirs = await app.gql(EXPERT, { id: expert.id }, other);
    if (theirs.data.node) expect(theirs.data.node.contactPhone).not.toBe(expert.phone);
    const manager = await app.token([Role.ORGANIZATION_MANAGER], '341524', { org: org.key, sub: 'manager-self' });
    const own = await app.gql(ORG, { id: org.id }, manager);
    expect(own.data.node.contactPhone).toBe(org.phone);
  });

  it('the audit trail masks personal fields for auditors but not for a national admin', async () => {
    const county = await app.token([Role.COUNTY_COORDINATOR], '341524');
    const { data } = await app.gql(`query($id:ID!){ node(id:$id) { ... on Organization { version } } }`, { id: org.id }, county);
    const upd = await app.gql(`mutation($i: UpdateOrganizationInput!){ updateOrganization(input:$i) { userErrors { code message } } }`, { i: { id: org.id, version: data.node.version, contactPhone: '13900001111' } }, county);
    expect(upd.data.updateOrganization.userErrors).toEqual([]);
    const q = `{ auditEvents(filter:{ operation: "updateOrganization" }, first: 1) { nodes { before after } } }`;
    const auditor = await app.token([Role.AUDITOR], NATIONAL_REGION);
    const masked = await app.gql(q, undefined, auditor);
    expect(masked.data.auditEvents.nodes[0].after.contactPhone).toBe('139****1111');
    expect(JSON.stringify(masked.data)).not.toContain(org.phone);
    const admin = await app.token([Role.NATIONAL_ADMIN], NATIONAL_REGION);
    const clear = await app.gql(q, undefined, admin);
    expect(clear.data.auditEvents.nodes[0]).toEqual({ before: { contactPhone: org.phone }, after: { contactPhone: '13900001111' } });
  });
});
