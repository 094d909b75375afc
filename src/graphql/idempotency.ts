import { createHash } from 'node:crypto';
import { IsOptional, IsString, Length } from 'class-validator';
import type { GraphQLSchema } from 'graphql';
import { Field, InputType } from 'type-graphql';
import type { DataSource } from 'typeorm';
import type { Principal } from './principal';
import { fromGlobalId, resolveNodes } from './node';
import { UserErrorCode, type UserError } from './user-error';

/** How long a key is remembered: a retry within this window returns the first result. */
export const IDEMPOTENCY_TTL_HOURS = 24;
const KEY = /^[\x21-\x7e]{1,200}$/;

/** Description of the `idempotencyKey` input field (every mutation input has it, through `MutationInput`). */
export const IDEMPOTENCY_KEY_DESCRIPTION =
  `Optional key chosen by the client (1–200 printable ASCII characters, e.g. a UUID). Repeating the mutation with the same key ` +
  `within ${IDEMPOTENCY_TTL_HOURS} h returns the first result and changes nothing more; the same key with different input is refused. ` +
  'Attempts that end in userErrors (and wrote nothing) are not remembered.';

/**
 * Base of every mutation's input: the optional `idempotencyKey`. Extend it (`class FooInput extends MutationInput`);
 * `idempotentMutations` routes every mutation through `idempotent`, and a test fails when a mutation's input lacks
 * the field. Never referenced by itself, so never in the schema.
 */
@InputType('MutationInput', { description: 'Base of mutation inputs: the optional idempotency key' })
export abstract class MutationInput {
  @Field(() => String, { nullable: true, description: IDEMPOTENCY_KEY_DESCRIPTION })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  idempotencyKey?: string | null;
}

/**
 * Marks a payload that committed part of its work although it carries userErrors (an import batch whose good rows
 * were written while others were refused): its result is remembered like a success, userErrors included.
 */
export const PARTLY_COMMITTED = Symbol('partlyCommitted');
/** Names payload fields that must never be stored (a secret shown once): a replay returns them as null. */
export const NOT_REMEMBERED = Symbol('notRemembered');

type Claim = { state: 'new' } | { state: 'done'; response: StoredPayload } | { state: 'pending' } | { state: 'failed' } | { state: 'mismatch' };
/** A successful payload as stored: nodes by global ID, other values as JSON. */
type EntityRef = { entity: string; key: Record<string, unknown> };
type StoredPayload = Record<string, EntityRef | { entities: EntityRef[] } | { node: string } | { nodes: string[] } | { value: unknown }>;

/** Canonical JSON (sorted keys) of an input without its idempotency key: what "the same input" means. */
export function fingerprint(input: unknown): string {
  const canon = (v: unknown): unknown => {
    if (v instanceof Date) return v.toISOString();
    if (Array.isArray(v)) return v.map(canon);
    if (v && typeof v === 'object') {
      return Object.fromEntries(
        Object.keys(v)
          .filter((k) => k !== 'idempotencyKey' && (v as Record<string, unknown>)[k] !== undefined)
          .sort()
          .map((k) => [k, canon((v as Record<string, unknown>)[k])]),
      );
    }
    return v;
  };
  return createHash('sha256').update(JSON.stringify(canon(input) ?? null)).digest('hex');
}

const isNode = (v: unknown): v is { id: string } => !!v && typeof v === 'object' && typeof (v as { id?: unknown }).id === 'string' && fromGlobalId((v as { id: string }).id) !== null;

/** Remembers mutation results per (principal, mutation, key) in the `idempotency_key` table. */
export class IdempotencyStore {
  constructor(private readonly ds: DataSource) {}

  /** Claims a key for a first run, or reports what happened to it before. */
  async claim(subject: string, operation: string, key: string, requestHash: string): Promise<Claim> {
    await this.ds.query(`DELETE FROM idempotency_key WHERE subject = $1 AND operation = $2 AND key = $3 AND created_at < now() - make_interval(hours => $4)`, [subject, operation, key, IDEMPOTENCY_TTL_HOURS]);
    const inserted = (await this.ds.query(
      `INSERT INTO idempotency_key (subject, operation, key, request_hash) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING key`,
      [subject, operation, key, requestHash],
    )) as unknown[];
    if (inserted.length) return { state: 'new' };
    const [row] = (await this.ds.query(`SELECT request_hash, response, failed_at FROM idempotency_key WHERE subject = $1 AND operation = $2 AND key = $3`, [subject, operation, key])) as Array<{
      request_hash: string;
      response: StoredPayload | null;
      failed_at: Date | null;
    }>;
    if (!row) return this.claim(subject, operation, key, requestHash); // expired between the two statements
    if (row.request_hash !== requestHash) return { state: 'mismatch' };
    if (row.response) return { state: 'done', response: row.response };
    return row.failed_at ? { state: 'failed' } : { state: 'pending' };
  }

  /** An entity row as stored: its entity name and primary key (null when `value` is not an entity). */
  entityRef(value: unknown): EntityRef | null {
    if (!value || typeof value !== 'object' || !this.ds.hasMetadata(value.constructor)) return null;
    const meta = this.ds.getMetadata(value.constructor);
    const key = meta.getEntityIdMap(value as object);
    return key ? { entity: meta.name, key: key as Record<string, unknown> } : null;
  }

  /** Re-reads a stored entity (by primary key; the principal created it, so it is theirs to see). */
  async load(ref: EntityRef): Promise<unknown> {
    return this.ds.getRepository(ref.entity).findOneBy(ref.key as never);
  }

  async complete(subject: string, operation: string, key: string, response: StoredPayload): Promise<void> {
    await this.ds.query(`UPDATE idempotency_key SET response = $4, completed_at = now() WHERE subject = $1 AND operation = $2 AND key = $3`, [subject, operation, key, JSON.stringify(response)]);
  }

  /** Housekeeping: deletes keys past their TTL; returns how many. */
  async expire(): Promise<number> {
    const raw: unknown[] = await this.ds.query(`DELETE FROM idempotency_key WHERE created_at < now() - make_interval(hours => $1) RETURNING key`, [IDEMPOTENCY_TTL_HOURS]);
    return (Array.isArray(raw[0]) ? raw[0] : raw).length;
  }

  /**
   * Housekeeping: a key still "running" after `stuckMs` belongs to a process that died between the mutation and
   * storing its result (requests end long before: request and statement timeouts). It is marked failed, so a
   * retry gets a clear INVALID_STATE at once instead of "still running" until the key expires. Returns how many.
   */
  async failStuck(stuckMs: number): Promise<number> {
    const raw: unknown[] = await this.ds.query(
      `UPDATE idempotency_key SET failed_at = now() WHERE response IS NULL AND failed_at IS NULL AND created_at < now() - make_interval(secs => $1) RETURNING key`,
      [stuckMs / 1000],
    );
    return (Array.isArray(raw[0]) ? raw[0] : raw).length;
  }

  /** Forgets a claim whose run failed, so the client may retry (with the same or corrected input). */
  async release(subject: string, operation: string, key: string): Promise<void> {
    await this.ds.query(`DELETE FROM idempotency_key WHERE subject = $1 AND operation = $2 AND key = $3 AND response IS NULL`, [subject, operation, key]);
  }
}

/** What `idempotent` needs from the GraphQL context. */
export interface IdempotencyContext {
  principal: Principal;
  idempotency?: IdempotencyStore;
}

function refused(code: UserErrorCode, message: string): { userErrors: UserError[] } {
  return { userErrors: [{ code, message, field: ['input', 'idempotencyKey'] }] };
}

/**
 * Runs a mutation at most once per principal, mutation name and `input.idempotencyKey` (without a key, or for an
 * anonymous caller, it just runs). Every mutation goes through it (`idempotentMutations`); call it directly only
 * for a resolver outside the schema. The first successful payload is stored — entities by primary key and nodes by
 * global ID (re-read on replay), other values as JSON — and returned again for a retry with the same key.
 */
export async function idempotent<P extends { userErrors: UserError[] }>(
  ctx: IdempotencyContext,
  operation: string,
  input: { idempotencyKey?: string | null } | null | undefined,
  run: () => Promise<P>,
): Promise<P> {
  const key = input?.idempotencyKey;
  if (key === undefined || key === null || !ctx.idempotency || ctx.principal.kind === 'ANONYMOUS') return run();
  if (typeof key !== 'string' || !KEY.test(key)) return refused(UserErrorCode.VALIDATION, 'idempotencyKey must be 1–200 printable ASCII characters') as P;
  const store = ctx.idempotency;
  const subject = ctx.principal.subject;
  const claim = await store.claim(subject, operation, key, fingerprint(input));
  if (claim.state === 'mismatch') return refused(UserErrorCode.VALIDATION, `This idempotencyKey was already used for ${operation} with different input; use a new key for a new request`) as P;
  if (claim.state === 'pending') return refused(UserErrorCode.INVALID_STATE, 'A request with this idempotencyKey is still running; retry in a moment') as P;
  if (claim.state === 'failed') {
    return refused(
      UserErrorCode.INVALID_STATE,
      `The first request with this idempotencyKey never finished (the server stopped while running it), so its outcome is unknown; check whether ${operation} took effect, then retry with a new key`,
    ) as P;
  }
  if (claim.state === 'done') return (await replay(ctx, store, claim.response)) as P;
  let result: P;
  try {
    result = await run();
  } catch (err) {
    await store.release(subject, operation, key);
    throw err;
  }
  const marks = result as { [PARTLY_COMMITTED]?: boolean; [NOT_REMEMBERED]?: string[] };
  if (result.userErrors.length && !marks[PARTLY_COMMITTED]) {
    await store.release(subject, operation, key);
    return result;
  }
  const secret = new Set(marks[NOT_REMEMBERED] ?? []);
  const stored: StoredPayload = {};
  for (const [k, v] of Object.entries(result as Record<string, unknown>)) {
    if (v === undefined) continue;
    if (secret.has(k)) {
      stored[k] = { value: null };
      continue;
    }
    const ref = store.entityRef(v);
    const refs = Array.isArray(v) && v.length ? v.map((e) => store.entityRef(e)) : null;
    if (ref) stored[k] = ref;
    else if (refs?.every((r): r is EntityRef => r !== null)) stored[k] = { entities: refs };
    else if (isNode(v)) stored[k] = { node: v.id };
    else if (Array.isArray(v) && v.length && v.every(isNode)) stored[k] = { nodes: v.map((n) => n.id) };
    else stored[k] = { value: v };
  }
  await store.complete(subject, operation, key, stored);
  return result;
}

/**
 * Routes every field of the Mutation type through `idempotent` (keyed by the field name and `args.input`), so no
 * mutation can forget it. Wraps the resolver type-graphql built, outside its middlewares: a call refused by
 * `@Authorized` claims the key and releases it when the error is thrown (anonymous callers are not keyed at all).
 */
export function idempotentMutations(schema: GraphQLSchema): void {
  for (const [name, field] of Object.entries(schema.getMutationType()?.getFields() ?? {})) {
    const resolve = field.resolve;
    if (!resolve) continue;
    field.resolve = (root, args, ctx, info) =>
      idempotent(ctx as IdempotencyContext, name, args.input as { idempotencyKey?: string | null } | undefined, async () => (await resolve(root, args, ctx, info)) as { userErrors: UserError[] });
  }
}

async function replay(ctx: IdempotencyContext, store: IdempotencyStore, stored: StoredPayload): Promise<{ userErrors: UserError[] }> {
  const out: Record<string, unknown> = { userErrors: [] };
  for (const [k, v] of Object.entries(stored)) {
    if ('entity' in v) out[k] = await store.load(v);
    else if ('entities' in v) {
      const rows: unknown[] = [];
      for (const e of v.entities) rows.push(await store.load(e)); // one after the other: PGlite has one session
      out[k] = rows;
    }
    else if ('node' in v) out[k] = (await resolveNodes(ctx, [v.node]))[0];
    else if ('nodes' in v) out[k] = await resolveNodes(ctx, v.nodes);
    else out[k] = v.value;
  }
  return out as { userErrors: UserError[] };
}
