import DataLoader from 'dataloader';
import type { Scope } from '../../graphql/scope';
import type { Organization } from './organization.entity';
import type { OrganizationService } from './organization.service';

/** Per-request loaders of the organizations module; every one applies the caller's region scope. */
export function createOrganizationLoaders(service: OrganizationService, scope: Scope) {
  return {
    organizationById: new DataLoader<string, Organization | null>((ids) => service.byIds(scope, ids)),
  };
}
export type OrganizationLoaders = ReturnType<typeof createOrganizationLoaders>;
