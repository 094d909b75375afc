/**
 * Checks by hand that the three servers of the issue 8 comparison agree (compareResults), and optionally puts a
 * short load on each — a smoke test, not the measurement (that is `npm run bench`'s job).
 *
 *   ZHULI_URL=http://127.0.0.1:4201/graphql POSTGRAPHILE_URL=http://127.0.0.1:4302/graphql RAW_URL=http://127.0.0.1:4303/graphql \
 *     node dist/bench/peers-check.js [--within 341524,341500] [--first 1,50,100] [--smoke 10] [--concurrency 4]
 *
 * Zhuli must run with the same ZHULI_JWT_SECRET as this process (default: the development secret), and for
 * `first: 100` with ZHULI_MAX_QUERY_COST ≥ 7000 (the default 5000 refuses it).
 */
import 'reflect-metadata';
import { loadConfig } from '../src/config';
import { Role } from '../src/graphql/principal';
import { Authenticator } from '../src/server/auth';
import { percentile } from './support';
import { PROVINCIAL_AGREEMENTS } from './queries';
import { compareResults, POSTGRAPHILE_AGREEMENTS } from './peers';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

async function post(url: string, query: string, variables: Record<string, unknown>, token?: string): Promise<string> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}: ${text.slice(0, 300)}`);
  return text;
}

async function main(): Promise<void> {
  const zhuli = process.env.ZHULI_URL ?? 'http://127.0.0.1:4201/graphql';
  const postgraphile = process.env.POSTGRAPHILE_URL ?? 'http://127.0.0.1:4302/graphql';
  const raw = process.env.RAW_URL ?? 'http://127.0.0.1:4303/graphql';
  const token = await new Authenticator(loadConfig()).mint({ sub: 'bench', roles: [Role.PROVINCIAL_COORDINATOR], region: '340000' }, 7200);

  for (const within of arg('within', '341524').split(',')) {
    for (const first of arg('first', '1,50,100').split(',').map(Number)) {
      const v = { within, first };
      const [z, p, r] = await Promise.all([post(zhuli, PROVINCIAL_AGREEMENTS, v, token), post(postgraphile, POSTGRAPHILE_AGREEMENTS, v), post(raw, PROVINCIAL_AGREEMENTS, v)]);
      const c = compareResults(z, p, r);
      console.log(`within ${within} first ${first}: all three agree — ${JSON.stringify(c)}; body bytes zhuli ${z.length} postgraphile ${p.length} raw ${r.length}`);
    }
  }

  const seconds = Number(arg('smoke', '0'));
  if (seconds > 0) {
    const concurrency = Number(arg('concurrency', '4'));
    const v = { within: arg('within', '341524').split(',')[0], first: 50 };
    const targets: Array<[string, string, string, string | undefined]> = [
      ['zhuli', zhuli, PROVINCIAL_AGREEMENTS, token],
      ['postgraphile', postgraphile, POSTGRAPHILE_AGREEMENTS, undefined],
      ['raw', raw, PROVINCIAL_AGREEMENTS, undefined],
    ];
    for (const [name, url, query, tok] of targets) {
      const times: number[] = [];
      let errors = 0;
      const end = Date.now() + seconds * 1000;
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (Date.now() < end) {
            const t = performance.now();
            try {
              await post(url, query, v, tok);
              times.push(performance.now() - t);
            } catch {
              errors++;
            }
          }
        }),
      );
      times.sort((a, b) => a - b);
      console.log(
        `smoke ${name}: ${concurrency} clients × ${seconds}s first 50 → ${(times.length / seconds).toFixed(1)} req/s, p50 ${percentile(times, 50).toFixed(1)} ms, p99 ${percentile(times, 99).toFixed(1)} ms, ${errors} errors`,
      );
    }
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
