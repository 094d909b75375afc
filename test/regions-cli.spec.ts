import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { loadConfig } from '../src/config';
import { openDatabase } from '../src/db/data-source';
import { entities } from '../src/modules/registry';
import { createLogger } from '../src/server/logger';
import { buildOnce, emptyDatabase, ROOT } from './process';

/** `zhuli regions load` loads more provinces' townships and villages in bulk, idempotently. */
describe('zhuli regions load', () => {
  let env: Record<string, string>;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    buildOnce();
    ({ env, cleanup } = await emptyDatabase('rl'));
  }, 120_000);
  afterAll(async () => cleanup?.());

  const cli = (...args: string[]) => execFileSync(process.execPath, [path.join(ROOT, 'bin', 'zhuli.js'), ...args], { env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

  it('loads Gansu (62) twice with the same result, and refuses bad codes with exit 2', async () => {
    const first = JSON.parse(cli('regions', 'load', '--province', '62'));
    expect(first).toMatchObject({ provinces: 31, counties: 3009 });
    expect(first.townships).toBeGreaterThan(1000);
    expect(first.villages).toBeGreaterThan(10000);
    const second = JSON.parse(cli('regions', 'load', '--province', '62'));
    expect({ ...second, seconds: 0 }).toEqual({ ...first, seconds: 0 });

    const db = await openDatabase({ ...loadConfig(env), seedDemo: false }, createLogger('silent'), entities);
    try {
      const [row] = await db.dataSource.query(`SELECT count(*) FILTER (WHERE level = 'VILLAGE')::int v, count(*) FILTER (WHERE level = 'TOWNSHIP')::int t FROM region WHERE code LIKE '62%'`);
      expect(row).toEqual({ v: first.villages, t: first.townships });
    } finally {
      await db.close();
    }

    let status = 0;
    try {
      cli('regions', 'load', '--province', '6');
    } catch (err) {
      status = (err as { status: number }).status;
    }
    expect(status).toBe(2);
  }, 180_000);
});
