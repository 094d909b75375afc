import { GraphQLError } from 'graphql';
import type { AuthChecker } from 'type-graphql';
import type { Principal, Role } from './principal';

/**
 * The one authorization check behind every `@Authorized(...)`: anonymous callers get UNAUTHENTICATED;
 * authenticated callers without one of the listed roles get FORBIDDEN. Region scope is checked in SQL by
 * the services, not here.
 */
export const authChecker: AuthChecker<{ principal: Principal }, Role> = ({ context }, roles) => {
  const p = context.principal;
  if (p.kind === 'ANONYMOUS') {
    throw new GraphQLError('Authentication required: send a bearer token or an API key', { extensions: { code: 'UNAUTHENTICATED' } });
  }
  if (roles.length === 0 || p.roles.some((r) => roles.includes(r))) return true;
  throw new GraphQLError(`Requires one of the roles: ${roles.join(', ')}`, { extensions: { code: 'FORBIDDEN' } });
};
