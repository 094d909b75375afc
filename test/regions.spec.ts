import { startTestApp, type TestApp } from './harness';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await app?.stop();
});

describe('regions', () => {
  it('answers the acceptance query for 金寨县', async () => {
    const res = await app.gql(`{ region(code:"341524") { name level povertyDesignation parent { name } } }`);
    expect(res.errors).toBeUndefined();
    expect(res.data.region).toEqual({ name: '金寨县', level: 'COUNTY', povertyDesignation: 'NATIONAL', parent: { name: '六安市' } });
  });

  it('has the 2017 codes the issue names', async () => {
    const res = await app.gql(`{ a: region(code:"340824") { name } b: region(code:"341504") { name povertyDesignation } c: region(code:"610118") { name } d: region(code:"610124") { povertyDesignation } }`);
    expect(res.data).toEqual({ a: { name: '潜山县' }, b: { name: '叶集区', povertyDesignation: 'PROVINCIAL' }, c: { name: '鄠邑区' }, d: { povertyDesignation: 'NATIONAL' } });
  });
});
