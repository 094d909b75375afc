import type { EntityManager } from 'typeorm';
import { regionPrefix } from '../../graphql/scope';
import { offeringMatchKeys } from './offering.service';

/**
 * Demo service offerings (科技服务): one per demo organization (its categories, serving its own region — the
 * provincial societies serve all of Anhui) and one per registered demo expert (specialties, serving their
 * service regions). Finance and insurance (银会合作) is left without providers, so coverage queries have gaps.
 */
export async function seedDemoOfferings(em: EntityManager): Promise<void> {
  const orgs: Array<{ id: string; name: string; regionCode: string; cats: string }> = await em.query(
    `SELECT id, name, "regionCode", "serviceCategories"::text AS cats FROM organization ORDER BY "creditCode"`,
  );
  const experts: Array<{ id: string; name: string; regionCode: string; cats: string; served: string[] }> = await em.query(
    `SELECT id, name, "regionCode", specialties::text AS cats, "serviceRegionCodes" AS served FROM expert WHERE "rosterStatus" = 'REGISTERED' ORDER BY name, id`,
  );
  const modes = ['TRAINING', 'ON_SITE_GUIDANCE', 'REMOTE_GUIDANCE', 'TECHNOLOGY_PROMOTION', 'CONSULTING'];
  const rows: unknown[][] = [];
  const cats = (text: string) => text.replace(/[{}]/g, '').split(',').filter((c) => c && c !== 'FINANCE_INSURANCE');
  orgs.forEach((o, i) => {
    const served = [o.regionCode.length > 6 ? o.regionCode.slice(0, 6) : o.regionCode];
    const c = cats(o.cats);
    if (c.length) rows.push([o.id, null, o.regionCode, `${o.name}科技服务`, c, [modes[i % 5], modes[(i + 1) % 5]], served, 5 + (i % 4) * 5]);
  });
  experts.forEach((e, i) => {
    const c = cats(e.cats);
    if (c.length) rows.push([null, e.id, e.regionCode, `${e.name}专家服务`, c, [modes[(i + 2) % 5]], e.served, 2 + (i % 3)]);
  });
  for (const r of rows) {
    await em.query(
      `INSERT INTO service_offering ("organizationId", "expertId", "providerRegionCode", title, categories, modes, "regionCodes", "servedPrefixes", "matchKeys", capacity, "activeFrom")
       VALUES ($1, $2, $3, $4, $5::service_category[], $6::service_mode[], $7::text[], $8::text[], $9::text[], $10, '2017-01-01')`,
      [r[0], r[1], r[2], r[3], r[4], r[5], r[6], (r[6] as string[]).map(regionPrefix), offeringMatchKeys(r[4] as string[], (r[6] as string[]).map(regionPrefix)), r[7]],
    );
  }
}
