import 'reflect-metadata';
import { graphql, GraphQLObjectType, parse, type GraphQLSchema } from 'graphql';
import { compileQuery, isCompiledQuery } from 'graphql-jit';
import { Authorized, Extensions, Field, Int, ObjectType, Query, Resolver, UseMiddleware, type MiddlewareFn } from 'type-graphql';
import { PLAIN_VALUES } from '../src/graphql/connection';
import { ANONYMOUS } from '../src/graphql/principal';
import { createSchema } from '../src/graphql/schema';
import { orphanedTypes, resolvers } from '../src/modules/registry';
import { Role, startTestApp, type TestApp } from './harness';
import { keyOf, levelTokens, registeredAgreement } from './nomination-fixtures';

/**
 * createSchema removes the resolvers type-graphql puts on plain `@Field`s of entities and of types marked PLAIN_VALUES
 * (they only read the property, and cost graphql-jit a resolve info and two closures per field per object; issue 8).
 * A field keeps its resolver when it has a middleware, `@Authorized` roles, a field resolver, another schema name, or
 * when its type is not known to hold plain data (graphql-jit reads a field without resolver inline and would not
 * await a promise). Before the change every field had one: the first two tests fail then; drop the middleware, roles
 * or plain-type check and the probe tests fail.
 */
const Upper: MiddlewareFn = async (_data, next) => String(await next()).toUpperCase();

@ObjectType({ description: 'test probe base' })
class ProbeBase {
  @Field({ description: 'inherited, masked by a middleware' })
  @UseMiddleware(Upper)
  inherited!: string;

  @Field({ description: 'inherited, plain' })
  plainBase!: string;
}

@ObjectType({ description: 'test probe' })
@Extensions({ [PLAIN_VALUES]: true })
class Probe extends ProbeBase {
  @Field({ description: 'plain' })
  plain!: string;

  @Field({ description: 'guarded by roles' })
  @Authorized(Role.NATIONAL_ADMIN)
  guarded!: string;

  @Field({ description: 'guarded, any authenticated principal' })
  @Authorized()
  signedIn!: string;

  @Field({ description: 'shouted by a middleware' })
  @UseMiddleware(Upper)
  shouted!: string;

  @Field({ name: 'renamed', description: 'schema name differs from the property' })
  internal!: string;
}

/** Not marked: its values may hold promises (as a Page's totalCount does). */
@ObjectType({ description: 'test probe with a promise' })
class Unmarked {
  @Field(() => Int, { description: 'a promise at run time' })
  count!: number;
}

@Resolver()
class ProbeResolver {
  @Query(() => Probe, { description: 'test probe' })
  probe(): Probe {
    return Object.assign(new Probe(), { inherited: 'i', plainBase: 'b', plain: 'p', guarded: 'g', signedIn: 's', shouted: 'loud', internal: 'r' });
  }

  @Query(() => Unmarked, { description: 'test probe with a promise' })
  unmarked(): Unmarked {
    return { count: Promise.resolve(7) as unknown as number };
  }
}

const fieldsOf = (schema: GraphQLSchema, type: string) => (schema.getType(type) as GraphQLObjectType).getFields();

describe('plain fields have no resolver; guarded, masked and resolved fields keep theirs', () => {
  it('in the application schema', async () => {
    const schema = await createSchema(resolvers, orphanedTypes);
    const step = fieldsOf(schema, 'AgreementFilingStep');
    for (const f of ['level', 'decision', 'toStatus', 'actorName', 'reason', 'at']) expect(step[f].resolve).toBeUndefined();
    expect(fieldsOf(schema, 'Agreement').title.resolve).toBeUndefined();
    // Personal data masked by a middleware, field resolvers, global IDs.
    const org = fieldsOf(schema, 'Organization');
    expect(org.contactPhone.resolve).toBeDefined();
    expect(org.contactName.resolve).toBeDefined();
    expect(org.name.resolve).toBeUndefined();
    expect(fieldsOf(schema, 'Agreement').filingHistory.resolve).toBeDefined();
    expect(fieldsOf(schema, 'Agreement').id.resolve).toBeDefined();
    expect(fieldsOf(schema, 'Expert').contactPhone.resolve).toBeDefined();
    // Connections: edges, nodes and page info are plain; totalCount is a promise (Page counts lazily).
    const connection = fieldsOf(schema, 'AgreementFilingStepConnection');
    expect([connection.edges.resolve, connection.nodes.resolve, connection.pageInfo.resolve]).toEqual([undefined, undefined, undefined]);
    expect(connection.totalCount.resolve).toBeDefined();
    expect(fieldsOf(schema, 'AgreementFilingStepEdge').node.resolve).toBeUndefined();
    expect(fieldsOf(schema, 'PageInfo').endCursor.resolve).toBeUndefined();
  });

  it('on a probe type with each kind of field', async () => {
    const schema = await createSchema([ProbeResolver]);
    const probe = fieldsOf(schema, 'Probe');
    expect(probe.plain.resolve).toBeUndefined();
    expect(probe.plainBase.resolve).toBeUndefined();
    expect(probe.inherited.resolve).toBeDefined();
    expect(probe.guarded.resolve).toBeDefined();
    expect(probe.signedIn.resolve).toBeDefined();
    expect(probe.shouted.resolve).toBeDefined();
    expect(probe.renamed.resolve).toBeDefined();

    const anonymous = await graphql({ schema, source: '{ probe { plain plainBase inherited shouted renamed } }', contextValue: { principal: ANONYMOUS } });
    expect(anonymous).toEqual({ data: { probe: { plain: 'p', plainBase: 'b', inherited: 'I', shouted: 'LOUD', renamed: 'r' } } });
    const denied = await graphql({ schema, source: '{ probe { guarded } }', contextValue: { principal: ANONYMOUS } });
    expect(denied.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    const analyst = { kind: 'USER', subject: 'a', roles: [Role.ANALYST], regionCode: '000000' };
    const forbidden = await graphql({ schema, source: '{ probe { guarded signedIn } }', contextValue: { principal: analyst } });
    expect(forbidden.errors?.map((e) => [e.path?.join('.'), e.extensions?.code])).toEqual([['probe.guarded', 'FORBIDDEN']]);

    // graphql-jit, as the server runs it: the unmarked type's promise is awaited through the resolver it kept.
    expect(fieldsOf(schema, 'Unmarked').count.resolve).toBeDefined();
    const compiled = compileQuery(schema, parse('{ probe { plain plainBase shouted renamed } unmarked { count } }'));
    if (!isCompiledQuery(compiled)) throw new Error(JSON.stringify(compiled));
    expect(await compiled.query(undefined, { principal: ANONYMOUS }, {})).toEqual({ data: { probe: { plain: 'p', plainBase: 'b', shouted: 'LOUD', renamed: 'r' }, unmarked: { count: 7 } } });
  });
});

describe('over HTTP (graphql-jit reads the plain fields inline)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('a registered agreement answers with its plain fields, its filing history and masked contacts', async () => {
    const id = await registeredAgreement(app, await levelTokens(app, 'resolvers'), {});
    const rows = await app.ds.query(`SELECT title, "regionCode", status::text FROM agreement WHERE id = $1`, [keyOf(id)]);
    const steps = await app.ds.query(`SELECT level::text, decision::text, "toStatus"::text AS "toStatus" FROM agreement_filing_step WHERE "agreementId" = $1 ORDER BY id`, [keyOf(id)]);
    expect(steps.length).toBeGreaterThanOrEqual(5);
    const analyst = await app.token([Role.ANALYST], '340000');
    const res = await app.gql(
      `query($id: ID!) { node(id: $id) { ... on Agreement { title regionCode status organization { name contactPhone } filingHistory(first: 20) { edges { node { level decision toStatus } } } } } }`,
      { id },
      analyst,
    );
    expect(res.errors).toBeUndefined();
    const n = res.data.node;
    expect({ title: n.title, regionCode: n.regionCode, status: n.status }).toEqual(rows[0]);
    expect(n.filingHistory.edges.map((e: { node: unknown }) => e.node)).toEqual(steps);
    expect(n.organization.contactPhone).toContain('****');
  });
});
