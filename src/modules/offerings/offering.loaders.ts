import DataLoader from 'dataloader';
import type { Scope } from '../../graphql/scope';
import type { ServiceOffering } from './offering.entity';
import type { OfferingService } from './offering.service';

/** Per-request loaders of the offerings module; every one applies the caller's region scope. */
export function createOfferingLoaders(service: OfferingService, scope: Scope) {
  return {
    offeringById: new DataLoader<string, ServiceOffering | null>((ids) => service.byIds(scope, ids)),
  };
}
export type OfferingLoaders = ReturnType<typeof createOfferingLoaders>;
