import {
  GraphQLError,
  getNamedType,
  isCompositeType,
  isListType,
  getNullableType,
  Kind,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLObjectType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { getComplexity, type ComplexityEstimator } from 'graphql-query-complexity';
import { DEFAULT_PAGE_SIZE } from './connection';
import { nulCharacters } from './user-error';

/** Limits applied to every operation before it executes (HTTP and WebSocket alike). */
export interface QueryLimits {
  /** Deepest field nesting (the `ofType` chains of introspection do not count). */
  maxDepth: number;
  /** Most aliased fields in one operation (fragments expanded). */
  maxAliases: number;
  /** Most fields selected at the root of one operation (fragments expanded). */
  maxRootFields: number;
  /** Highest estimated cost (see `fieldCost`). */
  maxCost: number;
}

/** The cost of an operation as reported in `extensions.cost` (Shopify's shape). */
export interface CostReport {
  requestedQueryCost: number;
  maximum: number;
}

function tooComplex(message: string, extra: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'QUERY_TOO_COMPLEX', http: { status: 400 }, ...extra } });
}

/** Introspection fields returning lists: nesting them more than a few levels is only ever abuse. */
const INTROSPECTION_LISTS = new Set(['types', 'fields', 'inputFields', 'interfaces', 'possibleTypes', 'enumValues', 'args', 'directives']);
const MAX_INTROSPECTION_LIST_NESTING = 3;

interface ShapeStats {
  depth: number;
  aliases: number;
  rootFields: number;
  introspectionNesting: number;
}

/** Walks an operation (fragments expanded, each fragment once per path) measuring depth, aliases and root fields. */
function measure(op: OperationDefinitionNode, fragments: Map<string, FragmentDefinitionNode>): ShapeStats {
  const stats: ShapeStats = { depth: 0, aliases: 0, rootFields: 0, introspectionNesting: 0 };
  // Aliases are counted per fragment spread too, so a fragment reused N times counts N times — as executed.
  let visited = 0;
  const walk = (set: SelectionSetNode, depth: number, introspection: number, active: Set<string>, root: boolean) => {
    for (const sel of set.selections) {
      if (++visited > 20000) throw tooComplex('The operation has too many fields');
      if (sel.kind === Kind.FIELD) {
        if (root) stats.rootFields++;
        if (sel.alias) stats.aliases++;
        // The TypeRef chain of introspection (`ofType { ofType { ... } }`) is finite and cheap: not counted.
        const d = sel.name.value === 'ofType' ? depth : depth + 1;
        const n = INTROSPECTION_LISTS.has(sel.name.value) ? introspection + 1 : introspection;
        stats.depth = Math.max(stats.depth, d);
        stats.introspectionNesting = Math.max(stats.introspectionNesting, n);
        if (sel.selectionSet) walk(sel.selectionSet, d, n, active, false);
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        walk(sel.selectionSet, depth, introspection, active, root);
      } else {
        const name = sel.name.value;
        const frag = fragments.get(name);
        if (!frag || active.has(name)) continue; // validation reports unknown or cyclic fragments
        active.add(name);
        walk(frag.selectionSet, depth, introspection, active, root);
        active.delete(name);
      }
    }
  };
  walk(op.selectionSet, 0, 0, new Set(), true);
  return stats;
}

/**
 * Cost of a field (Shopify-like): scalars and enums 0, objects 1 plus their selection, connections
 * (`first`, default 20) and `nodes(ids:)` multiply their selection by the number of items they may return.
 */
export const fieldCost: ComplexityEstimator = ({ field, args, childComplexity }) => {
  const named = getNamedType(field.type);
  if (!isCompositeType(named)) return 0;
  if (named.name.endsWith('Connection')) {
    const first = typeof args.first === 'number' ? Math.max(0, args.first) : DEFAULT_PAGE_SIZE;
    return 1 + first * childComplexity;
  }
  if (Array.isArray(args.ids)) return 1 + args.ids.length * childComplexity;
  if (isListType(getNullableType(field.type))) return 1 + childComplexity;
  return 1 + childComplexity;
};

/**
 * Not a cost: refuses text the database cannot store (NUL characters) in any field argument before anything runs, as
 * BAD_USER_INPUT naming the argument — except the root fields of `mutations`, whose input `mutation()` reports as
 * userErrors at its path. Gives no estimate, so the next estimator prices the field.
 */
export function nulArguments(mutations: GraphQLObjectType | null | undefined): ComplexityEstimator {
  return ({ type, field, args }) => {
    if (type === mutations) return undefined;
    const [nul] = nulCharacters(args, []);
    if (nul) {
      const argument = (nul.field ?? []).join('.');
      throw new GraphQLError(`Argument ${argument} of ${field.name} must not contain NUL characters`, { extensions: { code: 'BAD_USER_INPUT', field: field.name, argument } });
    }
    return undefined;
  };
}

/**
 * Checks an operation against the limits; returns its cost or throws QUERY_TOO_COMPLEX (or BAD_USER_INPUT
 * for variables that do not fit). Runs after validation and before execution.
 */
export function checkOperation(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown> | undefined,
  limits: QueryLimits,
): CostReport {
  const fragments = new Map<string, FragmentDefinitionNode>();
  let op: OperationDefinitionNode | undefined;
  for (const def of document.definitions) {
    if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
    else if (def.kind === Kind.OPERATION_DEFINITION && (!operationName || def.name?.value === operationName)) op ??= def;
  }
  if (!op) return { requestedQueryCost: 0, maximum: limits.maxCost };
  const s = measure(op, fragments);
  if (s.depth > limits.maxDepth) throw tooComplex(`The operation is nested ${s.depth} levels deep; at most ${limits.maxDepth} are allowed`, { depth: s.depth, maxDepth: limits.maxDepth });
  if (s.introspectionNesting > MAX_INTROSPECTION_LIST_NESTING) throw tooComplex(`Introspection lists are nested ${s.introspectionNesting} levels deep; at most ${MAX_INTROSPECTION_LIST_NESTING} are allowed`);
  if (s.aliases > limits.maxAliases) throw tooComplex(`The operation uses ${s.aliases} aliases; at most ${limits.maxAliases} are allowed`, { aliases: s.aliases, maxAliases: limits.maxAliases });
  if (s.rootFields > limits.maxRootFields) throw tooComplex(`The operation selects ${s.rootFields} root fields; at most ${limits.maxRootFields} are allowed`, { rootFields: s.rootFields, maxRootFields: limits.maxRootFields });
  let cost: number;
  try {
    cost = getComplexity({ schema, query: document, variables: variables ?? {}, operationName: operationName ?? undefined, estimators: [nulArguments(schema.getMutationType()), fieldCost, () => 0] });
  } catch (err) {
    if (err instanceof GraphQLError) throw new GraphQLError(err.message, { extensions: { ...err.extensions, code: 'BAD_USER_INPUT', http: { status: 400 } } });
    throw err;
  }
  const report = { requestedQueryCost: cost, maximum: limits.maxCost };
  if (cost > limits.maxCost) throw tooComplex(`The operation may cost ${cost}; at most ${limits.maxCost} is allowed (lower \`first\` or select less)`, { cost: report });
  return report;
}
