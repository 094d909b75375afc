/** Failure talking to the server: unreachable, or credentials refused (exit code 3). */
export class NetworkError extends Error {}

/** A GraphQL error other than authentication (exit code 1). */
export class RemoteError extends Error {}

export interface Remote {
  url: string;
  token?: string;
}

/** Posts one GraphQL operation; API keys (zk_…) are sent as X-API-Key, anything else as a bearer token. */
export async function graphql<T>(remote: Remote, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (remote.token) {
    if (remote.token.startsWith('zk_')) headers['x-api-key'] = remote.token;
    else headers.authorization = `Bearer ${remote.token}`;
  }
  let res: Response;
  try {
    res = await fetch(remote.url, { method: 'POST', headers, body: JSON.stringify({ query, variables }), signal: AbortSignal.timeout(30_000) });
  } catch (err) {
    const c = (err as { cause?: { code?: string; errors?: Array<{ code?: string }> } }).cause;
    const cause = c?.code ?? c?.errors?.[0]?.code ?? (err as Error).message;
    throw new NetworkError(`cannot reach ${remote.url}: ${cause}`);
  }
  let body: { data?: T; errors?: Array<{ message: string; extensions?: { code?: string } }> };
  try {
    body = (await res.json()) as typeof body;
  } catch {
    throw new NetworkError(`${remote.url} answered HTTP ${res.status} without a GraphQL response`);
  }
  const first = body.errors?.[0];
  if (res.status === 401 || first?.extensions?.code === 'UNAUTHENTICATED' || first?.extensions?.code === 'FORBIDDEN') {
    throw new NetworkError(`not allowed (${first?.extensions?.code ?? `HTTP ${res.status}`}): ${first?.message ?? 'credentials refused'}`);
  }
  if (first) throw new RemoteError(`${first.message}${first.extensions?.code ? ` (${first.extensions.code})` : ''}`);
  if (!body.data) throw new NetworkError(`${remote.url} answered HTTP ${res.status} without data`);
  return body.data;
}
