import 'reflect-metadata';
import { GraphQLInterfaceType, GraphQLObjectType, GraphQLUnionType, lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
import { buildSchema, getMetadataStorage, type BuildSchemaOptions, type NonEmptyArray } from 'type-graphql';
import { getMetadataArgsStorage } from 'typeorm';
import { authChecker } from './auth-checker';
import { PLAIN_VALUES } from './connection';
import { idempotentMutations } from './idempotency';
import { resolveNodeType } from './node';
import { pubSub } from './pubsub';

/** Builds the executable schema from the resolver classes (shape validation runs in the mutation helper; every mutation is idempotent by key). */
export async function createSchema(
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  resolvers: NonEmptyArray<Function>,
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  orphanedTypes: Function[] = [],
): Promise<GraphQLSchema> {
  const options: BuildSchemaOptions = { resolvers, orphanedTypes, authChecker, pubSub, validate: false, emitSchemaFile: false };
  const schema = await buildSchema(options);
  dropPassThroughResolvers(schema, options);
  // Root types have no class to carry a description; set them here so every type is documented.
  const roots: Array<[ReturnType<GraphQLSchema['getQueryType']>, string]> = [
    [schema.getQueryType(), 'Read the registry: regions, organizations, experts, beneficiaries, needs, agreements and statistics'],
    [schema.getMutationType(), 'Change the registry; every mutation returns a payload with `userErrors`'],
    [schema.getSubscriptionType(), 'Live events over graphql-ws on the same endpoint'],
  ];
  for (const [type, description] of roots) if (type) type.description = description;
  // type-graphql wraps resolveType in an async function; graphql-jit, which executes queries and mutations
  // (src/server/jit-executor.ts), needs a synchronous one. Node is the schema's only abstract type.
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith('__') || !(type instanceof GraphQLInterfaceType || type instanceof GraphQLUnionType)) continue;
    if (type.name !== 'Node') throw new Error(`abstract type ${type.name} needs a synchronous resolveType for graphql-jit`);
    type.resolveType = resolveNodeType;
  }
  idempotentMutations(schema);
  return schema;
}

/**
 * type-graphql gives every plain `@Field` a resolver that runs the field's middlewares and auth check and then reads
 * `root[name]`. For a field with neither, that resolver only reads the property; but an executor has to call it:
 * graphql-jit builds a resolve info, an argument object and two closures for every such field of every object (on the
 * nested benchmark query, ~5,000 leaf fields a response, the largest allocator left after the switch to graphql-jit;
 * removing them saves ~5–10 % of a request's CPU time, docs/benchmarks.md, issue 8), while a field without a resolver
 * is read inline.
 *
 * graphql-jit's inline read does not await a promise or call a function, as graphql-js's default resolver does; so
 * a resolver is removed only where the value is known to be plain data: fields of TypeORM entities (columns TypeORM
 * has set; not an accessor, a method or a lazy relation of the class) and of types or fields marked PLAIN_VALUES
 * (connection edges and page info). And only where type-graphql's resolver had nothing else to do, judged from the
 * metadata it built the resolver from: no field resolver, no `@Authorized` roles (even `[]`), no middleware
 * (`@UseMiddleware`, e.g. personal-data masking, or one on the class), the same schema and property name. Global
 * middlewares would run in every field resolver, so none may be configured.
 */
function dropPassThroughResolvers(schema: GraphQLSchema, options: BuildSchemaOptions): void {
  if (options.globalMiddlewares?.length) throw new Error('dropPassThroughResolvers: global middlewares run in every field resolver; keep the resolvers');
  const storage = getMetadataStorage();
  const orm = getMetadataArgsStorage();
  const fieldResolverNames = new Set(storage.fieldResolvers.map((r) => r.methodName));
  // @Field declarations by schema name, indexed once (the loop below looks up every field of every type).
  const declarations = new Map<string, Array<(typeof storage.fields)[number]>>();
  for (const f of storage.fields) declarations.set(f.schemaName, [...(declarations.get(f.schemaName) ?? []), f]);
  for (const meta of storage.objectTypes) {
    const type = schema.getType(meta.name);
    if (!(type instanceof GraphQLObjectType)) continue;
    const entity = orm.tables.some((t) => t.target === meta.target);
    const plainType = entity || type.extensions?.[PLAIN_VALUES] === true;
    // The classes whose @Field metadata this type's fields may come from: the class, its ancestors, its interfaces.
    const classes: Function[] = [...(meta.interfaceClasses ?? [])];
    for (let c: Function | null = meta.target; c && c !== Function.prototype; c = Object.getPrototypeOf(c) as Function | null) classes.push(c);
    for (const [name, field] of Object.entries(type.getFields())) {
      if (!field.resolve || !(plainType || field.extensions?.[PLAIN_VALUES] === true)) continue;
      // Every declaration of the field in those classes must be a plain one (no need to know which one won).
      const declared = (declarations.get(name) ?? []).filter((f) => classes.includes(f.target));
      if (!declared.length || !declared.every(isPassThrough) || isAccessor(meta.target, name)) continue;
      if (orm.relations.some((r) => classes.includes(r.target as Function) && r.propertyName === name && r.isLazy)) continue;
      field.resolve = undefined;
    }
  }

  function isPassThrough(f: (typeof storage.fields)[number]): boolean {
    return f.name === f.schemaName && !fieldResolverNames.has(f.name) && f.roles === undefined && Array.isArray(f.middlewares) && f.middlewares.length === 0;
  }
}

/** Whether the class (or an ancestor) defines `name` as a getter or a method rather than leaving it to instance data. */
function isAccessor(target: Function, name: string): boolean {
  for (let p = target.prototype as object | null; p && p !== Object.prototype; p = Object.getPrototypeOf(p) as object | null) {
    if (Object.getOwnPropertyDescriptor(p, name)) return true;
  }
  return false;
}

/** The schema as committed in schema.graphql: sorted, so diffs are stable. */
export function printSortedSchema(schema: GraphQLSchema): string {
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}
