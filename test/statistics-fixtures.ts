import { toGlobalId } from '../src/graphql/node';
import { withIdCheck } from '../src/modules/beneficiaries/id-number';
import type { TestApp } from './harness';

/** Runs a mutation `name(input: $i) { <selection> userErrors { code message field } }`; returns its payload. */
export async function mutate(app: TestApp, token: string, name: string, inputType: string, input: Record<string, unknown>, selection = ''): Promise<any> {
  const res = await app.gql(`mutation($i: ${inputType}!) { ${name}(input: $i) { ${selection} userErrors { code message field } } }`, { i: input }, token);
  if (res.errors) throw new Error(`${name}: ${JSON.stringify(res.errors)}`);
  return res.data[name];
}

/** Like `mutate` but requires no userErrors. */
export async function mutateOk(app: TestApp, token: string, name: string, inputType: string, input: Record<string, unknown>, selection = ''): Promise<any> {
  const p = await mutate(app, token, name, inputType, input, selection);
  if (p.userErrors.length) throw new Error(`${name}: ${JSON.stringify(p.userErrors)}`);
  return p;
}

let serial = 0;
/** A household import row with a well-formed, unique registry number and head ID number. */
export function householdRow(village: string, h: { size: number; labour: number; techniques?: string[]; projects?: string[]; status?: string }): Record<string, unknown> {
  serial += 1;
  const n = String(serial).padStart(4, '0');
  return {
    registryNumber: `T${village}${n}`,
    villageCode: village,
    headName: '测试户主',
    headIdNumber: withIdCheck(`${village.slice(0, 6)}19700101${n.slice(1)}`),
    size: h.size,
    membersAbleToWork: h.labour,
    povertyCauses: ['LACK_OF_SKILLS'],
    status: h.status ?? 'POOR',
    exitYear: h.status === 'EXITED' ? 2018 : null,
    techniques: h.techniques ?? [],
    incomeProjects: h.projects ?? [],
  };
}

/** Imports households through the API; returns their global IDs in input order. */
export async function importHouseholds(app: TestApp, token: string, rows: Array<Record<string, unknown>>): Promise<string[]> {
  const p = await mutateOk(app, token, 'importHouseholds', 'ImportHouseholdsInput', { rows }, 'created');
  if (p.created !== rows.length) throw new Error(`expected ${rows.length} households created, got ${p.created}`);
  const found: Array<{ id: string; registryNumber: string }> = await app.ds.query(`SELECT id, "registryNumber" FROM household WHERE "registryNumber" = ANY($1)`, [rows.map((r) => r.registryNumber)]);
  const byNumber = new Map(found.map((f) => [f.registryNumber, f.id]));
  return rows.map((r) => toGlobalId('Household', byNumber.get(r.registryNumber as string) as string));
}

/** The first `n` villages (12-digit codes) of a county, by code. */
export async function villagesOf(app: TestApp, county: string, n: number): Promise<string[]> {
  const rows = await app.ds.query(`SELECT code FROM region WHERE level = 'VILLAGE' AND code LIKE $1 ORDER BY code LIMIT $2`, [`${county}%`, n]);
  return rows.map((r: { code: string }) => r.code);
}

export const TARGET_FIELDS = 'id regionCode year indicator value version childrenSum childrenWithTargets difference overAllocated';
