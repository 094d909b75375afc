import DataLoader from 'dataloader';
import type { DataSource } from 'typeorm';
import { nestedPageLoader } from '../../graphql/nested-connection';
import type { Scope } from '../../graphql/scope';
import { Expert } from './expert.entity';
import type { ExpertService } from './expert.service';

/** Per-request loaders of the experts module; every one applies the caller's region scope. */
export function createExpertLoaders(ds: DataSource, service: ExpertService, scope: Scope) {
  const s = scope.sql('t.regionCode', 'expertScope');
  return {
    expertById: new DataLoader<string, Expert | null>((ids) => service.byIds(scope, ids)),
    /** The experts an organization employs (Organization.experts), by name. */
    expertsByEmployer: nestedPageLoader(ds, { entity: Expert, parentProperty: 'employerId', sortProperty: 'name', direction: 'ASC', filter: (qb) => qb.andWhere(s.where, s.params) }),
  };
}
export type ExpertLoaders = ReturnType<typeof createExpertLoaders>;
