import fs from 'node:fs';
import { Client } from 'pg';

/** Drops the run's template (and any clone a crashed spec left behind). */
export default async function globalTeardown(): Promise<void> {
  const base = process.env.DATABASE_URL;
  const template = process.env.ZHULI_TEST_TEMPLATE_DB;
  if (base && template) {
    const admin = new Client({ connectionString: base });
    await admin.connect();
    const { rows } = await admin.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE $1 OR datname = $2`, [`${template.replace('tpl', 'test')}%`, template]);
    for (const r of rows) await admin.query(`DROP DATABASE IF EXISTS ${r.datname} WITH (FORCE)`);
    await admin.end();
  }
  const dir = process.env.ZHULI_TEST_TEMPLATE_DIR;
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}
