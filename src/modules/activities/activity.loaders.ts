import DataLoader from 'dataloader';
import type { Scope } from '../../graphql/scope';
import type { Activity, Facility } from './activity.entity';
import type { ActivityService } from './activity.service';

/** Per-request loaders of the activities module; every one applies the caller's region scope. */
export function createActivityLoaders(service: ActivityService, scope: Scope) {
  return {
    facilityById: new DataLoader<string, Facility | null>((ids) => service.facilitiesByIds(scope, ids)),
    activityById: new DataLoader<string, Activity | null>((ids) => service.activitiesByIds(scope, ids)),
    /** Attending household ids of activities already read in scope (the households load through householdById, scoped). */
    activityHouseholdIds: new DataLoader<string, string[]>((ids) => service.householdIdsOf(ids)),
  };
}
export type ActivityLoaders = ReturnType<typeof createActivityLoaders>;
