import fc from 'fast-check';
import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isScalarType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLNamedInputType,
  type GraphQLSchema,
} from 'graphql';
import { createSchema } from '../src/graphql/schema';
import { toGlobalId } from '../src/graphql/node';
import { orphanedTypes, resolvers } from '../src/modules/registry';
import { NATIONAL_REGION, Role, startTestApp, type TestApp } from './harness';
import { subscribe, wsClient } from './ws-client';

/**
 * Property-based fuzzing of EVERY mutation of the built schema (discovered, so new mutations are covered
 * without touching this file): random and hostile inputs generated from the input types must never give a
 * 5xx or INTERNAL_SERVER_ERROR, always a GraphQL validation/refusal error, a payload with userErrors, or a
 * success — and a refused call must leave every table unchanged: not only its row count, but every row's content
 * (see `tableStates`).
 */
const TIME_BUDGET_MS = Number(process.env.ZHULI_FUZZ_MS ?? 30_000);
const SEED = Number(process.env.ZHULI_FUZZ_SEED ?? 20261124);

let app: TestApp;
let schema: GraphQLSchema;
let tokens: Array<string | null>;
let knownIds: string[] = [];
let stateSql = '';

const HOSTILE_STRINGS = [
  '',
  ' ',
  "'; DROP TABLE organization; --",
  "' OR '1'='1",
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  '\u0000',
  'a\u0000b',
  '\u202e\u200b\ufeff',
  '\ud83d\ude00'.repeat(50),
  '%s%s%s%n',
  '../../../../etc/passwd',
  '${jndi:ldap://x}',
  '{"$gt": ""}',
  '341524',
  '000000',
  '110101',
  '99999999999999999999',
  'NaN',
  '-1',
  '\r\n\t',
  '金寨县'.repeat(100),
  'x'.repeat(10_000),
  'y'.repeat(100_001),
];
const DATES = ['1970-01-01T00:00:00.000Z', '0001-01-01T00:00:00Z', '9999-12-31T23:59:59.999Z', '2019-02-30T00:00:00Z', '2020-02-29T12:00:00+08:00', 'not a date', '', '2019-05-01'];
const INTS = [0, 1, -1, 2, 100, 101, 2147483647, -2147483648, 1900, 2017, 2020, 2100];

function stringArb(fieldName: string): fc.Arbitrary<unknown> {
  const codes = fc.constantFrom('341524', '341500', '340000', '341522', '340103', '341226', '110101', '110000', '000000', '341524001', '341524001001', '12345');
  const dateish = /date|at$|from|to|until|since|before|after/i.test(fieldName) ? [fc.constantFrom(...DATES, '2018-03-01', '2030-12-31')] : [];
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
    { weight: 2, arbitrary: fc.string({ maxLength: 40 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
    { weight: /code/i.test(fieldName) ? 6 : 1, arbitrary: codes },
    { weight: /phone/i.test(fieldName) ? 4 : 0, arbitrary: fc.constantFrom('13905641234', '0564-1234567', '1', '+86 139 0564 1234') },
    ...dateish.map((arbitrary) => ({ weight: 3, arbitrary })),
  );
}

function idArb(): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...knownIds) },
    { weight: 1, arbitrary: fc.uuid().map((u) => toGlobalId('Organization', u)) },
    { weight: 1, arbitrary: fc.uuid().map((u) => toGlobalId('Nope', u)) },
    { weight: 1, arbitrary: fc.constantFrom('', 'not-an-id', toGlobalId('Region', '999999'), toGlobalId('Expert', "1' OR '1'='1"), 'x'.repeat(300)) },
  );
}

/** A value for an input type: mostly well-typed (to reach the services), sometimes of the wrong type. */
function valueArb(type: GraphQLInputType, fieldName: string, depth = 0): fc.Arbitrary<unknown> {
  if (isNonNullType(type)) return fc.oneof({ weight: 60, arbitrary: valueArb(type.ofType, fieldName, depth) }, { weight: 1, arbitrary: fc.constant(null) });
  const wrong = fc.constantFrom<unknown>(null, 42, 'wrong', true, [], {}, -0.5);
  if (isListType(type)) {
    return fc.oneof({ weight: 9, arbitrary: fc.array(valueArb(type.ofType, fieldName, depth + 1), { maxLength: depth > 1 ? 2 : 4 }) }, { weight: 1, arbitrary: fc.array(fc.constant('x'), { minLength: 101, maxLength: 300 }) });
  }
  let right: fc.Arbitrary<unknown>;
  if (isInputObjectType(type)) {
    const fields = Object.values(type.getFields());
    const rec: Record<string, fc.Arbitrary<unknown>> = {};
    for (const f of fields) rec[f.name] = depth > 3 ? fc.constant(null) : valueArb(f.type, f.name, depth + 1);
    const required = fields.filter((f) => isNonNullType(f.type)).map((f) => f.name);
    right = fc.record(rec, { requiredKeys: required as never[] });
  } else if (isEnumType(type)) {
    right = fc.oneof({ weight: 9, arbitrary: fc.constantFrom(...type.getValues().map((v) => v.name)) }, { weight: 1, arbitrary: fc.constant('NOT_A_VALUE') });
  } else if (isScalarType(type)) {
    switch (type.name) {
      case 'Int':
        right = fc.oneof(fc.constantFrom(...INTS), fc.integer(), fc.constant(2 ** 31), fc.constant(1.5));
        break;
      case 'Float':
        right = fc.oneof(fc.double({ noNaN: true }), fc.constantFrom(0, -1, 100, 1e308, -1e-308));
        break;
      case 'Boolean':
        right = fc.boolean();
        break;
      case 'ID':
        right = idArb();
        break;
      case 'DateTimeISO':
        right = fc.oneof(fc.constantFrom(...DATES), fc.date({ min: new Date(-8.64e15), max: new Date(8.64e15) }).filter((d) => !Number.isNaN(d.getTime())).map((d) => d.toISOString()));
        break;
      case 'JSONObject':
        right = fc.oneof(fc.object({ maxDepth: 2 }), fc.constant({ __proto__: { polluted: true } }), fc.constant({ constructor: { prototype: { polluted: true } } }));
        break;
      default:
        right = stringArb(fieldName);
    }
  } else {
    right = fc.constant(null);
  }
  return fc.oneof({ weight: 50, arbitrary: right }, { weight: 1, arbitrary: wrong });
}

/**
 * Per table, "rows:newest xmin": the row count and the highest transaction id among the live row versions. A
 * committed INSERT or UPDATE gives its rows the writing transaction's id, higher than every id before it (ids only
 * grow; a test run is far from wraparound), and a DELETE lowers the count or, together with an insert, leaves a
 * new xmin. So equal states mean no committed write at all — an update that only changed a row's content included
 * — while rolled-back work leaves no trace. As cheap as count(*): one scan per table, no hashing of row text.
 */
async function tableStates(): Promise<Record<string, string>> {
  const [row] = (await app.ds.query(stateSql)) as Array<Record<string, string>>;
  return row;
}

const ACCEPTABLE_REFUSALS = new Set(['BAD_USER_INPUT', 'GRAPHQL_VALIDATION_FAILED', 'FORBIDDEN', 'UNAUTHENTICATED', 'QUERY_TOO_COMPLEX', 'PAYLOAD_TOO_LARGE']);

beforeAll(async () => {
  app = await startTestApp({ rateLimitPerSecond: 0 });
  schema = await createSchema(resolvers, orphanedTypes);
  tokens = [
    await app.token([Role.NATIONAL_ADMIN], NATIONAL_REGION, { sub: 'fuzz-admin' }),
    await app.token([Role.COUNTY_COORDINATOR], '341524', { sub: 'fuzz-county' }),
    await app.token([Role.PROVINCIAL_COORDINATOR], '110000', { sub: 'fuzz-beijing' }),
    null,
  ];
  // Real IDs of every node type (in and out of the callers' regions), to go past "not found".
  for (const meta of app.ds.entityMetadatas) {
    if (meta.primaryColumns.length !== 1) continue;
    const col = meta.primaryColumns[0].databaseName;
    const rows = (await app.ds.query(`SELECT "${col}"::text AS k FROM "${meta.tableName}" ORDER BY md5("${col}"::text) LIMIT 4`)) as Array<{ k: string }>;
    knownIds.push(...rows.map((r) => toGlobalId(meta.name, r.k)));
  }
  if (!knownIds.length) knownIds = [toGlobalId('Region', '341524')];
  const tables = (await app.ds.query(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`)) as Array<{ tablename: string }>;
  stateSql = `SELECT ${tables.map((t) => `(SELECT count(*) || ':' || coalesce(max(xmin::text::bigint), 0) FROM "${t.tablename}") AS "${t.tablename}"`).join(', ')}`;
});
afterAll(async () => app?.stop());

const NUL_TEXT = 'a\u0000b';

/**
 * A well-typed value for `type` whose text (every String field, a JSON value's one entry, and the IDs of a query's
 * arguments) is `textAt(its path)`; the paths of the text go into `textPaths`. Lists hold one item; the IDs inside a
 * mutation's input point at a well-formed but unknown node (the NUL check comes before anything else anyway).
 */
function sampleInput(type: GraphQLInputType, path: string[], textAt: (path: string[]) => string, textPaths: string[][]): unknown {
  if (isNonNullType(type)) return sampleInput(type.ofType, path, textAt, textPaths);
  if (isListType(type)) return [sampleInput(type.ofType, [...path, '0'], textAt, textPaths)];
  const named: GraphQLNamedInputType = type;
  if (isInputObjectType(named)) {
    return Object.fromEntries(
      Object.values(named.getFields())
        .filter((f) => f.name !== 'idempotencyKey') // refused on its own (printable ASCII), before the resolver
        .map((f) => [f.name, sampleInput(f.type, [...path, f.name], textAt, textPaths)]),
    );
  }
  if (isEnumType(named)) return named.getValues()[0].name;
  switch (named.name) {
    case 'String':
    case 'ID':
      if (named.name === 'ID' && path[0] === 'input') return toGlobalId('Organization', '7ad59b8f-e443-4f5e-8732-50d96f590808');
      textPaths.push(path);
      return textAt(path);
    case 'JSONObject':
      textPaths.push([...path, 'note']);
      return { note: textAt([...path, 'note']) };
    case 'Int':
    case 'Float':
      return 1;
    case 'Boolean':
      return true;
    case 'DateTimeISO':
      return '2020-01-01T00:00:00.000Z';
    default:
      throw new Error(`sampleInput: no value for scalar ${named.name}`);
  }
}

/** `field(args)` as an operation of `kind` with one variable per argument. */
function operationOf(kind: 'query' | 'mutation', field: GraphQLField<unknown, unknown>, selection: string): string {
  const varDefs = field.args.map((a) => `$${a.name}: ${a.type.toString()}`).join(', ');
  return `${kind}(${varDefs}) { result: ${field.name}(${field.args.map((a) => `${a.name}: $${a.name}`).join(', ')}) ${selection} }`;
}

describe('text PostgreSQL cannot store (NUL characters)', () => {
  it('every mutation refuses it in any text field with a VALIDATION userError at its path, and writes nothing', async () => {
    const mutations = Object.values(schema.getMutationType()?.getFields() ?? {}) as Array<GraphQLField<unknown, unknown>>;
    const missed: string[] = [];
    let checkedFields = 0;
    const everyRole = await app.token(Object.values(Role), NATIONAL_REGION, { sub: 'nul-every-role' }); // past every role check
    for (const m of mutations) {
      const nulPaths: string[][] = [];
      const variables = Object.fromEntries(m.args.map((a) => [a.name, sampleInput(a.type, [a.name], () => NUL_TEXT, nulPaths)]));
      if (!nulPaths.length) continue;
      const before = await tableStates();
      const res = await app.gql(operationOf('mutation', m, '{ userErrors { field message code } }'), variables, everyRole);
      expect({ mutation: m.name, status: res.status, errors: res.errors }).toEqual({ mutation: m.name, status: 200, errors: undefined });
      const reported = new Set(
        (res.data.result.userErrors as Array<{ field: string[] | null; message: string; code: string }>)
          .filter((e) => e.code === 'VALIDATION' && /NUL/.test(e.message))
          .map((e) => JSON.stringify(e.field)),
      );
      for (const p of nulPaths) if (!reported.has(JSON.stringify(p))) missed.push(`${m.name}: ${p.join('.')}`);
      checkedFields += nulPaths.length;
      expect(await tableStates()).toEqual(before);
    }
    expect(missed).toEqual([]);
    expect(checkedFields).toBeGreaterThan(100);
  });

  it('every query refuses it in any text argument with BAD_USER_INPUT naming the argument, before running', async () => {
    const everyRole = await app.token(Object.values(Role), NATIONAL_REGION, { sub: 'nul-every-role' });
    const wrong: string[] = [];
    let checkedArguments = 0;
    for (const q of Object.values(schema.getQueryType()?.getFields() ?? {}) as Array<GraphQLField<unknown, unknown>>) {
      const textPaths: string[][] = [];
      for (const a of q.args) sampleInput(a.type, [a.name], () => 'x', textPaths);
      const named = getNamedType(q.type);
      const selection = isScalarType(named) || isEnumType(named) ? '' : '{ __typename }';
      for (const target of textPaths) {
        const key = JSON.stringify(target);
        const variables = Object.fromEntries(q.args.map((a) => [a.name, sampleInput(a.type, [a.name], (p) => (JSON.stringify(p) === key ? NUL_TEXT : 'x'), [])]));
        const res = await app.gql(operationOf('query', q, selection), variables, everyRole);
        const expected = { status: 400, code: 'BAD_USER_INPUT', message: `Argument ${target.join('.')} of ${q.name} must not contain NUL characters` };
        const got = { status: res.status, code: res.errors?.[0]?.extensions?.code, message: res.errors?.[0]?.message };
        if (JSON.stringify(got) !== JSON.stringify(expected) || res.errors?.length !== 1) wrong.push(`${q.name} ${target.join('.')}: ${JSON.stringify(res.errors)}`);
        checkedArguments++;
      }
    }
    expect(wrong).toEqual([]);
    expect(checkedArguments).toBeGreaterThan(50);
  });

  it("also in the arguments of nested fields (of a mutation's payload too) and of subscriptions over WebSocket", async () => {
    const admin = tokens[0] as string;
    const nested = await app.gql(`query($s: String) { nominationRounds(first: 1) { nodes { candidates(after: $s) { totalCount } } } }`, { s: NUL_TEXT }, admin);
    expect(nested.errors?.map((e) => [e.extensions?.code, e.message])).toEqual([['BAD_USER_INPUT', 'Argument after of candidates must not contain NUL characters']]);

    // In a mutation's payload selection the whole operation is refused before the mutation runs: nothing written.
    const before = await tableStates();
    const [org] = await app.ds.query(`SELECT id, version FROM organization WHERE status = 'ACTIVE' ORDER BY id LIMIT 1`);
    const payload = await app.gql(
      `mutation($id: ID!, $v: Int!, $a: String) { updateOrganization(input: { id: $id, version: $v, contactName: "新联系人" }) { organization { experts(after: $a) { totalCount } } userErrors { code } } }`,
      { id: toGlobalId('Organization', org.id), v: org.version, a: NUL_TEXT },
      admin,
    );
    expect(payload.errors?.map((e) => [e.extensions?.code, e.message])).toEqual([['BAD_USER_INPUT', 'Argument after of experts must not contain NUL characters']]);
    expect(payload.data ?? null).toBeNull();
    expect(await tableStates()).toEqual(before);

    const client = wsClient(app.url, admin);
    try {
      const sub = subscribe(client, `subscription($r: String!) { agreementFiled(regionCode: $r) { cursor } }`, { r: NUL_TEXT });
      const errors = await sub.failed();
      expect(errors.map((e: { extensions?: { code?: string }; message: string }) => [e.extensions?.code, e.message])).toEqual([['BAD_USER_INPUT', 'Argument regionCode of agreementFiled must not contain NUL characters']]);
    } finally {
      await client.dispose();
    }
  });
});

describe('fuzzing every mutation', () => {
  it('the after-check sees a change of content that keeps every row count', async () => {
    const [org] = await app.ds.query(`SELECT id, "contactName" FROM organization ORDER BY id LIMIT 1`);
    const before = await tableStates();
    await app.ds.query(`UPDATE organization SET "contactName" = $2 WHERE id = $1`, [org.id, `${org.contactName}改`]);
    const after = await tableStates();
    await app.ds.query(`UPDATE organization SET "contactName" = $2 WHERE id = $1`, [org.id, org.contactName]);
    expect(after.organization).not.toBe(before.organization);
    expect(after.organization.split(':')[0]).toBe(before.organization.split(':')[0]); // same row count
    expect({ ...after, organization: '' }).toEqual({ ...before, organization: '' });
  });

  it('never answers 5xx or INTERNAL_SERVER_ERROR, and refused calls write nothing', async () => {
    const mutations = Object.values(schema.getMutationType()?.getFields() ?? {}) as Array<GraphQLField<unknown, unknown>>;
    expect(mutations.length).toBeGreaterThan(5);
    const perMutationMs = Math.max(300, Math.floor(TIME_BUDGET_MS / mutations.length));
    const report: string[] = [];
    for (const m of mutations) {
      const varDefs = m.args.map((a) => `$${a.name}: ${a.type.toString()}`).join(', ');
      const argList = m.args.map((a) => `${a.name}: $${a.name}`).join(', ');
      const returns = getNamedType(m.type);
      const hasUserErrors = 'getFields' in returns && 'userErrors' in (returns.getFields() as object);
      const selection = hasUserErrors ? '{ __typename userErrors { code message field } }' : '{ __typename }';
      const document = `mutation Fuzz${varDefs ? `(${varDefs})` : ''} { result: ${m.name}${argList ? `(${argList})` : ''} ${isScalarType(returns) || isEnumType(returns) ? '' : selection} }`;
      const varsArb = fc.record(Object.fromEntries(m.args.map((a) => [a.name, valueArb(a.type, a.name)])));
      let runs = 0;
      // A time budget per mutation, checked inside the property: fast-check's own interruption would
      // abandon a request still in flight and let it overlap the next one's row counts.
      const deadline = Date.now() + perMutationMs;
      let outcomes = { success: 0, userErrors: 0, refused: 0 };
      await fc.assert(
        fc.asyncProperty(varsArb, fc.integer({ min: 0, max: tokens.length - 1 }), async (variables, who) => {
          if (runs >= 5 && Date.now() > deadline) return;
          runs++;
          const before = await tableStates();
          const res = await fetch(app.url, {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...(tokens[who] ? { authorization: `Bearer ${tokens[who]}` } : {}) },
            body: JSON.stringify({ query: document, variables }),
          });
          const text = await res.text();
          expect(res.status).toBeLessThan(500);
          const body = JSON.parse(text) as { data?: { result?: { userErrors?: unknown[] } | null } | null; errors?: Array<{ message: string; extensions?: { code?: string } }> };
          for (const e of body.errors ?? []) {
            expect(e.extensions?.code).not.toBe('INTERNAL_SERVER_ERROR');
            expect(ACCEPTABLE_REFUSALS.has(String(e.extensions?.code))).toBe(true);
          }
          const result = body.data?.result;
          const refused = !result || (Array.isArray(result.userErrors) && result.userErrors.length > 0);
          if (body.errors?.length) expect(result ?? null).toBeNull();
          if (refused) {
            expect(await tableStates()).toEqual(before);
            if (body.errors?.length) outcomes.refused++;
            else outcomes.userErrors++;
          } else {
            outcomes.success++;
          }
        }),
        { seed: SEED, numRuns: 60, endOnFailure: true },
      );
      report.push(`${m.name}: ${runs} runs, ${outcomes.success} ok, ${outcomes.userErrors} userErrors, ${outcomes.refused} refused`);
      outcomes = { success: 0, userErrors: 0, refused: 0 };
    }
    if (process.env.SHOW_FUZZ) console.log(report.join('\n'));
    expect(report.length).toBe(mutations.length);
  }, 180_000);
});
