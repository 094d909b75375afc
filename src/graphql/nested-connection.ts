import DataLoader from 'dataloader';
import { In, type DataSource, type EntityTarget, type ObjectLiteral, type SelectQueryBuilder } from 'typeorm';
import { encodeCursor, Page, pageWindow, type PageArgs } from './connection';

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

/**
 * A per-request loader of nested connections: all parents asking for the same page window are served by
 * two statements (one window-function query for the ids, one to load the rows), plus one grouped count
 * when `totalCount` is selected — the statement count does not grow with the number of parents.
 */
export function nestedPageLoader<T extends ObjectLiteral>(ds: DataSource, spec: NestedSpec<T>): DataLoader<Key, Page<T>, string> {
  const idProp = spec.idProperty ?? 'id';
  const counts = new DataLoader<string, number>(async (parents) => {
    const qb = ds.createQueryBuilder(spec.entity, 't').select(`t.${spec.parentProperty}`, 'parent').addSelect('COUNT(*)', 'n');
    qb.where(`t.${spec.parentProperty} IN (:...parents)`, { parents });
    spec.filter?.(qb);
    const rows: Array<{ parent: string; n: string }> = await qb.groupBy(`t.${spec.parentProperty}`).getRawMany();
    const byParent = new Map(rows.map((r) => [String(r.parent), Number(r.n)]));
    return parents.map((p) => byParent.get(p) ?? 0);
  });

  return new DataLoader<Key, Page<T>, string>(
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
        for (const k of group) {
          const rows = pages.get(k.parent) ?? [];
          const items = rows.slice(0, limit);
          const sortValue = (r: T) => r[spec.sortProperty] as string;
          result.set(
            keyOf(k),
            new Page(items, items.map((r) => encodeCursor(sortValue(r), String(r[idProp]))), rows.length > limit, after !== null, () =>
              counts.load(k.parent),
            ),
          );
        }
      }
      return keys.map((k) => result.get(keyOf(k)) as Page<T>);
    },
    { cacheKeyFn: keyOf },
  );

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
    const [sql, params] = inner.getQueryAndParameters();
    const n = params.length + 1;
    const ranked: Array<{ id: string; parent: string; rn: string }> = await ds.query(
      `SELECT x.id, x.parent, x.rn FROM (${sql}) x WHERE x.rn <= $${n} ORDER BY x.parent, x.rn`,
      [...params, limit + 1],
    );
    if (!ranked.length) return new Map();
    const rows = await ds.getRepository(spec.entity).findBy({ [idProp]: In(ranked.map((r) => r.id)) } as never);
    const byId = new Map(rows.map((r) => [String(r[idProp]), r]));
    const out = new Map<string, T[]>();
    for (const r of ranked) {
      const row = byId.get(String(r.id));
      if (row) out.set(String(r.parent), [...(out.get(String(r.parent)) ?? []), row]);
    }
    return out;
  }
}
