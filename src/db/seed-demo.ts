import type { DataSource, EntityManager } from 'typeorm';
import type { Logger } from '../server/logger';
import { seedDemoAgreements } from '../modules/agreements/agreement.seed';
import { importRegions } from '../modules/regions/region.import';
import { seedDemoOrganizations } from '../modules/organizations/organization.seed';
import { seedDemoExperts } from '../modules/experts/expert.seed';
import { seedDemoBeneficiaries } from '../modules/beneficiaries/beneficiary.seed';
import { seedDemoNeeds } from '../modules/needs/need.seed';
import { seedDemoOfferings } from '../modules/offerings/offering.seed';

/**
 * The demo dataset a fresh install starts with: every province/city/county, Anhui's and Shaanxi's townships
 * and villages, the poor counties the source documents name, a deterministic set of poor villages inside
 * them, county pairings, and a few organizations and experts. Runs once (marked in zhuli_meta).
 */
export async function seedDemoIfEmpty(ds: DataSource, logger: Logger): Promise<boolean> {
  const [{ done }] = await ds.query(`SELECT EXISTS (SELECT 1 FROM zhuli_meta WHERE key = 'demo_seeded') AS done`);
  if (done) return false;
  const started = Date.now();
  const regions = await importRegions(ds, ['34', '61']);
  await ds.transaction(async (em) => {
    await markPoverty(em);
    await seedPairings(em);
    for (const step of demoSteps) await step(em);
    await em.query(`INSERT INTO zhuli_meta (key, value) VALUES ('demo_seeded', $1) ON CONFLICT (key) DO NOTHING`, [JSON.stringify({ at: new Date().toISOString(), regions })]);
  });
  logger.info({ ms: Date.now() - started, regions }, 'demo dataset loaded');
  return true;
}

/** Further demo steps registered by modules (organizations, experts, …), run inside the seed transaction. */
export const demoSteps: Array<(em: EntityManager) => Promise<void>> = [];
demoSteps.push(seedDemoOrganizations, seedDemoExperts, seedDemoBeneficiaries, seedDemoNeeds, seedDemoOfferings);
// Agreements last: they refer to the organizations, experts and poor villages above.
demoSteps.push(seedDemoAgreements);

/** Anhui's 20 national and 11 provincial poor counties (安徽省实施细则), plus 叶集区 as the documents count it. */
export const ANHUI_NATIONAL = ['340828', '340824', '340825', '340826', '340827', '340422', '341522', '341524', '341523', '341722', '341503', '341221', '341225', '341226', '341203', '341623', '341321', '341322', '341323', '341324'];
export const ANHUI_PROVINCIAL = ['341602', '340321', '341622', '341621', '341302', '341204', '341202', '341222', '341282', '341125', '341502', '341504'];
/** 周至县 (Xi'an), a national poor county. */
export const XIAN_NATIONAL = ['610124'];

async function markPoverty(em: EntityManager): Promise<void> {
  await em.query(`UPDATE region SET "povertyDesignation" = 'NATIONAL', "designatedYear" = 2012 WHERE code = ANY($1)`, [[...ANHUI_NATIONAL, ...XIAN_NATIONAL]]);
  await em.query(`UPDATE region SET "povertyDesignation" = 'PROVINCIAL', "designatedYear" = 2012 WHERE code = ANY($1)`, [ANHUI_PROVINCIAL]);
  // A deterministic, plausible share (about one in six) of the villages of each poor county are registered
  // poor villages (建档立卡贫困村, 2014); those whose code ends in a multiple of 4 exited in 2017.
  await em.query(
    `UPDATE region v SET "povertyDesignation" = 'POOR_VILLAGE', "designatedYear" = 2014,
            "povertyExitYear" = CASE WHEN right(v.code, 3)::int % 4 = 0 THEN 2017 END
       FROM region c
      WHERE v.level = 'VILLAGE' AND c.code = left(v.code, 6) AND c."povertyDesignation" IN ('NATIONAL', 'PROVINCIAL')
        AND right(v.code, 3)::int % 6 = 1`,
  );
}

/** Illustrative pairings: Xi'an's six central districts (城六区) and some developed Anhui counties (皖办发〔2017〕3号). */
export const DEMO_PAIRINGS: Array<[string, string, string]> = [
  ['610102', '610124', '西安市科技助力精准扶贫工作方案(2017)'],
  ['610103', '610122', '西安市科技助力精准扶贫工作方案(2017)'],
  ['610104', '610118', '西安市科技助力精准扶贫工作方案(2017)'],
  ['610111', '610115', '西安市科技助力精准扶贫工作方案(2017)'],
  ['610112', '610117', '西安市科技助力精准扶贫工作方案(2017)'],
  ['610113', '610116', '西安市科技助力精准扶贫工作方案(2017)'],
  ['340104', '341524', '皖办发〔2017〕3号 关于县域结对帮扶推进脱贫攻坚的实施意见'],
  ['340111', '340828', '皖办发〔2017〕3号 关于县域结对帮扶推进脱贫攻坚的实施意见'],
  ['340202', '341522', '皖办发〔2017〕3号 关于县域结对帮扶推进脱贫攻坚的实施意见'],
  ['340302', '341321', '皖办发〔2017〕3号 关于县域结对帮扶推进脱贫攻坚的实施意见'],
  ['341004', '341722', '皖办发〔2017〕3号 关于县域结对帮扶推进脱贫攻坚的实施意见'],
];

async function seedPairings(em: EntityManager): Promise<void> {
  for (const [helper, helped, basis] of DEMO_PAIRINGS) {
    await em.query(
      `INSERT INTO county_pairing ("helperCode", "helpedCode", basis, "startDate") VALUES ($1, $2, $3, '2017-03-01') ON CONFLICT DO NOTHING`,
      [helper, helped, basis],
    );
  }
}
