import { randomUUID } from 'node:crypto';
import { Client as PgClient } from 'pg';
import type { Client } from 'graphql-ws';
import { loadConfig } from '../src/config';
import { toGlobalId } from '../src/graphql/node';
import { Role } from '../src/graphql/principal';
import { Authenticator } from '../src/server/auth';
import { withDatabase } from './global-setup';
import { buildOnce, startProcess, type ServerProcess } from './process';
import { sleep, subscribe, wsClient, type Sub } from './ws-client';

/**
 * Two server PROCESSES on one real PostgreSQL: events committed through one instance reach subscribers on the
 * other (LISTEN/NOTIFY carrying the cursor), and a subscriber resuming with its cursor gets exactly what it
 * missed. The embedded database is one process's single session, so without DATABASE_URL this file is skipped.
 */
const base = process.env.DATABASE_URL;
const suite = base ? describe : describe.skip;
if (!base) {
  // eslint-disable-next-line no-console
  console.log('test/multi-instance.spec.ts skipped: DATABASE_URL is unset (two processes need a real PostgreSQL; the embedded PGlite is single-process)');
}

suite(base ? 'two instances on one PostgreSQL' : 'two instances on one PostgreSQL (skipped: DATABASE_URL is unset — the embedded database is single-process)', () => {
  let dbName: string;
  let url: string;
  let a: ServerProcess;
  let b: ServerProcess;
  let county: string;
  let pg: PgClient;
  const clients: Client[] = [];
  const subs: Sub[] = [];

  beforeAll(async () => {
    // DATABASE_URL is set, so this run is meant to have a PostgreSQL: unreachable is a failure with a clear reason
    // (never a skip), under CI and elsewhere.
    const probe = new PgClient({ connectionString: base, connectionTimeoutMillis: 5000 });
    try {
      await probe.connect();
    } catch (err) {
      throw new Error(`multi-instance.spec: DATABASE_URL is set but PostgreSQL is unreachable (${(err as Error).message}); unset it to skip this file on the embedded database`);
    } finally {
      await probe.end().catch(() => undefined);
    }
    buildOnce();
    dbName = `${(process.env.ZHULI_TEST_TEMPLATE_DB as string).replace('tpl', 'test')}_multi_${randomUUID().slice(0, 6)}`;
    const admin = new PgClient({ connectionString: base });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${dbName} TEMPLATE ${process.env.ZHULI_TEST_TEMPLATE_DB}`);
    await admin.end();
    url = withDatabase(base as string, dbName);
    const env = { DATABASE_URL: url, ZHULI_SEED_DEMO: 'false', ZHULI_DB_POOL_SIZE: '4' };
    [a, b] = await Promise.all([startProcess(env), startProcess(env)]);
    const auth = new Authenticator(loadConfig({}));
    county = await auth.mint({ sub: 'wang-county', roles: [Role.COUNTY_COORDINATOR], region: '341524' });
    pg = new PgClient({ connectionString: url });
    await pg.connect();
  }, 180_000);

  afterEach(async () => {
    for (const s of subs.splice(0)) s.stop();
    for (const c of clients.splice(0)) await c.dispose();
  });

  afterAll(async () => {
    await pg?.end();
    await Promise.all([a?.stop(), b?.stop()]);
    const admin = new PgClient({ connectionString: base });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
  });

  async function gql(server: ServerProcess, query: string, variables: Record<string, unknown>): Promise<any> {
    const res = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${county}` }, body: JSON.stringify({ query, variables }) });
    const body = (await res.json()) as { data?: any; errors?: unknown };
    if (body.errors) throw new Error(JSON.stringify(body.errors));
    return body.data;
  }

  /** Drafts, signs and files an agreement through `server`; returns its global ID. */
  async function fileThrough(server: ServerProcess): Promise<string> {
    const [{ code }] = (await pg.query(`SELECT code FROM region WHERE level = 'VILLAGE' AND code LIKE '341524%' AND "povertyDesignation" = 'POOR_VILLAGE' ORDER BY code LIMIT 1`)).rows;
    const [{ id: org }] = (await pg.query(`SELECT id FROM organization WHERE "regionCode" LIKE '341524%' ORDER BY name LIMIT 1`)).rows;
    const P = `agreement { id version } userErrors { code message }`;
    const c = await gql(server, `mutation($i: CreateAgreementInput!) { createAgreement(input: $i) { ${P} } }`, {
      i: {
        title: `多实例测试协议 ${randomUUID().slice(0, 6)}`, regionCode: '341524', organizationId: toGlobalId('Organization', org), villageCodes: [code],
        periodStart: '2018-03-01', periodEnd: '2020-12-31', goals: '目标', measures: '措施', mechanism: '机制', tasks: [{ kind: 'TRAINING', description: '培训', plannedQuantity: 2, unit: '期' }],
      },
    });
    let ag = c.createAgreement.agreement;
    ag = (await gql(server, `mutation($i: SignAgreementInput!) { signAgreement(input: $i) { ${P} } }`, { i: { id: ag.id, version: ag.version, signingDate: '2018-02-28', signatories: [{ party: '县科协', name: '李明华' }] } })).signAgreement.agreement;
    const f = (await gql(server, `mutation($i: AgreementTransitionInput!) { fileAgreement(input: $i) { ${P} } }`, { i: { id: ag.id, version: ag.version } })).fileAgreement;
    expect(f.userErrors).toEqual([]);
    return f.agreement.id;
  }

  const FILED = `subscription($after: String) { agreementFiled(regionCode: "341524", after: $after) { cursor agreement { id } } }`;
  async function subscribeOn(server: ServerProcess, after: string | null): Promise<Sub> {
    const client = wsClient(server.url, county);
    clients.push(client);
    const sub = subscribe(client, FILED, { after });
    subs.push(sub);
    await sleep(400); // the subscription is registered on the server
    return sub;
  }

  it('a subscriber on B receives a filing made through A; after disconnecting it resumes with its cursor and receives exactly the two it missed, once each, in order', async () => {
    const first = await subscribeOn(b, null);
    const id1 = await fileThrough(a);
    const [e1] = await first.take(1, 3000);
    expect(e1.agreementFiled.agreement.id).toBe(id1);
    const cursor = e1.agreementFiled.cursor as string;

    // B's subscriber goes away; two more filings happen through A.
    first.stop();
    await clients[0].dispose();
    const missed = [await fileThrough(a), await fileThrough(a)];

    const again = await subscribeOn(b, cursor);
    const got = await again.take(2, 3000);
    expect(got.map((e) => e.agreementFiled.agreement.id)).toEqual(missed);
    await sleep(1500); // a sweep and any late NOTIFY pass: nothing is delivered twice
    expect(again.events.map((e) => e.agreementFiled.agreement.id)).toEqual(missed);
    expect(BigInt(got[1].agreementFiled.cursor) > BigInt(got[0].agreementFiled.cursor)).toBe(true);
  });

  it('each instance re-LISTENs after its LISTEN connection is killed, and delivery continues', async () => {
    const sub = await subscribeOn(b, null);
    const killed = await pg.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'zhuli-listen' AND datname = $1`, [dbName]);
    expect(killed.rowCount).toBe(2);
    let listening = 0;
    for (let i = 0; i < 50 && listening < 2; i++) {
      await sleep(200);
      listening = (await pg.query(`SELECT COUNT(*)::int AS n FROM pg_stat_activity WHERE application_name = 'zhuli-listen' AND datname = $1 AND query ILIKE 'LISTEN%'`, [dbName])).rows[0].n;
    }
    expect(listening).toBe(2);
    const id = await fileThrough(a);
    const [e] = await sub.take(1, 3000);
    expect(e.agreementFiled.agreement.id).toBe(id);
  });
});
