import 'reflect-metadata';
import { GraphQLInterfaceType, GraphQLUnionType, lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
import { buildSchema, type NonEmptyArray } from 'type-graphql';
import { authChecker } from './auth-checker';
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
  const schema = await buildSchema({ resolvers, orphanedTypes, authChecker, pubSub, validate: false, emitSchemaFile: false });
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

/** The schema as committed in schema.graphql: sorted, so diffs are stable. */
export function printSortedSchema(schema: GraphQLSchema): string {
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}
