import DataLoader from 'dataloader';
import type { DataSource } from 'typeorm';
import { nestedPageLoader } from '../../graphql/nested-connection';
import { CountyPairing } from './county-pairing.entity';
import { Region } from './region.entity';
import { ancestorCodes, type RegionService } from './region.service';

/** Per-request loaders of the regions module. Regions are public: no scope filter applies. */
export function createRegionLoaders(ds: DataSource, service: RegionService) {
  /**
   * Regions by code. Each batch also reads the ancestors of the codes asked for (their codes follow from the code) and
   * primes them, so a parent → parent chain (village → township → county) costs one statement instead of one per level.
   */
  const regionByCode: DataLoader<string, Region | null> = new DataLoader<string, Region | null>(async (codes) => {
    const asked = new Set(codes);
    const wanted = [...new Set([...codes, ...codes.flatMap((c) => ancestorCodes(c))])];
    const found = new Map<string, Region>();
    for (const r of await service.byCodes(wanted)) if (r) found.set(r.code, r);
    for (const [code, r] of found) if (!asked.has(code)) regionByCode.prime(code, r);
    return codes.map((c) => found.get(c) ?? null);
  });
  return {
    regionByCode,
    pairingById: new DataLoader<string, CountyPairing | null>((ids) => service.pairingsByIds(ids)),
    regionChildren: nestedPageLoader(ds, { entity: Region, parentProperty: 'parentCode', sortProperty: 'code', direction: 'ASC', idProperty: 'code' }),
    pairingsAsHelped: nestedPageLoader(ds, { entity: CountyPairing, parentProperty: 'helpedCode', sortProperty: 'startDate', direction: 'DESC' }),
    pairingsAsHelper: nestedPageLoader(ds, { entity: CountyPairing, parentProperty: 'helperCode', sortProperty: 'startDate', direction: 'DESC' }),
  };
}
export type RegionLoaders = ReturnType<typeof createRegionLoaders>;
