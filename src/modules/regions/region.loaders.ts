import DataLoader from 'dataloader';
import type { DataSource } from 'typeorm';
import { nestedPageLoader } from '../../graphql/nested-connection';
import { CountyPairing } from './county-pairing.entity';
import { Region } from './region.entity';
import type { RegionService } from './region.service';

/** Per-request loaders of the regions module. Regions are public: no scope filter applies. */
export function createRegionLoaders(ds: DataSource, service: RegionService) {
  return {
    regionByCode: new DataLoader<string, Region | null>((codes) => service.byCodes(codes)),
    pairingById: new DataLoader<string, CountyPairing | null>((ids) => service.pairingsByIds(ids)),
    regionChildren: nestedPageLoader(ds, { entity: Region, parentProperty: 'parentCode', sortProperty: 'code', direction: 'ASC', idProperty: 'code' }),
    pairingsAsHelped: nestedPageLoader(ds, { entity: CountyPairing, parentProperty: 'helpedCode', sortProperty: 'startDate', direction: 'DESC' }),
    pairingsAsHelper: nestedPageLoader(ds, { entity: CountyPairing, parentProperty: 'helperCode', sortProperty: 'startDate', direction: 'DESC' }),
  };
}
export type RegionLoaders = ReturnType<typeof createRegionLoaders>;
