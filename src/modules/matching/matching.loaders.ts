import type { DataSource } from 'typeorm';
import { nestedPageLoader } from '../../graphql/nested-connection';
import type { Scope } from '../../graphql/scope';
import { ServiceMatch } from './match.entity';

/** Per-request loaders of the matching module; every one applies the caller's region scope. */
export function createMatchingLoaders(ds: DataSource, scope: Scope) {
  const s = scope.sql('t.regionCode', 'matchLoaderScope');
  return {
    /** Need.matches, newest first (matches of needs in scope). */
    matchesByNeed: nestedPageLoader(ds, { entity: ServiceMatch, parentProperty: 'needId', sortProperty: 'createdAt', direction: 'DESC', filter: (qb) => qb.andWhere(s.where, s.params) }),
  };
}
export type MatchingLoaders = ReturnType<typeof createMatchingLoaders>;
