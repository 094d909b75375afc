import { ArrayMaxSize } from 'class-validator';
import { Field, InputType, Int, ObjectType, registerEnumType, type ClassType } from 'type-graphql';
import type { DataSource, EntityManager } from 'typeorm';
import { changed, type AuditPort } from '../db/audit-port';
import { MutationInput, PARTLY_COMMITTED } from './idempotency';
import type { Actor } from './principal';
import { DomainError, mutation, nulCharacters, Payload, UserError, UserErrorCode } from './user-error';

/**
 * The shape every batch import shares (importHouseholds, importPoorVillages, importOrganizations, importExperts):
 * at most MAX_IMPORT_ROWS rows per call, each row checked on its own and reported by index, the good rows
 * written with ONE set-based upsert (`bulkUpsert`) and one audit event, identical rows not written at all.
 */

/** Most rows one import call accepts. */
export const MAX_IMPORT_ROWS = 1000;

/** What happened to one imported row. */
export enum ImportOutcome {
  CREATED = 'CREATED',
  UPDATED = 'UPDATED',
  UNCHANGED = 'UNCHANGED',
  FAILED = 'FAILED',
}
registerEnumType(ImportOutcome, {
  name: 'ImportOutcome',
  description: 'What an import did with one row',
  valuesConfig: {
    CREATED: { description: 'A new record was created' },
    UPDATED: { description: 'An existing record changed (its version went up)' },
    UNCHANGED: { description: 'The record already held exactly these values (no write)' },
    FAILED: { description: 'The row was refused; see its errors' },
  },
});

@ObjectType({ description: 'The result of one imported row' })
export class ImportRowResult {
  @Field(() => Int, { description: 'Index of the row in input.rows (0-based)' })
  index: number;
  @Field({ description: 'Key of the row: registry number (households), village code (villages), credit code (organizations) or external reference (experts)' })
  key: string;
  @Field(() => ImportOutcome, { description: 'What happened' })
  outcome: ImportOutcome;
  @Field(() => [UserError], { description: 'Why the row was refused (field paths start with input.rows.<index>)' })
  errors: UserError[];
}

@ObjectType({ description: 'Result of an import batch: counts, the result of every row, and the errors of the refused rows (also in userErrors)' })
export class ImportPayload extends Payload {
  @Field(() => Int, { description: 'Rows that created a record' })
  created: number;
  @Field(() => Int, { description: 'Rows that changed a record' })
  updated: number;
  @Field(() => Int, { description: 'Rows identical to the stored record (no-op)' })
  unchanged: number;
  @Field(() => Int, { description: 'Rows refused' })
  failed: number;
  @Field(() => [ImportRowResult], { description: 'One result per input row, in input order' })
  results: ImportRowResult[];
  @Field(() => [ImportRowResult], { description: 'Only the refused rows' })
  failures: ImportRowResult[];
}

/**
 * Base of every import input: `rows` of the given row type (at most MAX_IMPORT_ROWS) and, like every mutation input,
 * the idempotency key (also the batch's entity key in the audit trail).
 * Subclass it with `@InputType({ description }) class ImportThingsInput extends ImportInput(ThingImportRow, 'things', 'key') {}`.
 */
export function ImportInput<R extends object>(Row: ClassType<R>, what: string, key: string) {
  // Registered under its own name so the subclass inherits the fields; never reachable, so never in the schema.
  @InputType(`${Row.name}Batch`, { description: `A batch of ${what}` })
  abstract class ImportInputBase extends MutationInput {
    @Field(() => [Row], { description: `The ${what} (at most ${MAX_IMPORT_ROWS}), upserted by ${key}; bad rows are reported with their index, good rows kept` })
    @ArrayMaxSize(MAX_IMPORT_ROWS)
    rows: R[];
  }
  return ImportInputBase;
}

/** The result of an import batch as services report it. */
export interface ImportResult {
  created: number;
  updated: number;
  unchanged: number;
  failed: number;
  results: ImportRowResult[];
  failures: ImportRowResult[];
}

/**
 * Row bookkeeping of one batch: every row starts FAILED with no errors; checks add errors by field; rows
 * without errors are the good ones; `settle` marks them CREATED/UPDATED/UNCHANGED from the upsert's answer.
 */
export class ImportBatch<V> {
  readonly results: ImportRowResult[];
  private readonly values = new Map<number, V>();
  private readonly seen = new Set<string>();

  constructor(rows: readonly unknown[], keyOf: (row: any) => string) {
    if (rows.length > MAX_IMPORT_ROWS) throw new DomainError(UserErrorCode.LIMIT_EXCEEDED, `At most ${MAX_IMPORT_ROWS} rows per call`, ['input', 'rows']);
    // A row with text the database cannot store starts failed (checks skip failed rows; it is never written).
    this.results = rows.map((r, index) => ({ index, key: keyOf(r ?? {}), outcome: ImportOutcome.FAILED, errors: nulCharacters(r, ['input', 'rows', String(index)]) }));
  }

  /** Records an error of row `index` at `field` (path input.rows.<index>.<field>). */
  fail(index: number, field: string, message: string, code = UserErrorCode.VALIDATION): void {
    this.results[index].errors.push({ field: ['input', 'rows', String(index), field], message, code });
  }

  /** A reporter bound to one row, for the row checks. */
  reporter(index: number): (field: string, message: string, code?: UserErrorCode) => void {
    return (field, message, code) => this.fail(index, field, message, code);
  }

  failed(index: number): boolean {
    return this.results[index].errors.length > 0;
  }

  /**
   * Accepts a checked row: refused as DUPLICATE when its key was already accepted in this batch (the first
   * one wins), else kept with its normalized values.
   */
  accept(index: number, key: string, values: V, keyField: string): void {
    if (this.failed(index)) return;
    if (this.seen.has(key)) return this.fail(index, keyField, `${key} appears twice in this batch`, UserErrorCode.DUPLICATE);
    this.seen.add(key);
    this.results[index].key = key;
    this.values.set(index, values);
  }

  /** The rows still good (accepted and not failed by a later check), in input order. */
  get good(): Array<{ index: number; values: V }> {
    return [...this.values].filter(([i]) => !this.failed(i)).map(([index, values]) => ({ index, values }));
  }

  /** Marks every good row by the keys the upsert created or updated (the rest were identical). */
  settle(done: { created: string[]; updated: string[] }): ImportResult {
    const created = new Set(done.created);
    const updated = new Set(done.updated);
    for (const { index } of this.good) {
      const k = this.results[index].key;
      this.results[index].outcome = created.has(k) ? ImportOutcome.CREATED : updated.has(k) ? ImportOutcome.UPDATED : ImportOutcome.UNCHANGED;
    }
    return summarize(this.results);
  }
}

/** Counts of a finished batch. */
export function summarize(results: ImportRowResult[]): ImportResult {
  const count = (o: ImportOutcome) => results.filter((r) => r.outcome === o).length;
  return {
    created: count(ImportOutcome.CREATED),
    updated: count(ImportOutcome.UPDATED),
    unchanged: count(ImportOutcome.UNCHANGED),
    failed: count(ImportOutcome.FAILED),
    results,
    failures: results.filter((r) => r.outcome === ImportOutcome.FAILED),
  };
}

/**
 * Resolver side of an import: shape-validates, runs, and repeats the refused rows' errors as userErrors. A batch that
 * accepted rows is marked PARTLY_COMMITTED even with refused rows, so a retry with its idempotencyKey replays these
 * counts and row results instead of running again.
 */
export async function importPayload(input: object, run: () => Promise<ImportResult>): Promise<ImportPayload> {
  const p = await mutation<ImportPayload>(input, run, 'rows');
  const rowErrors: UserError[] = (p.failures ?? []).flatMap((f) => f.errors);
  const out = { ...({ created: 0, updated: 0, unchanged: 0, failed: 0, results: [], failures: [] } as Omit<ImportPayload, 'userErrors'>), ...p, userErrors: [...p.userErrors, ...rowErrors] };
  return Object.assign(out, { [PARTLY_COMMITTED]: out.created + out.updated + out.unchanged > 0 });
}

/** The county all codes share (audit region of a batch), else the caller's own region. */
export function commonRegion(codes: string[], actor: Actor): string | null {
  const counties = new Set(codes.map((c) => c.slice(0, 6)));
  if (counties.size === 1) return [...counties][0];
  const r = actor.principal.regionCode;
  return r && r !== '000000' ? r : null;
}

/**
 * Audit payload of a batch: the keys created, and for every updated key the changed fields before and after
 * (from the snapshots of the stored record and of the imported values; `mask` hides personal data).
 */
export function batchAudit(
  done: { created: string[]; updated: string[] },
  stored: (key: string) => Record<string, unknown>,
  imported: (key: string) => Record<string, unknown>,
  mask: (side: Record<string, unknown>) => void = () => {},
): { before: Record<string, unknown>; after: Record<string, unknown> } {
  const before: Record<string, unknown> = {};
  const updated: Record<string, unknown> = {};
  for (const k of done.updated) {
    const d = changed(stored(k), imported(k));
    mask(d.before);
    mask(d.after);
    before[k] = d.before;
    updated[k] = d.after;
  }
  return { before: { updated: before }, after: { created: done.created, updated } };
}

/**
 * Writes the good rows of a batch in ONE transaction: the upsert, then (`after`) any follow-up statement, and — if
 * anything was created or updated — one audit event `operation` whose entity is the batch (its idempotency key,
 * else the request id) with the keys created and, when `stored`/`imported` snapshots are given, the changed fields
 * of every updated key. Nothing is audited for a batch of identical rows.
 */
export async function writeBatch(
  ds: DataSource,
  audit: AuditPort,
  actor: Actor,
  spec: {
    operation: string;
    entityType: string;
    idempotencyKey?: string | null;
    regionCodes: string[];
    upsert: (em: EntityManager) => Promise<{ created: string[]; updated: string[] }>;
    after?: (em: EntityManager, done: { created: string[]; updated: string[] }) => Promise<void>;
    stored?: (key: string) => Record<string, unknown>;
    imported?: (key: string) => Record<string, unknown>;
    mask?: (side: Record<string, unknown>) => void;
  },
): Promise<{ created: string[]; updated: string[] }> {
  return ds.transaction(async (em) => {
    const done = await spec.upsert(em);
    if (!done.created.length && !done.updated.length) return done;
    await spec.after?.(em, done);
    await audit.record(em, actor, {
      operation: spec.operation,
      entityType: spec.entityType,
      entityId: (spec.idempotencyKey ?? actor.requestId).slice(0, 80), // keys may be 200 characters; the column holds 80
      regionCode: commonRegion(spec.regionCodes, actor),
      ...(spec.stored && spec.imported ? batchAudit(done, spec.stored, spec.imported, spec.mask) : { after: { created: done.created, updated: done.updated } }),
    });
    return done;
  });
}

/** PostgreSQL array literal of text values ({"a","b"}), for bulk statements that pass arrays of arrays as text. */
export function pgTextArray(values: readonly string[]): string {
  return `{${values.map((v) => `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`).join(',')}}`;
}

/** One column of a bulk upsert: its name, its PostgreSQL type (`int`, `text`, `organization_type`, `service_category[]`, …) and one value per row. */
export interface UpsertColumn {
  name: string;
  type: string;
  values: unknown[];
}

const NATIVE_ARRAY_ELEMENTS = new Set(['text', 'int', 'smallint', 'bool', 'uuid']);

/**
 * Set-based upsert of many rows in ONE statement: `INSERT … SELECT FROM unnest(column arrays) ON CONFLICT (key)
 * DO UPDATE … WHERE guard AND (stored columns) IS DISTINCT FROM (new columns) RETURNING key, (xmax = 0)`.
 * Rows that differ get version + 1 and a new updatedAt; identical rows, and existing rows the guard refuses,
 * are not written (and not returned). `guard(param, table)` adds a condition on the stored row, binding its
 * values with `param(value)`. Returns the keys created and updated.
 */
export async function bulkUpsert(
  em: EntityManager | DataSource,
  spec: { table: string; key: string; columns: UpsertColumn[]; guard?: (param: (value: unknown) => string, table: string) => string },
): Promise<{ created: string[]; updated: string[] }> {
  const rows = spec.columns[0]?.values.length ?? 0;
  if (!rows) return { created: [], updated: [] };
  const t = `"${spec.table}"`;
  const q = (c: string) => `"${c}"`;
  const params: unknown[] = [];
  const param = (value: unknown) => `$${params.push(value)}`;
  const carriers: string[] = [];
  const selects: string[] = [];
  spec.columns.forEach((c, i) => {
    const isArray = c.type.endsWith('[]');
    const native = !isArray && NATIVE_ARRAY_ELEMENTS.has(c.type);
    // Arrays of arrays cannot be unnested row by row, so array values travel as text literals and are cast back.
    const values = isArray ? c.values.map((v) => (v == null ? null : pgTextArray(v as string[]))) : c.values;
    carriers.push(`${param(values)}::${native ? c.type : 'text'}[]`);
    selects.push(native ? `x.c${i}` : `x.c${i}::${c.type}`);
  });
  const names = spec.columns.map((c) => q(c.name));
  const updatable = spec.columns.filter((c) => c.name !== spec.key).map((c) => q(c.name));
  const guard = spec.guard ? `${spec.guard(param, t)} AND ` : '';
  const out: Array<{ key: string; inserted: boolean }> = await em.query(
    `INSERT INTO ${t} (${names.join(', ')})
     SELECT ${selects.join(', ')} FROM unnest(${carriers.join(', ')}) AS x(${spec.columns.map((_c, i) => `c${i}`).join(', ')})
     ON CONFLICT (${q(spec.key)}) DO UPDATE SET ${updatable.map((n) => `${n} = EXCLUDED.${n}`).join(', ')}, version = ${t}.version + 1, "updatedAt" = now()
     WHERE ${guard}(${updatable.map((n) => `${t}.${n}`).join(', ')}) IS DISTINCT FROM (${updatable.map((n) => `EXCLUDED.${n}`).join(', ')})
     RETURNING ${q(spec.key)} AS key, (xmax = 0) AS inserted`,
    params,
  );
  return { created: out.filter((o) => o.inserted).map((o) => o.key), updated: out.filter((o) => !o.inserted).map((o) => o.key) };
}

/** The upsert columns of normalized rows: one column per listed property, with its PostgreSQL type. */
export function columnsOf<V extends object>(rows: readonly V[], types: { [K in keyof V]?: string }): UpsertColumn[] {
  return (Object.entries(types) as Array<[keyof V & string, string]>).map(([name, type]) => ({ name, type, values: rows.map((r) => r[name] ?? null) }));
}
