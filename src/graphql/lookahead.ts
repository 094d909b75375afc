import {
  getDirectiveValues,
  getNamedType,
  GraphQLIncludeDirective,
  GraphQLObjectType,
  GraphQLSkipDirective,
  Kind,
  type FieldNode,
  type GraphQLField,
  type GraphQLResolveInfo,
  type SelectionSetNode,
} from 'graphql';
import { getArgumentValues } from 'graphql/execution/values';

/** One field selected on a type: its definition and its coerced arguments (one entry per distinct use). */
export interface SelectedField {
  field: GraphQLField<unknown, unknown>;
  args: Record<string, unknown>;
}

/**
 * The fields a query selects on the nodes of the connection being resolved (`edges { node { … } }` and
 * `nodes { … }`), fragments and @skip/@include applied, with their arguments coerced as the executor will coerce
 * them — so a resolver can fetch the nodes' relations ahead (src/graphql/preload.ts). Keyed by field name; a field
 * used under several aliases with different arguments has one entry per argument set.
 */
export function connectionNodeFields(info: GraphQLResolveInfo): Map<string, SelectedField[]> {
  const out = new Map<string, SelectedField[]>();
  const connection = getNamedType(info.returnType);
  if (!(connection instanceof GraphQLObjectType)) return out;
  for (const fieldNode of info.fieldNodes) {
    if (!fieldNode.selectionSet) continue;
    for (const top of collect(info, fieldNode.selectionSet)) {
      if (top.name.value === 'nodes') addFields(info, connection.getFields().nodes, top, out);
      if (top.name.value === 'edges' && top.selectionSet) {
        const edge = getNamedType(connection.getFields().edges?.type);
        if (!(edge instanceof GraphQLObjectType)) continue;
        for (const e of collect(info, top.selectionSet)) if (e.name.value === 'node') addFields(info, edge.getFields().node, e, out);
      }
    }
  }
  return out;
}

function addFields(info: GraphQLResolveInfo, listField: GraphQLField<unknown, unknown> | undefined, node: FieldNode, out: Map<string, SelectedField[]>): void {
  const type = listField && getNamedType(listField.type);
  if (!(type instanceof GraphQLObjectType) || !node.selectionSet) return;
  const fields = type.getFields();
  for (const f of collect(info, node.selectionSet)) {
    const field = fields[f.name.value];
    if (!field) continue;
    const args = getArgumentValues(field, f, info.variableValues);
    const uses = out.get(field.name) ?? [];
    if (!uses.some((u) => sameArgs(u.args, args))) uses.push({ field, args });
    out.set(field.name, uses);
  }
}

const sameArgs = (a: Record<string, unknown>, b: Record<string, unknown>) => JSON.stringify(a) === JSON.stringify(b);

/** The field nodes of a selection set, through fragment spreads and inline fragments, honouring @skip/@include. */
function collect(info: GraphQLResolveInfo, set: SelectionSetNode, seen = new Set<string>()): FieldNode[] {
  const out: FieldNode[] = [];
  for (const s of set.selections) {
    if (!included(info, s)) continue;
    if (s.kind === Kind.FIELD) out.push(s);
    else if (s.kind === Kind.INLINE_FRAGMENT) out.push(...collect(info, s.selectionSet, seen));
    else if (!seen.has(s.name.value)) {
      seen.add(s.name.value);
      const fragment = info.fragments[s.name.value];
      if (fragment) out.push(...collect(info, fragment.selectionSet, seen));
    }
  }
  return out;
}

function included(info: GraphQLResolveInfo, node: Parameters<typeof getDirectiveValues>[1]): boolean {
  if (getDirectiveValues(GraphQLSkipDirective, node, info.variableValues)?.if === true) return false;
  return getDirectiveValues(GraphQLIncludeDirective, node, info.variableValues)?.if !== false;
}
