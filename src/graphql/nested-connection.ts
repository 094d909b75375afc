import DataLoader from 'dataloader';
import { type DataSource, type EntityTarget, type ObjectLiteral, type SelectQueryBuilder } from 'typeorm';
import { entityFromJson, entityJsonSql } from '../db/entity-json';
import { encodeCursor, Page, pageWindow } from './connection';
import type { Preloader, PreloadEnv } from './preload';

/** How to page the children of many parents at once (e.g. the experts of each organization on a page). */
export interface NestedSpec<T extends ObjectLiteral> {
  entity: EntityTarget<T>;
  /** Entity property holding the parent key, e.g. `employerId`. */
  parentProperty: string;
  /** Entity property to order by, and its direction; `id` breaks ties. */
  sortProperty: string;
  direction: 'ASC' | 'DESC';
  /** Primary key property (default `id`). */
  idProperty?: string;
  /** Adds filters (scope, status) to the query over alias `t`. */
  filter?: (qb: SelectQueryBuilder<T>) => void;
}

interface Key {
  parent: string;
  first?: number | null;
  after?: string | null;
}

/** The loader of nestedPageLoader; `primeRows` caches a page from rows read elsewhere (a preload). */
export type NestedPageLoader<T> = DataLoader<Key, Page<T>, string> & {
  /** Primes the page of `key` with the parent's rows of its window, in order: at most `first` + 1 of them. */
  primeRows(key: Key, rows: T[]): void;
};

/**
 * A per-request loader of nested connections: all parents asking for the same page window are served by
 * one statement (the rows ranked by a window function), plus one grouped count when `totalCount` is
 * selected — the statement count does not grow with the number of parents.
 */
export function nestedPageLoader<T extends ObjectLiteral>(ds: DataSource, spec: NestedSpec<T>): NestedPageLoader<T> {
  const idProp = spec.idProperty ?? 'id';
  const counts = new DataLoader<string, number>(async (parents) => {
    const qb = ds.createQueryBuilder(spec.entity, 't').select(`t.${spec.parentProperty}`, 'parent').addSelect('COUNT(*)', 'n');
    qb.where(`t.${spec.parentProperty} IN (:...parents)`, { parents });
    spec.filter?.(qb);
    const rows: Array<{ parent: string; n: string }> = await qb.groupBy(`t.${spec.parentProperty}`).getRawMany();
    const byParent = new Map(rows.map((r) => [String(r.parent), Number(r.n)]));
    return parents.map((p) => byParent.get(p) ?? 0);
  });

  const loader = new DataLoader<Key, Page<T>, string>(
    async (keys) => {
      const groups = new Map<string, Key[]>();
      for (const k of keys) {
        const w = JSON.stringify([k.first ?? null, k.after ?? null]);
        groups.set(w, [...(groups.get(w) ?? []), k]);
      }
      const result = new Map<string, Page<T>>();
      for (const group of groups.values()) {
        const { first, after: afterCursor } = group[0];
        const { limit, after } = pageWindow({ first, after: afterCursor });
        const parents = [...new Set(group.map((k) => k.parent))];
        const pages = limit === 0 ? new Map<string, T[]>() : await loadWindow(parents, limit, after);
        for (const k of group) result.set(keyOf(k), pageOf(k, pages.get(k.parent) ?? [], limit, after !== null));
      }
      return keys.map((k) => result.get(keyOf(k)) as Page<T>);
    },
    { cacheKeyFn: keyOf },
  );
  return Object.assign(loader, {
    primeRows(key: Key, rows: T[]) {
      const { limit, after } = pageWindow(key);
      loader.prime(key, pageOf(key, rows, limit, after !== null));
    },
  });

  /** The page of one parent from its window's rows (at most limit + 1: the extra one says a next page exists). */
  function pageOf(k: Key, rows: T[], limit: number, hasPrevious: boolean): Page<T> {
    const items = rows.slice(0, limit);
    const sortValue = (r: T) => r[spec.sortProperty] as string;
    return new Page(items, items.map((r) => encodeCursor(sortValue(r), String(r[idProp]))), rows.length > limit, hasPrevious, () => counts.load(k.parent));
  }

  function keyOf(k: Key): string {
    return JSON.stringify([k.parent, k.first ?? null, k.after ?? null]);
  }

  async function loadWindow(parents: string[], limit: number, after: [unknown, string] | null): Promise<Map<string, T[]>> {
    const dir = spec.direction;
    const cmp = dir === 'ASC' ? '>' : '<';
    const inner = ds
      .createQueryBuilder(spec.entity, 't')
      .select(`t.${idProp}`, 'id')
      .addSelect(`t.${spec.parentProperty}`, 'parent')
      .addSelect(`ROW_NUMBER() OVER (PARTITION BY t.${spec.parentProperty} ORDER BY t.${spec.sortProperty} ${dir}, t.${idProp} ${dir})`, 'rn')
      .where(`t.${spec.parentProperty} IN (:...parents)`, { parents });
    spec.filter?.(inner);
    if (after) {
      inner.andWhere(
        `(t.${spec.sortProperty} ${cmp} :afterValue OR (t.${spec.sortProperty} = :afterValue AND t.${idProp} ${cmp} :afterId))`,
        { afterValue: after[0], afterId: after[1] },
      );
    }
    // One statement: the rows whose (parent, key) rank within the window, so a composite key (a join row such as
    // agreement_village, keyed by parent and village) never picks up another parent's row.
    const rows = await ds
      .createQueryBuilder(spec.entity, 'n')
      .where(`(n.${spec.parentProperty}, n.${idProp}) IN (SELECT x.parent, x.id FROM (${inner.getQuery()}) x WHERE x.rn <= :nestedLimit)`)
      .setParameters({ ...inner.getParameters(), nestedLimit: limit + 1 })
      .orderBy(`n.${spec.parentProperty}`, 'ASC')
      .addOrderBy(`n.${spec.sortProperty}`, dir)
      .addOrderBy(`n.${idProp}`, dir)
      .getMany();
    const out = new Map<string, T[]>();
    for (const row of rows) {
      const parent = String(row[spec.parentProperty]);
      const list = out.get(parent);
      if (list) list.push(row);
      else out.set(parent, [row]);
    }
    return out;
  }
}

/**
 * The preloader (src/graphql/preload.ts) of a nested connection read by `loaderOf(ctx)`, a nestedPageLoader of
 * `spec`, whose parent is keyed by its `id` column: the first page window (no `after`) of each
 * parent as the loader's window query reads it — same order, same limit + 1 rows. Specs with a `filter` are not
 * supported (their filter is a query-builder callback, not SQL this can reuse).
 */
export function nestedPreloader<C, P extends ObjectLiteral, T extends ObjectLiteral>(
  spec: NestedSpec<T>,
  loaderOf: (ctx: C) => NestedPageLoader<T>,
  parentKey: (parent: P) => string,
  options: {
    /**
     * More JSON read with each parent's window, for other loaders (the rows the window's rows refer to): an SQL
     * expression over the window's rows aliased `t` (it may aggregate them, e.g. `array_agg(t."villageCode")`), and
     * what to prime with its value.
     */
    also?: { sql: (ctx: C) => string; prime: (env: PreloadEnv<C>, value: unknown) => void };
  } = {},
): Preloader<C, P> {
  if (spec.filter) throw new Error('nestedPreloader: specs with a filter cannot be preloaded');
  const idProp = spec.idProperty ?? 'id';
  const { also } = options;
  return {
    sql({ ctx, ds }, args, param) {
      // A later page, or arguments the loader refuses (its error belongs to the nested field): left to the loader.
      if (args.after) return null;
      let limit: number;
      try {
        ({ limit } = pageWindow(args));
      } catch {
        return null;
      }
      const meta = ds.getMetadata(spec.entity);
      const col = (prop: string) => `"${meta.findColumnWithPropertyName(prop)?.databaseName ?? prop}"`;
      const order = (alias: string) => `${alias}.${col(spec.sortProperty)} ${spec.direction}, ${alias}.${col(idProp)} ${spec.direction}`;
      const rows = `json_agg(${entityJsonSql(ds, spec.entity, 't')} ORDER BY ${order('t')})`;
      return `(SELECT ${also ? `json_build_array(${rows}, ${also.sql(ctx)})` : rows}
                 FROM (SELECT * FROM "${meta.tableName}" x WHERE x.${col(spec.parentProperty)} = p.id ORDER BY ${order('x')} LIMIT ${param(limit + 1)}) t)`;
    },
    prime(env, parent, value, args) {
      const [json, alsoJson] = also ? ((value as [unknown, unknown] | null) ?? [null, null]) : [value, null];
      const rows = ((json as unknown[] | null) ?? []).map((v) => entityFromJson(env.ds, spec.entity, v) as T);
      if (also) also.prime(env, alsoJson);
      loaderOf(env.ctx).primeRows({ parent: parentKey(parent), ...args }, rows);
    },
  };
}
