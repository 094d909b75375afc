import { Field, ID, InputType, ObjectType, registerEnumType } from 'type-graphql';
import { MutationInput } from '../../graphql/idempotency';
import { ArrayMaxSize, ArrayMinSize, IsIn, Matches, MaxLength, MinLength } from 'class-validator';
import { ConnectionType } from '../../graphql/connection';
import { Role } from '../../graphql/principal';
import { Payload } from '../../graphql/user-error';
import { Region } from '../regions/region.entity';
import { ApiKey } from './api-key.entity';

export const ApiKeyConnection = ConnectionType(ApiKey, 'ApiKey', 'API keys');

/** How a principal authenticated. */
export enum PrincipalKind {
  USER = 'USER',
  SERVICE_ACCOUNT = 'SERVICE_ACCOUNT',
  ANONYMOUS = 'ANONYMOUS',
}
registerEnumType(PrincipalKind, {
  name: 'PrincipalKind',
  description: 'How the caller authenticated',
  valuesConfig: {
    USER: { description: 'A person with a bearer JWT' },
    SERVICE_ACCOUNT: { description: 'An integrating system with an API key' },
    ANONYMOUS: { description: 'No credentials: public data only' },
  },
});

/** The caller as the server sees it (`me`). */
@ObjectType({ description: 'Who the caller is: identity, roles and region scope' })
export class Me {
  @Field({ description: 'Stable subject: the JWT `sub`, `apikey:<id>` for service accounts, `anonymous` otherwise' })
  subject: string;
  @Field(() => PrincipalKind, { description: 'How the caller authenticated' })
  kind: PrincipalKind;
  @Field(() => String, { nullable: true, description: 'Display name (JWT `name` claim, or the API key\'s name)' })
  name: string | null;
  @Field(() => [Role], { description: 'Roles held' })
  roles: Role[];
  @Field(() => String, { nullable: true, description: 'Region code of the scope (000000 = the whole country); null when anonymous' })
  regionCode: string | null;
  @Field(() => Region, { nullable: true, description: 'The scope region (null for national scope and anonymous callers)' })
  region: Region | null;
  @Field(() => String, { nullable: true, description: 'Region code prefix every query is filtered by ("" = everything); null = no registry data' })
  scopePrefix: string | null;
  @Field(() => ID, { nullable: true, description: 'Global ID of the organization an ORGANIZATION_MANAGER acts for (JWT `org` claim)' })
  organizationId: string | null;
  @Field(() => ID, { nullable: true, description: 'Global ID of the expert an EXPERT acts as (JWT `expert` claim)' })
  expertId: string | null;
  @Field(() => String, { nullable: true, description: 'Name of the API key used, for service accounts' })
  apiKeyName: string | null;
  @Field(() => Date, { nullable: true, description: 'When the credential expires (JWT `exp`), if it does' })
  expiresAt: Date | null;
}

const REGION = /^(\d{6}|\d{9}|\d{12})$/;
const GRANTABLE = [Role.NATIONAL_ADMIN, Role.PROVINCIAL_COORDINATOR, Role.CITY_COORDINATOR, Role.COUNTY_COORDINATOR, Role.ANALYST, Role.AUDITOR];

@InputType({ description: 'A new service account API key' })
export class CreateApiKeyInput extends MutationInput {
  @Field({ description: 'Name of the service account (who uses the key, what for)' })
  @MinLength(3)
  @MaxLength(120)
  name: string;

  @Field(() => [Role], { description: 'Roles to grant: coordinator roles, ANALYST or AUDITOR (never above your own)' })
  @ArrayMinSize(1)
  @ArrayMaxSize(4)
  @IsIn(GRANTABLE, { each: true, message: 'service accounts may hold coordinator roles, ANALYST or AUDITOR' })
  roles: Role[];

  @Field({ description: 'Region code of the key\'s scope (000000 = the whole country); must lie within your own scope' })
  @Matches(REGION, { message: 'regionCode must be a 6, 9 or 12 digit division code' })
  regionCode: string;
}

@ObjectType({ description: 'Result of createApiKey' })
export class CreateApiKeyPayload extends Payload {
  @Field(() => ApiKey, { nullable: true, description: 'The key, when created' })
  apiKey?: ApiKey | null;

  @Field(() => String, { nullable: true, description: 'The secret key (zk_…): shown only in the first answer (a replay with the same idempotencyKey returns null: secrets are never stored), store it safely; send it as `X-API-Key` or `Authorization: Bearer`' })
  secret?: string | null;
}

@InputType({ description: 'Revoke an API key' })
export class RevokeApiKeyInput extends MutationInput {
  @Field(() => ID, { description: 'The key: its global ID or raw UUID' })
  id: string;

  @Field({ description: 'Why it is revoked (kept with the key and in the audit trail)' })
  @MinLength(3)
  @MaxLength(500)
  reason: string;
}

@ObjectType({ description: 'Result of revokeApiKey' })
export class RevokeApiKeyPayload extends Payload {
  @Field(() => ApiKey, { nullable: true, description: 'The key after revocation' })
  apiKey?: ApiKey | null;
}

@InputType({ description: 'Filters for listing API keys' })
export class ApiKeyFilter {
  @Field({ defaultValue: false, description: 'Include revoked keys (default false)' })
  includeRevoked: boolean;

  @Field(() => String, { nullable: true, description: 'Name contains this text' })
  nameContains?: string | null;
}
