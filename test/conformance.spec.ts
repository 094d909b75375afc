import fs from 'node:fs';
import path from 'node:path';
import { serverAudits } from 'graphql-http';
import { createSchema, printSortedSchema } from '../src/graphql/schema';
import { orphanedTypes, resolvers } from '../src/modules/registry';
import { startTestApp, type TestApp } from './harness';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await app?.stop();
});

describe('GraphQL over HTTP conformance (graphql-http serverAudits)', () => {
  it('has no MUST failures; warnings are the ones the README explains', async () => {
    const results = await Promise.all(serverAudits({ url: app.url, fetchFn: fetch }).map(async (a) => ({ audit: a, result: await a.fn() })));
    const failures = results.filter((r) => r.result.status === 'error').map((r) => `${r.audit.name}: ${(r.result as { reason?: string }).reason}`);
    expect(failures).toEqual([]);
    const warnings = results.filter((r) => r.result.status === 'warn').map((r) => r.audit.id);
    if (process.env.SHOW_AUDIT) console.log(results.filter((r) => r.result.status === 'warn').map((r) => `${r.audit.id} ${r.audit.name}: ${(r.result as { reason?: string }).reason}`).join('\n'));
    // Every warning listed here is explained in README.md ("GraphQL over HTTP conformance").
    const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
    for (const id of warnings) expect(readme).toContain(id);
  });
});

describe('committed artefacts', () => {
  it('schema.graphql matches the schema the code builds (run `npm run schema`)', async () => {
    const built = printSortedSchema(await createSchema(resolvers, orphanedTypes));
    const committed = fs.readFileSync(path.join(__dirname, '..', 'schema.graphql'), 'utf8');
    expect(committed).toEqual(built);
  });

  it('the migrations produce exactly the schema the entities describe (run `npm run migration:generate -- Name`)', async () => {
    const pending = await app.ds.driver.createSchemaBuilder().log();
    expect(pending.upQueries.map((q) => q.query)).toEqual([]);
  });

  it('every type and field in the schema has a description', async () => {
    const schema = await createSchema(resolvers, orphanedTypes);
    const missing: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (type.name.startsWith('__') || ['String', 'Int', 'Float', 'Boolean', 'ID'].includes(type.name)) continue;
      if (!type.description) missing.push(type.name);
      const fields = 'getFields' in type ? (type.getFields() as Record<string, { description?: string | null; args?: Array<{ name: string; description?: string | null }> }>) : {};
      for (const [name, f] of Object.entries(fields)) {
        if (!f.description) missing.push(`${type.name}.${name}`);
        for (const a of f.args ?? []) if (!a.description) missing.push(`${type.name}.${name}(${a.name})`);
      }
      if ('getValues' in type) for (const v of type.getValues()) if (!v.description) missing.push(`${type.name}.${v.name}`);
    }
    expect(missing).toEqual([]);
  });
});

describe('health', () => {
  it('GET /healthz and /readyz report the process and the database', async () => {
    const h = await fetch(`${app.origin}/healthz`);
    expect(h.status).toBe(200);
    const r = await fetch(`${app.origin}/readyz`);
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({ status: 'ready', database: process.env.DATABASE_URL ? 'postgres' : 'embedded' });
  });

  it('echoes a request id and never leaks internals for unexpected errors', async () => {
    const res = await fetch(app.url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': 'abc-123' }, body: JSON.stringify({ query: '{ region(code: "341524") { name } }' }) });
    expect(res.headers.get('x-request-id')).toBe('abc-123');
  });
});
