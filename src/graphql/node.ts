import { Field, ID, InterfaceType } from 'type-graphql';
import { GraphQLError } from 'graphql';

/** Encodes a type name and a database key as an opaque global ID. */
export function toGlobalId(type: string, key: string): string {
  return Buffer.from(`${type}:${key}`, 'utf8').toString('base64url');
}

/** Decodes a global ID; returns null when it is not one of ours. */
export function fromGlobalId(id: string): { type: string; key: string } | null {
  if (typeof id !== 'string' || id.length > 200) return null;
  const raw = Buffer.from(id, 'base64url').toString('utf8');
  const i = raw.indexOf(':');
  if (i <= 0 || i === raw.length - 1) return null;
  return { type: raw.slice(0, i), key: raw.slice(i + 1) };
}

/** Decodes a global ID that must be of `type`; returns the key or null. */
export function keyOf(id: string, type: string): string | null {
  const g = fromGlobalId(id);
  return g && g.type === type ? g.key : null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Decodes a global ID of `type` whose key is a UUID; returns null otherwise. */
export function uuidOf(id: string, type: string): string | null {
  const key = keyOf(id, type);
  return key && UUID.test(key) ? key : null;
}

/** The concrete GraphQL type of a Node: every entity names its own (`nodeType`). */
export const resolveNodeType = (value: { nodeType?: string }): string | undefined => value.nodeType;

/** An object with a global ID, fetchable through `node(id:)`. */
@InterfaceType({
  description: 'An object with an opaque global ID that `node(id:)` and `nodes(ids:)` resolve',
  resolveType: resolveNodeType,
})
export abstract class Node {
  @Field(() => ID, { description: 'Opaque global ID' })
  id: string;
}

/** Loads nodes of one type by key, honouring the caller's scope (the context carries it). */
export type NodeFetcher<Ctx> = (ctx: Ctx, keys: readonly string[]) => Promise<Array<unknown | null>>;

const fetchers = new Map<string, NodeFetcher<never>>();

/** Each module registers how its node types are fetched; `node(id:)` dispatches through this table. */
export function registerNodeType<Ctx>(type: string, fetcher: NodeFetcher<Ctx>): void {
  fetchers.set(type, fetcher as NodeFetcher<never>);
}

/** Resolves global IDs to objects (null for unknown, malformed or out-of-scope IDs), keeping order. */
export async function resolveNodes<Ctx>(ctx: Ctx, ids: readonly string[]): Promise<Array<unknown | null>> {
  if (ids.length > 100) {
    throw new GraphQLError('nodes(ids:) accepts at most 100 IDs', { extensions: { code: 'BAD_USER_INPUT' } });
  }
  const byType = new Map<string, Array<{ index: number; key: string }>>();
  ids.forEach((id, index) => {
    const g = fromGlobalId(id);
    if (!g || !fetchers.has(g.type)) return;
    const list = byType.get(g.type) ?? [];
    list.push({ index, key: g.key });
    byType.set(g.type, list);
  });
  const out: Array<unknown | null> = ids.map(() => null);
  await Promise.all(
    [...byType].map(async ([type, items]) => {
      const rows = await (fetchers.get(type) as NodeFetcher<Ctx>)(ctx, items.map((i) => i.key));
      items.forEach((item, i) => (out[item.index] = rows[i] ?? null));
    }),
  );
  return out;
}
