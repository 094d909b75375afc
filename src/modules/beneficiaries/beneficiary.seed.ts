import type { EntityManager } from 'typeorm';
import { upsertHouseholds } from './beneficiary.service';
import { generateHouseholds } from './household.generator';

const SPECIALTIES = ['茶叶', '猕猴桃', '中药材', '食用菌', '板栗', '油茶', '蚕桑', '生猪', '皖西白鹅', '稻虾', '花卉苗木', '乡村旅游'];
/** Counties that get demo households (金寨县, 周至县). */
export const DEMO_HOUSEHOLD_COUNTIES = ['341524', '610124'];
export const DEMO_HOUSEHOLDS_PER_COUNTY = 1500;

/**
 * Registrations for every demo poor village (regions marked POOR_VILLAGE), deterministic from the code, and
 * 1,500 deterministic households in each of 金寨县 341524 and 周至县 610124 (fake, well-formed people).
 */
export async function seedDemoBeneficiaries(em: EntityManager): Promise<void> {
  await em.query(
    `INSERT INTO poor_village ("regionCode", "registeredYear", "exitYear", specialty, "hasRuralTechAssociation", "hasNewBusinessEntity", "hasBrand", "hasEStation")
     SELECT r.code, coalesce(r."designatedYear", 2014), r."povertyExitYear",
            ($1::text[])[1 + right(r.code, 3)::int % ${SPECIALTIES.length}],
            right(r.code, 3)::int % 3 <> 0, right(r.code, 3)::int % 2 = 1, right(r.code, 3)::int % 5 = 1, right(r.code, 3)::int % 4 <> 2
       FROM region r WHERE r.level = 'VILLAGE' AND r."povertyDesignation" = 'POOR_VILLAGE'
     ON CONFLICT DO NOTHING`,
    [SPECIALTIES],
  );
  for (const [i, county] of DEMO_HOUSEHOLD_COUNTIES.entries()) {
    const villages: string[] = (await em.query(`SELECT "regionCode" AS code FROM poor_village WHERE "regionCode" LIKE $1 ORDER BY 1`, [`${county}%`])).map((r: { code: string }) => r.code);
    if (!villages.length) continue;
    const rows = generateHouseholds(villages, DEMO_HOUSEHOLDS_PER_COUNTY, 2017 + i);
    for (let k = 0; k < rows.length; k += 1000) await upsertHouseholds(em, rows.slice(k, k + 1000));
  }
}
