import DataLoader from 'dataloader';
import type { DataSource } from 'typeorm';
import { nestedPageLoader } from '../../graphql/nested-connection';
import type { Scope } from '../../graphql/scope';
import { Household } from './household.entity';
import type { PoorVillage } from './poor-village.entity';
import type { BeneficiaryService } from './beneficiary.service';

/** Per-request loaders of the beneficiaries module; every one applies the caller's region scope. */
export function createBeneficiaryLoaders(ds: DataSource, service: BeneficiaryService, scope: Scope) {
  const s = scope.sql('t.villageCode', 'householdScope');
  return {
    poorVillageByCode: new DataLoader<string, PoorVillage | null>((codes) => service.villagesByCodes(scope, codes)),
    householdById: new DataLoader<string, Household | null>((ids) => service.householdsByIds(scope, ids)),
    /** The households of a village (PoorVillage.households), by registry number. */
    householdsByVillage: nestedPageLoader(ds, { entity: Household, parentProperty: 'villageCode', sortProperty: 'registryNumber', direction: 'ASC', filter: (qb) => qb.andWhere(s.where, s.params) }),
  };
}
export type BeneficiaryLoaders = ReturnType<typeof createBeneficiaryLoaders>;
