import DataLoader from 'dataloader';
import { type DataSource, type EntityTarget, type ObjectLiteral, type SelectQueryBuilder } from 'typeorm';
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
 * one statement (the rows ranked by a window function), plus one grouped count when `totalCount` is
 * selected — the statement count does not grow with the number of parents.
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
