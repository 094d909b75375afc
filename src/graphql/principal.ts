import { registerEnumType } from 'type-graphql';

/** Roles a principal can hold (科协 staff at each level, providers, readers). */
export enum Role {
  NATIONAL_ADMIN = 'NATIONAL_ADMIN',
  PROVINCIAL_COORDINATOR = 'PROVINCIAL_COORDINATOR',
  CITY_COORDINATOR = 'CITY_COORDINATOR',
  COUNTY_COORDINATOR = 'COUNTY_COORDINATOR',
  ORGANIZATION_MANAGER = 'ORGANIZATION_MANAGER',
  EXPERT = 'EXPERT',
  ANALYST = 'ANALYST',
  AUDITOR = 'AUDITOR',
}
registerEnumType(Role, {
  name: 'Role',
  description: 'Role of a principal',
  valuesConfig: {
    NATIONAL_ADMIN: { description: 'China Association for Science and Technology staff (中国科协), whole country' },
    PROVINCIAL_COORDINATOR: { description: 'Provincial association coordinator (省科协)' },
    CITY_COORDINATOR: { description: 'City association coordinator (市科协)' },
    COUNTY_COORDINATOR: { description: 'County/district association coordinator (区县科协)' },
    ORGANIZATION_MANAGER: { description: 'Acts for one S&T organization (科技组织)' },
    EXPERT: { description: 'An expert (科技专家) acting for themself' },
    ANALYST: { description: 'Read-only; never sees personal data' },
    AUDITOR: { description: 'Read-only; reads the audit trail' },
  },
});

/** Coordinator roles: staff of an association who manage the registry in their region. */
export const COORDINATORS = [
  Role.NATIONAL_ADMIN,
  Role.PROVINCIAL_COORDINATOR,
  Role.CITY_COORDINATOR,
  Role.COUNTY_COORDINATOR,
] as const;

/** Who is calling: a person (JWT), a service account (API key) or nobody. */
export interface Principal {
  kind: 'USER' | 'SERVICE_ACCOUNT' | 'ANONYMOUS';
  /** Stable subject: the JWT `sub` or `apikey:<id>`. */
  subject: string;
  name?: string;
  roles: Role[];
  /** Region code of the principal's scope (e.g. 341524); null for anonymous callers. */
  regionCode: string | null;
  /** Code prefix of that scope ('' = the whole country); null = no registry data at all. */
  scopePrefix: string | null;
  /** The organization an ORGANIZATION_MANAGER acts for. */
  organizationId?: string;
  /** The expert an EXPERT acts as. */
  expertId?: string;
  /** API key used, if any. */
  apiKeyId?: string;
  /** Seconds since epoch when the credential expires. */
  expiresAt?: number;
}

export const ANONYMOUS: Principal = { kind: 'ANONYMOUS', subject: 'anonymous', roles: [], regionCode: null, scopePrefix: null };

export function hasRole(p: Principal, ...roles: Role[]): boolean {
  return p.roles.some((r) => roles.includes(r));
}

/** Who performs a write, and under which request: passed explicitly into every service mutation. */
export interface Actor {
  principal: Principal;
  requestId: string;
}
