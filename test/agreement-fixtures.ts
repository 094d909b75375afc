import { toGlobalId } from '../src/graphql/node';
import { agreementContent, SIGNATORIES } from '../bench/agreement-content';
import type { TestApp } from './harness';

/** Fields of an agreement every test reads back. */
export const AGREEMENT_FIELDS = `id status version regionCode reviewLevel registryNumber returnReason`;
const PAYLOAD = `agreement { ${AGREEMENT_FIELDS} } currentStatus userErrors { code message field }`;

/** Registered poor villages of a county (from the demo data). */
export async function poorVillages(app: TestApp, county: string, n = 3): Promise<string[]> {
  const rows = await app.ds.query(`SELECT code FROM region WHERE level = 'VILLAGE' AND code LIKE $1 AND "povertyDesignation" = 'POOR_VILLAGE' ORDER BY code LIMIT $2`, [`${county}%`, n]);
  return rows.map((r: { code: string }) => r.code);
}

/** Global ID of a demo organization by name. */
export async function orgId(app: TestApp, name: string): Promise<string> {
  const [{ id }] = await app.ds.query(`SELECT id FROM organization WHERE name = $1`, [name]);
  return toGlobalId('Organization', id);
}

/** A complete agreement input for a county (poor village, organization, period, goals, tasks, measures, mechanism). */
export async function completeInput(app: TestApp, county = '341524', extra: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  const [village] = await poorVillages(app, county, 1);
  const [{ id }] = await app.ds.query(`SELECT id FROM organization WHERE "regionCode" LIKE $1 AND status = 'ACTIVE' ORDER BY name LIMIT 1`, [`${county}%`]);
  return { ...agreementContent(county, id, village, `科技帮扶协议 ${county} ${Math.random().toString(36).slice(2, 8)}`), ...extra };
}

export { SIGNATORIES };

export type Ref = { id: string; version: number; status: string; registryNumber?: string | null; reviewLevel?: string | null; returnReason?: string | null; regionCode?: string };

/** Runs one agreement mutation and returns its payload (asserting no GraphQL errors). */
export async function act(app: TestApp, token: string, mutationName: string, input: Record<string, unknown>, inputType: string): Promise<any> {
  const res = await app.gql(`mutation($i: ${inputType}!) { ${mutationName}(input: $i) { ${mutationName === 'submitAgreementsToRegistry' ? `agreements { ${AGREEMENT_FIELDS} } userErrors { code message field }` : PAYLOAD} } }`, { i: input }, token);
  if (res.errors) throw new Error(`${mutationName}: ${JSON.stringify(res.errors)}`);
  return res.data[mutationName];
}

/** Like `act` but requires success; returns the agreement. */
export async function ok(app: TestApp, token: string, mutationName: string, input: Record<string, unknown>, inputType: string): Promise<Ref> {
  const p = await act(app, token, mutationName, input, inputType);
  if (p.userErrors.length) throw new Error(`${mutationName}: ${JSON.stringify(p.userErrors)}`);
  return p.agreement ?? p.agreements[0];
}

export const T = 'AgreementTransitionInput';
export const R = 'AgreementReasonInput';

/** Drafts a complete agreement and signs it; returns the SIGNED agreement. */
export async function signed(app: TestApp, token: string, county = '341524', extra: Record<string, unknown> = {}): Promise<Ref> {
  const a = await ok(app, token, 'createAgreement', await completeInput(app, county, extra), 'CreateAgreementInput');
  return ok(app, token, 'signAgreement', { id: a.id, version: a.version, signingDate: '2018-02-28', signatories: SIGNATORIES }, 'SignAgreementInput');
}

/** Drafts, signs and files an agreement; returns it in its first review state. */
export async function filed(app: TestApp, token: string, county = '341524', extra: Record<string, unknown> = {}): Promise<Ref> {
  const a = await signed(app, token, county, extra);
  return ok(app, token, 'fileAgreement', { id: a.id, version: a.version }, T);
}
