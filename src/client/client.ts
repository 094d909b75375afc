import { randomUUID } from 'node:crypto';
import { Kind, parse, print, type DocumentNode, type OperationDefinitionNode, type TypeNode } from 'graphql';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { createClient, type Client as WsClient } from 'graphql-ws';
import { AuthError, GraphQLRequestError, NetworkError, UserErrorsError, type GraphQLErrorEntry, type UserError } from './errors';
import { IDEMPOTENT_INPUT_TYPES } from './generated/graphql';

/** A document the client runs: a typed document node (generated) or a plain GraphQL string. */
export type Operation<TData = any, TVars = Record<string, unknown>> = TypedDocumentNode<TData, TVars> | DocumentNode | string;

/** Retry policy: exponential backoff with full jitter, capped; Retry-After is honoured when the server sends it. */
export interface RetryOptions {
  /** Attempts in all, the first included (default 5; 1 = no retries). */
  attempts?: number;
  /** Delay cap of the first retry in ms (default 250); doubles per retry. */
  baseDelayMs?: number;
  /** Largest delay in ms (default 10,000). */
  maxDelayMs?: number;
}

/** How to reach and authenticate with a Zhuli server. */
export interface ZhuliClientOptions {
  /** GraphQL endpoint, e.g. https://zhuli.example.org/graphql (the WebSocket URL is derived from it). */
  url: string;
  /** Bearer JWT of a person (from the single sign-on, or `zhuli token` in development). */
  token?: string;
  /** API key of a service account (zk_…), sent as X-API-Key. */
  apiKey?: string;
  /** Extra HTTP headers. */
  headers?: Record<string, string>;
  retry?: RetryOptions;
  /** Per-request timeout in ms (default 30,000). */
  timeoutMs?: number;
  /** WebSocket implementation for subscriptions (default: the `ws` package in Node, the global one elsewhere). */
  webSocketImpl?: unknown;
  /** Called before each retry (for logging). */
  onRetry?: (info: { attempt: number; delayMs: number; reason: string }) => void;
}

/** What a connection looks like to `paginate`. */
export interface ConnectionLike<TNode> {
  edges?: ReadonlyArray<{ cursor: string; node: TNode } | null> | null;
  nodes?: ReadonlyArray<TNode | null> | null;
  pageInfo: { hasNextPage: boolean; endCursor?: string | null };
}

/** One page walked by `pages()`: its nodes and the cursor to resume after it. */
export interface Page<TNode> {
  nodes: TNode[];
  endCursor: string | null;
  hasNextPage: boolean;
  totalCount?: number;
}

/** Options of `subscribe()`. */
export interface SubscribeOptions<TData> {
  /** Reads the resume cursor off an event (e.g. `(d) => d.agreementFiled.cursor`). */
  cursor: (data: TData) => string | null | undefined;
  /** Name of the variable that takes the resume cursor (default `after`). */
  afterVariable?: string;
  /** Reconnect attempts in a row before giving up (default: forever). */
  maxReconnects?: number;
  /** Called when the connection dropped and a reconnect is scheduled. */
  onReconnect?: (info: { attempt: number; delayMs: number; after: string | null; reason: string }) => void;
  /** Stops the subscription (the iterator then ends). */
  signal?: AbortSignal;
}

/** Result of `userErrorsResult`: the payload without userErrors, or the userErrors. */
export type Checked<T> = { ok: true; value: Omit<T, 'userErrors'> } | { ok: false; userErrors: ReadonlyArray<UserError> };

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });

/** Throws `UserErrorsError` when a mutation payload carries userErrors; returns the payload otherwise. */
export function assertNoUserErrors<T extends { userErrors: ReadonlyArray<UserError> }>(payload: T): T {
  if (payload.userErrors.length) throw new UserErrorsError(payload.userErrors);
  return payload;
}

/** Turns a mutation payload into `{ ok: true, value }` or `{ ok: false, userErrors }` (no exceptions). */
export function userErrorsResult<T extends { userErrors: ReadonlyArray<UserError> }>(payload: T): Checked<T> {
  if (payload.userErrors.length) return { ok: false, userErrors: payload.userErrors };
  const { userErrors: _ignored, ...value } = payload;
  return { ok: true, value };
}

/** The document as an AST and its (single) operation. */
function operationOf(doc: Operation): { ast: DocumentNode; op: OperationDefinitionNode; text: string } {
  const ast = typeof doc === 'string' ? parse(doc) : (doc as DocumentNode);
  const ops = ast.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  if (ops.length !== 1) throw new TypeError(`a document must hold exactly one operation, found ${ops.length}`);
  return { ast, op: ops[0], text: typeof doc === 'string' ? doc : print(ast) };
}

function namedType(t: TypeNode): string {
  return t.kind === Kind.NAMED_TYPE ? t.name.value : namedType(t.type);
}

/** Delay before retry `attempt` (1-based): full jitter over an exponential cap, or the server's Retry-After. */
export function backoffDelay(attempt: number, retry: Required<RetryOptions>, retryAfterSeconds?: number | null): number {
  if (retryAfterSeconds != null && Number.isFinite(retryAfterSeconds) && retryAfterSeconds >= 0) {
    return Math.min(retryAfterSeconds * 1000, 60_000) + Math.floor(Math.random() * 100);
  }
  const cap = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (attempt - 1));
  return Math.floor(cap / 2 + (Math.random() * cap) / 2);
}

function retryAfterOf(header: string | null): number | null {
  if (!header) return null;
  const s = Number(header);
  if (Number.isFinite(s)) return s;
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, (at - Date.now()) / 1000);
}

const AUTH_CODES = new Set(['UNAUTHENTICATED', 'FORBIDDEN']);

/**
 * The Zhuli SDK client: typed requests with retries, automatic pagination and resumable subscriptions.
 *
 * ```ts
 * const zhuli = new ZhuliClient({ url: 'https://zhuli.example.org/graphql', apiKey: process.env.ZHULI_API_KEY });
 * for await (const expert of zhuli.paginate(ExpertsDocument, { filter: { within: '341524' } }, (d) => d.experts)) …
 * ```
 */
export class ZhuliClient {
  private readonly retry: Required<RetryOptions>;
  private ws?: WsClient;

  constructor(readonly options: ZhuliClientOptions) {
    if (!/^https?:\/\//.test(options.url)) throw new TypeError(`url must be an http(s) URL, got "${options.url}"`);
    this.retry = { attempts: 5, baseDelayMs: 250, maxDelayMs: 10_000, ...options.retry };
  }

  /** HTTP headers with the credentials (API key as X-API-Key, a token as Authorization: Bearer). */
  headers(): Record<string, string> {
    const h: Record<string, string> = { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...this.options.headers };
    const apiKey = this.options.apiKey ?? (this.options.token?.startsWith('zk_') ? this.options.token : undefined);
    if (apiKey) h['x-api-key'] = apiKey;
    else if (this.options.token) h.authorization = `Bearer ${this.options.token}`;
    return h;
  }

  /**
   * Runs a query or mutation and returns its `data`. Queries are retried on network errors, 429 and 503;
   * mutations are retried on 429 (refused before running) and, when their input carries an idempotencyKey,
   * on network errors and 503 too. A key is added automatically to inputs whose type has one, so every
   * attempt of one call uses the same key. GraphQL errors throw `GraphQLRequestError` (`AuthError` for
   * UNAUTHENTICATED/FORBIDDEN); userErrors are data: check them with `assertNoUserErrors`.
   */
  async request<TData, TVars extends Record<string, unknown> = Record<string, unknown>>(doc: Operation<TData, TVars>, variables?: TVars): Promise<TData> {
    const { op, text } = operationOf(doc);
    if (op.operation === 'subscription') throw new TypeError('use subscribe() for subscriptions');
    const vars: Record<string, unknown> = { ...(variables ?? {}) };
    let idempotent = op.operation === 'query';
    if (op.operation === 'mutation') {
      for (const def of op.variableDefinitions ?? []) {
        if (!IDEMPOTENT_INPUT_TYPES.has(namedType(def.type))) continue;
        const name = def.variable.name.value;
        const input = vars[name];
        if (input && typeof input === 'object' && !Array.isArray(input)) {
          const withKey = (input as Record<string, unknown>).idempotencyKey ? input : { ...input, idempotencyKey: randomUUID() };
          vars[name] = withKey;
          idempotent = true;
        }
      }
    }
    const body = JSON.stringify({ query: text, variables: vars, ...(op.name ? { operationName: op.name.value } : {}) });
    for (let attempt = 1; ; attempt++) {
      let res: Response;
      try {
        res = await fetch(this.options.url, { method: 'POST', headers: this.headers(), body, signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000) });
      } catch (err) {
        const c = (err as { cause?: { code?: string; errors?: Array<{ code?: string }> } }).cause;
        const reason = c?.code ?? c?.errors?.[0]?.code ?? (err as Error).message;
        if (idempotent && attempt < this.retry.attempts) {
          await this.pause(attempt, `network: ${reason}`);
          continue;
        }
        throw new NetworkError(`cannot reach ${this.options.url}: ${reason}`);
      }
      let json: { data?: TData | null; errors?: GraphQLErrorEntry[] } | undefined;
      try {
        json = (await res.json()) as typeof json;
      } catch {
        json = undefined;
      }
      const code = json?.errors?.[0]?.extensions?.code;
      const retryable = res.status === 429 || code === 'RATE_LIMITED' || ((res.status === 503 || res.status === 502 || res.status === 504 || code === 'SERVICE_UNAVAILABLE') && idempotent);
      if (retryable && attempt < this.retry.attempts) {
        await this.pause(attempt, `HTTP ${res.status}${code ? ` ${code}` : ''}`, retryAfterOf(res.headers.get('retry-after')));
        continue;
      }
      if (res.status === 401 || (code && AUTH_CODES.has(code))) {
        throw new AuthError(json?.errors?.[0]?.message ?? `HTTP ${res.status}: credentials refused`, code ?? 'UNAUTHENTICATED');
      }
      if (res.status === 429 || res.status >= 500) {
        if (!json?.errors?.length) throw new NetworkError(`${this.options.url} answered HTTP ${res.status}`, res.status);
        if (retryable || code === 'SERVICE_UNAVAILABLE') throw new NetworkError(`${this.options.url} answered HTTP ${res.status}: ${json.errors[0].message}`, res.status);
      }
      if (!json) throw new NetworkError(`${this.options.url} answered HTTP ${res.status} without a GraphQL response`, res.status);
      if (json.errors?.length) throw new GraphQLRequestError(json.errors, json.data);
      if (!json.data) throw new NetworkError(`${this.options.url} answered HTTP ${res.status} without data`, res.status);
      return json.data;
    }
  }

  private async pause(attempt: number, reason: string, retryAfter?: number | null): Promise<void> {
    const delayMs = backoffDelay(attempt, this.retry, retryAfter);
    this.options.onRetry?.({ attempt, delayMs, reason });
    await sleep(delayMs);
  }

  /**
   * Walks a connection page by page (keyset cursors through the `after` variable, `first` defaults to 100)
   * and yields each page with the cursor to resume from. `select` picks the connection out of the data.
   */
  async *pages<TData, TVars extends Record<string, unknown>, TNode>(
    doc: Operation<TData, TVars>,
    variables: TVars,
    select: (data: TData) => ConnectionLike<TNode> | null | undefined,
    opts: { after?: string | null; pageSize?: number; afterVariable?: string } = {},
  ): AsyncGenerator<Page<TNode>> {
    const afterVariable = opts.afterVariable ?? 'after';
    let after = opts.after ?? (variables as Record<string, unknown>)[afterVariable] ?? null;
    for (;;) {
      const vars = { first: opts.pageSize ?? 100, ...variables, [afterVariable]: after } as TVars;
      const data = await this.request(doc, vars);
      const conn = select(data);
      if (!conn) return;
      const nodes = conn.edges ? conn.edges.filter((e): e is { cursor: string; node: TNode } => !!e).map((e) => e.node) : (conn.nodes ?? []).filter((n): n is TNode => n != null);
      const endCursor = conn.pageInfo.endCursor ?? (conn.edges?.length ? (conn.edges[conn.edges.length - 1]?.cursor ?? null) : null);
      const totalCount = (conn as { totalCount?: number }).totalCount;
      yield { nodes, endCursor: endCursor ?? (after as string | null), hasNextPage: conn.pageInfo.hasNextPage, totalCount };
      if (!conn.pageInfo.hasNextPage || !endCursor) return;
      after = endCursor;
    }
  }

  /** Yields every node of a connection, fetching pages as it goes: `for await (const n of client.paginate(doc, vars, (d) => d.experts))`. */
  async *paginate<TData, TVars extends Record<string, unknown>, TNode>(
    doc: Operation<TData, TVars>,
    variables: TVars,
    select: (data: TData) => ConnectionLike<TNode> | null | undefined,
    opts: { after?: string | null; pageSize?: number; afterVariable?: string } = {},
  ): AsyncGenerator<TNode> {
    for await (const page of this.pages(doc, variables, select, opts)) yield* page.nodes;
  }

  /**
   * A subscription over graphql-ws that survives network loss and server restarts: after a drop it
   * reconnects with backoff and resubscribes with the last cursor it delivered in the `after` variable, and
   * skips events whose cursor it already delivered (the server delivers at least once). Errors the server
   * reports (FORBIDDEN, bad input) end the iterator with `GraphQLRequestError`/`AuthError`.
   */
  async *subscribe<TData, TVars extends Record<string, unknown>>(doc: Operation<TData, TVars>, variables: TVars, opts: SubscribeOptions<TData>): AsyncGenerator<TData> {
    const { text } = operationOf(doc);
    const afterVariable = opts.afterVariable ?? 'after';
    let after = ((variables as Record<string, unknown>)[afterVariable] as string | null | undefined) ?? null;
    const seen = new Set<string>();
    const remember = (c: string) => {
      seen.add(c);
      if (seen.size > 10_000) seen.delete(seen.values().next().value as string);
    };
    let failures = 0;
    let forbidden = 0;
    while (!opts.signal?.aborted) {
      const ws = this.wsClient();
      const queue: Array<{ data?: TData; error?: unknown; done?: boolean }> = [];
      let wake: (() => void) | null = null;
      const push = (item: { data?: TData; error?: unknown; done?: boolean }) => {
        queue.push(item);
        wake?.();
      };
      const onAbort = () => push({ done: true });
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      const unsubscribe = ws.subscribe<TData>(
        { query: text, variables: { ...variables, [afterVariable]: after } },
        {
          next: (v) => (v.errors?.length ? push({ error: new GraphQLRequestError(v.errors as GraphQLErrorEntry[], v.data) }) : push({ data: v.data as TData })),
          error: (e) => push({ error: e }),
          complete: () => push({ done: true }),
        },
      );
      let error: unknown;
      try {
        for (;;) {
          if (!queue.length) await new Promise<void>((r) => (wake = r));
          wake = null;
          const item = queue.shift()!;
          if (item.done) return;
          if (item.error !== undefined) {
            error = item.error;
            break;
          }
          failures = 0;
          const cursor = opts.cursor(item.data as TData) ?? null;
          if (cursor !== null) {
            if (seen.has(cursor)) continue;
            remember(cursor);
            after = cursor;
          }
          yield item.data as TData;
        }
      } finally {
        opts.signal?.removeEventListener('abort', onAbort);
        unsubscribe();
        this.ws = undefined;
        void ws.dispose();
      }
      // What ended the subscription: GraphQL errors and refused credentials are final; anything else is retried.
      const list = Array.isArray(error) ? (error as GraphQLErrorEntry[]) : null;
      if (error instanceof GraphQLRequestError || list) {
        const errs = error instanceof GraphQLRequestError ? error.errors : (list as GraphQLErrorEntry[]);
        const code = errs[0]?.extensions?.code;
        if (code && AUTH_CODES.has(code)) throw new AuthError(errs[0].message, code);
        throw error instanceof GraphQLRequestError ? error : new GraphQLRequestError(errs);
      }
      const close = error as { code?: number; reason?: string } | undefined;
      if (close?.code === 4401) throw new AuthError(`subscription closed: ${close.reason || close.code}`, 'UNAUTHENTICATED');
      // 4403 is also what a server that is shutting down answers a new connection: final only when it persists.
      forbidden = close?.code === 4403 ? forbidden + 1 : 0;
      if (forbidden >= 3) throw new AuthError(`subscription closed: ${close?.reason || 4403}`, 'FORBIDDEN');
      if (close?.code === 4400 || close?.code === 4409) throw new GraphQLRequestError([{ message: `subscription refused: ${close.reason || close.code}` }]);
      failures++;
      if (opts.maxReconnects !== undefined && failures > opts.maxReconnects) throw new NetworkError(`subscription lost after ${opts.maxReconnects} reconnects: ${describe(error)}`);
      const delayMs = backoffDelay(Math.min(failures, 8), this.retry);
      opts.onReconnect?.({ attempt: failures, delayMs, after, reason: describe(error) });
      await sleep(delayMs, opts.signal);
    }
  }

  private wsClient(): WsClient {
    const url = this.options.url.replace(/^http/, 'ws');
    const auth = this.headers();
    const connectionParams: Record<string, string> = {};
    if (auth['x-api-key']) connectionParams.apiKey = auth['x-api-key'];
    if (auth.authorization) connectionParams.authorization = auth.authorization;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const impl = this.options.webSocketImpl ?? (typeof WebSocket !== 'undefined' ? WebSocket : require('ws'));
    this.ws = createClient({ url, webSocketImpl: impl, connectionParams, retryAttempts: 0, lazy: true, shouldRetry: () => false });
    return this.ws;
  }

  /** Closes an open subscription socket (pending requests are not affected). */
  async close(): Promise<void> {
    await this.ws?.dispose();
    this.ws = undefined;
  }
}

function describe(err: unknown): string {
  if (!err) return 'closed';
  const e = err as { code?: number; reason?: string; message?: string };
  if (typeof e.code === 'number') return `socket closed ${e.code}${e.reason ? ` ${e.reason}` : ''}`;
  return e.message ?? String(err);
}
