import type { DataSource } from 'typeorm';
import type { Logger } from '../server/logger';
import type { Actor, Principal } from '../graphql/principal';
import type { Scope } from '../graphql/scope';
import { AccessService } from './access/access.service';
import { AuditService } from './audit/audit.service';
import { createRegionLoaders } from './regions/region.loaders';
import { RegionService } from './regions/region.service';

/** Every module's service, created once per process. */
export function createServices(ds: DataSource) {
  const audit = new AuditService(ds);
  const regions = new RegionService(ds, audit);
  const access = new AccessService(ds, audit, regions);
  return { audit, regions, access };
}
export type Services = ReturnType<typeof createServices>;

/** Every module's DataLoaders, created per request (and only here) for the caller's scope. */
export function createLoaders(ds: DataSource, services: Services, _scope: Scope) {
  return {
    ...createRegionLoaders(ds, services.regions),
  };
}
export type Loaders = ReturnType<typeof createLoaders>;

/** The per-request GraphQL context. */
export interface Context {
  requestId: string;
  principal: Principal;
  /** The region scope; passed explicitly into every service call. */
  scope: Scope;
  actor: Actor;
  services: Services;
  loaders: Loaders;
  logger: Logger;
}
