import { ArgsType, Extensions, Field, Int, ObjectType, type ClassType } from 'type-graphql';
import { GraphQLError } from 'graphql';
import { Brackets, type ObjectLiteral, type SelectQueryBuilder } from 'typeorm';

/**
 * Marks a type (`@Extensions({ [PLAIN_VALUES]: true })` on the class) or a field (on the property) whose runtime values
 * are plain, synchronous data — never a promise, never a function — so that its plain fields need no resolver
 * (schema.ts, dropPassThroughResolvers). TypeORM entities are such types without the mark.
 */
export const PLAIN_VALUES = 'plainValues';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

/** Relay page information. */
@ObjectType({ description: 'Where this page sits in the whole list' })
@Extensions({ [PLAIN_VALUES]: true }) // built by Page.pageInfo
export class PageInfo {
  @Field({ description: 'Whether more items follow this page' })
  hasNextPage: boolean;
  @Field({ description: 'Whether items precede this page (true when `after` was given)' })
  hasPreviousPage: boolean;
  @Field(() => String, { nullable: true, description: 'Cursor of the first item of this page' })
  startCursor: string | null;
  @Field(() => String, { nullable: true, description: 'Cursor of the last item; pass it as `after` for the next page' })
  endCursor: string | null;
}

/** Standard page arguments of every connection field. */
@ArgsType()
export class PageArgs {
  @Field(() => Int, { nullable: true, description: `How many items (default ${DEFAULT_PAGE_SIZE}, at most ${MAX_PAGE_SIZE})` })
  first?: number | null;
  @Field(() => String, { nullable: true, description: 'Return items after this cursor (from `pageInfo.endCursor`)' })
  after?: string | null;
}

/** A page of items as returned by services; the GraphQL connection types wrap exactly this. */
export class Page<T> {
  constructor(
    readonly items: T[],
    readonly cursors: string[],
    readonly hasNextPage: boolean,
    readonly hasPreviousPage: boolean,
    private readonly count: () => Promise<number>,
  ) {}
  private counted?: Promise<number>;

  get edges(): Array<{ cursor: string; node: T }> {
    return this.items.map((node, i) => ({ cursor: this.cursors[i], node }));
  }
  get nodes(): T[] {
    return this.items;
  }
  get pageInfo(): PageInfo {
    return {
      hasNextPage: this.hasNextPage,
      hasPreviousPage: this.hasPreviousPage,
      startCursor: this.cursors[0] ?? null,
      endCursor: this.cursors[this.cursors.length - 1] ?? null,
    };
  }
  /** Counted lazily: only when a client selects `totalCount` (a getter, so GraphQL's default resolver reads it). */
  get totalCount(): Promise<number> {
    return (this.counted ??= this.count());
  }

  static empty<T>(): Page<T> {
    return new Page<T>([], [], false, false, async () => 0);
  }
}

/** Builds the `<Name>Connection` and `<Name>Edge` object types for a node type. */
export function ConnectionType<T extends object>(nodeType: ClassType<T>, name: string, what: string) {
  // Edges and the page's lists are plain data built by Page; totalCount is a promise.
  @ObjectType(`${name}Edge`, { description: `An edge in a list of ${what}` })
  @Extensions({ [PLAIN_VALUES]: true })
  class Edge {
    @Field({ description: 'Opaque cursor of this item' })
    cursor: string;
    @Field(() => nodeType, { description: 'The item' })
    node: T;
  }

  @ObjectType(`${name}Connection`, { description: `A page of ${what}` })
  class Connection {
    @Field(() => [Edge], { description: 'The items of this page with their cursors' })
    @Extensions({ [PLAIN_VALUES]: true })
    edges: Edge[];
    @Field(() => [nodeType], { description: 'The items of this page (same as edges.node)' })
    @Extensions({ [PLAIN_VALUES]: true })
    nodes: T[];
    @Field(() => PageInfo, { description: 'Paging information' })
    @Extensions({ [PLAIN_VALUES]: true })
    pageInfo: PageInfo;
    @Field(() => Int, { description: 'Number of items in the whole filtered list (costs one count query)' })
    totalCount: number;
  }
  return Connection;
}

/** One ordering of a list: the SQL expression, how to read the value off a row, and the direction. */
export interface SortKey<T> {
  /** SQL expression in the query builder, e.g. `o.name`. */
  column: string;
  /** Reads the sort value from a loaded row (for the cursor). */
  value: (row: T) => string | number | Date | null;
  direction: 'ASC' | 'DESC';
  /** Tiebreaker expression (unique), e.g. `o.id`. */
  idColumn: string;
  idValue: (row: T) => string;
}

/** Checks `first` and decodes `after`; bad values are client errors. */
export function pageWindow(args: PageArgs): { limit: number; after: [unknown, string] | null } {
  const first = args.first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 0 || first > MAX_PAGE_SIZE) {
    throw new GraphQLError(`first must be between 0 and ${MAX_PAGE_SIZE}`, { extensions: { code: 'BAD_USER_INPUT', argument: 'first' } });
  }
  return { limit: first, after: args.after ? decodeCursor(args.after) : null };
}

export function encodeCursor(value: unknown, id: string): string {
  const v = value instanceof Date ? value.toISOString() : value;
  return Buffer.from(JSON.stringify([v, id]), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): [unknown, string] {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && parsed.length === 2 && typeof parsed[1] === 'string') return parsed as [unknown, string];
  } catch {
    /* fall through */
  }
  throw new GraphQLError('after is not a valid cursor', { extensions: { code: 'BAD_USER_INPUT', argument: 'after' } });
}

/**
 * A list filtered to several values of one column (e.g. `status IN (REGISTERED, IN_PROGRESS)`) and ordered by
 * another: paginate() reads each value's rows in order through an index on (column, sort column, id) and merges
 * them, instead of walking the sort index and discarding every row of the other values.
 */
export interface SplitBy {
  /** SQL expression in the query builder, e.g. `a.status`. */
  column: string;
  /** The values the list is filtered to (more than one for the split to apply). */
  values: readonly unknown[];
}

/**
 * Keyset pagination over a filtered query builder: orders by (sort column, id), seeks past the cursor,
 * fetches one extra row to know whether a next page exists; the count runs only if `totalCount` is read.
 * With `splitBy`, the page's ids come from a UNION ALL of one ordered, limited scan per value (PostgreSQL merges
 * them with a Merge Append), still in the same single statement.
 */
export async function paginate<T extends ObjectLiteral>(qb: SelectQueryBuilder<T>, args: PageArgs, sort: SortKey<T>, splitBy?: SplitBy): Promise<Page<T>> {
  const { limit, after } = pageWindow(args);
  const countQb = qb.clone();
  const dir = sort.direction;
  const cmp = dir === 'ASC' ? '>' : '<';
  if (after) {
    qb.andWhere(
      new Brackets((w) => {
        w.where(`${sort.column} ${cmp} :_afterValue`, { _afterValue: after[0] }).orWhere(
          `${sort.column} = :_afterValue AND ${sort.idColumn} ${cmp} :_afterId`,
          { _afterId: after[1] },
        );
      }),
    );
  }
  const values = [...new Set(splitBy?.values ?? [])];
  if (splitBy && values.length > 1 && limit > 0) {
    const branches = values.map((v, i) =>
      qb
        .clone()
        .andWhere(`${splitBy.column} = :_split${i}`, { [`_split${i}`]: v })
        .select(sort.idColumn, '_id')
        .addSelect(sort.column, '_sort')
        .orderBy(sort.column, dir)
        .addOrderBy(sort.idColumn, dir)
        .limit(limit + 1),
    );
    const union = branches.map((b) => `(${b.getQuery()})`).join(' UNION ALL ');
    qb.andWhere(`${sort.idColumn} IN (SELECT u._id FROM (${union}) u ORDER BY u._sort ${dir}, u._id ${dir} LIMIT ${limit + 1})`);
    for (const b of branches) qb.setParameters(b.getParameters());
  }
  qb.orderBy(sort.column, dir).addOrderBy(sort.idColumn, dir).take(undefined).limit(limit + 1);
  const rows = limit === 0 ? [] : await qb.getMany();
  const hasNext = rows.length > limit;
  const items = rows.slice(0, limit);
  return new Page(
    items,
    items.map((r) => encodeCursor(sort.value(r), sort.idValue(r))),
    hasNext,
    after !== null,
    () => countQb.getCount(),
  );
}
