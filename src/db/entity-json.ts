import type { DataSource, EntityTarget, ObjectLiteral } from 'typeorm';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';
import { ApplyValueTransformers } from 'typeorm/util/ApplyValueTransformers';

/**
 * Entities read as JSON built by PostgreSQL: `entityJsonSql` is an SQL expression turning a row into a JSON array of
 * its columns, `entityFromJson` turns that array back into the entity exactly as TypeORM's `getMany` would hydrate
 * the row (same class, same properties, same value types: Date for timestamps, strings for bigint and numeric, the
 * columns' transformers applied). A query that nests related rows as JSON (src/graphql/preload.ts) thus yields
 * entities that every field resolver, masking rule and loader treats like loaded ones, without TypeORM's per-row work.
 *
 * Each column's value is put into the JSON in the shape node-postgres would hand TypeORM: types node-postgres keeps
 * as text (bigint, numeric, enum arrays) are cast to text; timestamps with time zone are epoch milliseconds (a
 * number is read faster than an ISO string, and node-postgres keeps milliseconds too); the others are JSON's own
 * numbers, booleans, strings, arrays and objects. An array, not an object: no keys to send and parse. A column type
 * outside these fails at the first use, not silently.
 */
interface Reader {
  sql: (alias: string) => string;
  columns: Array<{ property: string; read: (value: unknown) => unknown }>;
  create: () => ObjectLiteral;
}

/** Column types whose JSON value is what node-postgres produces (or what TypeORM hydrates from a string). */
const AS_JSON = new Set([
  'uuid', 'character varying', 'varchar', 'text', 'character', 'char', 'citext',
  'integer', 'int', 'int4', 'smallint', 'int2', 'real', 'float4', 'double precision', 'float8', 'boolean', 'bool',
  'json', 'jsonb', 'date',
]);
/** Column types node-postgres leaves as text: the JSON carries their text. */
const AS_TEXT = new Set(['bigint', 'int8', 'numeric', 'decimal']);
/** Timestamps with time zone: epoch milliseconds in the JSON (floor, as node-postgres truncates to milliseconds). */
const AS_EPOCH_MS = new Set(['timestamp with time zone', 'timestamptz']);

const readers = new WeakMap<DataSource, Map<unknown, Reader>>();

function readerOf(ds: DataSource, target: EntityTarget<ObjectLiteral>): Reader {
  let byTarget = readers.get(ds);
  if (!byTarget) readers.set(ds, (byTarget = new Map()));
  let reader = byTarget.get(target);
  if (reader) return reader;
  const metadata = ds.getMetadata(target);
  const columns = metadata.columns.filter((c) => !c.isVirtual && c.isSelect);
  const parts = columns.map((column) => {
    if (column.embeddedMetadata) throw new Error(`entity-json: ${metadata.name}.${column.propertyName} is an embedded column`);
    const type = ds.driver.normalizeType(column);
    const ref = `%.${quote(column.databaseName)}`;
    if (column.isArray ? type === 'enum' : AS_TEXT.has(type)) return `${ref}::text`;
    if (!column.isArray && AS_EPOCH_MS.has(type)) return `floor(extract(epoch FROM ${ref}) * 1000)::float8`;
    if (AS_JSON.has(type) || (!column.isArray && type === 'enum')) return ref;
    throw new Error(`entity-json: ${metadata.name}.${column.propertyName} has the unsupported type ${type}${column.isArray ? '[]' : ''}`);
  });
  // json_build_array takes at most 100 arguments: beyond that, arrays of 100 concatenated as jsonb.
  const chunks: string[] = [];
  for (let i = 0; i < parts.length; i += 100) chunks.push(parts.slice(i, i + 100).join(', '));
  const template = chunks.length === 1 ? `json_build_array(${chunks[0]})` : `(${chunks.map((c) => `jsonb_build_array(${c})`).join(' || ')})::json`;
  reader = {
    sql: (alias) => template.replaceAll('%.', `${alias}.`),
    columns: columns.map((column) => ({ property: column.propertyName, read: readerOfColumn(ds, column) })),
    create: () => metadata.create(undefined, { fromDeserializer: true }) as ObjectLiteral,
  };
  byTarget.set(target, reader);
  return reader;
}

/**
 * How one column's JSON value becomes the entity's value: what the driver's hydration (prepareHydratedValue, which
 * also applies the transformer) does for that type — the identity for most, `new Date` for timestamps — decided
 * once per column instead of through its chain of type tests for every value.
 */
function readerOfColumn(ds: DataSource, column: ColumnMetadata): (value: unknown) => unknown {
  const type = ds.driver.normalizeType(column);
  const transformer = column.transformer;
  const from = transformer ? (v: unknown) => ApplyValueTransformers.transformFrom(transformer, v) : undefined;
  if (column.isArray && type === 'enum') return (v) => ds.driver.prepareHydratedValue(v, column);
  if (AS_EPOCH_MS.has(type)) return from ? (v) => from(v === null ? v : new Date(v as number)) : (v) => (v === null ? v : new Date(v as number));
  // Enums of string values come as they are; the driver turns numeric-looking values of numeric enums into numbers.
  if (type === 'enum' && !(column.enum ?? []).every((e) => typeof e === 'string')) return (v) => ds.driver.prepareHydratedValue(v, column);
  return from ?? identity;
}

const identity = (v: unknown) => v;

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

/**
 * SQL expression building the JSON array of the row aliased `alias` (a table alias of the entity's table): every
 * selectable column, in the order `entityFromJson` reads them; null when the row is null (an outer join that found
 * nothing).
 */
export function entityJsonSql(ds: DataSource, target: EntityTarget<ObjectLiteral>, alias: string): string {
  const meta = ds.getMetadata(target);
  const pk = meta.primaryColumns[0];
  return `CASE WHEN ${alias}.${quote(pk.databaseName)} IS NULL THEN NULL ELSE ${readerOf(ds, target).sql(alias)} END`;
}

/** The entity for a JSON array built by `entityJsonSql` (null for null), hydrated as TypeORM hydrates a row. */
export function entityFromJson<T extends ObjectLiteral>(ds: DataSource, target: EntityTarget<T>, json: unknown): T | null {
  if (json === null || json === undefined) return null;
  const reader = readerOf(ds, target);
  const row = json as unknown[];
  const entity = reader.create();
  const columns = reader.columns;
  for (let i = 0; i < columns.length; i++) entity[columns[i].property] = columns[i].read(row[i]);
  return entity as T;
}
