import { Arg, Args, Authorized, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import { PageArgs, type Page } from '../../graphql/connection';
import { NOT_REMEMBERED } from '../../graphql/idempotency';
import { toGlobalId } from '../../graphql/node';
import { mutation } from '../../graphql/user-error';
import { NATIONAL_REGION } from '../../server/auth';
import type { Context } from '../context';
import { ApiKey } from './api-key.entity';
import { KEY_ADMINS } from './access.service';
import {
  ApiKeyConnection,
  ApiKeyFilter,
  CreateApiKeyInput,
  CreateApiKeyPayload,
  Me,
  PrincipalKind,
  RevokeApiKeyInput,
  RevokeApiKeyPayload,
} from './access.types';

/** Identity (`me`) and service-account API keys. */
@Resolver(() => ApiKey)
export class AccessResolver {
  @Query(() => Me, { description: 'Who am I: identity, roles and region scope (public: anonymous callers get kind ANONYMOUS)' })
  async me(@Ctx() ctx: Context): Promise<Me> {
    const p = ctx.principal;
    const region = p.regionCode && p.regionCode !== NATIONAL_REGION ? await ctx.loaders.regionByCode.load(p.regionCode) : null;
    return {
      subject: p.subject,
      kind: p.kind as PrincipalKind,
      name: p.name ?? null,
      roles: p.roles,
      regionCode: p.regionCode,
      region,
      scopePrefix: p.scopePrefix,
      organizationId: p.organizationId ? toGlobalId('Organization', p.organizationId) : null,
      expertId: p.expertId ? toGlobalId('Expert', p.expertId) : null,
      apiKeyName: p.kind === 'SERVICE_ACCOUNT' ? (p.name ?? null) : null,
      expiresAt: p.expiresAt ? new Date(p.expiresAt * 1000) : null,
    };
  }

  @Authorized(...KEY_ADMINS)
  @Query(() => ApiKeyConnection, { description: 'Service-account API keys in your scope, newest first (national admins, provincial coordinators)' })
  apiKeys(
    @Args() page: PageArgs,
    @Arg('filter', () => ApiKeyFilter, { nullable: true, description: 'Filters' }) filter: ApiKeyFilter | null,
    @Ctx() ctx: Context,
  ): Promise<Page<ApiKey>> {
    return ctx.services.access.list(ctx.scope, filter, page);
  }

  @Authorized(...KEY_ADMINS)
  @Mutation(() => CreateApiKeyPayload, { description: 'Create a service-account API key within your scope; the secret is returned only in this payload' })
  createApiKey(@Arg('input', { description: 'Name, roles and region scope of the key' }) input: CreateApiKeyInput, @Ctx() ctx: Context): Promise<CreateApiKeyPayload> {
    // The secret is never stored, not even for an idempotent replay: a replay returns the key with secret null.
    return mutation(input, () => ctx.services.access.create(ctx.actor, ctx.scope, input)).then((p) => Object.assign(p, { [NOT_REMEMBERED]: ['secret'] }));
  }

  @Authorized(...KEY_ADMINS)
  @Mutation(() => RevokeApiKeyPayload, { description: 'Revoke an API key in your scope; requests with it are refused from now on (HTTP 401)' })
  revokeApiKey(@Arg('input', { description: 'The key and the reason' }) input: RevokeApiKeyInput, @Ctx() ctx: Context): Promise<RevokeApiKeyPayload> {
    return mutation(input, async () => ({ apiKey: await ctx.services.access.revoke(ctx.actor, ctx.scope, input) }));
  }
}
