import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import type { TestApp } from './harness';

/** A graphql-ws client for tests (ws implementation, no retries, the token in connectionParams). */
export function wsClient(httpUrl: string, token: string | null, onClosed?: (code: number, reason: string) => void): Client {
  return createClient({
    url: httpUrl.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    retryAttempts: 0,
    lazy: true,
    on: { closed: (e) => onClosed?.((e as { code: number }).code, String((e as { reason?: string }).reason ?? '')) },
  });
}

/** One running subscription: collects events and errors; `take(n)` waits for the first n events. */
export interface Sub {
  events: any[];
  errors: any[];
  completed: boolean;
  /** Resolves when `n` events arrived (rejects after `timeoutMs`). */
  take(n: number, timeoutMs?: number): Promise<any[]>;
  /** Resolves with the errors once the subscription failed (rejects after `timeoutMs`). */
  failed(timeoutMs?: number): Promise<any[]>;
  /** Resolves when the server completed the subscription. */
  ended(timeoutMs?: number): Promise<void>;
  stop(): void;
}

export function subscribe(client: Client, query: string, variables: Record<string, unknown> = {}): Sub {
  const events: any[] = [];
  const errors: any[] = [];
  let completed = false;
  const waiters = new Set<() => void>();
  const poke = () => waiters.forEach((w) => w());
  const stop = client.subscribe(
    { query, variables },
    {
      next: (v) => {
        if (v.errors) errors.push(...v.errors);
        if (v.data) events.push(v.data);
        poke();
      },
      error: (e) => {
        errors.push(...(Array.isArray(e) ? e : [e]));
        poke();
      },
      complete: () => {
        completed = true;
        poke();
      },
    },
  );
  const until = (ok: () => boolean, timeoutMs: number, what: string) =>
    new Promise<void>((resolve, reject) => {
      if (ok()) return resolve();
      const check = () => {
        if (ok()) {
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        }
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`timed out waiting for ${what}; events=${JSON.stringify(events)} errors=${JSON.stringify(errors)}`));
      }, timeoutMs);
      waiters.add(check);
    });
  return {
    events,
    errors,
    get completed() {
      return completed;
    },
    async take(n, timeoutMs = 5000) {
      await until(() => events.length >= n, timeoutMs, `${n} events`);
      return events.slice(0, n);
    },
    async failed(timeoutMs = 5000) {
      await until(() => errors.length > 0, timeoutMs, 'an error');
      return errors;
    },
    async ended(timeoutMs = 5000) {
      await until(() => completed || errors.length > 0, timeoutMs, 'completion');
    },
    stop,
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Opens a notification subscription on a connection of its own and waits until the server's hub has registered it
 * (or it failed); the client and the subscription are added to `track` for the caller's afterEach to close.
 */
export async function openTracked(app: TestApp, token: string | null, query: string, variables: Record<string, unknown>, track: { clients: Client[]; subs: Sub[] }): Promise<Sub> {
  const before = app.server.services.notificationHub.subscriberCount;
  const client = wsClient(app.url, token);
  track.clients.push(client);
  const sub = subscribe(client, query, variables);
  track.subs.push(sub);
  for (let i = 0; i < 100 && app.server.services.notificationHub.subscriberCount === before && !sub.errors.length; i++) await sleep(20);
  return sub;
}
