import type { GraphQLResolveInfo } from 'graphql';
import type { DataSource, EntityTarget, ObjectLiteral } from 'typeorm';
import { connectionNodeFields } from './lookahead';

/**
 * Relations fetched ahead for a page of nodes: when a connection resolves, the relations its query selects on the
 * nodes (organization, experts, villages, …) are read in ONE statement that returns them as JSON per node, and the
 * per-request DataLoaders those fields' resolvers read are primed with the result. The resolvers, the region scope,
 * masking and authorization stay exactly as they are — they find the rows already loaded — and a relation without a
 * preloader, or with arguments its preloader does not take (`after`), is loaded by its DataLoader as before.
 *
 * Correctness rests on one rule each preloader keeps: it primes a loader only with the value that loader would load
 * for the same key (same scope filter, same order, same window). test/preload.spec.ts compares both ways.
 */
export interface Preloader<C, P> {
  /**
   * SQL expression (a json value) computing the relation of the parent row aliased `p`, or null when it cannot be
   * preloaded with these arguments. `param` binds a value and returns its placeholder.
   */
  sql(env: PreloadEnv<C>, args: Record<string, unknown>, param: (value: unknown) => string): string | null;
  /** Primes the request's loaders with the relation of one parent, `value` being the parsed JSON of `sql`. */
  prime(env: PreloadEnv<C>, parent: P, value: unknown, args: Record<string, unknown>): void;
}

/** What a preloader works with: the request's context (its scope and loaders) and the data source. */
export interface PreloadEnv<C> {
  ctx: C;
  ds: DataSource;
}

interface ParentType {
  entity: EntityTarget<ObjectLiteral>;
  fields: Map<string, Preloader<unknown, ObjectLiteral>>;
}

const parents = new Map<string, ParentType>();

/** Registers the preloader of field `field` of GraphQL object type `typeName`, whose values are `entity` rows. */
export function registerPreloader<C, P extends ObjectLiteral>(typeName: string, entity: EntityTarget<P>, field: string, preloader: Preloader<C, P>): void {
  let parent = parents.get(typeName);
  if (!parent) parents.set(typeName, (parent = { entity: entity as EntityTarget<ObjectLiteral>, fields: new Map() }));
  parent.fields.set(field, preloader as Preloader<unknown, ObjectLiteral>);
}

/** Runs the registered preloaders (one per process, in the services; resolvers call `connection`). */
export class RelationPreloads {
  constructor(private readonly ds: DataSource) {}

  /**
   * Preloads the selected relations of the nodes of the connection `info` resolves (see Preloader): one statement
   * for all of them, none when nothing selected has a preloader.
   */
  async connection<C, P extends ObjectLiteral>(ctx: C, typeName: string, nodes: readonly P[], info: GraphQLResolveInfo): Promise<void> {
    const { ds } = this;
    const parent = parents.get(typeName);
    if (!parent || !nodes.length) return;
    const env: PreloadEnv<unknown> = { ctx, ds };
    const values: unknown[] = [];
    const param = (v: unknown) => `$${values.push(v)}`;
    const meta = ds.getMetadata(parent.entity);
    if (meta.primaryColumns.length !== 1) throw new Error(`preload: ${meta.name} needs a single-column primary key`);
    const [key] = meta.primaryColumns;
    const keysParam = param(nodes.map((n) => key.getEntityValue(n)));
    const columns: Array<{ preloader: Preloader<unknown, ObjectLiteral>; args: Record<string, unknown>; sql: string }> = [];
    for (const [name, uses] of connectionNodeFields(info)) {
      const preloader = parent.fields.get(name);
      if (!preloader) continue;
      for (const { args } of uses) {
        const sql = preloader.sql(env, args, param);
        if (sql !== null) columns.push({ preloader, args, sql });
      }
    }
    if (!columns.length) return;
    const keySql = `p."${key.databaseName}"`;
    const rows: Array<Record<string, unknown>> = await ds.query(
      `SELECT ${keySql} AS "key", ${columns.map((c, i) => `${c.sql} AS "c${i}"`).join(', ')}
         FROM "${meta.tableName}" p WHERE ${keySql} = ANY(${keysParam})`,
      values,
    );
    const byKey = new Map(nodes.map((n) => [String(key.getEntityValue(n)), n]));
    for (const row of rows) {
      const node = byKey.get(String(row.key));
      if (!node) continue;
      columns.forEach((c, i) => c.preloader.prime(env, node, row[`c${i}`], c.args));
    }
  }
}
