import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { NATIONAL_REGION, Role, startTestApp, type TestApp } from './harness';

/** The `zhuli` command, spawned as a user would (node bin/zhuli.js) against a running test server. */

const ROOT = path.join(__dirname, '..');
let app: TestApp;
let env: NodeJS.ProcessEnv;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}
function zhuli(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(ROOT, 'bin/zhuli.js'), ...args], { cwd: ROOT, env: { ...env, ...extraEnv }, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 99) : 0, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  // The CLI runs compiled code: build it (type errors elsewhere still emit, so only require the output).
  try {
    execFileSync(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', ROOT], { cwd: ROOT, stdio: 'pipe' });
  } catch {
    /* checked below */
  }
  expect(fs.existsSync(path.join(ROOT, 'dist/src/cli/main.js'))).toBe(true);
  app = await startTestApp();
  const { ZHULI_TOKEN: _t, ZHULI_URL: _u, ...base } = process.env;
  env = { ...base, ZHULI_JWT_SECRET: app.config.jwtSecret, ZHULI_JWT_ISSUER: app.config.jwtIssuer, ZHULI_JWT_AUDIENCE: app.config.jwtAudience, ZHULI_URL: app.url };
}, 240_000);
afterAll(async () => {
  await app?.stop();
});

describe('zhuli token', () => {
  it('mints a token the server accepts', async () => {
    const r = await zhuli(['token', '--sub', 'wang', '--role', 'COUNTY_COORDINATOR', '--region', '341524', '--ttl', '600', '--name', '王科员']);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    const me = await app.gql(`{ me { subject kind roles regionCode name expiresAt } }`, {}, r.stdout.trim());
    expect(me.data.me).toMatchObject({ subject: 'wang', kind: 'USER', roles: ['COUNTY_COORDINATOR'], regionCode: '341524', name: '王科员' });
    const ttl = (new Date(me.data.me.expiresAt).getTime() - Date.now()) / 1000;
    expect(ttl).toBeGreaterThan(500);
    expect(ttl).toBeLessThanOrEqual(600);
  });

  it('accepts several roles, repeated or comma-separated', async () => {
    const r = await zhuli(['token', '--sub', 'li', '--role', 'ANALYST,auditor', '--role', 'EXPERT', '--region', NATIONAL_REGION]);
    const me = await app.gql(`{ me { roles scopePrefix } }`, {}, r.stdout.trim());
    expect(me.data.me).toEqual({ roles: ['ANALYST', 'AUDITOR', 'EXPERT'], scopePrefix: '' });
  });

  it.each([
    [['token', '--role', 'ANALYST', '--region', '340000'], /--sub is required/],
    [['token', '--sub', 'x', '--role', 'BOSS', '--region', '340000'], /unknown role BOSS/],
    [['token', '--sub', 'x', '--role', 'ANALYST', '--region', '34'], /--region/],
    [['token', '--sub', 'x', '--role', 'ANALYST', '--region', '340000', '--ttl', 'soon'], /--ttl/],
    [['token', '--sub', 'x', '--role', 'ANALYST', '--region', '340000', '--colour'], /Unknown option/],
    [['frobnicate'], /unknown command/],
    [['apikey'], /choose one of create, revoke, list/],
    [['apikey', 'revoke', '--reason', 'x'], /exactly one key id/],
    [[], /Usage: zhuli/],
  ])('usage errors exit 2: %j', async (args, message) => {
    const r = await zhuli(args);
    expect(r.code).toBe(2);
    expect(r.stdout + r.stderr).toMatch(message);
  });

  it.each([['token'], ['apikey', 'create'], ['apikey', 'revoke'], ['apikey', 'list'], ['serve']])('%s --help shows usage and an example', async (...cmd) => {
    const r = await zhuli([...cmd, '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`zhuli ${cmd.join(' ')}`);
    expect(r.stdout).toMatch(/Example/);
  });
});

describe('zhuli apikey', () => {
  let admin: string;
  let keyId: string;
  let secret: string;
  beforeAll(async () => {
    admin = await app.token([Role.NATIONAL_ADMIN], NATIONAL_REGION, { sub: 'cli-admin' });
  });

  it('create prints the secret once; the key works', async () => {
    const r = await zhuli(['apikey', 'create', '--name', '安徽省科协 sync', '--role', 'PROVINCIAL_COORDINATOR', '--region', '340000', '--json'], { ZHULI_TOKEN: admin });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ name: '安徽省科协 sync', roles: ['PROVINCIAL_COORDINATOR'], regionCode: '340000', createdBy: 'cli-admin' });
    ({ keyId, secret } = out);
    expect(secret).toMatch(/^zk_/);
    const me = await zhuli(['apikey', 'list', '--token', secret]);
    expect(me.code).toBe(0); // a provincial key may list keys in its province
    expect(me.stdout).toContain(keyId);
  });

  it('create as text shows the secret with a warning', async () => {
    const r = await zhuli(['apikey', 'create', '--name', '六安 stats', '--role', 'ANALYST', '--region', '341500', '--token', admin]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/secret\s+zk_[0-9a-f]{12}_/);
    expect(r.stdout).toMatch(/shown only now/);
  });

  it('userErrors exit 1 with the code on stderr, and nothing is created', async () => {
    const [{ n: before }] = await app.ds.query(`SELECT count(*)::int n FROM api_key`);
    const province = await app.token([Role.PROVINCIAL_COORDINATOR], '340000');
    const r = await zhuli(['apikey', 'create', '--name', 'Shaanxi', '--role', 'ANALYST', '--region', '610000', '--token', province]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/FORBIDDEN at input\.regionCode/);
    const [{ n: after }] = await app.ds.query(`SELECT count(*)::int n FROM api_key`);
    expect(after).toBe(before);
  });

  it('list shows keys in scope', async () => {
    const r = await zhuli(['apikey', 'list', '--token', admin]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`${keyId}\\s+zk_[0-9a-f]{12}\\s+340000\\s+PROVINCIAL_COORDINATOR\\s+active`));
    expect(r.stdout).not.toContain(secret);
  });

  it('revoke revokes; the key is then refused (exit 3)', async () => {
    const r = await zhuli(['apikey', 'revoke', keyId, '--reason', 'rotated', '--token', admin]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`revoked ${keyId}`);
    const again = await zhuli(['apikey', 'revoke', keyId, '--reason', 'again', '--token', admin]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/INVALID_STATE/);
    const refused = await zhuli(['apikey', 'list', '--token', secret]);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/UNAUTHENTICATED.*revoked/);
    const all = await zhuli(['apikey', 'list', '--all', '--json', '--token', admin]);
    expect(JSON.parse(all.stdout).find((k: { keyId: string }) => k.keyId === keyId).revokeReason).toBe('rotated');
  });

  it('network and authentication failures exit 3; a missing token is a usage error', async () => {
    expect((await zhuli(['apikey', 'list', '--token', admin, '--url', 'http://127.0.0.1:9/graphql'])).code).toBe(3);
    expect((await zhuli(['apikey', 'list', '--token', 'not-a-jwt'])).code).toBe(3);
    const county = await app.token([Role.COUNTY_COORDINATOR], '341524');
    const forbidden = await zhuli(['apikey', 'list', '--token', county]);
    expect(forbidden.code).toBe(3);
    expect(forbidden.stderr).toMatch(/FORBIDDEN/);
    const missing = await zhuli(['apikey', 'list']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/ZHULI_TOKEN/);
  });
});
