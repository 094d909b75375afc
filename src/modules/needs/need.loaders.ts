import DataLoader from 'dataloader';
import type { DataSource } from 'typeorm';
import { nestedPageLoader } from '../../graphql/nested-connection';
import { Scope } from '../../graphql/scope';
import { Need } from './need.entity';
import type { NeedService } from './need.service';

/** Per-request loaders of the needs module; every one applies the caller's region scope. */
export function createNeedLoaders(ds: DataSource, service: NeedService, scope: Scope) {
  const s = scope.sql('t.villageCode', 'needScope');
  return {
    needById: new DataLoader<string, Need | null>((ids) => service.byIds(scope, ids)),
    /** Needs regardless of scope: only for a provider reading the needs of matches proposed to it (ServiceMatch.need). */
    needByIdForProvider: new DataLoader<string, Need | null>((ids) => service.byIds(Scope.everything, ids)),
    /** Household.needs, newest first. */
    needsByHousehold: nestedPageLoader(ds, { entity: Need, parentProperty: 'householdId', sortProperty: 'createdAt', direction: 'DESC', filter: (qb) => qb.andWhere(s.where, s.params) }),
    /** PoorVillage.needs (village and household needs of the village), newest first. */
    needsByVillage: nestedPageLoader(ds, { entity: Need, parentProperty: 'villageCode', sortProperty: 'createdAt', direction: 'DESC', filter: (qb) => qb.andWhere(s.where, s.params) }),
  };
}
export type NeedLoaders = ReturnType<typeof createNeedLoaders>;
