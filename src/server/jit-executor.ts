import type { GatewayExecutor, GatewayInterface } from '@apollo/server-gateway-interface';
import { GraphQLEnumType, GraphQLError, type DocumentNode, type ExecutionResult, type GraphQLSchema } from 'graphql';
import { getVariableValues } from 'graphql/execution/values';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';

/**
 * Executes queries and mutations with graphql-jit: each operation is compiled once into a JavaScript function and
 * cached per parsed document (Apollo keeps one DocumentNode per query string in its bounded document cache, so the
 * WeakMap follows it). graphql-js's `execute` allocates, for every field of every object, the argument map, the
 * resolve info and a path entry; on the nested benchmark query (~8,000 fields a response) that was a third of all
 * memory a request allocated and made garbage collection the largest cost in Node.js (docs/benchmarks.md, issue 8).
 * The resolvers, the schema, validation, the cost limits and error formatting are unchanged.
 *
 * Variables are coerced by graphql-js first, exactly as `execute` would (same defaults, same BAD_USER_INPUT errors):
 * graphql-jit 0.8's own coercion leaves out the default of a non-null input field (`direction: OrderDirection! = ASC`).
 * graphql-jit then coerces the coerced values once more, which changes nothing for this schema's types: enum values
 * are their own names (checked below) and DateTimeISO / JSONObject accept what they produce.
 */
export function jitExecutor(schema: GraphQLSchema): GatewayExecutor {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!(type instanceof GraphQLEnumType)) continue;
    for (const v of type.getValues()) if (v.value !== v.name) throw new Error(`enum ${type.name}.${v.name} has the internal value ${String(v.value)}; jitExecutor needs names as values`);
  }
  const compiled = new WeakMap<DocumentNode, Map<string, CompiledQuery | ExecutionResult>>();
  return async (rc) => {
    let byOperation = compiled.get(rc.document);
    if (!byOperation) compiled.set(rc.document, (byOperation = new Map()));
    const name = rc.operationName ?? '';
    let query = byOperation.get(name);
    if (!query) {
      query = compileQuery(schema, rc.document, rc.operationName ?? undefined, { disablingCapturingStackErrors: true });
      byOperation.set(name, query);
    }
    if (!isCompiledQuery(query)) return query;
    const variables = getVariableValues(schema, rc.operation.variableDefinitions ?? [], rc.request.variables ?? {}, { maxErrors: 50 });
    if (variables.errors) return { errors: variables.errors };
    const result = (await query.query(undefined, rc.context, variables.coerced)) as ExecutionResult<Record<string, unknown>>;
    return result.errors?.length ? { ...result, errors: result.errors.map(asGraphQLError) } : result;
  };
}

/**
 * graphql-jit's errors carry no `extensions` object when the resolver threw a plain Error (a database fault), and
 * Apollo reads `extensions.code`; as graphql-js's own error, with the same message, locations, path and original error
 * (which error formatting maps to TIMEOUT / SERVICE_UNAVAILABLE or masks).
 */
function asGraphQLError(e: GraphQLError): GraphQLError {
  const error = new GraphQLError(e.message, { path: e.path, originalError: e.originalError ?? undefined, extensions: e.extensions ?? undefined });
  if (e.locations) (error as { locations?: GraphQLError['locations'] }).locations = e.locations;
  return error;
}

/**
 * Apollo Server takes a custom executor only through its gateway interface: this "gateway" hands Apollo our own
 * schema once and executes with jitExecutor.
 */
export function jitGateway(schema: GraphQLSchema): GatewayInterface {
  return {
    onSchemaLoadOrUpdate(callback) {
      callback({ apiSchema: schema, coreSupergraphSdl: '' });
      return () => undefined;
    },
    async load() {
      return { executor: jitExecutor(schema) };
    },
    async stop() {},
  };
}
